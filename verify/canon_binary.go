package verify

import (
	"encoding/binary"
	"math"
	"strconv"
)

// PostgreSQL's binary output is cheaper than its text output for the server to write and for ficus
// to read: stream mode reads integers, floats, booleans and timestamps of the target in binary
// (bytea too, read as its bytes). binaryTarget reports whether c is read so.
func (c *column) binaryTarget() bool {
	switch c.kind {
	case kindBytes, kindBlob:
		return true
	case kindInt:
		return c.targetWidth() > 0
	case kindFloat, kindBool, kindTimestamp:
		return c.targetWidth() > 0
	}
	return false
}

// targetWidth is the byte size of the target type's binary form, 0 for a type not read in binary.
func (c *column) targetWidth() int {
	switch parseTargetType(c.plan.Type).base {
	case "smallint", "int2", "smallserial":
		return 2
	case "integer", "int", "int4", "serial", "real", "float4":
		return 4
	case "bigint", "int8", "bigserial", "double precision", "float8":
		return 8
	case "float":
		if c.prec <= 6 {
			return 4
		}
		return 8
	case "boolean", "bool":
		return 1
	case "timestamp", "timestamp without time zone", "timestamptz", "timestamp with time zone":
		return 8
	}
	return 0
}

// fromBinary normalises a target value read in PostgreSQL's binary form (binaryTarget columns
// other than bytea) into the same canonical text normalise makes of its text form.
func (c *column) fromBinary(buf, v []byte) value {
	if len(v) != c.width {
		return value{bad: "unexpected binary value of " + strconv.Itoa(len(v)) + " bytes"}
	}
	switch c.kind {
	case kindInt:
		var n int64
		switch len(v) {
		case 2:
			n = int64(int16(binary.BigEndian.Uint16(v)))
		case 4:
			n = int64(int32(binary.BigEndian.Uint32(v)))
		default:
			n = int64(binary.BigEndian.Uint64(v))
		}
		return value{text: strconv.AppendInt(buf, n, 10)}
	case kindFloat:
		var f float64
		if len(v) == 4 {
			f = float64(math.Float32frombits(binary.BigEndian.Uint32(v)))
		} else {
			f = math.Float64frombits(binary.BigEndian.Uint64(v))
		}
		return floatValue(buf, f, c.prec)
	case kindBool:
		if v[0] != 0 {
			return value{text: append(buf, "true"...)}
		}
		return value{text: append(buf, "false"...)}
	}
	// kindTimestamp: microseconds since 2000-01-01, UTC for a timestamptz.
	switch n := int64(binary.BigEndian.Uint64(v)); n {
	case math.MaxInt64:
		return value{text: append(buf, "infinity"...)}
	case math.MinInt64:
		return value{text: append(buf, "-infinity"...)}
	default:
		return value{text: appendTimestamp(buf, n)}
	}
}
