package migrate

import (
	"fmt"
	"testing"
)

func TestCastRulesOfThePostgresDialect(t *testing.T) {
	tests := []struct {
		name     string
		col      Column
		typ      string
		rule     string
		hasEnums bool
	}{
		{"a built-in type keeps its full text", Column{Type: "character varying", FullType: "character varying(20)"}, "character varying(20)", "keep-type", false},
		{"an array of a built-in type keeps its type", Column{Type: "integer[]", FullType: "integer[]"}, "integer[]", "keep-type", false},
		{"a serial column becomes an identity of its type", Column{Type: "bigint", FullType: "bigint", AutoIncrement: true}, "bigint", "serial-to-identity", false},
		{"an enum becomes an enum type the plan creates", Column{Type: "mood", FullType: "mood", Labels: []string{"a"}}, "e", "enum-to-enum-type", true},
		{"an enum without labels is still an enum", Column{Type: "nothing", FullType: "nothing", Labels: []string{}}, "e", "enum-to-enum-type", true},
		{"an enum array becomes an array of the created type", Column{Type: "mood[]", FullType: "mood[]", Labels: []string{"a"}}, "e[]", "enum-array-to-enum-array", true},
		{"a composite type becomes text", Column{Type: "address", FullType: "address"}, "text", unknownRule, false},
		{"an extension's type becomes text", Column{Type: "public.citext", FullType: "public.citext"}, "text", unknownRule, false},
		{"regclass, which names source objects, becomes text", Column{Type: "regclass", FullType: "regclass"}, "text", unknownRule, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := castColumn(&tt.col, "e", DialectPostgres)
			if got.Type != tt.typ || got.Rule != tt.rule || (got.EnumLabels != nil) != tt.hasEnums {
				t.Errorf("got %s by %s (enum labels %v), want %s by %s", got.Type, got.Rule, got.EnumLabels, tt.typ, tt.rule)
			}
		})
	}
}

// sqliteCol is a column as the SQLite connector reads the declared type.
func sqliteCol(typ string, length, precision, scale int) Column {
	return Column{Type: typ, FullType: fmt.Sprintf("%s(%d,%d,%d)", typ, length, precision, scale),
		Length: length, Precision: precision, Scale: scale}
}

func TestCastRulesOfTheSQLiteDialectFollowItsAffinities(t *testing.T) {
	rowid := sqliteCol("integer", 0, 0, 0)
	rowid.AutoIncrement = true
	tests := []struct {
		col  Column
		typ  string
		rule string
	}{
		{rowid, "bigint", "rowid-to-bigint-identity"},
		{sqliteCol("integer", 0, 0, 0), "bigint", "integer-affinity-to-bigint"},
		{sqliteCol("tinyint", 0, 0, 0), "bigint", "integer-affinity-to-bigint"},
		{sqliteCol("unsigned big int", 0, 0, 0), "bigint", "integer-affinity-to-bigint"},
		// SQLite's rule 1 comes first: "INT" anywhere is INTEGER affinity.
		{sqliteCol("floating point", 0, 0, 0), "bigint", "integer-affinity-to-bigint"},
		{sqliteCol("charint", 0, 0, 0), "bigint", "integer-affinity-to-bigint"},
		{sqliteCol("boolean", 0, 0, 0), "boolean", "boolean-to-boolean"},
		{sqliteCol("varchar", 20, 0, 0), "text", "char(n)-to-text"},
		{sqliteCol("nchar", 55, 0, 0), "text", "char(n)-to-text"},
		{sqliteCol("text", 0, 0, 0), "text", "text-affinity-to-text"},
		{sqliteCol("clob", 0, 0, 0), "text", "text-affinity-to-text"},
		{sqliteCol("blob", 0, 0, 0), "bytea", "blob-to-bytea"},
		{sqliteCol("", 0, 0, 0), "text", "no-type-to-text"},
		{sqliteCol("real", 0, 0, 0), "double precision", "real-affinity-to-double-precision"},
		{sqliteCol("double precision", 0, 0, 0), "double precision", "real-affinity-to-double-precision"},
		{sqliteCol("float", 0, 0, 0), "double precision", "real-affinity-to-double-precision"},
		{sqliteCol("decimal", 0, 10, 2), "numeric(10,2)", "decimal-to-numeric"},
		{sqliteCol("numeric", 0, 7, 0), "numeric(7)", "decimal-to-numeric"},
		{sqliteCol("numeric", 0, 0, 0), "numeric", "decimal-to-numeric"},
		{sqliteCol("date", 0, 0, 0), "date", "date-to-date"},
		{sqliteCol("datetime", 0, 0, 0), "timestamptz", "datetime-to-timestamptz"},
		{sqliteCol("timestamp", 0, 3, 0), "timestamptz(3)", "datetime-to-timestamptz"},
		{sqliteCol("time", 0, 0, 0), "time", "time-to-time"},
		{sqliteCol("json", 0, 0, 0), "jsonb", "json-to-jsonb"},
		{sqliteCol("uuid", 0, 0, 0), "uuid", "uuid-to-uuid"},
		// NUMERIC affinity under a name that says nothing more: its values
		// may be anything, so text.
		{sqliteCol("string", 0, 0, 0), "text", unknownRule},
	}
	for _, tt := range tests {
		t.Run(tt.col.FullType, func(t *testing.T) {
			got := castColumn(&tt.col, "e", DialectSQLite)
			if got.Type != tt.typ || got.Rule != tt.rule {
				t.Errorf("got %s by %s, want %s by %s", got.Type, got.Rule, tt.typ, tt.rule)
			}
		})
	}
}

func TestCastColumnWithoutADialectUsesTheMySQLRules(t *testing.T) {
	c := Column{Type: "tinyint", Length: 1}
	if got := castColumn(&c, "e", DialectMySQL); got.Rule != "tinyint(1)-to-boolean" {
		t.Errorf("got %s", got.Rule)
	}
	if got := castColumn(&c, "e", DialectSQLite); got.Rule != "integer-affinity-to-bigint" {
		t.Errorf("with the SQLite dialect: got %s", got.Rule)
	}
}

func TestBuildPlanCastsByTheSchemasDialect(t *testing.T) {
	schema := &Schema{Dialect: DialectPostgres, Tables: []Table{{Name: "t", Columns: []Column{
		{Name: "v", Type: "character varying", FullType: "character varying(5)"},
	}}}}
	plan, err := BuildPlan(schema, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Tables[0].Columns[0]; c.Type != "character varying(5)" || c.Rule != "keep-type" {
		t.Errorf("got %s by %s", c.Type, c.Rule)
	}
}
