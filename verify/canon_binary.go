package verify

import (
	"encoding/binary"
	"math"
	"strconv"
)

// PostgreSQL's binary output is cheaper than its text output for the server to write and for ficus
// to read: stream mode reads integers, floats, booleans, timestamps and numerics of the target in
// binary (bytea too, read as its bytes). binaryTarget reports whether c is read so.
func (c *column) binaryTarget() bool {
	switch c.kind {
	case kindBytes, kindBlob:
		return true
	case kindInt:
		return c.targetWidth() > 0
	case kindFloat, kindBool, kindTimestamp:
		return c.targetWidth() > 0
	case kindDecimal:
		return c.targetWidth() == numericWidth
	}
	return false
}

// numericWidth is targetWidth's mark of numeric, whose binary form has no fixed size.
const numericWidth = -1

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
	case "numeric", "decimal":
		return numericWidth
	}
	return 0
}

// fromBinary normalises a target value read in PostgreSQL's binary form (binaryTarget columns
// other than bytea) into the same canonical text normalise makes of its text form.
func (c *column) fromBinary(buf, v []byte) value {
	if c.width == numericWidth {
		var scratch [64]byte
		text, ok := appendNumericText(scratch[:0], v)
		if !ok {
			return value{bad: "malformed binary numeric"}
		}
		return canonDecimal(buf, text, c.scale)
	}
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

// appendNumericText writes a numeric's binary form (ndigits, weight, sign, dscale, then ndigits
// base-10000 digits, all 16-bit big-endian) as numeric_out prints it: dscale digits after the
// point, NaN and the infinities by name.
func appendNumericText(buf, v []byte) ([]byte, bool) {
	if len(v) < 8 {
		return buf, false
	}
	ndigits := int(binary.BigEndian.Uint16(v))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	dscale := int(binary.BigEndian.Uint16(v[6:]))
	if len(v) != 8+2*ndigits || dscale > 0x3fff {
		return buf, false
	}
	switch sign {
	case 0xC000:
		return append(buf, "NaN"...), true
	case 0xD000:
		return append(buf, "Infinity"...), true
	case 0xF000:
		return append(buf, "-Infinity"...), true
	case 0x4000:
		if ndigits > 0 {
			buf = append(buf, '-')
		}
	case 0x0000:
	default:
		return buf, false
	}
	digit := func(i int) int {
		if i < 0 || i >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(v[8+2*i:]))
	}
	// The integer part: groups 0..weight.
	if weight < 0 {
		buf = append(buf, '0')
	} else {
		for i := 0; i <= weight; i++ {
			d := digit(i)
			if d > 9999 {
				return buf, false
			}
			if i == 0 {
				buf = strconv.AppendInt(buf, int64(d), 10)
				continue
			}
			buf = append(buf, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
		}
	}
	if dscale == 0 {
		return buf, true
	}
	// The fraction: groups weight+1 on, dscale digits of them.
	buf = append(buf, '.')
	for i, n := weight+1, 0; n < dscale; i++ {
		d := digit(i)
		if d > 9999 {
			return buf, false
		}
		for _, x := range [4]byte{byte('0' + d/1000), byte('0' + d/100%10), byte('0' + d/10%10), byte('0' + d%10)} {
			if n == dscale {
				break
			}
			buf = append(buf, x)
			n++
		}
	}
	return buf, true
}
