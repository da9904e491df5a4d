package verify

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ficus-dev/ficus/migrate"
)

// value is a normalised value: its canonical text, or NULL, or a value the load could not have
// stored (bad holds the reason, and the row then differs from whatever the target holds).
type value struct {
	text []byte
	null bool
	bad  string
}

// normBuf holds the buffers one goroutine normalises values in.
type normBuf struct {
	decoded []byte
	step    [2][]byte
	out     []byte
	// quick, when set, digests blobs and long texts with a fast keyed hash instead of md5: for
	// aggregates computed in ficus on both sides, whose digests are never shown (rows fetched for
	// comparison keep md5, which the report prints and SQL mode computes).
	quick *maphash.Seed
}

// fromSource normalises a source value in migrate.Source's canonical form (nil is NULL) the way
// the loader converts it: character set decoded, the plan's transforms applied (migrate's own
// functions), then the canonical text of the column's kind, appended to buf: the result's text is
// buf and the value. It is valid until the next call with nb.
func (c *column) fromSource(nb *normBuf, buf, v []byte) value {
	if v == nil {
		return value{null: true}
	}
	if c.latin1 {
		nb.decoded = appendCP1252(nb.decoded[:0], v)
		v = nb.decoded
	}
	for i, t := range c.funcs {
		var err error
		if t == nil {
			_, err = migrate.LookupTransform(c.transforms[i])
		} else {
			v, err = t(v, &nb.step[i%2])
		}
		if err != nil {
			return value{bad: err.Error()}
		}
		if v == nil {
			return value{null: true}
		}
	}
	if nb.quick != nil && c.kind == kindBlob {
		return value{text: appendQuickDigest(buf, v, nb.quick)}
	}
	return c.normalise(buf, v, false)
}

// fromTarget normalises PostgreSQL's output of the target column, appended to buf like
// fromSource: text in a session with TimeZone UTC, DateStyle ISO and extra_float_digits 3, binary
// for bytea and the binaryTarget types; nil is NULL.
func (c *column) fromTarget(nb *normBuf, buf, v []byte) value {
	if v == nil {
		return value{null: true}
	}
	switch {
	case nb.quick != nil && c.kind == kindBlob:
		return value{text: appendQuickDigest(buf, v, nb.quick)}
	case c.width != 0:
		return c.fromBinary(buf, v)
	}
	return c.normalise(buf, v, true)
}

// keep holds on to a result's storage in nb.out for the next value.
func (c *column) keep(nb *normBuf, v value) value {
	if cap(v.text) > cap(nb.out) {
		nb.out = v.text[:0]
	}
	return v
}

// normalise appends to buf the canonical text of the column's kind of a value's text. target says
// the text is PostgreSQL's output of the target column rather than a source value.
func (c *column) normalise(buf, v []byte, target bool) value {
	switch c.kind {
	case kindInt:
		return canonInt(buf, v)
	case kindDecimal:
		return canonDecimal(buf, v, c.scale)
	case kindFloat:
		return canonFloat(buf, v, c.prec)
	case kindBool:
		return canonBool(buf, v)
	case kindText:
		return c.canonText(buf, v)
	case kindBytes:
		return value{text: hex.AppendEncode(buf, v)}
	case kindBlob:
		return value{text: appendDigest(buf, v)}
	case kindTimestamp:
		return canonTimestamp(buf, v, c.prec, c.zoned)
	case kindDate:
		return canonDate(buf, v)
	case kindTime:
		return canonTime(buf, v, c.prec)
	case kindBits:
		return canonBits(buf, v, c.bits)
	case kindSet:
		return c.canonSet(buf, v, target)
	case kindJSON:
		return canonJSON(buf, v)
	case kindPoint:
		return c.canonPoint(buf, v, target)
	case kindUUID:
		return canonUUID(buf, v)
	}
	if !utf8.Valid(v) {
		return value{text: append(append(buf, `\x`...), hex.EncodeToString(v)...)}
	}
	return value{text: append(buf, v...)}
}

func canonInt(buf, v []byte) value {
	s := v
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) == 0 || !allDigits(s) {
		return value{bad: "not an integer: " + quoteShort(v)}
	}
	s = bytes.TrimLeft(s, "0")
	if len(s) == 0 {
		return value{text: append(buf, '0')}
	}
	if neg {
		buf = append(buf, '-')
	}
	return value{text: append(buf, s...)}
}

