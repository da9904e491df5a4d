package pgcopy

import (
	"errors"
	"fmt"
)

// Sign words of PostgreSQL's binary numeric.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xc000
	numericPInf = 0xd000
	numericNInf = 0xf000
)

// maxNumericScale is the largest display scale a numeric can carry
// (NUMERIC_DSCALE_MAX).
const maxNumericScale = 0x3fff

// decimal is a parsed numeric: digits × 10^(point-len(digits)).
type decimal struct {
	// special is numericNaN, numericPInf or numericNInf; 0 for a number.
	special uint16
	neg     bool
	// digits are ASCII, without leading zeros; empty for zero.
	digits []byte
	// point is how many of digits come before the decimal point; it may be
	// negative or beyond len(digits).
	point int
	// dscale is the number of digits after the point to display.
	dscale int
}

var errNumericSyntax = errors.New("invalid input syntax for type numeric")

// parseDecimal reads an ASCII decimal, with an optional exponent, or NaN
// and the infinities. The digits are copied into buf, which the result
// then uses.
func parseDecimal(v, buf []byte) (decimal, error) {
	s := trimSpace(v)
	if special := numericSpecial(s); special != 0 {
		return decimal{special: special}, nil
	}
	d := decimal{digits: buf[:0]}
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	i, frac := 0, -1
scan:
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			d.digits = append(d.digits, c)
		case c == '.' && frac < 0:
			frac = len(d.digits)
		default:
			break scan
		}
	}
	if len(d.digits) == 0 {
		return d, errNumericSyntax
	}
	if frac < 0 {
		frac = len(d.digits)
	}
	exp, err := parseExponent(s[i:])
	if err != nil {
		return d, err
	}
	d.point = frac + exp
	d.dscale = max(0, len(d.digits)-frac-exp)
	if d.dscale > maxNumericScale {
		return d, errors.New("value overflows numeric format")
	}
	for len(d.digits) > 0 && d.digits[0] == '0' {
		d.digits = d.digits[1:]
		d.point--
	}
	return d, nil
}

// parseExponent reads "", or "e" and a signed integer.
func parseExponent(s []byte) (int, error) {
	if len(s) == 0 {
		return 0, nil
	}
	if s[0] != 'e' && s[0] != 'E' {
		return 0, errNumericSyntax
	}
	s = s[1:]
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, errNumericSyntax
	}
	exp := 0
	for _, c := range s {
		if !isDigit(c) {
			return 0, errNumericSyntax
		}
		if exp = exp*10 + int(c-'0'); exp > 1_000_000 {
			return 0, errors.New("value overflows numeric format")
		}
	}
	if neg {
		exp = -exp
	}
	return exp, nil
}

func numericSpecial(s []byte) uint16 {
	switch {
	case equalFold(s, "nan"):
		return numericNaN
	case equalFold(s, "infinity"), equalFold(s, "+infinity"), equalFold(s, "inf"), equalFold(s, "+inf"):
		return numericPInf
	case equalFold(s, "-infinity"), equalFold(s, "-inf"):
		return numericNInf
	}
	return 0
}

// fit rounds d to the column's scale (half away from zero, as PostgreSQL
// does) and checks that it fits its precision.
func (d *decimal) fit(m modifiers) error {
	p, s := m.precision, m.scale
	if d.special == numericPInf || d.special == numericNInf {
		return fmt.Errorf("numeric field overflow: numeric(%d,%d) cannot hold an infinite value", p, s)
	}
	if d.special != 0 {
		return nil
	}
	d.dscale = max(s, 0) // a negative scale rounds left of the point
	if keep := d.point + s; keep < len(d.digits) {
		d.round(keep)
	}
	if len(d.digits) > 0 && d.point > p-s {
		return fmt.Errorf("numeric field overflow: numeric(%d,%d) must round to an absolute value less than 10^%d", p, s, p-s)
	}
	return nil
}

// round keeps the first keep digits, rounding on the next one.
func (d *decimal) round(keep int) {
	if keep < 0 {
		d.digits = d.digits[:0]
		return
	}
	up := d.digits[keep] >= '5'
	d.digits = d.digits[:keep]
	if !up {
		d.trimLeadingZeros()
		return
	}
	i := keep - 1
	for i >= 0 && d.digits[i] == '9' {
		d.digits[i] = '0'
		i--
	}
	if i >= 0 {
		d.digits[i]++
		return
	}
	// All nines (or nothing) rounded up: the value is 10^point.
	d.digits = d.digits[:1]
	d.digits[0] = '1'
	d.point++
}

func (d *decimal) trimLeadingZeros() {
	for len(d.digits) > 0 && d.digits[0] == '0' {
		d.digits = d.digits[1:]
		d.point--
	}
}

// layout returns the significant digits (no trailing zeros) and the
// base-10000 weight and digit count of d, a number, checking that they fit
// the binary format.
func (d *decimal) layout() (digits []byte, weight, n int, err error) {
	digits = d.digits
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		return nil, 0, 0, nil
	}
	weight = floorDiv(d.point-1, 4)
	last := floorDiv(d.point-len(digits), 4)
	n = weight - last + 1
	if weight > 0x7fff || last < -0x8000 || n > 0xffff {
		return nil, 0, 0, errors.New("value overflows numeric format")
	}
	return digits, weight, n, nil
}

