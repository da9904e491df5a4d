package testdb

import (
	"os/exec"
	"runtime"
	"sync"
)

// Pdeathsig fires when the OS thread that started a process exits, not only
// when the whole test process does, and the Go runtime ends a thread when a
// goroutine locked to it returns. So every process is started from one
// goroutine that keeps its thread for the life of the test process.
var (
	spawnOnce     sync.Once
	spawnRequests = make(chan spawnRequest)
)

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

// spawn starts cmd from the long-lived spawning thread.
func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		go func() {
			runtime.LockOSThread()
			for r := range spawnRequests {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawnRequests <- spawnRequest{cmd: cmd, done: done}
	return <-done
}
