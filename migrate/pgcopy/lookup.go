package pgcopy

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/migrate"
)

// Lookup reads the type OIDs of the target table's columns from the
// catalog and pairs them with plans by target column name. schema and
// table are unquoted; an empty schema means the first of the search path.
// A planned column missing from the table is an error.
func Lookup(ctx context.Context, conn *pgx.Conn, schema, table string, plans []migrate.ColumnPlan) ([]Column, error) {
	rows, err := conn.Query(ctx, `SELECT a.attname, a.atttypid,
			CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE n.nspname = coalesce(nullif($1, ''), current_schema()) AND c.relname = $2
			AND a.attnum > 0 AND NOT a.attisdropped`, schema, table)
	if err != nil {
		return nil, fmt.Errorf("pgcopy: column types of %s: %w", migrate.QualifiedIdent(schema, table), err)
	}
	type oids struct{ oid, elem uint32 }
	found := map[string]oids{}
	var name string
	var o oids
	_, err = pgx.ForEachRow(rows, []any{&name, &o.oid, &o.elem}, func() error {
		found[name] = o
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgcopy: column types of %s: %w", migrate.QualifiedIdent(schema, table), err)
	}
	cols := make([]Column, len(plans))
	for i := range plans {
		o, ok := found[plans[i].Target]
		if !ok {
			return nil, fmt.Errorf("pgcopy: table %s has no column %s", migrate.QualifiedIdent(schema, table), migrate.Ident(plans[i].Target))
		}
		cols[i] = Column{Plan: &plans[i], OID: o.oid, ElemOID: o.elem}
	}
	return cols, nil
}
