package testdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

const (
	// Generous because `go test` runs packages in parallel and a loaded CI
	// machine can be slow; a healthy server is ready in about a second.
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
	pollInterval = 20 * time.Millisecond
)

// server is one database server process started by this package.
type server struct {
	name       string // "PostgreSQL" or "MariaDB", for messages
	cmd        *exec.Cmd
	stopSignal syscall.Signal
	logs       []string // files whose tails explain a failure

	exited  chan struct{} // closed once the process has exited and been reaped
	waitErr error         // the process's exit status; read only after exited is closed
}

// launch starts cmd with its output appended to consoleLog. The process is
// killed if the test binary dies, because nothing else would stop it.
func launch(name string, cmd *exec.Cmd, stopSignal syscall.Signal, consoleLog string, logs ...string) (*server, error) {
	out, err := os.OpenFile(consoleLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	orphanProof(cmd)
	s := &server{name: name, cmd: cmd, stopSignal: stopSignal, logs: append([]string{consoleLog}, logs...), exited: make(chan struct{})}
	if err := spawn(cmd); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		out.Close()
		close(s.exited)
	}()
	return s, nil
}

// orphanProof makes the kernel kill cmd's process when the test binary dies.
func orphanProof(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// waitReady polls ready until it succeeds, the process exits or the start
// deadline passes. ready must also confirm that it reached this server and
// not another one that took the port.
func (s *server) waitReady(ready func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, time.Second)
		last = ready(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before accepting connections (%v)%s", s.name, s.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w%s", s.name, startTimeout, last, s.logTail())
		case <-time.After(pollInterval):
		}
	}
}

// stop asks the server to shut down, kills it if it takes too long, and waits
// until it is gone. An unclean exit is an error, since the server's log may
// explain a test's failure.
func (s *server) stop() error {
	select {
	case <-s.exited:
		// Something else stopped it while a test was using it.
		return fmt.Errorf("%s exited before the test ended (%v)%s", s.name, s.waitErr, s.logTail())
	default:
	}
	if err := s.cmd.Process.Signal(s.stopSignal); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", s.name, err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("%s did not shut down cleanly (%v)%s", s.name, s.waitErr, s.logTail())
		}
		return nil
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("stop %s: killed after %s%s", s.name, stopTimeout, s.logTail())
	}
}

// pid is the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// logTail is the end of each of the server's logs, ready to append to a
// message.
func (s *server) logTail() string {
	var b bytes.Buffer
	for _, path := range s.logs {
		data, err := os.ReadFile(path)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n--- end of %s ---\n%s", filepath.Base(path), tail(data, 30))
	}
	return b.String()
}

// tail returns the last n lines of data.
func tail(data []byte, n int) []byte {
	data = bytes.TrimRight(data, "\n")
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == '\n' {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}

// runTool runs a setup program such as initdb to completion; its output is
// only shown when it fails.
func runTool(cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	orphanProof(cmd)
	err := spawn(cmd)
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		return fmt.Errorf("%s: %w\n--- output ---\n%s", filepath.Base(cmd.Path), err, tail(out.Bytes(), 80))
	}
	return nil
}
