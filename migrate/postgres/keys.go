package postgres

import (
	"context"
	"fmt"

	"github.com/ficus-dev/ficus/migrate"
)

// indexesSQL lists the key parts of each table's primary key and btree
// indexes, primary key first. Partial indexes and other access methods are
// left out: the model has no place for a predicate or a method, and a
// partial unique index made whole, or a GiST index made btree, could fail
// once the rows are in. INCLUDE columns are not key parts.
const indexesSQL = `SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, coalesce(a.attname, ''),
	pg_get_indexdef(i.indexrelid, k.n::int, true), i.indoption[(k.n - 1)::int] & 1 = 1
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
WHERE ` + relations + ` AND k.n <= i.indnkeyatts AND i.indisvalid AND NOT i.indisexclusion
	AND (i.indisprimary OR (am.amname = 'btree' AND i.indpred IS NULL))
ORDER BY c.relname, i.indisprimary DESC, ic.relname, k.n`

// indexes reads the primary keys and the secondary indexes. An expression
// key part keeps pg_get_indexdef's text of it.
func (r *reader) indexes(ctx context.Context, _ *migrate.Schema) error {
	rows, err := r.s.pool.Query(ctx, indexesSQL, r.s.schema)
	if err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var index, column, def string
		var unique, primary, desc bool
		if err := rows.Scan(&oid, &index, &unique, &primary, &column, &def, &desc); err != nil {
			return fmt.Errorf("indexes: %w", err)
		}
		t := r.oids[oid]
		switch {
		case t == nil:
			continue
		case primary:
			t.PrimaryKey = append(t.PrimaryKey, column)
			continue
		}
		part := migrate.IndexPart{Column: column, Descending: desc}
		if column == "" {
			part.Expression = def
		}
		if n := len(t.Indexes); n > 0 && t.Indexes[n-1].Name == index {
			t.Indexes[n-1].Parts = append(t.Indexes[n-1].Parts, part)
			continue
		}
		t.Indexes = append(t.Indexes, migrate.Index{Name: index, Unique: unique, Parts: []migrate.IndexPart{part}})
	}
	return rows.Err()
}

// foreignKeysSQL lists the column pairs of each foreign key. A key on a
// partitioned table is read once, from the table: its clones on partitions
// (and on the partitions of a referenced partitioned table) have a parent.
const foreignKeysSQL = `SELECT con.conrelid, con.conname, a.attname,
	CASE WHEN rn.nspname = $1 THEN rc.relname::text ELSE rn.nspname || '.' || rc.relname END,
	ra.attname, con.confupdtype::text, con.confdeltype::text
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refattnum, n)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refattnum
WHERE ` + relations + ` AND con.contype = 'f' AND con.conparentid = 0
ORDER BY c.relname, con.conname, k.n`

// actions spells pg_constraint's action codes as SQL.
var actions = map[string]string{
	"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT",
}

// foreignKeys reads the foreign keys. One that references a table of
// another schema names it schema.table, which the plan then reports as not
// migrated.
func (r *reader) foreignKeys(ctx context.Context, _ *migrate.Schema) error {
	rows, err := r.s.pool.Query(ctx, foreignKeysSQL, r.s.schema)
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var name, column, refTable, refColumn, onUpdate, onDelete string
		if err := rows.Scan(&oid, &name, &column, &refTable, &refColumn, &onUpdate, &onDelete); err != nil {
			return fmt.Errorf("foreign keys: %w", err)
		}
		t := r.oids[oid]
		if t == nil {
			continue
		}
		if n := len(t.ForeignKeys); n > 0 && t.ForeignKeys[n-1].Name == name {
			fk := &t.ForeignKeys[n-1]
			fk.Columns, fk.RefColumns = append(fk.Columns, column), append(fk.RefColumns, refColumn)
			continue
		}
		t.ForeignKeys = append(t.ForeignKeys, migrate.ForeignKey{Name: name, Columns: []string{column},
			RefTable: refTable, RefColumns: []string{refColumn}, OnUpdate: actions[onUpdate], OnDelete: actions[onDelete]})
	}
	return rows.Err()
}
