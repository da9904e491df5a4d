package pgcopy

import (
	"strconv"
	"strings"
)

// kind is what a column's values are encoded as.
type kind uint8

const (
	// kindOther is any type without an encoder of its own: the value goes
	// to PostgreSQL's input function as text.
	kindOther kind = iota
	kindInt2
	kindInt4
	kindInt8
	kindNumeric
	kindFloat4
	kindFloat8
	kindBool
	kindString // text, varchar, char
	kindBytea
	kindTimestamptz
	kindTimestamp
	kindDate
	kindTime
	kindEnum
	kindEnumArray
	kindJSON
	kindJSONB
	kindBit
	kindVarbit
	kindPoint
	kindUUID
)

// Type OIDs of the built-in types with an encoder (pg_type.dat).
var kindOfOID = map[uint32]kind{
	16: kindBool, 17: kindBytea, 20: kindInt8, 21: kindInt2, 23: kindInt4, 25: kindString,
	114: kindJSON, 600: kindPoint, 700: kindFloat4, 701: kindFloat8, 1042: kindString, 1043: kindString,
	1082: kindDate, 1083: kindTime, 1114: kindTimestamp, 1184: kindTimestamptz, 1560: kindBit,
	1562: kindVarbit, 1700: kindNumeric, 2950: kindUUID, 3802: kindJSONB,
}

// kindOfName maps the DDL spellings of those types (format_type's and the
// short ones), without modifiers, for columns whose OID is not known.
var kindOfName = map[string]kind{
	"boolean": kindBool, "bool": kindBool, "bytea": kindBytea,
	"bigint": kindInt8, "int8": kindInt8, "smallint": kindInt2, "int2": kindInt2,
	"integer": kindInt4, "int": kindInt4, "int4": kindInt4,
	"text": kindString, "varchar": kindString, "character varying": kindString,
	"char": kindString, "character": kindString, "bpchar": kindString,
	"json": kindJSON, "jsonb": kindJSONB, "point": kindPoint,
	"real": kindFloat4, "float4": kindFloat4, "double precision": kindFloat8, "float8": kindFloat8,
	"date": kindDate, "time": kindTime, "time without time zone": kindTime,
	"timestamp": kindTimestamp, "timestamp without time zone": kindTimestamp,
	"timestamptz": kindTimestamptz, "timestamp with time zone": kindTimestamptz,
	"bit": kindBit, "varbit": kindVarbit, "bit varying": kindVarbit,
	"numeric": kindNumeric, "decimal": kindNumeric, "uuid": kindUUID,
}

// typeName splits a DDL type such as "numeric(12,2)" or "timestamp(3) with
// time zone" into its name without the modifier, in lower case, and the
// modifier's numbers.
func typeName(t string) (name string, mods []int) {
	t = strings.ToLower(strings.TrimSpace(t))
	open := strings.IndexByte(t, '(')
	if open < 0 {
		return t, nil
	}
	end := strings.IndexByte(t[open:], ')')
	if end < 0 {
		return t, nil
	}
	for _, part := range strings.Split(t[open+1:open+end], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return t, nil
		}
		mods = append(mods, n)
	}
	name = strings.TrimSpace(t[:open] + t[open+end+1:])
	return strings.Join(strings.Fields(name), " "), mods
}

// kindOf decides how a column encodes: by its OID when known, else by the
// plan's type name; enum types are those the plan creates. It returns the
// type's name and modifiers too.
func kindOf(c *Column) (k kind, name string, mods []int) {
	name, mods = typeName(c.Plan.Type)
	switch {
	case c.Plan.EnumLabels != nil && strings.HasSuffix(name, "[]"):
		if c.ElemOID != 0 {
			return kindEnumArray, name, nil
		}
		return kindOther, name, nil
	case c.Plan.EnumLabels != nil && kindOfOID[c.OID] == kindOther:
		return kindEnum, name, nil
	case c.OID != 0:
		return kindOfOID[c.OID], name, mods
	}
	return kindOfName[name], name, mods
}

// textual kinds hold text, which a latin1 source column's bytes are decoded
// into before anything else.
func (k kind) textual() bool {
	switch k {
	case kindOther, kindString, kindEnum, kindEnumArray, kindJSON, kindJSONB:
		return true
	}
	return false
}

// rawTransforms read a value's bytes as something other than text in the
// column's character set, or decode it themselves: a column with one is
// not decoded first.
var rawTransforms = map[string]bool{
	"bytes-to-uuid": true, "bits-to-boolean": true, "bits-to-bitstring": true,
	"geometry-to-point": true, "latin1-decode": true, "cp1252-decode": true,
}

// modifiers of one column, from its type.
type modifiers struct {
	// length is varchar(n)/char(n)'s n, bit(n)'s or varbit(n)'s; 0 means
	// none.
	length int
	// precision and scale are numeric(p,s)'s; precision 0 means none.
	precision, scale int
	// frac is the fractional-second digits of a time or timestamp; 6 when
	// none is given.
	frac int
}

func modifiersOf(k kind, name string, mods []int) modifiers {
	m := modifiers{frac: 6}
	switch k {
	case kindString:
		if len(mods) == 1 {
			m.length = mods[0]
		} else if name == "char" || name == "character" {
			m.length = 1
		}
	case kindBit, kindVarbit:
		if len(mods) == 1 {
			m.length = mods[0]
		} else if k == kindBit && name == "bit" {
			m.length = 1
		}
	case kindNumeric:
		if len(mods) > 0 {
			m.precision = mods[0]
		}
		if len(mods) > 1 {
			m.scale = mods[1]
		}
	case kindTime, kindTimestamp, kindTimestamptz:
		if len(mods) == 1 && mods[0] >= 0 && mods[0] < 6 {
			m.frac = mods[0]
		}
	}
	return m
}
