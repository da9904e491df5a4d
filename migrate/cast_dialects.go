package migrate

import (
	"fmt"
	"strings"
)

// rulesFor returns the cast rules of a source dialect.
func rulesFor(d Dialect) []castRule {
	switch d {
	case DialectPostgres:
		return postgresCastRules
	case DialectSQLite:
		return sqliteCastRules
	}
	return castRules
}

// postgresCastRules keep a PostgreSQL source's types: the target is
// PostgreSQL too. Only what would not exist in the target changes: the
// source's enum types become enum types the plan creates (with the source's
// labels, in order), and types that are not built in (extensions, composite
// types) fall back to text. The connector has already replaced domains by
// the types they are built on.
var postgresCastRules = []castRule{
	{"serial-to-identity", func(c *Column) bool { return c.AutoIncrement }, keepType},
	{"enum-array-to-enum-array", func(c *Column) bool { return c.Labels != nil && isArray(c) }, func(c *Column, enumType string) Cast {
		return Cast{Type: enumType + "[]", EnumLabels: c.Labels}
	}},
	{"enum-to-enum-type", func(c *Column) bool { return c.Labels != nil }, func(c *Column, enumType string) Cast {
		return Cast{Type: enumType, EnumLabels: c.Labels}
	}},
	{"keep-type", func(c *Column) bool { return builtinTypes[strings.TrimSuffix(c.Type, "[]")] }, keepType},
}

func keepType(c *Column, _ string) Cast { return Cast{Type: c.FullType} }

func isArray(c *Column) bool { return strings.HasSuffix(c.Type, "[]") }

// builtinTypes are PostgreSQL's built-in data types that every target has,
// by the name format_type prints without a modifier. The reg* types are
// left out on purpose: their values name objects of the source database.
var builtinTypes = func() map[string]bool {
	names := []string{
		"smallint", "integer", "bigint", "numeric", "real", "double precision", "money",
		"text", "character varying", "character", "bpchar", `"char"`, "name",
		"bytea", "boolean", "uuid", "json", "jsonb", "jsonpath", "xml",
		"date", "time without time zone", "time with time zone",
		"timestamp without time zone", "timestamp with time zone", "interval",
		"bit", "bit varying", "inet", "cidr", "macaddr", "macaddr8",
		"point", "line", "lseg", "box", "path", "polygon", "circle", "tsvector", "tsquery",
		"int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
		"int4multirange", "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange", "datemultirange",
		"oid", "pg_lsn", "pg_snapshot", "txid_snapshot",
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}()

// sqliteCastRules follow the column affinity SQLite derives from the
// declared type (https://www.sqlite.org/datatype3.html, section 3.1), with
// friendlier types where the declared name says more (BOOLEAN, DATE, JSON).
// SQLite enforces neither lengths nor precisions, so char(n) becomes text,
// and every integer type bigint: a declared width is no promise about the
// values. A value the target type refuses (text in an INTEGER column) is
// rejected with its reason when the rows load.
var sqliteCastRules = []castRule{
	{"rowid-to-bigint-identity", func(c *Column) bool { return c.AutoIncrement }, fixed("bigint")},
	{"boolean-to-boolean", typeIs("boolean", "bool"), fixed("boolean")},
	{"json-to-jsonb", typeIs("json", "jsonb"), fixed("jsonb")},
	{"uuid-to-uuid", typeIs("uuid"), fixed("uuid")},
	{"integer-affinity-to-bigint", affinity("int"), fixed("bigint")},
	{"char(n)-to-text", func(c *Column) bool { return affinity("char", "clob", "text")(c) && c.Length > 0 }, fixed("text")},
	{"text-affinity-to-text", affinity("char", "clob", "text"), fixed("text")},
	{"blob-to-bytea", affinity("blob"), fixed("bytea")},
	{"no-type-to-text", typeIs(""), fixed("text")},
	{"real-affinity-to-double-precision", affinity("real", "floa", "doub"), fixed("double precision")},
	{"decimal-to-numeric", typeIs("decimal", "numeric"), func(c *Column, _ string) Cast {
		switch {
		case c.Precision > 0 && c.Scale > 0:
			return Cast{Type: fmt.Sprintf("numeric(%d,%d)", c.Precision, c.Scale)}
		case c.Precision > 0:
			return Cast{Type: fmt.Sprintf("numeric(%d)", c.Precision)}
		}
		return Cast{Type: "numeric"}
	}},
	{"date-to-date", typeIs("date"), fixed("date")},
	{"datetime-to-timestamptz", typeIs("datetime", "timestamp"), withFraction("timestamptz")},
	{"time-to-time", typeIs("time"), withFraction("time")},
}

// affinity matches a declared type containing any of parts, as SQLite's
// affinity rules test it.
func affinity(parts ...string) func(c *Column) bool {
	return func(c *Column) bool {
		for _, p := range parts {
			if strings.Contains(c.Type, p) {
				return true
			}
		}
		return false
	}
}
