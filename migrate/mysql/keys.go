package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ficus-dev/ficus/migrate"
)

// indexes reads information_schema.STATISTICS: the primary key and the
// secondary indexes. The EXPRESSION column (functional key parts) exists
// only in MySQL 8.0.13 and later.
func (r *reader) indexes(ctx context.Context, s *migrate.Schema) error {
	expr := "NULL"
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'STATISTICS' AND COLUMN_NAME = 'EXPRESSION'`).Scan(&n)
	if err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	if n > 0 {
		expr = "EXPRESSION"
	}
	rows, err := r.db.QueryContext(ctx, `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART,
		COALESCE(COLLATION, 'A'), `+expr+` FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?
		ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`, r.name)
	if err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, index, collation string
		var nonUnique int
		var column, expression sql.NullString
		var subPart sql.NullInt64
		if err := rows.Scan(&table, &index, &nonUnique, &column, &subPart, &collation, &expression); err != nil {
			return fmt.Errorf("indexes: %w", err)
		}
		t := tableNamed(s, table)
		if t == nil {
			continue
		}
		if index == "PRIMARY" {
			t.PrimaryKey = append(t.PrimaryKey, column.String)
			continue
		}
		part := migrate.IndexPart{Column: column.String, PrefixLength: int(subPart.Int64),
			Expression: expression.String, Descending: collation == "D"}
		if n := len(t.Indexes); n > 0 && t.Indexes[n-1].Name == index {
			t.Indexes[n-1].Parts = append(t.Indexes[n-1].Parts, part)
			continue
		}
		t.Indexes = append(t.Indexes, migrate.Index{Name: index, Unique: nonUnique == 0, Parts: []migrate.IndexPart{part}})
	}
	return rows.Err()
}

// foreignKeys joins KEY_COLUMN_USAGE (the column pairs) with
// REFERENTIAL_CONSTRAINTS (the actions).
func (r *reader) foreignKeys(ctx context.Context, s *migrate.Schema) error {
	rows, err := r.db.QueryContext(ctx, `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME,
		k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, rc.UPDATE_RULE, rc.DELETE_RULE
		FROM information_schema.KEY_COLUMN_USAGE k
		JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
		  ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
		 AND rc.TABLE_NAME = k.TABLE_NAME
		WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
		ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, r.name)
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, name, column, refTable, refColumn, onUpdate, onDelete string
		if err := rows.Scan(&table, &name, &column, &refTable, &refColumn, &onUpdate, &onDelete); err != nil {
			return fmt.Errorf("foreign keys: %w", err)
		}
		t := tableNamed(s, table)
		if t == nil {
			continue
		}
		if n := len(t.ForeignKeys); n > 0 && t.ForeignKeys[n-1].Name == name {
			fk := &t.ForeignKeys[n-1]
			fk.Columns, fk.RefColumns = append(fk.Columns, column), append(fk.RefColumns, refColumn)
			continue
		}
		t.ForeignKeys = append(t.ForeignKeys, migrate.ForeignKey{Name: name, Columns: []string{column},
			RefTable: refTable, RefColumns: []string{refColumn}, OnUpdate: onUpdate, OnDelete: onDelete})
	}
	return rows.Err()
}
