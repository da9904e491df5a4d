// Package postgres reads a PostgreSQL database as a migration source: the
// schema of one of its schemas from pg_catalog, into the source-neutral
// model of package migrate, and its rows in the canonical form of
// migrate.Source. It does not write to the source, and knows nothing of the
// target.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ficus-dev/ficus/migrate"
)

// Source reads a PostgreSQL schema. It is safe for concurrent use: each Read
// takes a connection of its own from the pool.
type Source struct {
	pool   *pgxpool.Pool
	schema string
}

var _ migrate.Source = (*Source)(nil)

const (
	// defaultSchema is the source schema when the URL names none.
	defaultSchema = "public"
	// defaultMaxConns caps the pool when the URL's pool_max_conns does not.
	defaultMaxConns = 32
)

// Open connects to the database that u names, a postgres:// or
// postgresql:// URL in libpq's syntax (pgxpool's pool_* parameters
// included; the pool holds at most 32 connections unless pool_max_conns
// says otherwise). The query parameter schema=NAME selects the source schema
// (default "public"). The sessions are read-only and print values as the
// canonical row form wants them: ISO dates, timestamps in UTC, floats
// exactly.
func Open(ctx context.Context, u string) (*Source, error) {
	connURL, schema, err := splitSchema(u)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(connURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(connURL, "pool_max_conns=") {
		// pgxpool's default, 4 on a small machine, would make the
		// loader's extra workers wait for a connection.
		cfg.MaxConns = defaultMaxConns
	}
	setSessionDefaults(cfg.ConnConfig.RuntimeParams, schema)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Source{pool: pool, schema: schema}
	if err := s.check(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return s, nil
}

// splitSchema takes the schema parameter out of u, which the server would
// otherwise receive as a setting it does not know.
func splitSchema(u string) (string, string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", "", fmt.Errorf("url: %w", err)
	}
	if parsed.Scheme != "postgres" && parsed.Scheme != "postgresql" {
		return "", "", fmt.Errorf("url: scheme %q, want postgres or postgresql", parsed.Scheme)
	}
	q := parsed.Query()
	schema := q.Get("schema")
	if schema == "" {
		schema = defaultSchema
	}
	q.Del("schema")
	parsed.RawQuery = q.Encode()
	return parsed.String(), schema, nil
}

// setSessionDefaults sets what the canonical row form relies on, unless the
// URL set it: the source schema first in the search path, so that
// format_type and the user's filters name its types and tables unqualified.
func setSessionDefaults(params map[string]string, schema string) {
	path := quoteIdent(schema)
	if schema != defaultSchema {
		path += ", public"
	}
	for k, v := range map[string]string{
		"search_path":                   path,
		"DateStyle":                     "ISO, MDY",
		"IntervalStyle":                 "postgres",
		"TimeZone":                      "UTC",
		"extra_float_digits":            "3",
		"default_transaction_read_only": "on",
		"application_name":              "ficus migrate",
	} {
		if _, set := params[k]; !set {
			params[k] = v
		}
	}
}

// check connects and proves the schema exists and may be used.
func (s *Source) check(ctx context.Context) error {
	var usage bool
	err := s.pool.QueryRow(ctx, `SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = $1`,
		s.schema).Scan(&usage)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %q", ErrUnknownSchema, s.schema)
	case err != nil:
		return classify(err)
	case !usage:
		return fmt.Errorf("%w: no USAGE on schema %q", ErrPrivileges, s.schema)
	}
	return nil
}

// Close closes the connection pool.
func (s *Source) Close() error {
	s.pool.Close()
	return nil
}

// quoteIdent quotes name as a PostgreSQL identifier, always, so that the
// source's spelling (CamelCase, spaces, reserved words) is kept.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (s *Source) table(t *migrate.Table) string {
	return quoteIdent(s.schema) + "." + quoteIdent(t.Name)
}

// Estimate returns the planner's row estimate, or count(*) when the table
// was never analysed (reltuples -1) or looked empty when it was: a stale 0
// costs little to check.
func (s *Source) Estimate(ctx context.Context, t *migrate.Table) (int64, error) {
	var n float64
	err := s.pool.QueryRow(ctx, `SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2`, s.schema, t.Name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: estimate %s: %w", t.Name, classify(err))
	}
	if n > 0 {
		return int64(n), nil
	}
	var count int64
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+s.table(t)).Scan(&count); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", t.Name, classify(err))
	}
	return count, nil
}

// KeyBounds returns the smallest and largest primary key value.
func (s *Source) KeyBounds(ctx context.Context, t *migrate.Table, filter string) (lo, hi int64, ok bool, err error) {
	if len(t.PrimaryKey) != 1 {
		return 0, 0, false, fmt.Errorf("postgres: key bounds of %s: the primary key is not one column", t.Name)
	}
	k := quoteIdent(t.PrimaryKey[0])
	q := "SELECT min(" + k + ")::text, max(" + k + ")::text FROM " + s.table(t) + where(filter)
	var min, max *string
	if err := s.pool.QueryRow(ctx, q).Scan(&min, &max); err != nil {
		return 0, 0, false, fmt.Errorf("postgres: key bounds of %s: %w", t.Name, classify(err))
	}
	if min == nil {
		return 0, 0, false, nil
	}
	lo, err1 := strconv.ParseInt(*min, 10, 64)
	hi, err2 := strconv.ParseInt(*max, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false, fmt.Errorf("postgres: key bounds of %s: %w", t.Name, migrate.ErrKeyOutOfRange)
	}
	return lo, hi, true, nil
}

func where(filter string) string {
	if filter == "" {
		return ""
	}
	return " WHERE (" + filter + ")"
}
