package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" driver
)

// MariaDB is a running MariaDB server started by this package. Its root user
// has no password and all privileges; grants are enforced for other users.
type MariaDB struct {
	// DSN connects as root with github.com/go-sql-driver/mysql, without a
	// default database: root@tcp(127.0.0.1:PORT)/. Append a database name
	// (and ?parameters) to select one.
	DSN string
	// URL is the same as a URL: mysql://root@127.0.0.1:PORT/.
	URL string
	// Port is the loopback TCP port the server listens on.
	Port int
	// Dir holds the data directory (Dir/data), the binary log
	// (Dir/binlog.*), the logs, the temporary files (Dir/tmp) and the Unix
	// socket (Dir/sock). It is removed when the server stops.
	Dir string
	// PID is the server's process id; the process is gone once the server
	// has stopped.
	PID int

	srv *server
}

// StartMariaDB starts a MariaDB server for t alone, and stops it when t and
// its subtests end. It takes about a second; prefer SharedMariaDB with
// NewDatabase unless the test needs a server to itself.
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	m, err := startMariaDB()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		if err := m.stop(); err != nil {
			t.Errorf("testdb: %v", err)
		}
	})
	return m
}

// NewDatabase creates an empty database with a name unique to this process,
// and returns its name: connect with m.DSN + name. When t ends the database
// is dropped, after ending the connections that the test left in it.
func (m *MariaDB) NewDatabase(t testing.TB) (name string) {
	t.Helper()
	name = databaseName(t)
	if err := m.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := m.dropDatabase(name); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	return name
}

// dropDatabase drops the database name even when a test left connections in
// it: one holding a table lock would otherwise make DROP DATABASE wait for
// lock_wait_timeout, a day by default.
func (m *MariaDB) dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", m.DSN)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> connection_id()", name)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, id := range ids {
		// The connection may have ended meanwhile; the drop below reports
		// anything that still blocks it.
		_, _ = conn.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatInt(id, 10))
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION lock_wait_timeout = 20"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
	return err
}

// exec runs one statement as root.
func (m *MariaDB) exec(query string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", m.DSN)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

// stop shuts the server down with SIGTERM (MariaDB ignores SIGINT) and
// removes its directory.
func (m *MariaDB) stop() error {
	err := m.srv.stop()
	if rmErr := os.RemoveAll(m.Dir); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("remove mariadb directory: %w", rmErr))
	}
	return err
}

// startMariaDB creates a data directory in a new directory and starts a
// server on it.
func startMariaDB() (*MariaDB, error) {
	installDB, mariadbd, err := mariadbBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := serverDir("my")
	if err != nil {
		return nil, err
	}
	m, err := func() (*MariaDB, error) {
		if err := installMariaDB(installDB, dir); err != nil {
			return nil, err
		}
		return onFreePort(func(port int) (*MariaDB, error) { return runMariaDB(mariadbd, dir, port) })
	}()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return m, nil
}

// Settings shared by mariadb-install-db (which passes them on to the
// bootstrapping server) and the server. A small redo log keeps each data
// directory at about 30 MB instead of 110.
var mariadbCommonFlags = []string{"--innodb-log-file-size=16M"}

// asRoot adds --user=root when we are root: mariadbd refuses to run as root
// without it, and warns about it otherwise.
func asRoot(args []string) []string {
	if os.Geteuid() == 0 {
		return append(args, "--user=root")
	}
	return args
}

// installMariaDB creates the system tables in dir/data, with a root user
// that logs in with an empty password over TCP.
func installMariaDB(installDB, dir string) error {
	// A private tmpdir: concurrent bootstraps sharing /tmp collide on their
	// temporary table files and fail about one time in three.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("create mariadb tmpdir: %w", err)
	}
	args := asRoot([]string{
		"--no-defaults", // must come first; ignores /etc/mysql
		"--datadir=" + filepath.Join(dir, "data"),
		"--tmpdir=" + tmp,
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		"--skip-name-resolve",
	})
	cmd := exec.Command(installDB, append(args, mariadbCommonFlags...)...)
	cmd.Dir = dir
	if err := runTool(cmd); err != nil {
		return fmt.Errorf("create mariadb data directory: %w", err)
	}
	return nil
}

// runMariaDB starts the server on port and waits until it accepts
// connections.
func runMariaDB(mariadbd, dir string, port int) (*MariaDB, error) {
	socket := filepath.Join(dir, "sock")
	errorLog := filepath.Join(dir, "error.log")
	args := asRoot([]string{
		"--no-defaults", // must come first; ignores /etc/mysql
		"--datadir=" + filepath.Join(dir, "data"),
		"--tmpdir=" + filepath.Join(dir, "tmp"),
		"--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--socket=" + socket,
		"--pid-file=" + filepath.Join(dir, "mariadbd.pid"),
		"--log-error=" + errorLog,
		"--log-bin=" + filepath.Join(dir, "binlog"),
		"--binlog-format=ROW",
		"--server-id=1",
		"--skip-name-resolve",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--innodb-buffer-pool-size=128M",
		"--innodb-flush-log-at-trx-commit=0",
		// The data is thrown away: skip the work that only makes the next
		// start faster or the shutdown durable.
		"--innodb-buffer-pool-dump-at-shutdown=OFF",
		"--innodb-buffer-pool-load-at-startup=OFF",
		"--innodb-fast-shutdown=3",
		"--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
	})
	cmd := exec.Command(mariadbd, append(args, mariadbCommonFlags...)...)
	cmd.Dir = dir
	srv, err := launch("MariaDB", cmd, syscall.SIGTERM, filepath.Join(dir, "console.log"), errorLog)
	if err != nil {
		return nil, err
	}
	m := &MariaDB{
		DSN:  fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port),
		URL:  fmt.Sprintf("mysql://root@127.0.0.1:%d/", port),
		Port: port,
		Dir:  dir,
		PID:  srv.pid(),
		srv:  srv,
	}
	if err := srv.waitReady(func(ctx context.Context) error { return m.ping(ctx, socket) }); err != nil {
		srv.stop()
		return nil, err
	}
	return m, nil
}

// ping connects and checks that the server is the one listening on socket,
// not another that took the port.
func (m *MariaDB) ping(ctx context.Context, socket string) error {
	db, err := sql.Open("mysql", m.DSN)
	if err != nil {
		return err
	}
	defer db.Close()
	var got string
	if err := db.QueryRowContext(ctx, "SELECT @@socket").Scan(&got); err != nil {
		return err
	}
	if got != socket {
		return fmt.Errorf("port %d is taken by another server (socket %s)", m.Port, got)
	}
	return nil
}
