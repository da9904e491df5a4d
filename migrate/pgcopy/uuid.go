package pgcopy

import "errors"

var errUUIDSyntax = errors.New("invalid input syntax for type uuid")

// parseUUID reads a UUID as PostgreSQL does: 32 hex digits, a hyphen
// allowed after any group of four, the whole optionally in braces. The
// bytes-to-uuid transform gives the canonical form.
func parseUUID(v []byte) (u [16]byte, err error) {
	s := trimSpace(v)
	if len(s) > 0 && s[0] == '{' {
		if s[len(s)-1] != '}' {
			return u, errUUIDSyntax
		}
		s = s[1 : len(s)-1]
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && n > 0 && n%4 == 0 && n < 32 && i+1 < len(s) && s[i-1] != '-' {
			continue
		}
		d := unhex(s[i])
		if d < 0 || n == 32 {
			return u, errUUIDSyntax
		}
		u[n/2] |= byte(d) << (4 * (1 - n%2))
		n++
	}
	if n != 32 {
		return u, errUUIDSyntax
	}
	return u, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func binUUID(_ *column, dst, v []byte) ([]byte, error) {
	u, err := parseUUID(v)
	if err != nil {
		return dst, err
	}
	return append(dst, u[:]...), nil
}

func textUUID(_ *column, dst, v []byte) ([]byte, error) {
	u, err := parseUUID(v)
	if err != nil {
		return dst, err
	}
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst, nil
}
