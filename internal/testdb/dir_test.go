package testdb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestSweepStaleDirs(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	dead, alive := deadPID(t), os.Getpid()
	cases := []struct {
		name     string
		dir      string
		age      time.Duration
		wantGone bool
	}{
		{"removes an old directory of a dead process", fmt.Sprintf("%s%d-pg-1", dirPrefix, dead), 2 * staleAfter, true},
		{"keeps a fresh directory of a dead process", fmt.Sprintf("%s%d-pg-2", dirPrefix, dead), time.Minute, false},
		{"keeps an old directory of a live process", fmt.Sprintf("%s%d-my-3", dirPrefix, alive), 2 * staleAfter, false},
		{"keeps a directory whose name has no pid", dirPrefix + "x-pg-4", 2 * staleAfter, false},
		{"keeps other directories", "other-1", 2 * staleAfter, false},
	}
	for _, tc := range cases {
		path := filepath.Join(root, tc.dir)
		if err := os.MkdirAll(filepath.Join(path, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, now.Add(-tc.age), now.Add(-tc.age)); err != nil {
			t.Fatal(err)
		}
	}
	sweepStaleDirs(root, now)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := os.Stat(filepath.Join(root, tc.dir))
			if gone := errors.Is(err, os.ErrNotExist); gone != tc.wantGone {
				t.Errorf("%s: gone = %v, want %v", tc.dir, gone, tc.wantGone)
			}
		})
	}
}
