package pgcopy

import (
	"bytes"
	"errors"
	"math"
)

var errPointSyntax = errors.New("invalid input syntax for type point: want (x,y)")

// parsePoint reads "(x,y)" or "x,y", as PostgreSQL prints and reads a
// point (and the geometry-to-point transform makes one).
func parsePoint(v []byte) (x, y float64, err error) {
	s := trimSpace(v)
	if len(s) > 0 && s[0] == '(' {
		if s[len(s)-1] != ')' {
			return 0, 0, errPointSyntax
		}
		s = s[1 : len(s)-1]
	}
	comma := bytes.IndexByte(s, ',')
	if comma < 0 {
		return 0, 0, errPointSyntax
	}
	if x, err = parseFloat(s[:comma], 64); err != nil {
		return 0, 0, errPointSyntax
	}
	if y, err = parseFloat(s[comma+1:], 64); err != nil {
		return 0, 0, errPointSyntax
	}
	return x, y, nil
}

func binPoint(_ *column, dst, v []byte) ([]byte, error) {
	x, y, err := parsePoint(v)
	if err != nil {
		return dst, err
	}
	return appendUint64(appendUint64(dst, math.Float64bits(x)), math.Float64bits(y)), nil
}

func textPoint(_ *column, dst, v []byte) ([]byte, error) {
	x, y, err := parsePoint(v)
	if err != nil {
		return dst, err
	}
	dst = appendFloat(append(dst, '('), x, 64)
	dst = appendFloat(append(dst, ','), y, 64)
	return append(dst, ')'), nil
}
