package pgcopy

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// parseInt reads an ASCII decimal integer (a sign, digits, white space
// around) within [lo, hi]; typ names the target type in errors.
func parseInt(v []byte, lo, hi int64, typ string) (int64, error) {
	s := trimSpace(v)
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, fmt.Errorf("invalid input syntax for type %s", typ)
	}
	var u uint64
	for _, c := range s {
		d := uint64(c - '0')
		if d > 9 {
			return 0, fmt.Errorf("invalid input syntax for type %s", typ)
		}
		if u > (math.MaxUint64-d)/10 {
			return 0, fmt.Errorf("out of range for %s", typ)
		}
		u = u*10 + d
	}
	if neg {
		if u > uint64(-(lo+1))+1 {
			return 0, fmt.Errorf("out of range for %s", typ)
		}
		return -int64(u-1) - 1, nil
	}
	if u > uint64(hi) {
		return 0, fmt.Errorf("out of range for %s", typ)
	}
	return int64(u), nil
}

func binInt2(_ *column, dst, v []byte) ([]byte, error) {
	n, err := parseInt(v, math.MinInt16, math.MaxInt16, "smallint")
	if err != nil {
		return dst, err
	}
	return append(dst, byte(n>>8), byte(n)), nil
}

func binInt4(_ *column, dst, v []byte) ([]byte, error) {
	n, err := parseInt(v, math.MinInt32, math.MaxInt32, "integer")
	if err != nil {
		return dst, err
	}
	return appendUint32(dst, uint32(n)), nil
}

func binInt8(_ *column, dst, v []byte) ([]byte, error) {
	n, err := parseInt(v, math.MinInt64, math.MaxInt64, "bigint")
	if err != nil {
		return dst, err
	}
	return appendUint64(dst, uint64(n)), nil
}

func textInt2(_ *column, dst, v []byte) ([]byte, error) {
	n, err := parseInt(v, math.MinInt16, math.MaxInt16, "smallint")
	return strconv.AppendInt(dst, n, 10), err
}

func textInt4(_ *column, dst, v []byte) ([]byte, error) {
	n, err := parseInt(v, math.MinInt32, math.MaxInt32, "integer")
	return strconv.AppendInt(dst, n, 10), err
}

func textInt8(_ *column, dst, v []byte) ([]byte, error) {
	n, err := parseInt(v, math.MinInt64, math.MaxInt64, "bigint")
	return strconv.AppendInt(dst, n, 10), err
}

// parseFloat reads a float as strconv and PostgreSQL print them, including
// NaN, Infinity, -Infinity and inf. Like PostgreSQL it refuses a value that
// overflows the type.
func parseFloat(v []byte, bitSize int) (float64, error) {
	typ := "double precision"
	if bitSize == 32 {
		typ = "real"
	}
	f, err := strconv.ParseFloat(string(trimSpace(v)), bitSize)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("out of range for %s", typ)
	case err != nil:
		return 0, fmt.Errorf("invalid input syntax for type %s", typ)
	}
	return f, nil
}

func binFloat4(_ *column, dst, v []byte) ([]byte, error) {
	f, err := parseFloat(v, 32)
	if err != nil {
		return dst, err
	}
	return appendUint32(dst, math.Float32bits(float32(f))), nil
}

func binFloat8(_ *column, dst, v []byte) ([]byte, error) {
	f, err := parseFloat(v, 64)
	if err != nil {
		return dst, err
	}
	return appendUint64(dst, math.Float64bits(f)), nil
}

func textFloat4(_ *column, dst, v []byte) ([]byte, error) {
	f, err := parseFloat(v, 32)
	return appendFloat(dst, f, 32), err
}

func textFloat8(_ *column, dst, v []byte) ([]byte, error) {
	f, err := parseFloat(v, 64)
	return appendFloat(dst, f, 64), err
}

// appendFloat appends f as PostgreSQL's float input reads it back exactly.
func appendFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bitSize)
}

// parseBool reads the spellings of a boolean that sources print and
// PostgreSQL accepts.
func parseBool(v []byte) (bool, error) {
	s := trimSpace(v)
	switch {
	case len(s) == 1:
		switch s[0] {
		case 't', 'T', '1', 'y', 'Y':
			return true, nil
		case 'f', 'F', '0', 'n', 'N':
			return false, nil
		}
	case equalFold(s, "true"), equalFold(s, "yes"), equalFold(s, "on"):
		return true, nil
	case equalFold(s, "false"), equalFold(s, "no"), equalFold(s, "off"):
		return false, nil
	}
	return false, errors.New("invalid input syntax for type boolean")
}

func binBool(_ *column, dst, v []byte) ([]byte, error) {
	b, err := parseBool(v)
	if err != nil {
		return dst, err
	}
	if b {
		return append(dst, 1), nil
	}
	return append(dst, 0), nil
}

func textBool(_ *column, dst, v []byte) ([]byte, error) {
	b, err := parseBool(v)
	if b {
		return append(dst, 't'), err
	}
	return append(dst, 'f'), err
}
