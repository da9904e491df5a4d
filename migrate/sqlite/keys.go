package sqlite

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// Special cid values of index_xinfo.
const (
	cidRowid      = -1
	cidExpression = -2
)

// indexes reads index_list and index_xinfo. The primary key's own index is
// left out (columns gives the key), and so are partial indexes: the model
// has no place for their WHERE, and a partial unique index made whole could
// fail once the rows are in. The text of an expression key part comes from
// the index's CREATE INDEX statement.
func (r *reader) indexes(ctx context.Context, t *migrate.Table) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT name, "unique", origin = 'u' FROM pragma_index_list(?)
		WHERE origin <> 'pk' AND NOT partial ORDER BY name`, t.Name)
	if err != nil {
		return fmt.Errorf("indexes of %s: %w", t.Name, err)
	}
	var list []migrate.Index
	var constraint []bool
	for rows.Next() {
		var ix migrate.Index
		var u bool
		if err := rows.Scan(&ix.Name, &ix.Unique, &u); err != nil {
			rows.Close()
			return fmt.Errorf("indexes of %s: %w", t.Name, err)
		}
		list, constraint = append(list, ix), append(constraint, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("indexes of %s: %w", t.Name, err)
	}
	seen := map[string]int{}
	for i, ix := range list {
		parts, err := r.indexParts(ctx, ix.Name)
		if err != nil {
			return fmt.Errorf("index %s: %w", ix.Name, err)
		}
		if parts == nil {
			continue
		}
		ix.Parts = parts
		if constraint[i] {
			ix.Name = constraintName(parts, "_key", seen)
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return nil
}

// constraintName names an index SQLite made for a UNIQUE constraint
// (sqlite_autoindex_orders_1) or a foreign key, which SQLite does not name,
// after its columns as PostgreSQL would: customer_id_placed_key,
// customer_id_fkey; numbered when two share their columns.
func constraintName(parts []migrate.IndexPart, suffix string, seen map[string]int) string {
	cols := make([]string, len(parts))
	for i, p := range parts {
		cols[i] = p.Column
	}
	name := strings.Join(cols, "_") + suffix
	seen[name]++
	if n := seen[name]; n > 1 {
		name = fmt.Sprintf("%s%d", name, n)
	}
	return name
}

// indexParts returns the key parts of an index, nil for one on the rowid,
// which does not migrate.
func (r *reader) indexParts(ctx context.Context, index string) ([]migrate.IndexPart, error) {
	rows, err := r.conn.QueryContext(ctx, `SELECT cid, coalesce(name, ''), "desc" FROM pragma_index_xinfo(?)
		WHERE key ORDER BY seqno`, index)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var parts []migrate.IndexPart
	var exprs []string
	for i := 0; rows.Next(); i++ {
		var cid int
		var p migrate.IndexPart
		if err := rows.Scan(&cid, &p.Column, &p.Descending); err != nil {
			return nil, err
		}
		switch cid {
		case cidRowid:
			return nil, nil
		case cidExpression:
			if exprs == nil {
				if exprs, err = r.indexTerms(ctx, index); err != nil {
					return nil, err
				}
			}
			if i >= len(exprs) {
				return nil, fmt.Errorf("expression of key part %d not found in its CREATE INDEX", i+1)
			}
			p.Expression = exprs[i]
		}
		parts = append(parts, p)
	}
	return parts, rows.Err()
}

// indexTerms returns the terms of an index's CREATE INDEX column list,
// without their COLLATE and ASC/DESC.
func (r *reader) indexTerms(ctx context.Context, index string) ([]string, error) {
	var ddl string
	err := r.conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?`, index).Scan(&ddl)
	if err != nil {
		return nil, err
	}
	terms := splitTerms(ddl)
	for i, term := range terms {
		terms[i] = trailingOrder.ReplaceAllString(term, "")
	}
	return terms, nil
}

// trailingOrder matches what may follow an indexed term.
var trailingOrder = regexp.MustCompile(`(?is)(\s+COLLATE\s+("[^"]*"|'[^']*'|\S+))?(\s+(ASC|DESC))?\s*$`)

