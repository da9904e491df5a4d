package pgcopy

import (
	"bytes"
	"errors"
	"fmt"
)

// bits checks a bit string of '0' and '1' against the column's type. A
// longer string may lose leading zeros only: MySQL sends BIT(n) as whole
// bytes, padded on the left, and the bits-to-bitstring transform keeps them.
func bits(c *column, v []byte) ([]byte, error) {
	for _, b := range v {
		if b != '0' && b != '1' {
			return nil, errors.New("not a bit string of 0 and 1")
		}
	}
	limit := c.length
	if limit == 0 {
		limit = c.bitSource
	}
	if limit > 0 && len(v) > limit {
		if bytes.IndexByte(v[:len(v)-limit], '1') >= 0 {
			return nil, fmt.Errorf("%d bits do not fit in %d", len(v)-bytes.IndexByte(v, '1'), limit)
		}
		v = v[len(v)-limit:]
	}
	if c.kind == kindBit && len(v) != c.length {
		return nil, fmt.Errorf("bit string length %d does not match type bit(%d)", len(v), c.length)
	}
	return v, nil
}

// binBit appends bit's and varbit's binary form: the length in bits, then
// the bits packed from the most significant, the last byte padded with
// zeros.
func binBit(c *column, dst, v []byte) ([]byte, error) {
	v, err := bits(c, v)
	if err != nil {
		return dst, err
	}
	dst = appendUint32(dst, uint32(len(v)))
	var acc byte
	for i, b := range v {
		acc = acc<<1 | (b - '0')
		if i%8 == 7 {
			dst = append(dst, acc)
			acc = 0
		}
	}
	if rest := len(v) % 8; rest != 0 {
		dst = append(dst, acc<<(8-rest))
	}
	return dst, nil
}

func textBit(c *column, dst, v []byte) ([]byte, error) {
	v, err := bits(c, v)
	if err != nil {
		return dst, err
	}
	return append(dst, v...), nil
}
