package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/ficus-dev/ficus/migrate"
)

// Source reads rows from a MySQL or MariaDB database. It is safe for
// concurrent use: each Read takes a connection of its own from the pool.
type Source struct {
	db   *sql.DB
	cfg  *mysqldriver.Config
	name string
}

var _ migrate.Source = (*Source)(nil)

// Open connects to the database that u names: a URL
// mysql://user:password@host:port/database?param=value (mariadb:// too; the
// port defaults to 3306) or a go-sql-driver/mysql DSN. The session reads
// TIMESTAMP values in UTC and string values in their columns' own character
// sets (character_set_results = binary), which the canonical row form wants.
func Open(ctx context.Context, u string) (*Source, error) {
	cfg, err := ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("mysql: the URL names no database")
	}
	cfg.Params = mergeParams(cfg.Params, map[string]string{
		"time_zone":             "'+00:00'",
		"character_set_results": "binary",
	})
	cfg.InterpolateParams = true
	if cfg.Net == "tcp" {
		cfg.Net = bufferedTCP
	}
	connector, err := mysqldriver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("mysql: connect to %s: %w", cfg.Addr, classify(err))
	}
	return &Source{db: db, cfg: cfg, name: cfg.DBName}, nil
}

func mergeParams(have, add map[string]string) map[string]string {
	if have == nil {
		have = map[string]string{}
	}
	for k, v := range add {
		if _, set := have[k]; !set {
			have[k] = v
		}
	}
	return have
}