// splitTerms returns the comma-separated terms of the first parenthesised
// list in ddl, skipping quoted names and strings and nested parentheses.
func splitTerms(ddl string) []string {
	var terms []string
	depth, start := 0, 0
	for i := 0; i < len(ddl); i++ {
		switch c := ddl[i]; c {
		case '\'', '"', '`', '[':
			i = skipQuoted(ddl, i)
		case '(':
			depth++
			if depth == 1 {
				start = i + 1
			}
		case ')':
			depth--
			if depth == 0 {
				return append(terms, strings.TrimSpace(ddl[start:i]))
			}
		case ',':
			if depth == 1 {
				terms = append(terms, strings.TrimSpace(ddl[start:i]))
				start = i + 1
			}
		}
	}
	return terms
}

// skipQuoted returns the index of the character closing the quote opened at
// ddl[i]; a doubled quote character is an escaped one.
func skipQuoted(ddl string, i int) int {
	end := ddl[i]
	if end == '[' {
		end = ']'
	}
	for j := i + 1; j < len(ddl); j++ {
		if ddl[j] != end {
			continue
		}
		if end != ']' && j+1 < len(ddl) && ddl[j+1] == end {
			j++
			continue
		}
		return j
	}
	return len(ddl)
}

// foreignKeys reads foreign_key_list. SQLite keeps no constraint names, so
// a key is named after its columns (constraintName). A missing
// "to" (a reference to the parent's primary key) and the parent's
// spelling are resolved by resolveForeignKeys once every table is read.
func (r *reader) foreignKeys(ctx context.Context, t *migrate.Table) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT id, "table", "from", coalesce("to", ''), on_update, on_delete
		FROM pragma_foreign_key_list(?) ORDER BY id, seq`, t.Name)
	if err != nil {
		return fmt.Errorf("foreign keys of %s: %w", t.Name, err)
	}
	defer rows.Close()
	lastID := -1
	for rows.Next() {
		var id int
		var parent, from, to, onUpdate, onDelete string
		if err := rows.Scan(&id, &parent, &from, &to, &onUpdate, &onDelete); err != nil {
			return fmt.Errorf("foreign keys of %s: %w", t.Name, err)
		}
		if c := columnFold(t, from); c != nil {
			from = c.Name
		}
		if id == lastID {
			fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
			fk.Columns, fk.RefColumns = append(fk.Columns, from), append(fk.RefColumns, to)
			continue
		}
		lastID = id
		t.ForeignKeys = append(t.ForeignKeys, migrate.ForeignKey{Columns: []string{from}, RefTable: parent,
			RefColumns: []string{to}, OnUpdate: onUpdate, OnDelete: onDelete})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("foreign keys of %s: %w", t.Name, err)
	}
	nameForeignKeys(t)
	return nil
}

// nameForeignKeys names each key after its columns.
func nameForeignKeys(t *migrate.Table) {
	seen := map[string]int{}
	for i := range t.ForeignKeys {
		fk := &t.ForeignKeys[i]
		parts := make([]migrate.IndexPart, len(fk.Columns))
		for j, c := range fk.Columns {
			parts[j].Column = c
		}
		fk.Name = constraintName(parts, "_fkey", seen)
	}
}

// resolveForeignKeys gives each foreign key its parent's names as they are
// declared: SQLite matches names case-insensitively, so a key may spell the
// parent "Customers" for a table created as "customers"; and a key that
// names no parent columns references the parent's primary key.
func resolveForeignKeys(s *migrate.Schema) {
	for i := range s.Tables {
		for j := range s.Tables[i].ForeignKeys {
			fk := &s.Tables[i].ForeignKeys[j]
			parent := tableFold(s, fk.RefTable)
			if parent == nil {
				continue
			}
			fk.RefTable = parent.Name
			for k, name := range fk.RefColumns {
				switch c := columnFold(parent, name); {
				case name == "" && k < len(parent.PrimaryKey):
					fk.RefColumns[k] = parent.PrimaryKey[k]
				case c != nil:
					fk.RefColumns[k] = c.Name
				}
			}
		}
	}
}

func tableFold(s *migrate.Schema, name string) *migrate.Table {
	for i := range s.Tables {
		if strings.EqualFold(s.Tables[i].Name, name) {
			return &s.Tables[i]
		}
	}
	return nil
}

func columnFold(t *migrate.Table, name string) *migrate.Column {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return &t.Columns[i]
		}
	}
	return nil
}