func allDigits(s []byte) bool {
	for _, x := range s {
		if x < '0' || x > '9' {
			return false
		}
	}
	return true
}

// canonDecimal rounds a decimal to scale digits after the point, half away from zero as
// PostgreSQL's numeric does; scale -1 keeps the digits the value has (numeric without a scale).
func canonDecimal(buf, v []byte, scale int) value {
	if plainDecimal(v, scale) {
		return value{text: append(buf, v...)}
	}
	switch string(v) {
	case "NaN", "Infinity", "-Infinity":
		return value{text: append(buf, v...)}
	}
	d, ok := parseDecimal(v)
	if !ok {
		return value{bad: "not a number: " + quoteShort(v)}
	}
	if scale >= 0 {
		d = d.round(scale)
	}
	return value{text: d.append(buf)}
}

// plainDecimal reports a decimal already in canonical form, as both databases print one: an
// optional minus, digits without a leading zero (but for a lone 0), and exactly scale digits after
// the point; not a negative zero.
func plainDecimal(v []byte, scale int) bool {
	s := v
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 1 && s[0] == '0' {
		return false
	}
	intPart, rest := s[:i], s[i:]
	switch {
	case len(rest) == 0:
		if scale > 0 {
			return false
		}
	case rest[0] != '.' || len(rest)-1 != scale && scale >= 0 || len(rest) == 1 || !allDigits(rest[1:]):
		return false
	}
	zero := len(bytes.Trim(intPart, "0")) == 0 && (len(rest) <= 1 || len(bytes.Trim(rest[1:], "0")) == 0)
	return !neg || !zero
}

// decimal is sign, digits and the number of them after the point.
type decimal struct {
	neg    bool
	digits []byte // no leading zeros; empty for zero
	frac   int    // digits after the point; may exceed len(digits)
}

func parseDecimal(v []byte) (decimal, bool) {
	var d decimal
	s := v
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		d.neg, s = s[0] == '-', s[1:]
	}
	exp := 0
	if i := bytes.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(string(s[i+1:]))
		if err != nil || e > 1000 || e < -1000 {
			return d, false
		}
		exp, s = e, s[:i]
	}
	intPart, fracPart, _ := bytes.Cut(s, []byte{'.'})
	if len(intPart)+len(fracPart) == 0 || !allDigits(intPart) || !allDigits(fracPart) {
		return d, false
	}
	d.digits = append(append([]byte{}, intPart...), fracPart...)
	d.frac = len(fracPart) - exp
	if d.frac < 0 {
		d.digits = append(d.digits, bytes.Repeat([]byte{'0'}, -d.frac)...)
		d.frac = 0
	}
	d.digits = bytes.TrimLeft(d.digits, "0")
	if len(d.digits) == 0 {
		d.neg = false
	}
	return d, true
}

// round rounds to scale digits after the point, half away from zero.
func (d decimal) round(scale int) decimal {
	if d.frac <= scale {
		d.digits = append(append([]byte{}, d.digits...), bytes.Repeat([]byte{'0'}, scale-d.frac)...)
		d.frac = scale
		if len(bytes.TrimLeft(d.digits, "0")) == 0 {
			d.digits = nil
		}
		return d
	}
	drop := d.frac - scale
	keep := len(d.digits) - drop
	up := keep >= 0 && d.digits[keep] >= '5'
	if keep < 0 {
		keep = 0
	}
	out := append([]byte{}, d.digits[:keep]...)
	if up {
		out = incrementDigits(out)
	}
	d.digits, d.frac = bytes.TrimLeft(out, "0"), scale
	if len(d.digits) == 0 {
		d.neg = false
	}
	return d
}

func incrementDigits(d []byte) []byte {
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] < '9' {
			d[i]++
			return d
		}
		d[i] = '0'
	}
	return append([]byte{'1'}, d...)
}

func (d decimal) append(buf []byte) []byte {
	if d.neg {
		buf = append(buf, '-')
	}
	digits := d.digits
	if len(digits) <= d.frac {
		digits = append(bytes.Repeat([]byte{'0'}, d.frac-len(digits)+1), digits...)
	}
	n := len(digits) - d.frac
	buf = append(buf, digits[:n]...)
	if d.frac > 0 {
		buf = append(append(buf, '.'), digits[n:]...)
	}
	return buf
}

