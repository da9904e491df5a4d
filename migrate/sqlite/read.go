package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ficus-dev/ficus/migrate"
)

// Read streams the chunk's rows. It works below database/sql so that each
// row's values go into one reused buffer rather than a Scan destination
// each.
func (s *Source) Read(ctx context.Context, t *migrate.Table, q migrate.Query, fn func(row [][]byte) error) error {
	query, args := selectSQL(t, q), afterArgs(q)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: read %s: %w", t.Name, classify(err))
	}
	defer conn.Close()
	var fnErr error
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("driver connection cannot query")
		}
		rows, err := qc.QueryContext(ctx, query, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		fnErr, err = stream(rows, timeKinds(t, q.Columns), fn)
		return err
	})
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return fmt.Errorf("sqlite: read %s: %w", t.Name, classify(err))
	}
	return nil
}

// selectSQL builds the chunk's query; afterArgs gives its arguments. Every
// column is selected as +column, the same value without the column's
// declared type, so that the driver hands over DATE and DATETIME values as
// the text they are stored as instead of parsing them (slowly) into
// time.Time: key values then compare equal to themselves in the next keyset
// chunk's condition, and the other date and time values are put in
// canonical form by normalizeTime.
func selectSQL(t *migrate.Table, q migrate.Query) string {
	cols := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		cols[i] = "+" + quoteIdent(c)
	}
	var conds []string
	if q.Filter != "" {
		conds = append(conds, "("+q.Filter+")")
	}
	if q.Range {
		conds = append(conds, quoteIdent(q.Key[0])+" BETWEEN "+strconv.FormatInt(q.Lo, 10)+" AND "+strconv.FormatInt(q.Hi, 10))
	}
	if q.After != nil {
		conds = append(conds, afterCondition(q.Key, len(q.After)))
	}
	b := "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(t.Name)
	if len(conds) > 0 {
		b += " WHERE " + strings.Join(conds, " AND ")
	}
	if q.Ordered {
		keys := make([]string, len(q.Key))
		for i, k := range q.Key {
			keys[i] = quoteIdent(k)
		}
		b += " ORDER BY " + strings.Join(keys, ", ")
	}
	if q.Limit > 0 {
		b += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return b
}

// afterCondition compares the key as a row value, (k1, k2) > (?, ?), which
// SQLite answers from the key's index.
func afterCondition(key []string, n int) string {
	cols, params := make([]string, n), make([]string, n)
	for i := 0; i < n; i++ {
		cols[i], params[i] = quoteIdent(key[i]), "?"
	}
	return "(" + strings.Join(cols, ", ") + ") > (" + strings.Join(params, ", ") + ")"
}

// afterArgs binds each After value with the storage class its canonical
// form came from, so that it compares as the stored value does: SQLite
// orders integers and reals before text and text before blobs, and applies
// a column's numeric or text affinity to a parameter, but a column declared
// with no type has none. A decimal that prints back the same is an integer,
// a number that prints back the same a real, valid UTF-8 text, anything
// else a blob.
func afterArgs(q migrate.Query) []driver.NamedValue {
	args := make([]driver.NamedValue, len(q.After))
	for i, v := range q.After {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: storageValue(v)}
	}
	return args
}

func storageValue(b []byte) driver.Value {
	s := string(b)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
		return n
	}
	if len(s) > 0 && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') || s == "Infinity" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && string(appendFloat(nil, f)) == s {
			return f
		}
	}
	if utf8.ValidString(s) {
		return s
	}
	return b
}

// stream turns the driver's values into canonical bytes. It returns fn's
// error apart from the driver's.
func stream(rows driver.Rows, kinds []timeKind, fn func([][]byte) error) (fnErr, err error) {
	dest := make([]driver.Value, len(kinds))
	row := make([][]byte, len(kinds))
	// scratch is never nil, so that an empty text value is an empty slice
	// and not NULL.
	scratch := make([]byte, 0, 4096)
	for {
		if err := rows.Next(dest); err != nil {
			if err == io.EOF {
				return nil, nil
			}
			return nil, err
		}
		scratch = scratch[:0]
		for i, v := range dest {
			switch x := v.(type) {
			case nil:
				row[i] = nil
				continue
			case []byte:
				if x == nil {
					x = emptyBlob
				}
				row[i] = x
				continue
			}
			start := len(scratch)
			if scratch, err = appendValue(scratch, v, kinds[i]); err != nil {
				return nil, fmt.Errorf("column %d: %w", i, err)
			}
			row[i] = scratch[start:len(scratch):len(scratch)]
		}
		if err := fn(row); err != nil {
			return err, nil
		}
	}
}

// emptyBlob is an empty blob, which is not NULL.
var emptyBlob = []byte{}

// appendValue appends the canonical form of a driver value other than a
// blob or NULL: SQLite's dynamic typing means any column may hold any of
// them.
func appendValue(b []byte, v driver.Value, kind timeKind) ([]byte, error) {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		return appendFloat(b, x), nil
	case string:
		return appendTime(b, x, kind), nil
	case time.Time:
		return appendTimeValue(b, x, kind), nil
	}
	return b, fmt.Errorf("unexpected driver value %T", v)
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
