package migrate

import (
	"context"
	"errors"
)

// ErrKeyOutOfRange is returned (wrapped) by Source.KeyBounds when the key's
// values do not fit in an int64 (an unsigned bigint above 2^63-1): the
// loader then pages the table by keyset instead of by ranges.
var ErrKeyOutOfRange = errors.New("key values beyond the int64 range")

// Source is a legacy database that rows are read from. Connectors
// (migrate/mysql, migrate/postgres, migrate/sqlite) implement it; the loader
// (migrate/load) drives it from several goroutines at once, so every method
// must be safe for concurrent use.
//
// Row values are raw bytes in the source's canonical form, nil for SQL NULL,
// so that the COPY encoders (migrate/pgcopy) can turn them into PostgreSQL
// values without knowing the source driver:
//
//   - integer types (and year): ASCII decimal, e.g. "-128", "18446744073709551615"
//   - decimal/numeric: ASCII decimal, e.g. "-12.50"; floats: ASCII as strconv
//     or MySQL print them ("1e-05", "3.14"), "NaN", "Infinity", "-Infinity"
//   - character types: the bytes as stored in the column's Charset (latin1
//     is cp1252; utf8/utf8mb4 and "" must be valid UTF-8)
//   - binary types and blobs: the raw bytes
//   - datetime/timestamp: "YYYY-MM-DD HH:MM:SS[.ffffff]" with an optional zone
//     offset ("+00", "+05:30", "-08"); without one the value is in UTC
//   - date: "YYYY-MM-DD" (MySQL zero dates such as "0000-00-00" included)
//   - time: "[-]HHH:MM:SS[.ffffff]"
//   - boolean: "0"/"1", "t"/"f" or "true"/"false"
//   - bit: the raw big-endian bytes, as MySQL sends them
//   - enum: the label; set: labels joined by commas
//   - json: the JSON text
//   - geometry: MySQL's internal form, a 4-byte little-endian SRID then WKB
//   - any type a rule passes through unchanged (Cast.Rule "keep-type", a
//     PostgreSQL source): PostgreSQL's text output for that type, except
//     bytea, which is the raw bytes
type Source interface {
	// Schema reads the source's tables, with Dialect set.
	Schema(ctx context.Context) (*Schema, error)
	// Estimate returns the approximate row count of table, from statistics
	// where the engine keeps them (cheap), else from count(*).
	Estimate(ctx context.Context, table *Table) (int64, error)
	// KeyBounds returns the smallest and largest value of table's
	// single-column integer primary key, with ok false when the table (after
	// filter) is empty.
	KeyBounds(ctx context.Context, table *Table, filter string) (lo, hi int64, ok bool, err error)
	// Read streams the rows q selects from table, calling fn for each with
	// the values of q.Columns in order. fn must not keep row or its slices
	// after it returns; an error from fn stops the read and is returned.
	Read(ctx context.Context, table *Table, q Query, fn func(row [][]byte) error) error
	// Close releases the connections.
	Close() error
}

// Query selects the rows of one chunk of a table.
type Query struct {
	// Columns are the source column names to read, in order.
	Columns []string
	// Filter is the user's row filter, a boolean SQL expression in the
	// source's dialect; empty means every row.
	Filter string
	// Key is the primary key's column names; set with Range or After.
	Key []string
	// Range, when set, restricts to the single integer key column within
	// [Lo, Hi], both ends included.
	Range  bool
	Lo, Hi int64
	// After, when non-nil, restricts to rows whose key (all Key columns,
	// compared as a row in the source's order) is greater than these values
	// (canonical form). Used with Limit for keyset chunks.
	After [][]byte
	// Ordered asks for the rows in Key order (needed with Limit).
	Ordered bool
	// Limit caps the row count; 0 means no cap.
	Limit int
}
