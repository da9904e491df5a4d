package testdb

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestSharedServersAreReused(t *testing.T) {
	t.Run("PostgreSQL", func(t *testing.T) {
		first := SharedPostgres(t)
		var second *Postgres
		t.Run("another test", func(t *testing.T) { second = SharedPostgres(t) })
		if first != second {
			t.Errorf("second call started another server (port %d, first on %d)", second.Port, first.Port)
		}
		assertRunning(t, first.PID)
	})
	t.Run("MariaDB", func(t *testing.T) {
		first := SharedMariaDB(t)
		var second *MariaDB
		t.Run("another test", func(t *testing.T) { second = SharedMariaDB(t) })
		if first != second {
			t.Errorf("second call started another server (port %d, first on %d)", second.Port, first.Port)
		}
		assertRunning(t, first.PID)
	})
}

type stopCounter struct{ stops int }

func (s *stopCounter) stop() error { s.stops++; return nil }

func TestLazyServerStartsOnceUnderConcurrentFirstUse(t *testing.T) {
	var l lazyServer[*stopCounter]
	var starts atomic.Int32
	start := func() (*stopCounter, error) { starts.Add(1); return &stopCounter{}, nil }
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { l.get(start) })
	}
	wg.Wait()
	if n := starts.Load(); n != 1 {
		t.Errorf("started %d times, want once", n)
	}
	if err := l.stop(); err != nil || l.srv.stops != 1 {
		t.Errorf("stop: err %v, %d stops, want one", err, l.srv.stops)
	}
}

func TestLazyServerRemembersAFailedStart(t *testing.T) {
	var l lazyServer[*stopCounter]
	failure := errors.New("no binary")
	starts := 0
	start := func() (*stopCounter, error) { starts++; return nil, failure }
	for range 2 {
		if _, err := l.get(start); !errors.Is(err, failure) {
			t.Errorf("get: %v, want %v", err, failure)
		}
	}
	if starts != 1 {
		t.Errorf("started %d times, want once", starts)
	}
	if err := l.stop(); err != nil {
		t.Errorf("stopping a server that never started: %v", err)
	}
}

func TestTwoServersRunAtOnce(t *testing.T) {
	// Started concurrently, as parallel test packages do.
	var wg sync.WaitGroup
	var pg [2]*Postgres
	var my [2]*MariaDB
	errs := make([]error, 4)
	for i := range 2 {
		wg.Go(func() { pg[i], errs[i] = startPostgres() })
		wg.Go(func() { my[i], errs[2+i] = startMariaDB() })
	}
	wg.Wait()
	for i := range 2 {
		if pg[i] != nil {
			t.Cleanup(func() { pg[i].stop() })
		}
		if my[i] != nil {
			t.Cleanup(func() { my[i].stop() })
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if pg[0].Port == pg[1].Port || pg[0].Dir == pg[1].Dir || my[0].Port == my[1].Port || my[0].Dir == my[1].Dir {
		t.Fatalf("servers share a port or a directory: %+v %+v %+v %+v", pg[0], pg[1], my[0], my[1])
	}
	for i := range 2 {
		// Each answers on its own port with its own identity.
		if got := queryString(t, connectPostgres(t, pg[i].URL), "show cluster_name"); got != filepath.Base(pg[i].Dir) {
			t.Errorf("PostgreSQL on port %d is cluster %q, want %q", pg[i].Port, got, filepath.Base(pg[i].Dir))
		}
		if got := queryMariaDB(t, openMariaDB(t, my[i].DSN), "select @@socket"); got != filepath.Join(my[i].Dir, "sock") {
			t.Errorf("MariaDB on port %d has socket %q, want one in %s", my[i].Port, got, my[i].Dir)
		}
	}
}
