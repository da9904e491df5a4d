package verify

import (
	"strconv"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// kind is how a column's values are normalised: every kind has one canonical text that both sides
// produce for equal data (see docs/verify.md, "Normalisation").
type kind uint8

const (
	kindInt       kind = iota // decimal integer: -12
	kindDecimal               // decimal with the target's scale: 12.50
	kindFloat                 // rounded to prec significant digits
	kindBool                  // true / false
	kindText                  // UTF-8 text; NUL bytes removed when the plan removes them
	kindBytes                 // lower-case hex of short binary values
	kindBlob                  // #length:md5 of large binary values
	kindTimestamp             // YYYY-MM-DD HH:MM:SS.ffffff in UTC
	kindDate                  // YYYY-MM-DD
	kindTime                  // HH:MM:SS.ffffff
	kindBits                  // the bit string, n characters 0 and 1
	kindSet                   // enum labels joined by commas (a MySQL SET, a PostgreSQL enum array)
	kindJSON                  // JSON with sorted keys and canonical numbers
	kindPoint                 // (x,y) with both rounded like doubles
	kindUUID                  // lower-case, hyphenated
	kindRaw                   // the target's text output, compared exactly
)

var kindNames = [...]string{"integer", "decimal", "float", "boolean", "text", "bytes", "blob", "timestamp", "date",
	"time", "bits", "set", "json", "point", "uuid", "raw"}

func (k kind) String() string { return kindNames[k] }

// lengthPrefixed reports whether a value of k may hold any character, so that its field in the row
// text carries its length.
func (k kind) lengthPrefixed() bool {
	switch k {
	case kindText, kindSet, kindJSON, kindRaw:
		return true
	}
	return false
}

// longValue is the byte length above which a text value is represented in the row text by its
// length and md5 rather than itself: it keeps the rows fetched for comparison small.
const longValue = 256

// column is one column of a table under comparison.
type column struct {
	plan *migrate.ColumnPlan
	kind kind
	// scale is the decimal's digits after the point; -1 means as the value has them.
	scale int
	// prec is a float's significant digits, or a timestamp's or time's fractional digits.
	prec int
	// bits is a bit string's length.
	bits int
	// padded marks a char(n) target, whose trailing spaces do not count.
	padded bool
	// zoned marks a timestamp with time zone: a source value's zone offset counts (PostgreSQL
	// ignores it for a timestamp without time zone).
	zoned bool
	// long marks a text kind whose long values are hashed (see longValue).
	long bool
	// latin1 marks a latin1 source column of a textual kind, whose bytes the loader decodes (as
	// Windows-1252) before the transforms, unless a transform reads them as bytes.
	latin1 bool
	// width is the byte size of the target's binary form when stream mode reads the target column
	// in binary (integers, floats, booleans, timestamps; see binaryTarget), numericWidth for a
	// numeric (read in binary too, of no fixed size), 0 otherwise.
	width int
	// plain marks a source column whose values go straight to normalise: no character set to
	// decode, no transform.
	plain bool
	// direct marks a kind whose field in the row text is the canonical text itself (see
	// appendField), which build writes in place.
	direct bool
	// sensitive columns have their values redacted in every report.
	sensitive bool
	// transforms are the plan's transforms that the loader applied to source values; funcs are
	// the same, looked up once (nil for a name migrate does not know).
	transforms []string
	funcs      []migrate.Transform
}

// targetType is a PostgreSQL type split into its base name and modifiers: "timestamp(3) with time
// zone" is {"timestamp with time zone", ["3"]}.
type targetType struct {
	base  string
	args  []string
	array bool
}

func parseTargetType(s string) targetType {
	s = strings.ToLower(strings.TrimSpace(s))
	var t targetType
	if strings.HasSuffix(s, "[]") {
		t.array, s = true, strings.TrimSuffix(s, "[]")
	}
	if i := strings.IndexByte(s, '('); i >= 0 {
		if j := strings.IndexByte(s[i:], ')'); j > 0 {
			for _, a := range strings.Split(s[i+1:i+j], ",") {
				t.args = append(t.args, strings.TrimSpace(a))
			}
			s = s[:i] + s[i+j+1:]
		}
	}
	t.base = strings.Join(strings.Fields(s), " ")
	return t
}

func (t targetType) arg(i, def int) int {
	if i < len(t.args) {
		if n, err := strconv.Atoi(t.args[i]); err == nil {
			return n
		}
	}
	return def
}

// newColumn decides how a column is normalised, from its target type and its source type.
func newColumn(cp *migrate.ColumnPlan) column {
	c := column{plan: cp, scale: -1, transforms: cp.Transforms}
	for _, name := range cp.Transforms {
		f, _ := migrate.LookupTransform(name)
		c.funcs = append(c.funcs, f)
	}
	tt := parseTargetType(cp.Type)
	switch {
	case cp.EnumLabels != nil && tt.array:
		c.kind = kindSet
	case cp.EnumLabels != nil:
		c.kind = kindText
	case tt.array:
		c.kind, c.long = kindRaw, true
	default:
		c.classify(tt)
	}
	c.latin1 = strings.EqualFold(cp.Source.Charset, "latin1") && c.textual() && !c.rawTransform()
	if c.kind != kindBytes && c.kind != kindBlob && c.binaryTarget() {
		c.width = c.targetWidth()
	}
	c.plain = !c.latin1 && len(c.funcs) == 0
	c.direct = !c.kind.lengthPrefixed()
	return c
}

// textual kinds hold text, which latin1 source bytes are decoded into (as migrate/pgcopy does).
func (c *column) textual() bool {
	switch c.kind {
	case kindText, kindSet, kindJSON, kindRaw:
		return true
	}
	return false
}

// rawTransform reports a transform that reads the value's bytes as something other than text.
func (c *column) rawTransform() bool {
	for _, t := range c.transforms {
		switch t {
		case "bytes-to-uuid", "bits-to-boolean", "bits-to-bitstring", "geometry-to-point", "latin1-decode", "cp1252-decode":
			return true
		}
	}
	return false
}

func (c *column) classify(tt targetType) {
	src := c.plan.Source
	switch tt.base {
	case "smallint", "integer", "int", "int2", "int4", "int8", "bigint", "smallserial", "serial", "bigserial":
		c.kind = kindInt
	case "numeric", "decimal":
		c.kind = kindDecimal
		switch len(tt.args) {
		case 1:
			c.scale = 0
		case 2:
			c.scale = tt.arg(1, 0)
		}
	case "real", "float4":
		c.kind, c.prec = kindFloat, 6
	case "double precision", "float8":
		c.kind, c.prec = kindFloat, 15
	case "float":
		c.kind, c.prec = kindFloat, 15
		if tt.arg(0, 53) <= 24 {
			c.prec = 6
		}
	case "boolean", "bool":
		c.kind = kindBool
	case "text", "varchar", "character varying", "citext", "name":
		c.kind = kindText
		c.long = isLongSource(src)
	case "char", "character", "bpchar":
		c.kind, c.padded = kindText, true
	case "bytea":
		c.kind = kindBlob
		if (src.Type == "binary" || src.Type == "varbinary") && src.Length <= 255 {
			c.kind = kindBytes
		}
	case "timestamptz", "timestamp with time zone":
		c.kind, c.prec, c.zoned = kindTimestamp, tt.arg(0, 6), true
	case "timestamp", "timestamp without time zone":
		c.kind, c.prec = kindTimestamp, tt.arg(0, 6)
	case "date":
		c.kind = kindDate
	case "time", "time without time zone":
		c.kind, c.prec = kindTime, tt.arg(0, 6)
	case "bit":
		c.kind, c.bits = kindBits, tt.arg(0, 1)
	case "json", "jsonb":
		c.kind, c.long = kindJSON, true
	case "point":
		c.kind = kindPoint
	case "uuid":
		c.kind = kindUUID
	default:
		c.kind, c.long = kindRaw, true
	}
}

// isLongSource reports whether a text column's source type can hold values longer than longValue
// characters: only those pay for the length test in every row.
func isLongSource(c *migrate.Column) bool {
	switch c.Type {
	case "tinytext", "enum", "set":
		return false
	case "char", "varchar", "character", "character varying":
		return c.Length == 0 || c.Length > longValue
	}
	return true
}

// has reports whether the plan applies the transform called name.
func (c *column) has(name string) bool {
	for _, t := range c.transforms {
		if t == name {
			return true
		}
	}
	return false
}
