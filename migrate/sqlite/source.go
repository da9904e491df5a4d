// Package sqlite reads an SQLite database file as a migration source: its
// schema from sqlite_schema and the table pragmas, into the source-neutral
// model of package migrate, and its rows in the canonical form of
// migrate.Source. The file is opened read-only and never created.
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
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/ficus-dev/ficus/migrate"
)

// Source reads an SQLite database. It is safe for concurrent use: each Read
// takes a connection of its own from the pool.
type Source struct {
	db *sql.DB
	// name is the file's base name without its extension, the schema's Name.
	name string
}

var _ migrate.Source = (*Source)(nil)

// Open opens the database file that u names: sqlite:///abs/path.db,
// sqlite:relative/path.db, a file: URI or a plain path. URI query
// parameters are passed to SQLite, but the file is always opened read-only
// (mode=ro): a missing file is ErrUnknownDatabase, never a new empty
// database, and a file that is not a database is ErrNotADatabase.
func Open(ctx context.Context, u string) (*Source, error) {
	path, params, err := parseURL(u)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := checkFile(abs); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	db, err := sql.Open("sqlite", dataSource(abs, params))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	// SQLite reads the header lazily: the first query tells a database
	// from any other file.
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, classify(err))
	}
	base := filepath.Base(abs)
	return &Source{db: db, name: strings.TrimSuffix(base, filepath.Ext(base))}, nil
}

// parseURL returns the file path and the query parameters of u.
func parseURL(u string) (string, url.Values, error) {
	var rest string
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		rest = u[len("sqlite:"):]
	case strings.HasPrefix(u, "file:"):
		rest = u[len("file:"):]
	default:
		if u == "" {
			return "", nil, errors.New("no database path")
		}
		return u, url.Values{}, nil
	}
	rest, query, _ := strings.Cut(rest, "?")
	if strings.HasPrefix(rest, "//") { // an authority, empty or localhost
		rest = strings.TrimPrefix(rest[2:], "localhost")
	}
	path, err := url.PathUnescape(rest)
	if err != nil {
		return "", nil, fmt.Errorf("url %q: %w", u, err)
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", nil, fmt.Errorf("url %q: %w", u, err)
	}
	if path == "" {
		return "", nil, fmt.Errorf("url %q: no database path", u)
	}
	return path, params, nil
}

// checkFile refuses a path with no readable regular file: SQLite would
// create a missing one, or fail later with a vaguer message.
func checkFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", ErrUnknownDatabase, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w", ErrAccessDenied, err)
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%w: %s is a directory", ErrNotADatabase, path)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("%w: %w", ErrAccessDenied, err)
		}
		return err
	}
	return f.Close()
}

// dataSource builds the driver's URI: the path escaped, mode=ro forced, and
// a busy timeout so that a writer's lock on a live database delays a read
// instead of failing it.
func dataSource(path string, params url.Values) string {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("mode", "ro")
	if !strings.Contains(strings.Join(q["_pragma"], ","), "busy_timeout") {
		q.Add("_pragma", "busy_timeout(10000)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the connection pool.
func (s *Source) Close() error { return s.db.Close() }

// quoteIdent quotes name as an SQLite identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Estimate returns count(*): SQLite keeps no row count, and counting reads
// only the smallest index.
func (s *Source) Estimate(ctx context.Context, t *migrate.Table) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(t.Name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", t.Name, classify(err))
	}
	return n, nil
}

// KeyBounds returns the smallest and largest primary key value. A column
// that is not a rowid alias may hold values of any type: when the smallest
// or largest is not an integer (SQLite sorts reals among the integers and
// text and blobs after them) the key cannot be cut into integer ranges, and
// the error wraps migrate.ErrKeyOutOfRange.
func (s *Source) KeyBounds(ctx context.Context, t *migrate.Table, filter string) (lo, hi int64, ok bool, err error) {
	if len(t.PrimaryKey) != 1 {
		return 0, 0, false, fmt.Errorf("sqlite: key bounds of %s: the primary key is not one column", t.Name)
	}
	k := quoteIdent(t.PrimaryKey[0])
	q := "SELECT min(" + k + "), max(" + k + ") FROM " + quoteIdent(t.Name)
	if filter != "" {
		q += " WHERE (" + filter + ")"
	}
	var min, max any
	if err := s.db.QueryRowContext(ctx, q).Scan(&min, &max); err != nil {
		return 0, 0, false, fmt.Errorf("sqlite: key bounds of %s: %w", t.Name, classify(err))
	}
	if min == nil {
		return 0, 0, false, nil
	}
	if err := s.checkNoNullKey(ctx, t); err != nil {
		return 0, 0, false, err
	}
	lo, ok1 := min.(int64)
	hi, ok2 := max.(int64)
	if !ok1 || !ok2 {
		return 0, 0, false, fmt.Errorf("sqlite: key bounds of %s: %w", t.Name, migrate.ErrKeyOutOfRange)
	}
	return lo, hi, true, nil
}

// checkNoNullKey refuses a key column holding NULLs, which SQLite allows in
// a primary key that is not a rowid alias: ranges and keysets would skip
// those rows, and PostgreSQL could not make the column a primary key.
func (s *Source) checkNoNullKey(ctx context.Context, t *migrate.Table) error {
	if c := t.Column(t.PrimaryKey[0]); c != nil && c.AutoIncrement {
		return nil
	}
	k := quoteIdent(t.PrimaryKey[0])
	var null bool
	q := "SELECT EXISTS (SELECT 1 FROM " + quoteIdent(t.Name) + " WHERE " + k + " IS NULL)"
	if err := s.db.QueryRowContext(ctx, q).Scan(&null); err != nil {
		return fmt.Errorf("sqlite: key bounds of %s: %w", t.Name, classify(err))
	}
	if null {
		return fmt.Errorf("sqlite: key bounds of %s: primary key %s holds NULLs", t.Name, t.PrimaryKey[0])
	}
	return nil
}
