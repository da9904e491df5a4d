package pathtmpl

import "strings"

// IDVariable is the segment Infer puts in place of an identifier.
const IDVariable = "{id}"

// Infer turns a concrete request path into the template it most likely instantiates, by replacing
// every segment that looks like an identifier with IDVariable: "/api/users/42/orders" becomes
// "/api/users/{id}/orders". It is a heuristic for grouping traffic by endpoint when no route names
// a template, so it errs on the side of keeping words: a segment is an identifier when it is
//
//   - all digits ("42");
//   - a UUID, in any case ("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
//   - hexadecimal of at least 16 characters (hashes, object ids);
//   - letters and digits only, with at least one of each, of at least 20 characters;
//   - a base64url token (letters, digits, '-', '_', optional '=' padding) of at least 20 characters
//     holding upper-case letters, lower-case letters and digits, which slugs such as
//     "how-to-install-go-1-26" never do.
//
// Empty segments and a trailing slash are kept as they are. A path without identifiers is returned
// as is, without allocating.
func Infer(path string) string {
	if !hasID(path) {
		return path
	}
	var b strings.Builder
	b.Grow(len(path))
	for rest := path; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if looksLikeID(seg) {
			b.WriteString(IDVariable)
		} else {
			b.WriteString(seg)
		}
		if !more {
			return b.String()
		}
		b.WriteByte('/')
		rest = tail
	}
}

func hasID(path string) bool {
	for rest := path; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if looksLikeID(seg) {
			return true
		}
		if !more {
			return false
		}
		rest = tail
	}
}

func looksLikeID(s string) bool {
	if s == "" {
		return false
	}
	var digits, lower, upper, hex, other, dashes int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			hex++
			if c >= 'a' {
				lower++
			} else {
				upper++
			}
		case 'g' <= c && c <= 'z':
			lower++
		case 'G' <= c && c <= 'Z':
			upper++
		case c == '-' || c == '_':
			dashes++
		case c == '=' && i >= len(s)-2: // base64 padding
			dashes++
		default:
			other++
		}
	}
	letters := lower + upper
	switch {
	case other > 0:
		return false
	case digits == len(s):
		return true
	case isUUID(s):
		return true
	case digits+hex == len(s) && len(s) >= 16:
		return true
	case digits+letters == len(s) && len(s) >= 20 && digits > 0 && letters > 0:
		return true
	}
	return len(s) >= 20 && digits > 0 && lower > 0 && upper > 0
}

// isUUID reports whether s is 8-4-4-4-12 hexadecimal digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
