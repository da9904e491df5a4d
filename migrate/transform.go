package migrate

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Transform converts one source value on its way to PostgreSQL. Values are
// in the canonical form of Source rows (raw bytes, nil for SQL NULL), and a
// Transform returns nil for NULL. It is a pure function: same input, same
// output.
//
// buf lets a caller convert many values without allocating: when buf is not
// nil, a Transform that builds a new value builds it in *buf (replacing its
// contents and keeping any growth there) and returns a slice of it, valid
// until the next call with the same buf. When buf is nil it allocates. The
// result may also be v, a slice of v or a shared constant, so callers must
// not modify it.
type Transform func(v []byte, buf *[]byte) ([]byte, error)

// ErrUnknownTransform is returned (wrapped) for a transform name that
// Transforms does not hold.
var ErrUnknownTransform = errors.New("unknown transform")

// Transforms holds the named transforms, by the names plans and overrides
// use.
var Transforms = map[string]Transform{
	"trim":                   trim,
	"empty-string-to-null":   emptyToNull,
	"zero-date-to-null":      zeroDateToNull,
	"text-to-jsonb":          textToJSONB,
	"bytes-to-uuid":          bytesToUUID,
	"latin1-decode":          decodeCP1252,
	"cp1252-decode":          decodeCP1252,
	"remove-null-characters": removeNUL,
	"tinyint-to-boolean":     tinyintToBool,
	"bits-to-boolean":        bitsToBool,
	"bits-to-bitstring":      bitsToBitString,
	"set-to-array":           setToArray,
	"geometry-to-point":      geometryToPoint,
}

// LookupTransform returns the transform called name.
func LookupTransform(name string) (Transform, error) {
	t, ok := Transforms[name]
	if !ok {
		return nil, fmt.Errorf("transform %q: %w", name, ErrUnknownTransform)
	}
	return t, nil
}

// transformBuf returns the storage a transform builds its result in: *buf
// emptied, or nil (append allocates) when the caller gave no buffer.
func transformBuf(buf *[]byte) []byte {
	if buf == nil {
		return nil
	}
	return (*buf)[:0]
}

// transformResult keeps out's storage in *buf for the next call and
// returns out, never nil: an empty result is an empty value, not NULL.
func transformResult(buf *[]byte, out []byte) []byte {
	if out == nil {
		out = []byte{}
	}
	if buf != nil {
		*buf = out
	}
	return out
}

var (
	transformTrue  = []byte("t")
	transformFalse = []byte("f")
)

func trim(v []byte, _ *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if t := bytes.TrimSpace(v); t != nil {
		return t, nil
	}
	return v[:0], nil // TrimSpace returns nil for all-space input, which would read as NULL
}

func emptyToNull(v []byte, _ *[]byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// zeroDateToNull turns MySQL's zero dates ("0000-00-00", a zero year, month
// or day, with or without a time) into NULL: PostgreSQL has no such dates.
func zeroDateToNull(v []byte, _ *[]byte) ([]byte, error) {
	if zeroDate(v) {
		return nil, nil
	}
	return v, nil
}

// zeroDate reports whether v is a "YYYY-MM-DD..." date with a zero year,
// month or day.
func zeroDate(v []byte) bool {
	if len(v) < 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	return string(v[:4]) == "0000" || string(v[5:7]) == "00" || string(v[8:10]) == "00"
}

func textToJSONB(v []byte, _ *[]byte) ([]byte, error) {
	if v != nil && !json.Valid(v) {
		return nil, errors.New("text-to-jsonb: not valid JSON")
	}
	return v, nil
}

func bytesToUUID(v []byte, buf *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if len(v) != 16 {
		return nil, fmt.Errorf("bytes-to-uuid: %d bytes, want 16", len(v))
	}
	out := transformBuf(buf)
	for i, b := range v {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, uuidHexDigits[b>>4], uuidHexDigits[b&15])
	}
	return transformResult(buf, out), nil
}

const uuidHexDigits = "0123456789abcdef"

func removeNUL(v []byte, buf *[]byte) ([]byte, error) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return v, nil
	}
	out := append(transformBuf(buf), v[:i]...)
	for _, b := range v[i+1:] {
		if b != 0 {
			out = append(out, b)
		}
	}
	return transformResult(buf, out), nil
}

