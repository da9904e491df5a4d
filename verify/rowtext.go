package verify

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash/maphash"
	"strconv"
)

// A row's text is its fields, in the plan's column order, separated by '|'. A field is
//
//	N                   SQL NULL
//	VALUE               a value of a kind whose canonical text never holds '|' (numbers, dates, hex)
//	LENGTH:VALUE        a text-like value (text, set, JSON, raw), LENGTH its bytes
//	#LENGTH:MD5         a long text-like value, or a blob (its length and md5, in hex)
//	!LENGTH:REASON      a source value the load could not have stored
//
// so that NULL and the empty string differ, and a field boundary cannot move. Both databases build
// the same text in SQL (SQL mode), and ficus builds it from streamed values (stream mode).

// appendField writes one field; quick is normBuf.quick.
func appendField(b []byte, c *column, v value, quick *maphash.Seed) []byte {
	switch {
	case v.null:
		return append(b, 'N')
	case v.bad != "":
		b = append(b, '!')
		b = strconv.AppendInt(b, int64(len(v.bad)), 10)
		return append(append(b, ':'), v.bad...)
	case !c.kind.lengthPrefixed():
		return append(b, v.text...)
	case c.long && len(v.text) > longValue && quick != nil:
		return appendQuickDigest(b, v.text, quick)
	case c.long && len(v.text) > longValue:
		return appendDigest(b, v.text)
	}
	b = strconv.AppendInt(b, int64(len(v.text)), 10)
	return append(append(b, ':'), v.text...)
}

// field is one parsed field of a row's text.
type field struct {
	// raw is the field as written, what equality compares.
	raw []byte
	// text is the value's canonical text (for a digest, the digest).
	text              []byte
	null, bad, digest bool
}

var errRowText = errors.New("malformed row text")

// parseRow splits a row's text into its fields.
func parseRow(t []byte, cols []column) ([]field, error) {
	out := make([]field, len(cols))
	for i := range cols {
		if i > 0 {
			if len(t) == 0 || t[0] != '|' {
				return nil, errRowText
			}
			t = t[1:]
		}
		f, rest, err := parseField(t, &cols[i])
		if err != nil {
			return nil, err
		}
		f.raw = t[:len(t)-len(rest)]
		out[i], t = f, rest
	}
	if len(t) != 0 {
		return nil, errRowText
	}
	return out, nil
}

func parseField(t []byte, c *column) (field, []byte, error) {
	if len(t) > 0 && t[0] == 'N' && (len(t) == 1 || t[1] == '|') {
		return field{null: true}, t[1:], nil
	}
	if len(t) > 0 && (t[0] == '!' || c.kind.lengthPrefixed() && t[0] != '#') {
		bad := t[0] == '!'
		if bad {
			t = t[1:]
		}
		i := bytes.IndexByte(t, ':')
		n, err := strconv.Atoi(string(t[:max(i, 0)]))
		if i < 0 || err != nil || n < 0 || i+1+n > len(t) {
			return field{}, nil, errRowText
		}
		return field{text: t[i+1 : i+1+n], bad: bad}, t[i+1+n:], nil
	}
	end := bytes.IndexByte(t, '|')
	if end < 0 {
		end = len(t)
	}
	return field{text: t[:end], digest: len(t) > 0 && t[0] == '#'}, t[end:], nil
}

// keyText joins the key fields of a parsed row: rows match by it.
func keyText(fields []field, key []int) string {
	var b []byte
	for i, k := range key {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, fields[k].raw...)
	}
	return string(b)
}

// md5Hash64 is the first 64 bits of the md5 of b, as both databases compute a row's hash in SQL
// mode.
func md5Hash64(b []byte) uint64 {
	sum := md5.Sum(b)
	var h uint64
	for _, x := range sum[:8] {
		h = h<<8 | uint64(x)
	}
	return h
}

// display is how a field is shown in a report: the value, cut to a readable length.
func (f field) display(c *column) *string {
	if f.null {
		return nil
	}
	var s string
	switch {
	case f.bad:
		s = "(cannot be loaded: " + string(f.text) + ")"
	case f.digest:
		s = digestDisplay(f.text)
	case c.kind == kindBytes:
		s = `\x` + string(f.text)
	case c.kind == kindFloat:
		s = floatDisplay(f.text)
	default:
		s = string(f.text)
	}
	const most = 200
	if r := []rune(s); len(r) > most {
		s = string(r[:most]) + "…"
	}
	return &s
}

// digestDisplay turns #LENGTH:MD5 into words.
func digestDisplay(t []byte) string {
	n, sum, _ := bytes.Cut(t[1:], []byte{':'})
	return "(" + string(n) + " bytes, md5 " + string(sum) + ")"
}

// floatDisplay shows a normalised float as a number.
func floatDisplay(t []byte) string {
	f, err := parseCanonFloat(string(t))
	if err != nil {
		return string(t)
	}
	if len(t) == 9 && t[0] == 'x' { // the bits of a single (a real): shortest text of the single
		return strconv.FormatFloat(f, 'g', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// hexDigest is md5 in hex, for tests and the long-value rule.
func hexDigest(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}
