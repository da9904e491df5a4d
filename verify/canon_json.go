package verify

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// canonJSON writes a JSON document in one canonical form: no insignificant space, object keys
// sorted (the last of duplicate keys wins, as in jsonb), strings re-escaped the same way, and
// numbers by value (1.50, 1.5 and 15e-1 are all 1.5). MySQL keeps JSON in its own binary form,
// MariaDB as text as written, PostgreSQL's jsonb sorts keys its own way: only the values count.
func canonJSON(buf, v []byte) value {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return value{bad: "not JSON: " + quoteShort(v)}
	}
	if _, err := dec.Token(); err == nil {
		return value{bad: "not JSON: text after the document: " + quoteShort(v)}
	}
	return value{text: appendJSON(buf, doc)}
}

func appendJSON(buf []byte, doc any) []byte {
	switch x := doc.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		return strconv.AppendBool(buf, x)
	case json.Number:
		return appendJSONNumber(buf, string(x))
	case string:
		return appendJSONString(buf, x)
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSON(buf, e)
		}
		return append(buf, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, k)
			buf = append(buf, ':')
			buf = appendJSON(buf, x[k])
		}
		return append(buf, '}')
	}
	return buf
}

// appendJSONNumber writes a number by its value: without trailing zeros after the point, without
// an exponent unless the number is very large or very small, 0 for every zero.
func appendJSONNumber(buf []byte, n string) []byte {
	d, ok := parseDecimal([]byte(n))
	if !ok {
		return append(buf, n...)
	}
	digits := bytes.TrimRight(d.digits, "0")
	frac := d.frac - (len(d.digits) - len(digits))
	if len(digits) == 0 {
		return append(buf, '0')
	}
	if d.neg {
		buf = append(buf, '-')
	}
	// The value is digits × 10^-frac.
	exp := len(digits) - frac // digits before the point
	if exp > 21 || exp < -6 {
		buf = append(buf, digits[0])
		if len(digits) > 1 {
			buf = append(append(buf, '.'), digits[1:]...)
		}
		buf = append(buf, 'e')
		return strconv.AppendInt(buf, int64(exp-1), 10)
	}
	return decimal{digits: digits, frac: max(frac, 0)}.appendUnsigned(buf, frac)
}

func (d decimal) appendUnsigned(buf []byte, frac int) []byte {
	if frac < 0 {
		buf = append(buf, d.digits...)
		return append(buf, bytes.Repeat([]byte{'0'}, -frac)...)
	}
	return decimal{digits: d.digits, frac: frac}.append(buf)
}

// appendJSONString quotes s with only the escapes JSON requires, so that equal strings written
// with different escapes (\u00e9 or é, \/ or /) compare equal.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r < 0x20:
			buf = append(buf, `\u00`...)
			buf = append(buf, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
