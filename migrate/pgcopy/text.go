package pgcopy

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// checkText refuses what PostgreSQL text cannot hold: invalid UTF-8 and
// NUL characters. Loading either as something else would be garbage.
func checkText(v []byte) error {
	if !utf8.Valid(v) {
		return invalidUTF8(v)
	}
	if i := bytes.IndexByte(v, 0); i >= 0 {
		return fmt.Errorf("NUL character at byte %d, which PostgreSQL text cannot hold (the remove-null-characters transform drops them)", i)
	}
	return nil
}

func invalidUTF8(v []byte) error {
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("invalid UTF-8 at byte %d (0x%02x)", i, v[i])
		}
		i += n
	}
	return nil
}

// checkLength refuses a value longer than varchar(n) or char(n), unless
// only spaces go beyond n, which PostgreSQL drops.
func checkLength(c *column, v []byte) error {
	if c.length == 0 || len(v) <= c.length {
		return nil
	}
	chars := 0
	for i := range string(v) {
		if chars == c.length {
			if len(bytes.TrimLeft(v[i:], " ")) == 0 {
				return nil
			}
			return fmt.Errorf("value too long: %d characters, the column takes %d", utf8.RuneCount(v), c.length)
		}
		chars++
	}
	return nil
}

func binString(c *column, dst, v []byte) ([]byte, error) {
	if err := checkText(v); err != nil {
		return dst, err
	}
	if err := checkLength(c, v); err != nil {
		return dst, err
	}
	return append(dst, v...), nil
}

func textString(c *column, dst, v []byte) ([]byte, error) {
	if err := checkText(v); err != nil {
		return dst, err
	}
	if err := checkLength(c, v); err != nil {
		return dst, err
	}
	return appendEscaped(dst, v), nil
}

// textOther passes a value of a type without an encoder here to
// PostgreSQL's input function.
func textOther(_ *column, dst, v []byte) ([]byte, error) {
	if err := checkText(v); err != nil {
		return dst, err
	}
	return appendEscaped(dst, v), nil
}

func binBytea(_ *column, dst, v []byte) ([]byte, error) {
	return append(dst, v...), nil
}

// textBytea writes bytea's hex input form, its backslash escaped for COPY.
func textBytea(_ *column, dst, v []byte) ([]byte, error) {
	dst = append(dst, '\\', '\\', 'x')
	for _, b := range v {
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst, nil
}

// copyEscapes maps the bytes COPY's text format must escape to the letter
// that follows the backslash.
var copyEscapes = [256]byte{'\\': '\\', '\t': 't', '\n': 'n', '\r': 'r'}

// appendEscaped appends v escaped for COPY's text format.
func appendEscaped(dst, v []byte) []byte {
	for {
		i := 0
		for i < len(v) && copyEscapes[v[i]] == 0 {
			i++
		}
		dst = append(dst, v[:i]...)
		if i == len(v) {
			return dst
		}
		dst = append(dst, '\\', copyEscapes[v[i]])
		v = v[i+1:]
	}
}
