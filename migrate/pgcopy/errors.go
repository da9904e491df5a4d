package pgcopy

import (
	"fmt"
	"unicode/utf8"
)

// ValueError is a source value that cannot become a value of its target
// column. The loader records it as a rejected row (or stops, by policy);
// the rest of the chunk is unaffected.
type ValueError struct {
	// Column is the source column name.
	Column string
	// Value is the source value as read, cut to at most 64 bytes, with
	// bytes that are not printable UTF-8 written as \xNN.
	Value string
	// Reason says why the value does not convert.
	Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("column %s: %s (value %q)", e.Column, e.Reason, e.Value)
}

// maxShownValue is how much of a rejected value a ValueError keeps.
const maxShownValue = 64

// printable renders v for a ValueError: printable runes as they are,
// anything else as \xNN, cut to end in "..." when it does not fit.
func printable(v []byte) string {
	out := make([]byte, 0, maxShownValue+4)
	cut := 0 // where to cut for "...": the last rune boundary that leaves room
	for i := 0; i < len(v) && len(out) <= maxShownValue; {
		r, n := utf8.DecodeRune(v[i:])
		if len(out) <= maxShownValue-len("...") {
			cut = len(out)
		}
		if r == utf8.RuneError && n <= 1 || r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) {
			out = appendEscapedBytes(out, v[i:i+n])
		} else {
			out = append(out, v[i:i+n]...)
		}
		i += n
	}
	if len(out) > maxShownValue {
		out = append(out[:cut], "..."...)
	}
	return string(out)
}

func appendEscapedBytes(out, b []byte) []byte {
	for _, c := range b {
		out = append(out, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
	}
	return out
}

const hexDigits = "0123456789abcdef"