// canonFloat is a float's exact value in stream mode: the bits of the double, or of the single
// for a real (as PostgreSQL stores it), in hex after an x. Equal values have equal bits on both
// sides of a migration (sources print floats exactly), and values that differ only within the
// tolerance are told equal by the row comparison (closeEnough). NaN, the infinities and zero
// (either sign) have fixed texts.
func canonFloat(buf, v []byte, prec int) value {
	bits := 64
	if prec <= 6 {
		bits = 32
	}
	f, err := strconv.ParseFloat(string(v), bits)
	if err != nil && !isRangeError(err) {
		return value{bad: "not a number: " + quoteShort(v)}
	}
	return floatValue(buf, f, prec)
}

// floatValue is canonFloat's text of f: a single's bits when prec is a real's, a double's
// otherwise.
func floatValue(buf []byte, f float64, prec int) value {
	switch {
	case math.IsNaN(f), math.IsInf(f, 0), f == 0:
		return value{text: appendFloat(buf, f, prec)}
	case prec <= 6:
		return value{text: appendHexBits(buf, uint64(math.Float32bits(float32(f))), 8)}
	}
	return value{text: appendHexBits(buf, math.Float64bits(f), 16)}
}

// appendHexBits writes x and n hex digits of bits.
func appendHexBits(buf []byte, bits uint64, n int) []byte {
	start := len(buf)
	buf = append(buf, "x0000000000000000"[:n+1]...)
	b := buf[start+1:]
	for i := n - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[bits&15]
		bits >>= 4
	}
	return buf
}

// floatOfBits reads appendHexBits' text back.
func floatOfBits(s string) (float64, bool) {
	n, err := strconv.ParseUint(s[1:], 16, 64)
	switch {
	case err != nil:
		return 0, false
	case len(s) == 9:
		return float64(math.Float32frombits(uint32(n))), true
	}
	return math.Float64frombits(n), true
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func appendFloat(buf []byte, f float64, prec int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Inf"...)
	case math.IsInf(f, -1):
		return append(buf, "-Inf"...)
	case f == 0:
		return append(buf, '0')
	}
	return strconv.AppendFloat(buf, f, 'e', prec-1, 64)
}

func canonBool(buf, v []byte) value {
	if len(v) == 1 { // the usual spellings, without a copy
		switch v[0] {
		case 't', '1':
			return value{text: append(buf, "true"...)}
		case 'f', '0':
			return value{text: append(buf, "false"...)}
		}
	}
	switch strings.ToLower(strings.TrimSpace(string(v))) {
	case "t", "true", "1", "y", "yes", "on":
		return value{text: append(buf, "true"...)}
	case "f", "false", "0", "n", "no", "off":
		return value{text: append(buf, "false"...)}
	}
	return value{bad: "not a boolean: " + quoteShort(v)}
}

func (c *column) canonText(buf, v []byte) value {
	if !utf8.Valid(v) {
		return value{bad: "invalid UTF-8: " + quoteShort(v)}
	}
	if c.padded {
		v = bytes.TrimRight(v, " ")
	}
	return value{text: append(buf, v...)}
}

// appendDigest appends #length:md5, the form of large binary values.
func appendDigest(buf, v []byte) []byte {
	sum := md5.Sum(v)
	buf = append(buf, '#')
	buf = strconv.AppendInt(buf, int64(len(v)), 10)
	buf = append(buf, ':')
	return hex.AppendEncode(buf, sum[:])
}

// appendQuickDigest appends #length:HASH with a 64-bit keyed hash: normBuf.quick's digest.
func appendQuickDigest(buf, v []byte, seed *maphash.Seed) []byte {
	buf = append(buf, '#')
	buf = strconv.AppendInt(buf, int64(len(v)), 10)
	buf = append(buf, ':')
	return appendHexBits(buf, maphash.Bytes(*seed, v), 16)
}

func canonSetList(buf []byte, labels [][]byte) []byte {
	for i, l := range labels {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, l...)
	}
	return buf
}