// appendBinary appends PostgreSQL's binary numeric: the base-10000 digit
// count, the weight of the first (it is worth 10000^weight), the sign and
// the display scale, then the digits. Zero is positive, as PostgreSQL
// stores it.
func (d *decimal) appendBinary(dst []byte) ([]byte, error) {
	if d.special != 0 {
		return append(dst, 0, 0, 0, 0, byte(d.special>>8), byte(d.special), 0, 0), nil
	}
	digits, weight, n, err := d.layout()
	if err != nil {
		return dst, err
	}
	sign := numericPos
	if d.neg && n > 0 {
		sign = numericNeg
	}
	dst = append(dst, byte(n>>8), byte(n), byte(weight>>8), byte(weight), byte(sign>>8), byte(sign), byte(d.dscale>>8), byte(d.dscale))
	if n == 0 {
		return dst, nil
	}
	group, acc := weight, 0
	for i, c := range digits {
		e := d.point - 1 - i // the digit is worth 10^e
		if g := floorDiv(e, 4); g != group {
			dst = append(dst, byte(acc>>8), byte(acc))
			group, acc = g, 0
		}
		acc += int(c-'0') * pow10[e-4*group]
	}
	return append(dst, byte(acc>>8), byte(acc)), nil
}

var pow10 = [4]int{1, 10, 100, 1000}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// numericBuf is the digit storage a numeric usually fits in.
const numericBuf = 48

func parseNumeric(c *column, v []byte, buf []byte) (decimal, error) {
	d, err := parseDecimal(v, buf)
	if err != nil {
		return d, err
	}
	if c.precision > 0 {
		err = d.fit(c.modifiers)
	}
	return d, err
}

func binNumeric(c *column, dst, v []byte) ([]byte, error) {
	if out, ok := appendSmallNumeric(c, dst, v); ok {
		return out, nil
	}
	var buf [numericBuf]byte
	d, err := parseNumeric(c, v, buf[:])
	if err != nil {
		return dst, err
	}
	return d.appendBinary(dst)
}

// textNumeric checks the value as binNumeric does, then passes it on:
// PostgreSQL's input rounds it the same way.
func textNumeric(c *column, dst, v []byte) ([]byte, error) {
	var buf [numericBuf]byte
	d, err := parseNumeric(c, v, buf[:])
	if err != nil {
		return dst, err
	}
	if d.special == 0 {
		if _, _, _, err := d.layout(); err != nil {
			return dst, err
		}
	}
	return append(dst, trimSpace(v)...), nil
}

// pow10u are the powers of ten that fit a uint64.
var pow10u = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// appendSmallNumeric is binNumeric's fast path for what sources mostly
// send, a plain decimal such as "-1234.56" of at most 15 digits, done in
// integer arithmetic. ok is false for anything else (or a value that does
// not fit its column), which the general path handles.
func appendSmallNumeric(c *column, dst, v []byte) (out []byte, ok bool) {
	neg, i := len(v) > 0 && v[0] == '-', 0
	if neg {
		i = 1
	}
	var mant uint64
	digits, point := 0, -1
	for ; i < len(v); i++ {
		switch ch := v[i]; {
		case isDigit(ch) && digits < 15:
			mant = mant*10 + uint64(ch-'0')
			digits++
		case ch == '.' && point < 0:
			point = digits
		default:
			return dst, false
		}
	}
	if digits == 0 {
		return dst, false
	}
	scale := 0
	if point >= 0 {
		scale = digits - point
	}
	if c.precision > 0 {
		if c.scale < 0 {
			return dst, false
		}
		if mant, ok = rescale(mant, scale, c.modifiers); !ok {
			return dst, false
		}
		scale = c.scale
	}
	return appendSmallDecimal(dst, neg, mant, scale), true
}

// rescale gives mant×10^-scale the column's scale, rounding half away from
// zero, and checks its precision; ok is false when that needs more than
// 15 digits or the value does not fit.
func rescale(mant uint64, scale int, m modifiers) (uint64, bool) {
	switch {
	case scale > m.scale:
		p := pow10u[scale-m.scale]
		q, r := mant/p, mant%p
		if r >= p-r {
			q++
		}
		mant = q
	case scale < m.scale:
		if m.scale-scale > 15 || mant >= pow10u[15-(m.scale-scale)] {
			return 0, false
		}
		mant *= pow10u[m.scale-scale]
	}
	if mant >= pow10u[15] || m.precision < 15 && mant >= pow10u[m.precision] {
		return 0, false
	}
	return mant, true
}

// appendSmallDecimal appends mant×10^-scale (mant below 10^15) as a binary
// numeric with display scale scale.
func appendSmallDecimal(dst []byte, neg bool, mant uint64, scale int) []byte {
	pad := (4 - scale%4) % 4
	mant *= pow10u[pad] // the point now falls between base-10000 digits
	var groups [5]uint16
	n := 0
	for ; mant > 0; n++ {
		groups[n] = uint16(mant % 10_000)
		mant /= 10_000
	}
	low := 0
	for low < n && groups[low] == 0 {
		low++
	}
	weight := n - (scale+pad)/4 - 1
	sign := numericPos
	if neg && n > 0 {
		sign = numericNeg
	}
	if n == 0 {
		weight = 0
	}
	dst = append(dst, byte((n-low)>>8), byte(n-low), byte(weight>>8), byte(weight), byte(sign>>8), byte(sign), byte(scale>>8), byte(scale))
	for j := n - 1; j >= low; j-- {
		dst = append(dst, byte(groups[j]>>8), byte(groups[j]))
	}
	return dst
}
