package testdb

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func connectPostgres(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestStartPostgres(t *testing.T) {
	began := time.Now()
	p := StartPostgres(t)
	t.Logf("PostgreSQL started in %s", time.Since(began).Round(time.Millisecond))
	conn := connectPostgres(t, p.URL)

	if v := queryString(t, conn, "select version()"); !strings.HasPrefix(v, "PostgreSQL ") {
		t.Errorf("version() = %q, want PostgreSQL", v)
	}
	for setting, want := range map[string]string{
		"wal_level":               "logical",
		"port":                    strconv.Itoa(p.Port),
		"listen_addresses":        "127.0.0.1",
		"fsync":                   "off",
		"max_replication_slots":   "10",
		"server_encoding":         "UTF8",
		"unix_socket_directories": p.Dir,
	} {
		if got := queryString(t, conn, "show "+setting); got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	if user := queryString(t, conn, "select current_user"); user != "postgres" {
		t.Errorf("connected as %q, want the superuser postgres", user)
	}
}

func TestPostgresNewDatabaseIsIsolated(t *testing.T) {
	p := SharedPostgres(t)
	ctx := context.Background()
	first, second := p.NewDatabase(t), p.NewDatabase(t)
	if first == second {
		t.Fatalf("NewDatabase returned %s twice", first)
	}
	a, b := connectPostgres(t, first), connectPostgres(t, second)
	if _, err := a.Exec(ctx, "create table only_in_first (id int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "select count(*) from pg_tables where tablename = 'only_in_first'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a table created in %s is visible in %s", first, second)
	}
}

// Tests of change data capture leave replication slots and connections
// behind, and either would block a plain DROP DATABASE.
func TestPostgresNewDatabaseIsDroppedAtCleanupDespiteLeftovers(t *testing.T) {
	p := SharedPostgres(t)
	ctx := context.Background()
	var name string
	created := t.Run("test that leaves a slot streaming and a transaction open", func(t *testing.T) {
		url := p.NewDatabase(t)
		leaked, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		name = leaked.Config().Database
		for _, sql := range []string{
			"create publication everything for all tables",
			"select pg_create_logical_replication_slot('" + name + "', 'pgoutput')",
			"begin",
			"create table t (id int)",
		} {
			if _, err := leaked.Exec(ctx, sql); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		streamFromSlot(t, p, url, name)
	})
	if !created {
		t.FailNow()
	}
	var exists bool
	err := connectPostgres(t, p.URL).QueryRow(ctx,
		"select exists (select from pg_database where datname = $1) or exists (select from pg_replication_slots where slot_name = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s or its slot still exists after its test ended", name)
	}
}

// streamFromSlot starts streaming from the slot on a connection that it
// leaves open, and waits until the server shows the slot as active.
func streamFromSlot(t *testing.T, p *Postgres, url, slot string) {
	t.Helper()
	ctx := context.Background()
	repl, err := pgconn.Connect(ctx, url+"&replication=database")
	if err != nil {
		t.Fatal(err)
	}
	go repl.Exec(ctx, "START_REPLICATION SLOT "+slot+" LOGICAL 0/0 (proto_version '1', publication_names 'everything')").ReadAll()
	admin := connectPostgres(t, p.URL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var active bool
		if err := admin.QueryRow(ctx, "select active from pg_replication_slots where slot_name = $1", slot).Scan(&active); err != nil {
			t.Fatal(err)
		}
		if active {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %s not active after 10s", slot)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPostgresIsStoppedAtCleanup(t *testing.T) {
	var p *Postgres
	if !t.Run("test that starts a server", func(t *testing.T) { p = StartPostgres(t) }) {
		t.FailNow()
	}
	assertStopped(t, p.PID, p.Dir)
}

// assertStopped checks that the process pid is gone and dir removed.
func assertStopped(t *testing.T, pid int, dir string) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server process %d still exists after cleanup (kill -0: %v)", pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server directory %s still exists after cleanup (%v)", dir, err)
	}
}