// canonSet returns the labels joined by commas, from a PostgreSQL array literal (what the
// set-to-array transform makes of a MySQL SET, and what PostgreSQL prints) or a comma list.
func (c *column) canonSet(buf, v []byte, _ bool) value {
	if !utf8.Valid(v) {
		return value{bad: "invalid UTF-8: " + quoteShort(v)}
	}
	if len(v) == 0 || v[0] != '{' {
		return value{text: append(buf, v...)}
	}
	labels, ok := parseArray(v)
	if !ok {
		return value{bad: "not an array: " + quoteShort(v)}
	}
	return value{text: canonSetList(buf, labels)}
}

// parseArray reads a one-dimensional PostgreSQL array literal such as {a,"b c","d\"e"}.
func parseArray(v []byte) ([][]byte, bool) {
	if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return nil, false
	}
	s := v[1 : len(v)-1]
	var out [][]byte
	for len(s) > 0 {
		var elem []byte
		if s[0] == '"' {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				elem = append(elem, s[i])
			}
			if i >= len(s) {
				return nil, false
			}
			s = s[i+1:]
		} else {
			i := bytes.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			elem, s = bytes.TrimSpace(s[:i]), s[i:]
		}
		out = append(out, elem)
		if len(s) > 0 {
			if s[0] != ',' {
				return nil, false
			}
			s = s[1:]
			if len(s) == 0 {
				return nil, false
			}
		}
	}
	return out, true
}

// canonPoint reads the text (x,y), what the geometry-to-point transform makes of a MySQL geometry
// and what PostgreSQL prints, and writes both coordinates rounded like doubles.
func (c *column) canonPoint(buf, v []byte, _ bool) value {
	x, y, ok := parsePointText(v)
	if !ok {
		return value{bad: "not a point: " + quoteShort(v)}
	}
	buf = append(buf, '(')
	buf = appendFloat(buf, x, 15)
	buf = append(buf, ',')
	buf = appendFloat(buf, y, 15)
	return value{text: append(buf, ')')}
}

func parsePointText(v []byte) (x, y float64, ok bool) {
	s := strings.TrimSpace(string(v))
	if len(s) < 5 || s[0] != '(' || s[len(s)-1] != ')' {
		return 0, 0, false
	}
	a, b, found := strings.Cut(s[1:len(s)-1], ",")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	return x, y, err1 == nil && err2 == nil
}

func canonUUID(buf, v []byte) value {
	h := make([]byte, 0, 32)
	for _, x := range bytes.Trim(v, "{}") {
		switch {
		case x == '-':
		case x >= '0' && x <= '9', x >= 'a' && x <= 'f':
			h = append(h, x)
		case x >= 'A' && x <= 'F':
			h = append(h, x+'a'-'A')
		default:
			return value{bad: "not a uuid: " + quoteShort(v)}
		}
	}
	if len(h) != 32 {
		return value{bad: "not a uuid: " + quoteShort(v)}
	}
	buf = append(buf, h[:8]...)
	for _, part := range [][2]int{{8, 12}, {12, 16}, {16, 20}, {20, 32}} {
		buf = append(append(buf, '-'), h[part[0]:part[1]]...)
	}
	return value{text: buf}
}

func canonBits(buf, v []byte, n int) value {
	for _, x := range v {
		if x != '0' && x != '1' {
			return value{bad: "not a bit string: " + quoteShort(v)}
		}
	}
	if len(v) > n {
		extra := v[:len(v)-n]
		if bytes.IndexByte(extra, '1') >= 0 {
			return value{bad: "bit string longer than bit(" + strconv.Itoa(n) + "): " + quoteShort(v)}
		}
		v = v[len(v)-n:]
	}
	if len(v) < n {
		return value{bad: "bit string shorter than bit(" + strconv.Itoa(n) + "): " + quoteShort(v)}
	}
	return value{text: append(buf, v...)}
}

// appendCP1252 decodes MySQL's latin1 (Windows-1252, with its five undefined bytes mapped to the
// C1 controls), as migrate's latin1-decode transform does.
func appendCP1252(buf, v []byte) []byte {
	for _, x := range v {
		if x < 0x80 {
			buf = append(buf, x)
			continue
		}
		r := rune(x)
		if x <= 0x9f {
			r = cp1252High[x-0x80]
		}
		buf = utf8.AppendRune(buf, r)
	}
	return buf
}

var cp1252High = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}

// quoteShort quotes a value for a message, cut to a readable length.
func quoteShort(v []byte) string {
	const most = 40
	if len(v) > most {
		return strconv.Quote(string(v[:most])) + "..."
	}
	return strconv.Quote(string(v))
}
