package testdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// dirPrefix starts the name of every server directory, followed by the pid
// of the test process that owns it. Short, because a Unix socket path must
// fit in 107 bytes.
const dirPrefix = "ficus-testdb-"

// staleAfter is how old a dead process's directory must be before it is
// removed; the age guards against a pid that only looks dead because it
// lives in another pid namespace sharing this temp dir.
const staleAfter = time.Hour

var sweepOnce sync.Once

// serverDir creates a private directory for one server. Directories are
// normally removed when their server stops; the first call in a process also
// removes those left behind by test processes that were killed.
func serverDir(kind string) (string, error) {
	sweepOnce.Do(func() { sweepStaleDirs(os.TempDir(), time.Now()) })
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-%s-", dirPrefix, os.Getpid(), kind))
	if err != nil {
		return "", fmt.Errorf("create server directory: %w", err)
	}
	return dir, nil
}

// sweepStaleDirs removes the server directories under root whose owning
// process is gone and which are older than staleAfter.
func sweepStaleDirs(root string, now time.Time) {
	paths, _ := filepath.Glob(filepath.Join(root, dirPrefix+"*"))
	for _, path := range paths {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(path), dirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || processAlive(pid) {
			continue
		}
		if info, err := os.Stat(path); err == nil && now.Sub(info.ModTime()) > staleAfter {
			os.RemoveAll(path)
		}
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