// ParseURL reads a mysql:// or mariadb:// URL (host 127.0.0.1 and port 3306 by default) or a
// go-sql-driver/mysql DSN into the driver's configuration. Its errors never quote the URL, which may
// hold a password.
func ParseURL(s string) (*mysqldriver.Config, error) {
	if !strings.HasPrefix(s, "mysql://") && !strings.HasPrefix(s, "mariadb://") {
		return mysqldriver.ParseDSN(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse's error quotes the URL, password included.
		return nil, errors.New("the URL does not parse")
	}
	cfg := mysqldriver.NewConfig()
	cfg.Net = "tcp"
	host := u.Hostname()
	if host == "" {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	cfg.Addr = host + ":" + port
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	for k, vs := range u.Query() {
		if len(vs) > 0 {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[k] = vs[len(vs)-1]
		}
	}
	return cfg, nil
}

// Schema reads the database's tables; see ReadSchema.
func (s *Source) Schema(ctx context.Context) (*migrate.Schema, error) {
	r := &reader{db: s.db, name: s.name}
	schema, err := r.read(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql: read schema %s: %w", s.name, classify(err))
	}
	return schema, nil
}

// Close closes the connection pool.
func (s *Source) Close() error { return s.db.Close() }

func (s *Source) table(t *migrate.Table) string { return quote(s.name) + "." + quote(t.Name) }

// Estimate returns InnoDB's row estimate, or count(*) when the statistics
// say the table is empty (they lag behind fresh inserts).
func (s *Source) Estimate(ctx context.Context, t *migrate.Table) (int64, error) {
	var n sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT TABLE_ROWS FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, s.name, t.Name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("mysql: estimate %s: %w", t.Name, classify(err))
	}
	if n.Valid && n.Int64 > 0 {
		return n.Int64, nil
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+s.table(t)).Scan(&n); err != nil {
		return 0, fmt.Errorf("mysql: count %s: %w", t.Name, classify(err))
	}
	return n.Int64, nil
}

// KeyBounds returns the smallest and largest primary key value.
func (s *Source) KeyBounds(ctx context.Context, t *migrate.Table, filter string) (lo, hi int64, ok bool, err error) {
	if len(t.PrimaryKey) != 1 {
		return 0, 0, false, fmt.Errorf("mysql: key bounds of %s: the primary key is not one column", t.Name)
	}
	k := quote(t.PrimaryKey[0])
	q := "SELECT CAST(MIN(" + k + ") AS CHAR), CAST(MAX(" + k + ") AS CHAR) FROM " + s.table(t) + where(filter)
	var min, max sql.NullString
	if err := s.db.QueryRowContext(ctx, q).Scan(&min, &max); err != nil {
		return 0, 0, false, fmt.Errorf("mysql: key bounds of %s: %w", t.Name, classify(err))
	}
	if !min.Valid {
		return 0, 0, false, nil
	}
	lo, err1 := strconv.ParseInt(min.String, 10, 64)
	hi, err2 := strconv.ParseInt(max.String, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false, fmt.Errorf("mysql: key bounds of %s: %w", t.Name, migrate.ErrKeyOutOfRange)
	}
	return lo, hi, true, nil
}

func where(filter string) string {
	if filter == "" {
		return ""
	}
	return " WHERE (" + filter + ")"
}

// selectSQL builds the chunk's query; afterArgs gives its arguments.
func (s *Source) selectSQL(t *migrate.Table, q migrate.Query) string {
	cols := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		cols[i] = quote(c)
	}
	var conds []string
	if q.Filter != "" {
		conds = append(conds, "("+q.Filter+")")
	}
	if q.Range {
		conds = append(conds, quote(q.Key[0])+" BETWEEN "+strconv.FormatInt(q.Lo, 10)+" AND "+strconv.FormatInt(q.Hi, 10))
	}
	if q.After != nil {
		conds = append(conds, afterCondition(q.Key, len(q.After)))
	}
	b := "SELECT " + strings.Join(cols, ", ") + " FROM " + s.table(t)
	if len(conds) > 0 {
		b += " WHERE " + strings.Join(conds, " AND ")
	}
	if q.Ordered {
		keys := make([]string, len(q.Key))
		for i, k := range q.Key {
			keys[i] = quote(k)
		}
		b += " ORDER BY " + strings.Join(keys, ", ")
	}
	if q.Limit > 0 {
		b += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return b
}

// afterCondition expands (k1, k2, k3) > (?, ?, ?) into the OR form, which
// every MySQL version plans as a range scan on the key, unlike a row
// comparison in older versions.
func afterCondition(key []string, n int) string {
	var ors []string
	for i := 0; i < n; i++ {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, quote(key[j])+" = ?")
		}
		ands = append(ands, quote(key[i])+" > ?")
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// Read streams the chunk's rows. It works below database/sql so that values
// arrive as slices of the driver's read buffer, without a copy per value.
func (s *Source) Read(ctx context.Context, t *migrate.Table, q migrate.Query, fn func(row [][]byte) error) error {
	query, args := s.selectSQL(t, q), afterArgs(q)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mysql: read %s: %w", t.Name, classify(err))
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("driver connection cannot query")
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := qc.QueryContext(ctx, query, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		return stream(rows, len(q.Columns), fn)
	})
	if err != nil {
		return fmt.Errorf("mysql: read %s: %w", t.Name, classify(err))
	}
	return nil
}

// afterArgs lists the After values as afterCondition's placeholders need
// them: for position i, the first i values then value i.
func afterArgs(q migrate.Query) []any {
	var out []any
	for i := range q.After {
		for j := 0; j <= i; j++ {
			out = append(out, string(q.After[j]))
		}
	}
	return out
}

// stream turns the driver's values into canonical bytes: the driver parses
// integers and floats of the text protocol; they are printed back.
func stream(rows driver.Rows, n int, fn func([][]byte) error) error {
	dest := make([]driver.Value, n)
	row := make([][]byte, n)
	var scratch []byte
	for {
		if err := rows.Next(dest); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		scratch = scratch[:0]
		for i, v := range dest {
			start := len(scratch)
			switch x := v.(type) {
			case nil:
				row[i] = nil
				continue
			case []byte:
				row[i] = x
				continue
			case int64:
				scratch = strconv.AppendInt(scratch, x, 10)
			case uint64:
				scratch = strconv.AppendUint(scratch, x, 10)
			case float32:
				scratch = appendFloat(scratch, float64(x), 32)
			case float64:
				scratch = appendFloat(scratch, x, 64)
			default:
				return fmt.Errorf("column %d: unexpected driver value %T", i, v)
			}
			row[i] = scratch[start:len(scratch):len(scratch)]
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}
