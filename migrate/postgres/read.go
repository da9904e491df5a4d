package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// Format codes of the extended query protocol.
const (
	textFormat   int16 = 0
	binaryFormat int16 = 1
)

// Read streams the chunk's rows. It works below pgx's type system: the
// values are PostgreSQL's text output, which is the canonical form, except
// bytea, requested in binary format, which is the raw bytes. Each row
// handed to fn is the protocol reader's own slices, without a copy or an
// allocation per value.
func (s *Source) Read(ctx context.Context, t *migrate.Table, q migrate.Query, fn func(row [][]byte) error) error {
	query := s.selectSQL(t, q)
	params, paramFormats := afterParams(t, q)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: read %s: %w", t.Name, classify(err))
	}
	defer conn.Release()
	// Cancelling the query is how a read stops early: closing the result
	// would otherwise read the rest of it. The connection is then closed
	// and the pool replaces it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rr := conn.Conn().PgConn().ExecParams(ctx, query, params, nil, paramFormats, resultFormats(t, q.Columns))
	for rr.NextRow() {
		if err := fn(rr.Values()); err != nil {
			cancel()
			rr.Close()
			return err
		}
	}
	if _, err := rr.Close(); err != nil {
		return fmt.Errorf("postgres: read %s: %w", t.Name, classify(err))
	}
	return nil
}

// selectSQL builds the chunk's query; afterParams gives its parameters.
func (s *Source) selectSQL(t *migrate.Table, q migrate.Query) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	writeList(&b, q.Columns)
	b.WriteString(" FROM " + s.table(t))
	var conds []string
	if q.Filter != "" {
		conds = append(conds, "("+q.Filter+")")
	}
	if q.Range {
		conds = append(conds, quoteIdent(q.Key[0])+" BETWEEN "+strconv.FormatInt(q.Lo, 10)+" AND "+strconv.FormatInt(q.Hi, 10))
	}
	if q.After != nil {
		conds = append(conds, afterCondition(t, q.Key, len(q.After)))
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if q.Ordered {
		b.WriteString(" ORDER BY ")
		writeList(&b, q.Key)
	}
	if q.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(q.Limit))
	}
	return b.String()
}

func writeList(b *strings.Builder, names []string) {
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(n))
	}
}

// afterCondition compares the key as a row, (k1, k2) > ($1::t1, $2::t2),
// which PostgreSQL answers with a scan of the key's index. Each parameter
// is cast to its column's full type, so that its canonical text is read by
// that type's input function; the modifiers matter, since character and
// bit without one mean a length of 1.
func afterCondition(t *migrate.Table, key []string, n int) string {
	cols, params := make([]string, n), make([]string, n)
	for i := 0; i < n; i++ {
		cols[i] = quoteIdent(key[i])
		params[i] = "$" + strconv.Itoa(i+1)
		if c := t.Column(key[i]); c != nil && c.FullType != "" {
			params[i] += "::" + c.FullType
		}
	}
	return "(" + strings.Join(cols, ", ") + ") > (" + strings.Join(params, ", ") + ")"
}

// afterParams passes the After values as they are: text for every type but
// bytea, whose canonical form is the raw bytes, its binary format.
func afterParams(t *migrate.Table, q migrate.Query) ([][]byte, []int16) {
	if q.After == nil {
		return nil, nil
	}
	formats := make([]int16, len(q.After))
	for i := range q.After {
		formats[i] = formatOf(t, q.Key[i])
	}
	return q.After, formats
}

// resultFormats asks for every column in text but bytea in binary.
func resultFormats(t *migrate.Table, columns []string) []int16 {
	var formats []int16
	for i, name := range columns {
		if formatOf(t, name) == binaryFormat {
			if formats == nil {
				formats = make([]int16, len(columns))
			}
			formats[i] = binaryFormat
		}
	}
	return formats
}

func formatOf(t *migrate.Table, column string) int16 {
	if c := t.Column(column); c != nil && c.Type == "bytea" {
		return binaryFormat
	}
	return textFormat
}
