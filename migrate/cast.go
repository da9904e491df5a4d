package migrate

import (
	"fmt"
	"strconv"
	"strings"
)

// Cast is what a rule decided for one column.
type Cast struct {
	// Type is the PostgreSQL type as written in DDL, e.g. "varchar(20)".
	Type string
	// Rule is the stable name of the rule that decided Type.
	Rule string
	// Transforms are the names of the value transforms applied while
	// loading, in order; nil means values are copied as they are.
	Transforms []string
	// EnumLabels is set when Type is an enum type (or an array of it) that
	// the plan must create; nil otherwise.
	EnumLabels []string
}

// castRule maps a column to a PostgreSQL type. The rules follow pgloader's
// default MySQL casting rules (*mysql-default-cast-rules* in pgloader's
// src/sources/mysql/mysql-cast-rules.lisp), except where that file keys on
// the display width, which MySQL 8.0.19 and later no longer report: pgloader
// maps int(10) and wider to bigint and bigint(20) to numeric whether signed
// or not; here only unsigned widens. pgloader's float becomes PostgreSQL
// float (double precision); MySQL's FLOAT is 4 bytes, so real keeps it.
type castRule struct {
	name  string
	match func(c *Column) bool
	cast  func(c *Column, enumType string) Cast
}

func typeIs(names ...string) func(c *Column) bool {
	return func(c *Column) bool {
		for _, n := range names {
			if c.Type == n {
				return true
			}
		}
		return false
	}
}

func fixed(typ string, transforms ...string) func(*Column, string) Cast {
	return func(*Column, string) Cast { return Cast{Type: typ, Transforms: transforms} }
}

// withFraction keeps the fractional-seconds precision, as pgloader does.
func withFraction(typ string, transforms ...string) func(*Column, string) Cast {
	return func(c *Column, _ string) Cast {
		if c.Precision > 0 {
			typ := fmt.Sprintf("%s(%d)", typ, c.Precision)
			return Cast{Type: typ, Transforms: transforms}
		}
		return Cast{Type: typ, Transforms: transforms}
	}
}

var castRules = []castRule{
	{"tinyint(1)-to-boolean", func(c *Column) bool { return c.Type == "tinyint" && c.Length == 1 },
		fixed("boolean", "tinyint-to-boolean")},
	{"bit(1)-to-boolean", func(c *Column) bool { return c.Type == "bit" && c.Length <= 1 },
		fixed("boolean", "bits-to-boolean")},
	{"bit-to-bit", typeIs("bit"), func(c *Column, _ string) Cast {
		return Cast{Type: fmt.Sprintf("bit(%d)", c.Length), Transforms: []string{"bits-to-bitstring"}}
	}},
	// pgloader uses bigserial for every auto_increment bigint; an unsigned
	// one cannot become numeric(20) and stay an identity column.
	{"bigint-unsigned-auto-increment-to-bigint", func(c *Column) bool {
		return c.Type == "bigint" && c.Unsigned && c.AutoIncrement
	}, fixed("bigint")},
	{"tinyint-to-smallint", typeIs("tinyint"), fixed("smallint")},
	{"smallint-unsigned-to-integer", func(c *Column) bool { return c.Type == "smallint" && c.Unsigned }, fixed("integer")},
	{"smallint-to-smallint", typeIs("smallint"), fixed("smallint")},
	{"mediumint-to-integer", typeIs("mediumint"), fixed("integer")},
	{"int-unsigned-to-bigint", func(c *Column) bool { return (c.Type == "int" || c.Type == "integer") && c.Unsigned }, fixed("bigint")},
	{"int-to-integer", typeIs("int", "integer"), fixed("integer")},
	{"bigint-unsigned-to-numeric", func(c *Column) bool { return c.Type == "bigint" && c.Unsigned }, fixed("numeric(20)")},
	{"bigint-to-bigint", typeIs("bigint"), fixed("bigint")},
	{"float-to-real", typeIs("float"), fixed("real")},
	{"double-to-double-precision", typeIs("double", "real", "double precision"), fixed("double precision")},
	{"decimal-to-numeric", typeIs("decimal", "numeric", "fixed", "dec"), func(c *Column, _ string) Cast {
		return Cast{Type: fmt.Sprintf("numeric(%d,%d)", c.Precision, c.Scale)}
	}},
	// As pgloader: varchar to varchar and char to char, both keeping the
	// length, using remove-null-characters.
	{"varchar-to-varchar", typeIs("varchar"), func(c *Column, _ string) Cast {
		return Cast{Type: fmt.Sprintf("varchar(%d)", c.Length), Transforms: []string{"remove-null-characters"}}
	}},
	{"char-to-char", typeIs("char"), func(c *Column, _ string) Cast {
		return Cast{Type: fmt.Sprintf("char(%d)", c.Length), Transforms: []string{"remove-null-characters"}}
	}},
	{"text-to-text", typeIs("tinytext", "text", "mediumtext", "longtext"), fixed("text", "remove-null-characters")},
	{"blob-to-bytea", typeIs("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"), fixed("bytea")},
	{"datetime-to-timestamptz", typeIs("datetime", "timestamp"), withFraction("timestamptz", "zero-date-to-null")},
	{"date-to-date", typeIs("date"), fixed("date", "zero-date-to-null")},
	{"time-to-time", typeIs("time"), withFraction("time")},
	{"year-to-integer", typeIs("year"), fixed("integer")},
	{"enum-to-enum-type", typeIs("enum"), func(c *Column, enumType string) Cast {
		return Cast{Type: enumType, EnumLabels: c.Labels}
	}},
	{"set-to-enum-array", typeIs("set"), func(c *Column, enumType string) Cast {
		return Cast{Type: enumType + "[]", EnumLabels: c.Labels, Transforms: []string{"set-to-array"}}
	}},
	{"json-to-jsonb", typeIs("json"), fixed("jsonb")},
	{"geometry-to-point", typeIs("geometry", "point"), fixed("point", "geometry-to-point")},
}

