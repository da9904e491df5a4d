package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Transform converts one source value on its way to PostgreSQL. Values are
// nil (SQL NULL), string or []byte as a driver returns them; a Transform
// returns nil for NULL. It is a pure function: same input, same output.
type Transform func(v any) (any, error)

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
	"geometry-to-point":      passThrough,
}

// LookupTransform returns the transform called name.
func LookupTransform(name string) (Transform, error) {
	t, ok := Transforms[name]
	if !ok {
		return nil, fmt.Errorf("transform %q: %w", name, ErrUnknownTransform)
	}
	return t, nil
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

func passThrough(v any) (any, error) { return v, nil }

func trim(v any) (any, error) {
	if s, ok := asString(v); ok {
		return strings.TrimSpace(s), nil
	}
	return v, nil
}

func emptyToNull(v any) (any, error) {
	if s, ok := asString(v); ok && s == "" {
		return nil, nil
	}
	return v, nil
}

// zeroDateToNull turns MySQL's zero dates ("0000-00-00", a zero month or
// day, with or without a time) into NULL: PostgreSQL has no such dates.
func zeroDateToNull(v any) (any, error) {
	s, ok := asString(v)
	if !ok || len(s) < 10 {
		return v, nil
	}
	if s[:4] == "0000" || s[5:7] == "00" || s[8:10] == "00" {
		return nil, nil
	}
	return v, nil
}

func textToJSONB(v any) (any, error) {
	s, ok := asString(v)
	if !ok {
		return v, nil
	}
	if !json.Valid([]byte(s)) {
		return nil, errors.New("text-to-jsonb: not valid JSON")
	}
	return s, nil
}

func bytesToUUID(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, ok := v.([]byte)
	if !ok {
		s, _ := asString(v)
		b = []byte(s)
	}
	if len(b) != 16 {
		return nil, fmt.Errorf("bytes-to-uuid: %d bytes, want 16", len(b))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

func removeNUL(v any) (any, error) {
	if s, ok := asString(v); ok {
		return strings.ReplaceAll(s, "\x00", ""), nil
	}
	return v, nil
}

func tinyintToBool(v any) (any, error) {
	s, ok := asString(v)
	if !ok {
		return v, nil
	}
	return s != "0", nil
}

func bitsToBool(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, _ := v.([]byte)
	for _, x := range b {
		if x != 0 {
			return true, nil
		}
	}
	return false, nil
}

// bitsToBitString renders a BIT value (big-endian bytes) as a string of
// '0' and '1', all bytes' bits; PostgreSQL's bit(n) input takes the last n
// when the loader trims the leading padding.
func bitsToBitString(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, _ := v.([]byte)
	var sb strings.Builder
	for _, x := range b {
		fmt.Fprintf(&sb, "%08b", x)
	}
	return sb.String(), nil
}

// setToArray turns a MySQL SET value "a,b" into a PostgreSQL array literal.
func setToArray(v any) (any, error) {
	s, ok := asString(v)
	if !ok {
		return v, nil
	}
	if s == "" {
		return "{}", nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		p = strings.ReplaceAll(p, `\`, `\\`)
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `\"`) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// decodeCP1252 decodes latin1 text as MySQL does: MySQL's latin1 is
// Windows-1252, with its five undefined bytes mapped to the C1 controls.
func decodeCP1252(v any) (any, error) {
	s, ok := asString(v)
	if !ok {
		return v, nil
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 && c <= 0x9f {
			b.WriteRune(cp1252High[c-0x80])
			continue
		}
		b.WriteRune(rune(c))
	}
	return b.String(), nil
}

var cp1252High = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}
