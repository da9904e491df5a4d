package testdb

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A server that cannot start must say why: its log goes into the error.
func TestStartFailureReportsTheServerLog(t *testing.T) {
	t.Run("PostgreSQL", func(t *testing.T) {
		bin, err := postgresBinaries()
		if err != nil {
			t.Fatal(err)
		}
		owner, err := postgresOwner()
		if err != nil {
			t.Fatal(err)
		}
		dir := tempServerDir(t, "pg")
		if err := initPostgres(bin, dir, owner); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, "data", "PG_VERSION")); err != nil {
			t.Fatal(err)
		}
		_, err = onFreePort(func(port int) (*Postgres, error) { return runPostgres(bin, dir, port, owner) })
		assertLogTail(t, err, "postgres.log", "PG_VERSION")
	})
	t.Run("MariaDB", func(t *testing.T) {
		installDB, mariadbd, err := mariadbBinaries()
		if err != nil {
			t.Fatal(err)
		}
		dir := tempServerDir(t, "my")
		if err := installMariaDB(installDB, dir); err != nil {
			t.Fatal(err)
		}
		flags := mariadbCommonFlags
		t.Cleanup(func() { mariadbCommonFlags = flags })
		mariadbCommonFlags = append(flags[:len(flags):len(flags)], "--no-such-option")
		_, err = onFreePort(func(port int) (*MariaDB, error) { return runMariaDB(mariadbd, dir, port) })
		assertLogTail(t, err, "error.log", "no-such-option")
	})
}

func tempServerDir(t *testing.T, kind string) string {
	t.Helper()
	dir, err := serverDir(kind)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func assertLogTail(t *testing.T, err error, log, mention string) {
	t.Helper()
	if err == nil {
		t.Fatal("the server started, want a failure")
	}
	t.Logf("the error reads:\n%v", err)
	if msg := err.Error(); !strings.Contains(msg, "--- end of "+log+" ---") || !strings.Contains(msg, mention) {
		t.Errorf("the error does not quote %s mentioning %q:\n%s", log, mention, msg)
	}
}

// A server that dies while its test runs is reported when the test ends,
// with its log, rather than being silently cleaned up.
func TestServerThatDiesDuringItsTestIsReported(t *testing.T) {
	for _, engine := range []struct {
		name  string
		start func(testing.TB) (srv *server, dir string)
	}{
		{"PostgreSQL", func(t testing.TB) (*server, string) { p := StartPostgres(t); return p.srv, p.Dir }},
		{"MariaDB", func(t testing.TB) (*server, string) { m := StartMariaDB(t); return m.srv, m.Dir }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			var srv *server
			var dir string
			r := record(t, func(tb testing.TB) { srv, dir = engine.start(tb) })
			t.Cleanup(r.cleanup) // stops the server if the test fails early
			if r.ended != "" {
				t.Fatalf("start: %s", r.msg)
			}
			if err := syscall.Kill(srv.pid(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-srv.exited
			r.cleanup()
			r.cleanups = nil
			if len(r.errors) != 1 || !strings.Contains(r.errors[0], "exited before the test ended (signal: killed)") {
				t.Errorf("cleanup reported %q, want that the server exited before the test ended", r.errors)
			}
			assertStopped(t, srv.pid(), dir)
		})
	}
}
