package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// Schema reads the database's tables (virtual tables, their shadow tables
// and SQLite's own sqlite_* tables left out), their columns, primary keys,
// indexes and foreign keys, with Dialect DialectSQLite and Name the file's
// base name.
func (s *Source) Schema(ctx context.Context) (*migrate.Schema, error) {
	out := &migrate.Schema{Name: s.name, Dialect: migrate.DialectSQLite}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read schema: %w", classify(err))
	}
	defer conn.Close()
	r := &reader{conn: conn}
	if err := r.read(ctx, out); err != nil {
		return nil, fmt.Errorf("sqlite: read schema: %w", classify(err))
	}
	return out, nil
}

// reader holds the state of one Schema call.
type reader struct {
	conn *sql.Conn
	// withoutRowid marks the WITHOUT ROWID tables, which have no rowid
	// alias.
	withoutRowid map[string]bool
}

func (r *reader) read(ctx context.Context, out *migrate.Schema) error {
	if err := r.tables(ctx, out); err != nil {
		return err
	}
	for i := range out.Tables {
		t := &out.Tables[i]
		for _, step := range []func(context.Context, *migrate.Table) error{r.columns, r.indexes, r.foreignKeys} {
			if err := step(ctx, t); err != nil {
				return err
			}
		}
	}
	resolveForeignKeys(out)
	return nil
}

func (r *reader) tables(ctx context.Context, out *migrate.Schema) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT name, wr FROM pragma_table_list
		WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	defer rows.Close()
	r.withoutRowid = map[string]bool{}
	for rows.Next() {
		var name string
		var wr bool
		if err := rows.Scan(&name, &wr); err != nil {
			return fmt.Errorf("tables: %w", err)
		}
		out.Tables = append(out.Tables, migrate.Table{Name: name})
		r.withoutRowid[name] = wr
	}
	return rows.Err()
}