// unknownRule names the fallback for a type no rule knows.
const unknownRule = "unknown-to-text"

// castColumn applies the first matching rule of dialect d's rules.
// enumType is the quoted,
// qualified type name an enum or set column would get.
func castColumn(c *Column, enumType string, d Dialect) Cast {
	for _, r := range rulesFor(d) {
		if r.match(c) {
			out := r.cast(c, enumType)
			out.Rule = r.name
			return out
		}
	}
	return Cast{Type: "text", Rule: unknownRule}
}

// ParseType splits a MySQL COLUMN_TYPE such as "int(10) unsigned zerofill",
// "decimal(10,2)", "enum('a','b”c')" or "datetime(6)" into the parts of c:
// Type, Length, Precision, Scale, Unsigned, Zerofill and Labels. It sets
// c.FullType too.
func ParseType(c *Column, columnType string) error {
	c.FullType = columnType
	lower := strings.ToLower(columnType)
	base, args, rest := lower, "", ""
	if i := strings.IndexByte(lower, '('); i >= 0 {
		j := strings.LastIndexByte(columnType, ')')
		if j < i {
			return fmt.Errorf("parse type %q: unbalanced parenthesis", columnType)
		}
		base, args, rest = lower[:i], columnType[i+1:j], lower[j+1:]
	} else if i := strings.IndexByte(lower, ' '); i >= 0 {
		base, rest = lower[:i], lower[i:]
	}
	c.Type = strings.TrimSpace(base)
	c.Unsigned = strings.Contains(rest, "unsigned")
	c.Zerofill = strings.Contains(rest, "zerofill")
	if args == "" {
		return nil
	}
	switch c.Type {
	case "enum", "set":
		labels, err := parseLabels(args)
		if err != nil {
			return fmt.Errorf("parse type %q: %w", columnType, err)
		}
		c.Labels = labels
		return nil
	case "decimal", "numeric", "fixed", "dec", "float", "double", "real":
		p, s, _ := strings.Cut(args, ",")
		var err error
		if c.Precision, err = strconv.Atoi(strings.TrimSpace(p)); err != nil {
			return fmt.Errorf("parse type %q: %w", columnType, err)
		}
		if s != "" {
			if c.Scale, err = strconv.Atoi(strings.TrimSpace(s)); err != nil {
				return fmt.Errorf("parse type %q: %w", columnType, err)
			}
		}
		return nil
	case "datetime", "timestamp", "time":
		n, err := strconv.Atoi(args)
		if err != nil {
			return fmt.Errorf("parse type %q: %w", columnType, err)
		}
		c.Precision = n
		return nil
	}
	n, err := strconv.Atoi(args)
	if err != nil {
		return fmt.Errorf("parse type %q: %w", columnType, err)
	}
	c.Length = n
	return nil
}

// parseLabels reads 'a','b”c' as MySQL prints enum and set members.
func parseLabels(s string) ([]string, error) {
	var labels []string
	for i := 0; i < len(s); {
		if s[i] != '\'' {
			return nil, fmt.Errorf("label at byte %d: expected a quote", i)
		}
		var b strings.Builder
		i++
		for {
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated label")
			}
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				i++
				break
			}
			b.WriteByte(s[i])
			i++
		}
		labels = append(labels, b.String())
		if i < len(s) && s[i] == ',' {
			i++
		}
	}
	return labels, nil
}
