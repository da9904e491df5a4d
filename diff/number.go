package diff

import (
	"math/big"
)

// decimal is a JSON number in a canonical form: value = ±digits × 10^exp, with digits free of leading and trailing zeros. Two numbers are equal exactly when their canonical
// forms are, whatever their spelling (1, 1.0, 10e-1, 0.1e1) and however many digits they carry: the
// digits are compared as text, never rounded through float64. Zero has no digits and no sign.
type decimal struct {
	neg    bool
	digits []byte
	exp    int64
	bigExp *big.Int // the exponent when it does not fit comfortably in exp
}

// maxSmallExpDigits keeps exponent arithmetic in int64 far from overflow.
const maxSmallExpDigits = 15

// canonical parses raw, a number already validated by the parser, keeping the digits in *buf (which
// it grows as needed, so that a caller can reuse it).
func canonical(raw []byte, buf *[]byte) decimal {
	var d decimal
	i := 0
	if raw[0] == '-' {
		d.neg = true
		i++
	}
	digits := (*buf)[:0]
	frac := 0
	for ; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
		digits = append(digits, raw[i])
	}
	if i < len(raw) && raw[i] == '.' {
		for i++; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
			digits = append(digits, raw[i])
			frac++
		}
	}
	var expText []byte
	expNeg := false
	if i < len(raw) { // 'e' or 'E'
		i++
		if raw[i] == '+' || raw[i] == '-' {
			expNeg = raw[i] == '-'
			i++
		}
		expText = raw[i:]
		for len(expText) > 1 && expText[0] == '0' {
			expText = expText[1:]
		}
	}
	*buf = digits
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	trailing := 0
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		trailing++
	}
	d.digits = digits
	if len(digits) == 0 {
		d.neg = false
		return d
	}
	adjust := int64(trailing - frac)
	if len(expText) <= maxSmallExpDigits {
		var e int64
		for _, c := range expText {
			e = e*10 + int64(c-'0')
		}
		if expNeg {
			e = -e
		}
		d.exp = e + adjust
		return d
	}
	e, _ := new(big.Int).SetString(string(expText), 10)
	if expNeg {
		e.Neg(e)
	}
	d.bigExp = e.Add(e, big.NewInt(adjust))
	return d
}

func (d decimal) equal(o decimal) bool {
	if d.neg != o.neg || string(d.digits) != string(o.digits) {
		return false
	}
	if d.bigExp == nil && o.bigExp == nil {
		return d.exp == o.exp
	}
	return d.exponent().Cmp(o.exponent()) == 0
}

func (d decimal) exponent() *big.Int {
	if d.bigExp != nil {
		return d.bigExp
	}
	return big.NewInt(d.exp)
}

// numbersEqual compares two JSON number texts by value. Identical spellings, the common case, cost
// one byte comparison.
func numbersEqual(a, b []byte, bufA, bufB *[]byte) bool {
	if string(a) == string(b) {
		return true
	}
	return canonical(a, bufA).equal(canonical(b, bufB))
}