// tinyintToBool turns a MySQL tinyint(1), an integer, into "f" for zero
// and "t" for anything else.
func tinyintToBool(v []byte, _ *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	digits := v
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return nil, fmt.Errorf("tinyint-to-boolean: %q is not an integer", v)
	}
	zero := true
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("tinyint-to-boolean: %q is not an integer", v)
		}
		zero = zero && c == '0'
	}
	if zero {
		return transformFalse, nil
	}
	return transformTrue, nil
}

// bitsToBool turns a MySQL BIT value (raw bytes) into "t" when any bit is
// set, else "f".
func bitsToBool(v []byte, _ *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	for _, x := range v {
		if x != 0 {
			return transformTrue, nil
		}
	}
	return transformFalse, nil
}

// bitsToBitString renders a BIT value (big-endian bytes) as a string of
// '0' and '1', all bytes' bits. The COPY encoder drops the leading zero
// padding that does not fit the target's bit(n).
func bitsToBitString(v []byte, buf *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	out := transformBuf(buf)
	for _, x := range v {
		for i := 7; i >= 0; i-- {
			out = append(out, '0'+(x>>i)&1)
		}
	}
	return transformResult(buf, out), nil
}

// setToArray turns a MySQL SET value "a,b" into a PostgreSQL array literal
// {"a","b"}; the empty set is {}.
func setToArray(v []byte, buf *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	out := append(transformBuf(buf), '{')
	if len(v) > 0 {
		for i := 0; ; {
			j := bytes.IndexByte(v[i:], ',')
			if j < 0 {
				j = len(v) - i
			}
			out = appendArrayElement(out, v[i:i+j])
			i += j + 1
			if i > len(v) {
				break
			}
			out = append(out, ',')
		}
	}
	return transformResult(buf, append(out, '}')), nil
}

// appendArrayElement appends s double-quoted as an array literal element.
func appendArrayElement(out, s []byte) []byte {
	out = append(out, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return append(out, '"')
}

// decodeCP1252 decodes latin1 text as MySQL does: MySQL's latin1 is
// Windows-1252, with its five undefined bytes mapped to the C1 controls.
func decodeCP1252(v []byte, buf *[]byte) ([]byte, error) {
	i := 0
	for i < len(v) && v[i] < utf8.RuneSelf {
		i++
	}
	if i == len(v) {
		return v, nil
	}
	out := append(transformBuf(buf), v[:i]...)
	for _, c := range v[i:] {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c <= 0x9f:
			out = utf8.AppendRune(out, cp1252High[c-0x80])
		default:
			out = append(out, 0xc0|c>>6, 0x80|c&0x3f)
		}
	}
	return transformResult(buf, out), nil
}

var cp1252High = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}

// geometryToPoint turns a MySQL geometry value (a 4-byte little-endian SRID
// then WKB) holding a POINT into PostgreSQL's point text "(x,y)". The SRID
// is dropped: point has none.
func geometryToPoint(v []byte, buf *[]byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if len(v) < 9 {
		return nil, fmt.Errorf("geometry-to-point: %d bytes, too short for a geometry", len(v))
	}
	wkb := v[4:]
	var order binary.ByteOrder
	switch wkb[0] {
	case 0:
		order = binary.BigEndian
	case 1:
		order = binary.LittleEndian
	default:
		return nil, fmt.Errorf("geometry-to-point: byte order %d is neither 0 nor 1", wkb[0])
	}
	if typ := order.Uint32(wkb[1:]); typ != 1 {
		return nil, fmt.Errorf("geometry-to-point: geometry is a %s, only POINT converts to point", geometryName(typ))
	}
	if len(wkb) != 21 {
		return nil, fmt.Errorf("geometry-to-point: a POINT of %d bytes, want 21", len(wkb))
	}
	x := math.Float64frombits(order.Uint64(wkb[5:]))
	y := math.Float64frombits(order.Uint64(wkb[13:]))
	out := append(transformBuf(buf), '(')
	out = appendFloat(out, x, 64)
	out = append(out, ',')
	out = appendFloat(out, y, 64)
	return transformResult(buf, append(out, ')')), nil
}

// geometryName names a WKB geometry type as MySQL prints it.
func geometryName(typ uint32) string {
	names := []string{1: "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"}
	if typ < uint32(len(names)) && typ > 0 {
		return names[typ]
	}
	return "WKB type " + strconv.FormatUint(uint64(typ), 10)
}

// appendFloat appends f in the canonical form: the shortest decimal that
// reads back as f, or NaN, Infinity, -Infinity, all of which PostgreSQL's
// float input accepts.
func appendFloat(b []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bitSize)
}
