// Package sqlite stores ficus's run-time state — route states and the hash-chained audit log — in one
// SQLite file, using the pure-Go driver modernc.org/sqlite. It implements ficus.RouteStore and
// ficus.AuditLog; the chain itself (sealing, verification) belongs to package audit.
//
// The file is opened in WAL mode, so that another process (`ficus audit verify` while `ficus serve`
// runs) can read it while this one writes. Writes go through one connection and take SQLite's write
// lock when they begin, so that appends from many goroutines, and from several processes, are
// serialised and each one reads the head of the chain it extends.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/ficus-dev/ficus"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var (
	_ ficus.RouteStore = (*DB)(nil)
	_ ficus.AuditLog   = (*DB)(nil)
)

// busyTimeout is how long a statement waits for another connection's (or process's) lock before
// failing with SQLITE_BUSY. Writes are short, so waiting this long means something is stuck.
const busyTimeout = 10 * time.Second

// maxReaders bounds the read connections; SQLite readers do not block each other in WAL mode.
const maxReaders = 4

// DB is a ficus state store in a SQLite file. It is safe for concurrent use.
type DB struct {
	// Now returns the time recorded for entries that come without one. Nil means time.Now. Set it
	// before the DB is used.
	Now func() time.Time

	path   string
	writer *sql.DB // one connection: every write transaction is serialised through it
	reader *sql.DB
}

// Open opens the store at path, creating the file when it does not exist, and brings its schema up
// to date.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, "rwc")
}

// OpenExisting opens the store at path like Open but fails, with an error that wraps fs.ErrNotExist
// and names the path, when the file does not exist. Readers such as `ficus audit` use it so that a
// mistyped path is an error rather than a new, empty, perfectly valid log.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open store %s: %w", path, fs.ErrNotExist)
	} else if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return open(ctx, path, "rw")
}

func open(ctx context.Context, path, mode string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{path: path}
	if db.writer, err = sql.Open("sqlite", dsn(abs, mode, true)); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetConnMaxIdleTime(0) // keep the one connection: reopening it costs more than it saves
	if db.reader, err = sql.Open("sqlite", dsn(abs, "rw", false)); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.reader.SetMaxOpenConns(maxReaders)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

// dsn builds a SQLite URI for path. The writer begins its transactions IMMEDIATE, taking the write
// lock up front: a transaction that reads the chain's head and then writes must not find, when it
// writes, that another process has moved the head in between.
func dsn(path, mode string, writer bool) string {
	q := url.Values{}
	q.Set("mode", mode)
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	if !writer {
		q.Set("_query_only", "1")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL") // durable in WAL mode except on power loss, which loses only the last commits
		q.Set("_txlock", "immediate")
	}
	return (&url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: q.Encode()}).String()
}

// Path returns the path the store was opened with.
func (db *DB) Path() string { return db.path }

// Ping reports whether the store can be read, for readiness checks: it reads the audit head, which
// touches the file rather than only an idle connection.
func (db *DB) Ping(ctx context.Context) error {
	if _, _, err := db.AuditHead(ctx); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// Close closes the store's connections.
func (db *DB) Close() error {
	return errors.Join(db.reader.Close(), db.writer.Close())
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now()
	}
	return time.Now()
}

// write runs fn in a write transaction and commits it when fn succeeds.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
