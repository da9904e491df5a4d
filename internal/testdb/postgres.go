package testdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a running PostgreSQL server started by this package. Its
// superuser is postgres, with no password.
type Postgres struct {
	// URL connects to the postgres database as the superuser:
	// postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable.
	URL string
	// Port is the loopback TCP port the server listens on.
	Port int
	// Dir holds the data directory (Dir/data), the log (Dir/postgres.log)
	// and the Unix socket. It is removed when the server stops.
	Dir string
	// PID is the postmaster's process id; the process is gone once the
	// server has stopped.
	PID int

	srv *server
}

// StartPostgres starts a PostgreSQL server for t alone, and stops it when t
// and its subtests end. It takes about a second; prefer SharedPostgres with
// NewDatabase unless the test needs a server to itself, for instance to
// change its settings or stop it.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	p, err := startPostgres()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("testdb: %v", err)
		}
	})
	return p
}

// NewDatabase creates an empty database with a name unique to this process,
// and returns a URL that connects to it as the superuser. When t ends the
// database is dropped, after ending the connections and replication streams
// that the test left open.
func (p *Postgres) NewDatabase(t testing.TB) string {
	t.Helper()
	name := databaseName(t)
	if err := p.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := p.dropDatabase(name); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	return p.databaseURL(name)
}

// dropDatabase drops the database name even when a test left connections or
// replication slots behind, as tests of change data capture do. DROP
// DATABASE drops inactive slots itself, but refuses while a slot is active,
// even WITH (FORCE), so the connections streaming from slots are ended
// first.
func (p *Postgres) dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Waits up to 5 s for each connection to end.
	_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}

func (p *Postgres) databaseURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, name)
}

// exec runs one statement in the postgres database.
func (p *Postgres) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// stop shuts the server down with SIGINT (fast shutdown: no waiting for
// clients) and removes its directory.
func (p *Postgres) stop() error {
	err := p.srv.stop()
	if rmErr := os.RemoveAll(p.Dir); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("remove postgres directory: %w", rmErr))
	}
	return err
}

// startPostgres creates a cluster in a new directory and starts a server on
// it.
func startPostgres() (*Postgres, error) {
	bin, err := postgresBinaries()
	if err != nil {
		return nil, err
	}
	owner, err := postgresOwner()
	if err != nil {
		return nil, err
	}
	dir, err := serverDir("pg")
	if err != nil {
		return nil, err
	}
	p, err := func() (*Postgres, error) {
		if err := initPostgres(bin, dir, owner); err != nil {
			return nil, err
		}
		return onFreePort(func(port int) (*Postgres, error) { return runPostgres(bin, dir, port, owner) })
	}()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

// postgresOwner returns the OS user the server runs as: PostgreSQL refuses
// to run as root, so when we are root it is the postgres user that the
// Debian package creates. nil means the current user.
func postgresOwner() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("look up the postgres OS user (created by the Debian package postgresql): %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("postgres uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("postgres gid %q: %w", u.Gid, err)
	}
	// No supplementary groups: the server must not keep root's.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// asOwner prepares cmd to run in dir as owner.
func asOwner(cmd *exec.Cmd, dir string, owner *syscall.Credential) *exec.Cmd {
	cmd.Dir = dir
	if owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: owner}
	}
	return cmd
}

// initPostgres runs initdb into dir/data. --no-sync saves most of its time;
// the data is thrown away anyway.
func initPostgres(bin, dir string, owner *syscall.Credential) error {
	if owner != nil {
		if err := os.Chown(dir, int(owner.Uid), int(owner.Gid)); err != nil {
			return fmt.Errorf("give the postgres directory to the postgres user: %w", err)
		}
	}
	cmd := exec.Command(filepath.Join(bin, "initdb"),
		"--pgdata="+filepath.Join(dir, "data"), "--auth=trust", "--username=postgres",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	if err := runTool(asOwner(cmd, dir, owner)); err != nil {
		return fmt.Errorf("create postgres cluster: %w", err)
	}
	return nil
}

// runPostgres starts the server on port and waits until it accepts
// connections. The server is started directly, not through pg_ctl, so that
// it is our child: we can wait for it and the kernel kills it with us.
func runPostgres(bin, dir string, port int, owner *syscall.Credential) (*Postgres, error) {
	// cluster_name lets the readiness check tell our server from another
	// that took the port, and names our processes in ps.
	cluster := filepath.Base(dir)
	args := []string{"-D", filepath.Join(dir, "data")}
	for _, setting := range []string{
		"listen_addresses=127.0.0.1",
		"port=" + strconv.Itoa(port),
		"unix_socket_directories=" + dir,
		"cluster_name=" + cluster,
		"fsync=off",
		"synchronous_commit=off",
		"full_page_writes=off",
		"wal_level=logical",
		"max_wal_senders=10",
		"max_replication_slots=10",
		"shared_buffers=64MB",
	} {
		args = append(args, "-c", setting)
	}
	cmd := asOwner(exec.Command(filepath.Join(bin, "postgres"), args...), dir, owner)
	srv, err := launch("PostgreSQL", cmd, syscall.SIGINT, filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	p := &Postgres{Port: port, Dir: dir, PID: srv.pid(), srv: srv}
	p.URL = p.databaseURL("postgres")
	if err := srv.waitReady(func(ctx context.Context) error { return p.ping(ctx, cluster) }); err != nil {
		srv.stop()
		return nil, err
	}
	return p, nil
}

// ping connects and checks that the server is the one named cluster.
func (p *Postgres) ping(ctx context.Context, cluster string) error {
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var name string
	if err := conn.QueryRow(ctx, "SHOW cluster_name").Scan(&name); err != nil {
		return err
	}
	if name != cluster {
		return fmt.Errorf("port %d is taken by another server (cluster %q)", p.Port, name)
	}
	return nil
}
