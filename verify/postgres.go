package verify

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ficus-dev/ficus/migrate"
)

// pgDB is the PostgreSQL target.
type pgDB struct {
	pool *pgxpool.Pool
	sem  chan struct{}
}

// openPostgres connects to the target with the session settings the normalisation relies on.
func openPostgres(ctx context.Context, u string, conns int) (*pgDB, error) {
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, errors.New("target URL: not a valid PostgreSQL URL")
	}
	cfg.MaxConns = int32(conns + 1)
	// Rows stream in: read the socket in large pieces rather than pgx's 8 KiB, a tenth of the
	// system calls.
	cfg.ConnConfig.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(bufio.NewReaderSize(r, 64<<10), w)
	}
	for k, v := range map[string]string{
		"TimeZone":           "UTC",
		"DateStyle":          "ISO, MDY",
		"IntervalStyle":      "postgres",
		"extra_float_digits": "3",
		"bytea_output":       "hex",
		"application_name":   "ficus verify",
	} {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to target %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return &pgDB{pool: pool, sem: make(chan struct{}, conns)}, nil
}

func (d *pgDB) Close() { d.pool.Close() }

// pgTable is one table of the target; sql says whether it hashes in SQL or streams its values.
type pgTable struct {
	db      *pgDB
	t       *table
	rel     string
	row     string // SQL mode
	key     string
	sql     bool
	formats []int16 // stream mode: binary for bytea, text otherwise
}

func (d *pgDB) table(t *table, r sqlRow) *pgTable {
	p := &pgTable{db: d, t: t, rel: migrate.QualifiedIdent(t.schema, t.plan.Target), row: r.pgRow, key: r.pgKey, sql: t.sql}
	for i := range t.cols {
		f := int16(0)
		if t.cols[i].binaryTarget() {
			f = 1
		}
		p.formats = append(p.formats, f)
	}
	return p
}

func (p *pgTable) keyCol() string { return migrate.Ident(p.t.cols[p.t.key[0]].plan.Target) }

// query runs q holding one of the database's slots and calls fn with each row's raw values.
func (p *pgTable) query(ctx context.Context, q string, formats []int16, fn func([][]byte) error) error {
	select {
	case p.db.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.db.sem }()
	conn, err := p.db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("target %s: %w", p.t.plan.Target, err)
	}
	defer conn.Release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rr := conn.Conn().PgConn().ExecParams(ctx, q, nil, nil, nil, formats)
	var fnErr error
	for rr.NextRow() {
		if fnErr = fn(rr.Values()); fnErr != nil {
			cancel()
			break
		}
	}
	_, err = rr.Close()
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("target %s: %w", p.t.plan.Target, err)
	}
	return nil
}

func (p *pgTable) where(sc scope) string {
	var conds []string
	if sc.ranges != nil {
		conds = append(conds, rangeCondition(p.keyCol(), sc.ranges))
	}
	if sc.buckets != nil && p.sql {
		conds = append(conds, bucketCondition(p.bucket(sc.bucketBits), sc.buckets))
	}
	return whereClause(conds)
}

func (p *pgTable) bucket(bits uint) string {
	src := p.row
	if p.t.seg == byKeyHash {
		src = p.key
	}
	return "(" + pgHash(src) + "&" + strconv.FormatUint(mask(bits), 10) + ")"
}

func (p *pgTable) estimate(ctx context.Context) (int64, error) {
	var n float64
	err := p.db.pool.QueryRow(ctx, `SELECT coalesce(max(reltuples), 0) FROM pg_class WHERE oid = to_regclass($1)`, p.rel).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("target %s: estimate: %w", p.t.plan.Target, err)
	}
	return int64(max(n, 0)), nil
}

func (p *pgTable) bounds(ctx context.Context) (lo, hi int64, ok bool, err error) {
	k := p.keyCol()
	var l, h *string
	if err := p.db.pool.QueryRow(ctx, "SELECT min("+k+")::text, max("+k+")::text FROM "+p.rel).Scan(&l, &h); err != nil {
		return 0, 0, false, fmt.Errorf("target %s: key bounds: %w", p.t.plan.Target, err)
	}
	if l == nil {
		return 0, 0, false, nil
	}
	return parseBounds(sql.NullString{String: *l, Valid: true}, sql.NullString{String: *h, Valid: true})
}

func (p *pgTable) aggregate(ctx context.Context, sc scope, g grouping, seen func(int64)) (aggregate, error) {
	if !p.sql {
		return streamAggregate(ctx, newRowBuilder(p.t, true), sc, g, seen, func(part scope, fn func([][]byte) error) error {
			return p.query(ctx, p.selectValues(part), p.formats, fn)
		})
	}
	var group string
	switch p.t.seg {
	case byKeyRange:
		group = pgOffset(p.keyCol(), p.t.cols[p.t.key[0]].kind, g, p.t.hi)
	default:
		group = p.bucket(g.bits)
	}
	out := aggregate{}
	for _, part := range splitScope(sc) {
		q := "SELECT " + group + ", count(*), sum(" + pgHash(p.row) + ") FROM " + p.rel + p.where(part) + " GROUP BY 1"
		err := p.query(ctx, q, nil, func(vals [][]byte) error {
			s, id, err := parseSums([]sql.RawBytes{vals[0], vals[1], vals[2]})
			if err != nil {
				return fmt.Errorf("target %s: %w", p.t.plan.Target, err)
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

// pgOffset is the key's segment under g; a numeric key (an unsigned bigint's numeric(20)) is
// converted to bigint, which range segmentation guarantees it fits.
func pgOffset(k string, kd kind, g grouping, hi int64) string {
	if kd == kindDecimal {
		k += "::bigint"
	}
	base := strconv.FormatInt(g.base, 10)
	if uint64(hi-g.base) > math.MaxInt64 {
		return fmt.Sprintf("div(%s::numeric-(%s),%s)", k, base, strconv.FormatUint(uint64(1)<<g.shift, 10))
	}
	return fmt.Sprintf("((%s-(%s))>>%d)", k, base, g.shift)
}

func (p *pgTable) selectValues(sc scope) string {
	cols := make([]string, len(p.t.cols))
	for i := range p.t.cols {
		cols[i] = migrate.Ident(p.t.cols[i].plan.Target)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + p.rel + p.where(sc)
}

func (p *pgTable) rows(ctx context.Context, sc scope, fn func([]byte) error) error {
	if !p.sql {
		return streamRows(newRowBuilder(p.t, true), sc, fn, func(part scope, each func([][]byte) error) error {
			return p.query(ctx, p.selectValues(part), p.formats, each)
		})
	}
	for _, part := range splitScope(sc) {
		if err := p.query(ctx, "SELECT "+p.row+" FROM "+p.rel+p.where(part), nil, func(v [][]byte) error { return fn(v[0]) }); err != nil {
			return err
		}
	}
	return nil
}

// mod64 reads an exact decimal sum and returns it modulo 2^64.
func mod64(s string) (uint64, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, nil
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return 0, fmt.Errorf("sum %q is not an integer", s)
	}
	return b.And(b, new(big.Int).SetUint64(math.MaxUint64)).Uint64(), nil
}
