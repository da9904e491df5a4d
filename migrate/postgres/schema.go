package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// Schema reads the source schema's tables (ordinary and partitioned, not
// the partitions), their columns, keys, indexes and foreign keys, with
// Dialect DialectPostgres and Name the database's name. It checks that the
// user may SELECT from every table, so a missing privilege shows now rather
// than halfway through a load.
func (s *Source) Schema(ctx context.Context) (*migrate.Schema, error) {
	r := &reader{s: s, oids: map[uint32]*migrate.Table{}}
	schema, err := r.read(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: read schema %s: %w", s.schema, classify(err))
	}
	return schema, nil
}

// reader holds the state of one Schema call.
type reader struct {
	s *Source
	// oids finds a table by its pg_class oid; filled by tables.
	oids map[uint32]*migrate.Table
}

func (r *reader) read(ctx context.Context) (*migrate.Schema, error) {
	out := &migrate.Schema{Dialect: migrate.DialectPostgres}
	if err := r.s.pool.QueryRow(ctx, "SELECT current_database()").Scan(&out.Name); err != nil {
		return nil, fmt.Errorf("database name: %w", err)
	}
	if err := r.tables(ctx, out); err != nil {
		return nil, err
	}
	steps := []func(context.Context, *migrate.Schema) error{r.checkSelect, r.columns, r.indexes, r.foreignKeys}
	for _, step := range steps {
		if err := step(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// relations restricts pg_class c (joined with pg_namespace n) to the
// tables that migrate: a partitioned table's rows are read through it, so
// its partitions are left out.
const relations = `n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`

func (r *reader) tables(ctx context.Context, out *migrate.Schema) error {
	rows, err := r.s.pool.Query(ctx, `SELECT c.oid, c.relname, coalesce(obj_description(c.oid, 'pg_class'), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE `+relations+` ORDER BY c.relname`, r.s.schema)
	if err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	defer rows.Close()
	var oids []uint32
	for rows.Next() {
		var oid uint32
		var t migrate.Table
		if err := rows.Scan(&oid, &t.Name, &t.Comment); err != nil {
			return fmt.Errorf("tables: %w", err)
		}
		out.Tables = append(out.Tables, t)
		oids = append(oids, oid)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	for i, oid := range oids {
		r.oids[oid] = &out.Tables[i]
	}
	return nil
}

// checkSelect proves the user can read each table's rows. Tables the user
// holds no table-wide SELECT on are tried with a query, which passes when
// every column is granted and fails with the server's own message
// otherwise.
func (r *reader) checkSelect(ctx context.Context, out *migrate.Schema) error {
	rows, err := r.s.pool.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE `+relations+` AND NOT has_table_privilege(c.oid, 'SELECT') ORDER BY c.relname`, r.s.schema)
	if err != nil {
		return fmt.Errorf("privileges: %w", err)
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("privileges: %w", err)
		}
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("privileges: %w", err)
	}
	for _, name := range names {
		if _, err := r.s.pool.Exec(ctx, "SELECT * FROM "+r.s.table(&migrate.Table{Name: name})+" LIMIT 0"); err != nil {
			return fmt.Errorf("select from %s: %w", name, err)
		}
	}
	return nil
}

// columnsSQL reads the columns with their types resolved: a domain is
// replaced by the type it is built on (through domains of domains), since
// the target has no such domain. format_type prints the type as DDL writes
// it; with no modifier it gives the base name that Column.Type holds.
const columnsSQL = `WITH RECURSIVE dom(domain, base, typmod) AS (
	SELECT oid, typbasetype, typtypmod FROM pg_type WHERE typtype = 'd'
	UNION ALL
	SELECT d.domain, t.typbasetype, t.typtypmod FROM dom d JOIN pg_type t ON t.oid = d.base AND t.typtype = 'd'
)
SELECT a.attrelid, a.attname, format_type(ty.oid, r.typmod), format_type(ty.oid, NULL), et.typname, r.typmod,
	NOT a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, a.attgenerated::text,
	coalesce(col_description(a.attrelid, a.attnum), ''), et.typtype = 'e',
	(SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = et.oid)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN dom ON dom.domain = a.atttypid AND NOT EXISTS (SELECT 1 FROM pg_type b WHERE b.oid = dom.base AND b.typtype = 'd')
CROSS JOIN LATERAL (SELECT coalesce(dom.base, a.atttypid) AS typid,
	CASE WHEN dom.base IS NULL THEN a.atttypmod ELSE dom.typmod END AS typmod) r
JOIN pg_type ty ON ty.oid = r.typid
JOIN pg_type et ON et.oid = CASE WHEN ty.typcategory = 'A' THEN ty.typelem ELSE ty.oid END
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE ` + relations + ` AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`

func (r *reader) columns(ctx context.Context, out *migrate.Schema) error {
	rows, err := r.s.pool.Query(ctx, columnsSQL, r.s.schema)
	if err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var elem, identity, generated string
		var typmod int32
		var def *string
		var isEnum bool
		var c migrate.Column
		if err := rows.Scan(&oid, &c.Name, &c.FullType, &c.Type, &elem, &typmod, &c.Nullable, &def,
			&identity, &generated, &c.Comment, &isEnum, &c.Labels); err != nil {
			return fmt.Errorf("columns: %w", err)
		}
		setModifiers(&c, elem, typmod)
		if isEnum && c.Labels == nil {
			c.Labels = []string{}
		}
		c.AutoIncrement = identity != ""
		if def != nil && generated == "" && !c.AutoIncrement {
			c.Default, c.DefaultIsExpr, c.AutoIncrement = parseDefault(*def, c.Type)
		}
		if t := r.oids[oid]; t != nil {
			t.Columns = append(t.Columns, c)
		}
	}
	return rows.Err()
}

// setModifiers decodes the type modifier as PostgreSQL's own typmodout
// functions do; elem is the type's (or array element's) pg_type name.
func setModifiers(c *migrate.Column, elem string, typmod int32) {
	if typmod < 0 {
		return
	}
	const varhdrsz = 4
	switch elem {
	case "varchar", "bpchar":
		c.Length = int(typmod - varhdrsz)
	case "bit", "varbit":
		c.Length = int(typmod)
	case "numeric":
		m := typmod - varhdrsz
		c.Precision = int(m>>16) & 0xffff
		c.Scale = int((m&0x7ff)^1024) - 1024 // an 11-bit signed scale since PostgreSQL 15
	case "timestamp", "timestamptz", "time", "timetz":
		c.Precision = int(typmod)
	case "interval":
		c.Precision = int(typmod & 0xffff)
		if c.Precision == 0xffff {
			c.Precision = 0
		}
	}
}

// castSuffix is a cast to a type name as format_type prints it:
// ::character varying, ::"My Enum"[], ::legacy.mood,
// ::timestamp(3) with time zone.
const (
	pgIdent    = `(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")`
	castSuffix = `::` + pgIdent + `(?:\.` + pgIdent + `)?(?: [a-z]+)*(?:\(\d+(?:,\d+)?\))?(?: [a-z]+)*(?:\[\])*`
)

var (
	// quotedLiteral is a string constant as pg_get_expr prints it, with
	// the casts it adds: 'abc'::character varying, '-1'::integer.
	quotedLiteral = regexp.MustCompile(`^'((?:[^']|'')*)'(?:` + castSuffix + `)*$`)
	numberLiteral = regexp.MustCompile(`^\(?(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\)?$`)
	nullLiteral   = regexp.MustCompile(`^NULL(?:::[^'()]+)?$`)
)

// parseDefault reads a default as pg_get_expr prints it: a plain literal
// becomes its value (DefaultIsExpr false), a sequence's nextval marks a
// serial column, anything else is an expression. Booleans are given as
// "0"/"1", the model's spelling of boolean literals. Array literals count as
// expressions: the plan reads literal defaults of array columns as MySQL
// sets.
func parseDefault(expr, typ string) (def *string, isExpr, serial bool) {
	switch {
	case strings.HasPrefix(expr, "nextval(") && isInteger(typ):
		return nil, false, true
	case nullLiteral.MatchString(expr):
		return nil, false, false
	case strings.HasSuffix(typ, "[]"):
		return &expr, true, false
	case expr == "true" || expr == "false":
		v := map[string]string{"true": "1", "false": "0"}[expr]
		return &v, false, false
	}
	if m := numberLiteral.FindStringSubmatch(expr); m != nil {
		return &m[1], false, false
	}
	if m := quotedLiteral.FindStringSubmatch(expr); m != nil {
		v := strings.ReplaceAll(m[1], "''", "'")
		return &v, false, false
	}
	return &expr, true, false
}

func isInteger(typ string) bool {
	return typ == "smallint" || typ == "integer" || typ == "bigint"
}