// columns reads table_xinfo, which unlike table_info lists generated
// columns; their values are copied like any other.
func (r *reader) columns(ctx context.Context, t *migrate.Table) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk
		FROM pragma_table_xinfo(?) WHERE hidden <> 1 ORDER BY cid`, t.Name)
	if err != nil {
		return fmt.Errorf("columns of %s: %w", t.Name, err)
	}
	defer rows.Close()
	type keyPart struct {
		pos  int
		name string
	}
	var pk []keyPart
	for rows.Next() {
		var c migrate.Column
		var notNull bool
		var def sql.NullString
		var pos int
		if err := rows.Scan(&c.Name, &c.FullType, &notNull, &def, &pos); err != nil {
			return fmt.Errorf("columns of %s: %w", t.Name, err)
		}
		ParseDeclType(&c, c.FullType)
		c.Nullable = !notNull
		if def.Valid {
			c.Default, c.DefaultIsExpr = parseDefault(def.String, c.Type)
		}
		if pos > 0 {
			pk = append(pk, keyPart{pos, c.Name})
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("columns of %s: %w", t.Name, err)
	}
	sort.Slice(pk, func(i, j int) bool { return pk[i].pos < pk[j].pos })
	for _, p := range pk {
		t.PrimaryKey = append(t.PrimaryKey, p.name)
	}
	r.markRowidAlias(t)
	return nil
}

// markRowidAlias sets AutoIncrement on a rowid alias: the one primary key
// column of a rowid table declared with the type INTEGER, spelled exactly
// so, with or without AUTOINCREMENT. Such a column holds only integers and
// SQLite numbers new rows from it.
func (r *reader) markRowidAlias(t *migrate.Table) {
	if len(t.PrimaryKey) != 1 || r.withoutRowid[t.Name] {
		return
	}
	if c := t.Column(t.PrimaryKey[0]); strings.EqualFold(c.FullType, "integer") {
		c.AutoIncrement = true
		c.Nullable = false
	}
}

// declArgs is the parenthesised part of a declared type.
var declArgs = regexp.MustCompile(`^([^(]*)\(\s*([-+]?\d+)\s*(?:,\s*([-+]?\d+)\s*)?\)`)

// ParseDeclType fills c's Type, Length, Precision and Scale from an SQLite
// declared type, which may be anything or nothing: "VARCHAR(20)" is Type
// "varchar" and Length 20, "DECIMAL(10,2)" Precision 10 and Scale 2,
// "UNSIGNED BIG INT" Type "unsigned big int", "" Type "". A single number
// is a Precision for numeric and time types, a Length otherwise. It sets
// c.FullType too.
func ParseDeclType(c *migrate.Column, decl string) {
	c.FullType = decl
	name := decl
	var a, b string
	if m := declArgs.FindStringSubmatch(decl); m != nil {
		name, a, b = m[1], m[2], m[3]
	} else if i := strings.IndexByte(decl, '('); i >= 0 {
		name = decl[:i]
	}
	c.Type = strings.ToLower(strings.Join(strings.Fields(name), " "))
	if a == "" {
		return
	}
	n, _ := strconv.Atoi(a)
	if b != "" {
		c.Precision = n
		c.Scale, _ = strconv.Atoi(b)
		return
	}
	switch c.Type {
	case "decimal", "numeric", "datetime", "timestamp", "time", "float", "real", "double", "double precision":
		c.Precision = n
	default:
		c.Length = n
	}
}

var (
	numberLiteral = regexp.MustCompile(`^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$`)
	nowExpr       = regexp.MustCompile(`(?i)^\(?\s*datetime\s*\(\s*'now'\s*\)\s*\)?$`)
)

// parseDefault reads dflt_value, the default as written in CREATE TABLE,
// for a column of declared type typ (ParseDeclType's Type). A literal the
// target type would refuse counts as an expression, which the plan drops
// with a note: SQLite accepts DEFAULT 'abc' on an INTEGER column, CREATE
// TABLE in PostgreSQL does not. Booleans are given as "0"/"1".
func parseDefault(d, typ string) (*string, bool) {
	d = strings.TrimSpace(d)
	upper := strings.ToUpper(d)
	switch {
	case upper == "NULL":
		return nil, false
	case upper == "TRUE" || upper == "FALSE":
		d = map[string]string{"TRUE": "1", "FALSE": "0"}[upper]
	case nowExpr.MatchString(d):
		d = "CURRENT_TIMESTAMP" // the same value in SQLite
		return &d, true
	case strings.HasPrefix(d, "'") && strings.HasSuffix(d, "'") && len(d) >= 2:
		v := strings.ReplaceAll(d[1:len(d)-1], "''", "'")
		if numericTarget(typ) || isBoolean(typ) {
			return numericDefault(v, typ, d)
		}
		return &v, false
	case !numberLiteral.MatchString(d):
		return &d, true
	}
	return numericDefault(d, typ, d)
}

// numericDefault returns the number v as a literal, or expr as an
// expression when v is not a number a target of type typ accepts.
func numericDefault(v, typ, expr string) (*string, bool) {
	lower := strings.ToLower(v)
	if isBoolean(typ) && (lower == "true" || lower == "false") {
		v = map[string]string{"true": "1", "false": "0"}[lower]
	}
	if !numberLiteral.MatchString(v) || isTemporal(typ) {
		return &expr, true
	}
	return &v, false
}

// numericTarget reports the declared types the SQLite cast rules map to a
// PostgreSQL number: INTEGER and REAL affinity, DECIMAL and NUMERIC.
func numericTarget(typ string) bool {
	switch {
	case strings.Contains(typ, "int"):
		return true
	case strings.Contains(typ, "char"), strings.Contains(typ, "clob"), strings.Contains(typ, "text"), strings.Contains(typ, "blob"):
		return false
	}
	for _, p := range []string{"real", "floa", "doub", "decimal", "numeric"} {
		if strings.Contains(typ, p) {
			return true
		}
	}
	return false
}

func isBoolean(typ string) bool { return typ == "boolean" || typ == "bool" }

func isTemporal(typ string) bool {
	return typ == "date" || typ == "datetime" || typ == "timestamp" || typ == "time"
}
