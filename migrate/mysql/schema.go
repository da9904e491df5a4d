// Package mysql reads a MySQL or MariaDB database's schema from
// information_schema into the source-neutral model of package migrate.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ficus-dev/ficus/migrate"
)

// ReadSchema connects with dsn (go-sql-driver/mysql syntax, database name
// required) and reads that database's tables, columns, keys, indexes and
// foreign keys. It checks that the user may SELECT from every table, so a
// missing privilege shows now rather than halfway through a load.
func ReadSchema(ctx context.Context, dsn string) (*migrate.Schema, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: dsn: %w", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("mysql: dsn names no database")
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: open: %w", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("mysql: connect to %s: %w", cfg.Addr, classify(err))
	}
	r := &reader{db: db, name: cfg.DBName}
	s, err := r.read(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql: read schema %s: %w", cfg.DBName, classify(err))
	}
	return s, nil
}

type reader struct {
	db      *sql.DB
	name    string
	mariadb bool
}

func (r *reader) read(ctx context.Context) (*migrate.Schema, error) {
	var version string
	if err := r.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	r.mariadb = strings.Contains(strings.ToLower(version), "mariadb")
	s := &migrate.Schema{Name: r.name}
	steps := []func(context.Context, *migrate.Schema) error{
		r.tables, r.checkSelect, r.columns, r.jsonColumns, r.indexes, r.foreignKeys,
	}
	for _, step := range steps {
		if err := step(ctx, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (r *reader) tables(ctx context.Context, s *migrate.Schema) error {
	rows, err := r.db.QueryContext(ctx, `SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`, r.name)
	if err != nil {
		return fmt.Errorf("tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t migrate.Table
		if err := rows.Scan(&t.Name, &t.Comment); err != nil {
			return fmt.Errorf("tables: %w", err)
		}
		s.Tables = append(s.Tables, t)
	}
	return rows.Err()
}

// checkSelect proves the user can read each table's rows.
func (r *reader) checkSelect(ctx context.Context, s *migrate.Schema) error {
	for _, t := range s.Tables {
		q := "SELECT 1 FROM " + quote(r.name) + "." + quote(t.Name) + " LIMIT 0"
		rows, err := r.db.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("select from %s: %w", t.Name, err)
		}
		rows.Close()
	}
	return nil
}

func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

func (r *reader) columns(ctx context.Context, s *migrate.Schema) error {
	rows, err := r.db.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
		EXTRA, COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, ''), COLUMN_COMMENT
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`, r.name)
	if err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, columnType, nullable, extra string
		var def sql.NullString
		var c migrate.Column
		if err := rows.Scan(&table, &c.Name, &columnType, &nullable, &def, &extra, &c.Charset, &c.Collation, &c.Comment); err != nil {
			return fmt.Errorf("columns: %w", err)
		}
		if err := migrate.ParseType(&c, columnType); err != nil {
			return fmt.Errorf("columns %s.%s: %w", table, c.Name, err)
		}
		c.Nullable = nullable == "YES"
		extra = strings.ToLower(extra)
		c.AutoIncrement = strings.Contains(extra, "auto_increment")
		c.OnUpdateCurrentTimestamp = strings.Contains(extra, "on update")
		if def.Valid {
			c.Default, c.DefaultIsExpr = r.parseDefault(def.String, extra)
		}
		if t := tableNamed(s, table); t != nil {
			t.Columns = append(t.Columns, c)
		}
	}
	return rows.Err()
}

// parseDefault reads COLUMN_DEFAULT. MariaDB 10.2.7 and later quote string
// literals ('abc'), print the literal NULL as NULL and expressions bare
// (current_timestamp()); MySQL prints literals bare and marks expressions
// with DEFAULT_GENERATED in EXTRA (8.0) or only CURRENT_TIMESTAMP (5.7).
func (r *reader) parseDefault(d, extra string) (*string, bool) {
	if r.mariadb {
		switch {
		case d == "NULL":
			return nil, false
		case strings.HasPrefix(d, "'") && strings.HasSuffix(d, "'") && len(d) >= 2:
			v := strings.ReplaceAll(d[1:len(d)-1], "''", "'")
			v = strings.ReplaceAll(v, `\\`, `\`)
			return &v, false
		case isNumber(d), strings.HasPrefix(d, "b'"):
			return &d, false
		}
		return &d, true
	}
	if strings.Contains(extra, "default_generated") || strings.HasPrefix(strings.ToUpper(d), "CURRENT_TIMESTAMP") {
		return &d, true
	}
	return &d, false
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func tableNamed(s *migrate.Schema, name string) *migrate.Table {
	for i := range s.Tables {
		if s.Tables[i].Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// jsonColumns finds MariaDB's JSON columns: MariaDB stores JSON as longtext
// with a json_valid() check constraint named after the column.
func (r *reader) jsonColumns(ctx context.Context, s *migrate.Schema) error {
	if !r.mariadb {
		return nil
	}
	rows, err := r.db.QueryContext(ctx, `SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
		FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`, r.name)
	if err != nil {
		return fmt.Errorf("check constraints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, name, clause string
		if err := rows.Scan(&table, &name, &clause); err != nil {
			return fmt.Errorf("check constraints: %w", err)
		}
		t := tableNamed(s, table)
		if t == nil || clause != "json_valid("+quote(name)+")" {
			continue
		}
		if c := t.Column(name); c != nil && c.Type == "longtext" {
			c.Type = "json"
		}
	}
	return rows.Err()
}
