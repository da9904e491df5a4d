package testdb

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// The shared servers of this test process.
var shared struct {
	inMain atomic.Bool // Main is running, so someone will stop the servers
	pg     lazyServer[*Postgres]
	maria  lazyServer[*MariaDB]
}

// lazyServer is a server started on first use; a failed start is remembered
// so that every later test fails at once with the same error.
type lazyServer[T interface{ stop() error }] struct {
	mu      sync.Mutex
	started bool
	srv     T
	err     error
}

func (l *lazyServer[T]) get(start func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		l.started = true
		l.srv, l.err = start()
	}
	return l.srv, l.err
}

func (l *lazyServer[T]) stop() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started || l.err != nil {
		return nil
	}
	return l.srv.stop()
}

// SharedPostgres returns the PostgreSQL server shared by the tests of this
// process, starting it on first use. Tests must not change its settings or
// stop it; each should work in its own database (NewDatabase). The test
// package's TestMain must call Main, which stops the server.
func SharedPostgres(t testing.TB) *Postgres {
	t.Helper()
	requireMain(t, "SharedPostgres")
	p, err := shared.pg.get(startPostgres)
	if err != nil {
		t.Fatalf("testdb: shared server: %v", err)
	}
	return p
}

// SharedMariaDB returns the MariaDB server shared by the tests of this
// process, starting it on first use; see SharedPostgres.
func SharedMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	requireMain(t, "SharedMariaDB")
	m, err := shared.maria.get(startMariaDB)
	if err != nil {
		t.Fatalf("testdb: shared server: %v", err)
	}
	return m
}

// requireMain fails t when no TestMain calls Main: the shared servers would
// then never be stopped and their directories never removed.
func requireMain(t testing.TB, caller string) {
	t.Helper()
	if !shared.inMain.Load() {
		t.Fatalf("testdb: %s needs the package's TestMain to call testdb.Main(m), which stops shared servers", caller)
	}
}

// Main runs the tests, stops the shared servers, and exits with the tests'
// status (or 1 when a server did not stop cleanly). Use it as the whole of
// TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
func Main(m *testing.M) {
	shared.inMain.Store(true)
	code := m.Run()
	if err := stopShared(); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func stopShared() error {
	return errors.Join(shared.pg.stop(), shared.maria.stop())
}
