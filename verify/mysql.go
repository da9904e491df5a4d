package verify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/ficus-dev/ficus/migrate/mysql"
)

// mysqlDB is a MySQL or MariaDB source queried in SQL mode.
type mysqlDB struct {
	db   *sql.DB
	name string
	sem  chan struct{}
}

// openMySQL connects to the source URL (mysql:// or mariadb://, or a driver DSN). The session
// reads TIMESTAMP values in UTC, as the loader does.
func openMySQL(ctx context.Context, u string, conns int) (*mysqlDB, error) {
	cfg, err := mysqlConfig(u)
	if err != nil {
		return nil, fmt.Errorf("source URL: %w", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("source URL names no database")
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	if err := cfg.Apply(mysqldriver.Charset("utf8mb4", "")); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	connector, err := mysqldriver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(conns + 1)
	db.SetMaxIdleConns(conns + 1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to source %s: %w", cfg.Addr, err)
	}
	return &mysqlDB{db: db, name: cfg.DBName, sem: make(chan struct{}, conns)}, nil
}

// mysqlConfig reads a mysql:// or mariadb:// URL or a driver DSN, as migrate/mysql does.
func mysqlConfig(s string) (*mysqldriver.Config, error) { return mysql.ParseURL(s) }

func (d *mysqlDB) Close() error { return d.db.Close() }

// mysqlTable is one table of the source, hashed in SQL.
type mysqlTable struct {
	db   *mysqlDB
	t    *table
	from string
	row  string
	key  string
}

func (d *mysqlDB) table(t *table, r sqlRow) *mysqlTable {
	return &mysqlTable{db: d, t: t, from: mysqlQuote(d.name) + "." + mysqlQuote(t.plan.Source.Name), row: r.mysqlRow, key: r.mysqlKey}
}

func (m *mysqlTable) keyCol() string { return mysqlQuote(m.t.cols[m.t.key[0]].plan.Source.Name) }

// query runs q holding one of the database's slots and calls fn for each row.
func (m *mysqlTable) query(ctx context.Context, q string, fn func(cols []sql.RawBytes) error) error {
	select {
	case m.db.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-m.db.sem }()
	rows, err := m.db.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("source %s: %w", m.t.plan.Source.Name, err)
	}
	defer rows.Close()
	n, _ := rows.Columns()
	cols := make([]sql.RawBytes, len(n))
	dest := make([]any, len(n))
	for i := range cols {
		dest[i] = &cols[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("source %s: %w", m.t.plan.Source.Name, err)
		}
		if err := fn(cols); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("source %s: %w", m.t.plan.Source.Name, err)
	}
	return nil
}

func (m *mysqlTable) where(sc scope) []string {
	var conds []string
	if m.t.filter != "" {
		conds = append(conds, "("+m.t.filter+")")
	}
	if sc.ranges != nil {
		conds = append(conds, rangeCondition(m.keyCol(), sc.ranges))
	}
	if sc.buckets != nil {
		conds = append(conds, bucketCondition(m.bucket(sc.bucketBits), sc.buckets))
	}
	return conds
}

// bucket is the expression of a row's bucket at bits bits.
func (m *mysqlTable) bucket(bits uint) string {
	src := m.row
	if m.t.seg == byKeyHash {
		src = m.key
	}
	return "(" + mysqlHash(src) + "&" + strconv.FormatUint(mask(bits), 10) + ")"
}

func (m *mysqlTable) estimate(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := m.db.db.QueryRowContext(ctx, `SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
		m.db.name, m.t.plan.Source.Name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("source %s: estimate: %w", m.t.plan.Source.Name, err)
	}
	return n.Int64, nil
}

func (m *mysqlTable) bounds(ctx context.Context) (lo, hi int64, ok bool, err error) {
	k := m.keyCol()
	q := "SELECT CAST(MIN(" + k + ") AS CHAR), CAST(MAX(" + k + ") AS CHAR) FROM " + m.from + whereClause(m.where(scope{}))
	var l, h sql.NullString
	if err := m.db.db.QueryRowContext(ctx, q).Scan(&l, &h); err != nil {
		return 0, 0, false, fmt.Errorf("source %s: key bounds: %w", m.t.plan.Source.Name, err)
	}
	return parseBounds(l, h)
}

func parseBounds(l, h sql.NullString) (lo, hi int64, ok bool, err error) {
	if !l.Valid {
		return 0, 0, false, nil
	}
	lo, err1 := strconv.ParseInt(l.String, 10, 64)
	hi, err2 := strconv.ParseInt(h.String, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false, errOutOfRange
	}
	return lo, hi, true, nil
}

func (m *mysqlTable) aggregate(ctx context.Context, sc scope, g grouping, seen func(int64)) (aggregate, error) {
	var group string
	switch m.t.seg {
	case byKeyRange:
		group = mysqlOffset(m.keyCol(), g, m.t.hi)
	default:
		group = m.bucket(g.bits)
	}
	out := aggregate{}
	for _, part := range splitScope(sc) {
		q := "SELECT " + group + ", COUNT(*), SUM(" + mysqlHash(m.row) + ") FROM " + m.from + whereClause(m.where(part)) + " GROUP BY 1"
		err := m.query(ctx, q, func(cols []sql.RawBytes) error {
			s, id, err := parseSums(cols)
			if err != nil {
				return fmt.Errorf("source %s: %w", m.t.plan.Source.Name, err)
			}
			addSums(out, id, s)
			seen(s.rows)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mysqlOffset is the key's segment under g. The subtraction is done in DECIMAL when the key span
// does not fit a signed BIGINT.
func mysqlOffset(k string, g grouping, hi int64) string {
	base := strconv.FormatInt(g.base, 10)
	if uint64(hi-g.base) > math.MaxInt64 {
		return fmt.Sprintf("((CAST(%s AS DECIMAL(20))-(%s)) DIV %s)", k, base, strconv.FormatUint(uint64(1)<<g.shift, 10))
	}
	return fmt.Sprintf("((%s-(%s))>>%d)", k, base, g.shift)
}

func (m *mysqlTable) rows(ctx context.Context, sc scope, fn func([]byte) error) error {
	for _, part := range splitScope(sc) {
		q := "SELECT " + m.row + " FROM " + m.from + whereClause(m.where(part))
		if err := m.query(ctx, q, func(cols []sql.RawBytes) error { return fn(cols[0]) }); err != nil {
			return err
		}
	}
	return nil
}

// parseSums reads a row of segment id, count and hash sum (exact, in decimal): the sum is taken
// modulo 2^64, where signed and unsigned sums agree.
func parseSums(cols []sql.RawBytes) (sums, uint64, error) {
	id, err1 := strconv.ParseUint(string(cols[0]), 10, 64)
	n, err2 := strconv.ParseInt(string(cols[1]), 10, 64)
	h, err3 := mod64(string(cols[2]))
	if err := errors.Join(err1, err2, err3); err != nil {
		return sums{}, 0, fmt.Errorf("aggregate row: %w", err)
	}
	return sums{rows: n, hash: h}, id, nil
}

func addSums(a aggregate, id uint64, s sums) {
	t := a[id]
	t.rows += s.rows
	t.hash += s.hash
	a[id] = t
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// rangeCondition selects the keys of ranges.
func rangeCondition(k string, rs []keyRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r.lo == r.hi {
			parts[i] = k + "=" + strconv.FormatInt(r.lo, 10)
			continue
		}
		parts[i] = k + " BETWEEN " + strconv.FormatInt(r.lo, 10) + " AND " + strconv.FormatInt(r.hi, 10)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func bucketCondition(bucket string, ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return bucket + " IN (" + strings.Join(parts, ",") + ")"
}

// maxScopeItems bounds the ranges or buckets of one query, to keep statements short.
const maxScopeItems = 500

// splitScope cuts a scope into parts of at most maxScopeItems ranges or buckets.
func splitScope(sc scope) []scope {
	var out []scope
	switch {
	case len(sc.ranges) > maxScopeItems:
		for i := 0; i < len(sc.ranges); i += maxScopeItems {
			out = append(out, scope{ranges: sc.ranges[i:min(i+maxScopeItems, len(sc.ranges))]})
		}
	case len(sc.buckets) > maxScopeItems:
		for i := 0; i < len(sc.buckets); i += maxScopeItems {
			out = append(out, bucketScope(sc.bucketBits, sc.buckets[i:min(i+maxScopeItems, len(sc.buckets))]))
		}
	default:
		out = append(out, sc)
	}
	return out
}
