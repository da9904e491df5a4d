package diff

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// segKind says what a path or pattern segment selects.
type segKind uint8

const (
	segKey      segKind = iota // .name or ['name']
	segIndex                   // [3]
	segAnyKey                  // .* (patterns only)
	segAnyIndex                // [*] (patterns only)
)

// segment is one step of a path or a pattern. descent marks a pattern step written with "..": it may
// be preceded by any number of further steps.
type segment struct {
	kind    segKind
	descent bool
	key     string
	index   int
}

// maxSegments bounds a pattern's length, so that one pattern's states fit one machine word.
const maxSegments = 63

// ErrPattern is wrapped by every error about a malformed pattern (and errPath by those about a path).
var (
	ErrPattern = errors.New("invalid pattern")
	errPath    = errors.New("invalid path")
)

// parseSegments parses a path ("$.items[3]['odd key']") or, when wild is true, a pattern that may also
// use .*, [*] and "..". Errors say at which byte offset the text went wrong.
func parseSegments(s string, wild bool) ([]segment, error) {
	kind := errPath
	if wild {
		kind = ErrPattern
	}
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%w %q: must start with $", kind, s)
	}
	var segs []segment
	for i := 1; i < len(s); {
		seg, next, err := parseSegment(s, i, wild)
		if err != nil {
			return nil, err
		}
		if len(segs) == maxSegments {
			return nil, fmt.Errorf("%w %q: more than %d segments", kind, s, maxSegments)
		}
		segs = append(segs, seg)
		i = next
	}
	return segs, nil
}

// parseSegment parses the segment that starts at s[i] and returns it with the offset after it.
func parseSegment(s string, i int, wild bool) (segment, int, error) {
	bad := func(at int, msg string) error {
		if wild {
			return fmt.Errorf("%w %q: %s at offset %d", ErrPattern, s, msg, at)
		}
		return fmt.Errorf("%w %q: %s at offset %d", errPath, s, msg, at)
	}
	var seg segment
	switch {
	case strings.HasPrefix(s[i:], ".."):
		if !wild {
			return seg, 0, bad(i, `".." is only allowed in patterns`)
		}
		seg.descent = true
		i += 2
		if i < len(s) && s[i] == '[' {
			return parseBracket(s, i, seg, wild, bad)
		}
		return parseDotted(s, i, seg, wild, bad)
	case s[i] == '.':
		return parseDotted(s, i+1, seg, wild, bad)
	case s[i] == '[':
		return parseBracket(s, i, seg, wild, bad)
	}
	return seg, 0, bad(i, fmt.Sprintf("unexpected %q", s[i]))
}

func parseDotted(s string, i int, seg segment, wild bool, bad func(int, string) error) (segment, int, error) {
	if i < len(s) && s[i] == '*' {
		if !wild {
			return seg, 0, bad(i, `"*" is only allowed in patterns`)
		}
		seg.kind = segAnyKey
		return seg, i + 1, nil
	}
	j := i
	for j < len(s) && isIdentByte(s[j], j == i) {
		j++
	}
	if j == i {
		return seg, 0, bad(i, "expected a name or *")
	}
	seg.kind, seg.key = segKey, s[i:j]
	return seg, j, nil
}

func parseBracket(s string, i int, seg segment, wild bool, bad func(int, string) error) (segment, int, error) {
	i++ // '['
	switch {
	case i >= len(s):
		return seg, 0, bad(i, "unexpected end")
	case s[i] == '*':
		if !wild {
			return seg, 0, bad(i, `"*" is only allowed in patterns`)
		}
		seg.kind = segAnyIndex
		i++
	case s[i] == '\'' || s[i] == '"':
		key, next, ok := unquoteKey(s, i)
		if !ok {
			return seg, 0, bad(i, "unterminated quoted name")
		}
		seg.kind, seg.key, i = segKey, key, next
	case s[i] >= '0' && s[i] <= '9':
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(s[i:j])
		if err != nil || (s[i] == '0' && j-i > 1) {
			return seg, 0, bad(i, "invalid index")
		}
		seg.kind, seg.index, i = segIndex, n, j
	default:
		return seg, 0, bad(i, "expected *, an index or a quoted name")
	}
	if i >= len(s) || s[i] != ']' {
		return seg, 0, bad(i, `expected "]"`)
	}
	return seg, i + 1, nil
}

// unquoteKey reads a name quoted with ' or " starting at s[i]; a backslash takes the next byte literally.
func unquoteKey(s string, i int) (string, int, bool) {
	q := s[i]
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 == len(s) {
				return "", 0, false
			}
			j++
			b.WriteByte(s[j])
		case q:
			return b.String(), j + 1, true
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, false
}

// isIdentByte reports whether c may appear in a name written after a dot: ASCII letters, digits, '_'
// and '-', but not a digit or '-' first, so that "$.a-b" reads naturally and "$.3" is not an index.
func isIdentByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '-':
		return !first
	}
	return false
}

func isIdent(key []byte) bool {
	if len(key) == 0 {
		return false
	}
	for i, c := range key {
		if !isIdentByte(c, i == 0) {
			return false
		}
	}
	return true
}

// appendKey appends a key segment the way paths show it: .name for names, ['name'] otherwise.
func appendKey(b []byte, key []byte) []byte {
	if isIdent(key) {
		b = append(b, '.')
		return append(b, key...)
	}
	b = append(b, "['"...)
	for _, c := range key {
		if c == '\'' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, "']"...)
}

func appendIndex(b []byte, i int) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, ']')
}

// FieldKey returns the field a difference path belongs to when differences are counted per endpoint:
// every array index becomes [*], so that $.items[3].updated_at and $.items[7].updated_at are the same
// field $.items[*].updated_at. Paths that are not JSON paths ("status", "header:ETag") and paths that
// do not parse are returned unchanged.
func FieldKey(path string) string {
	if !strings.HasPrefix(path, "$") || !strings.Contains(path, "[") {
		return path
	}
	segs, err := parseSegments(path, false)
	if err != nil {
		return path
	}
	b := make([]byte, 0, len(path)+8)
	b = append(b, '$')
	for _, s := range segs {
		if s.kind == segIndex {
			b = append(b, "[*]"...)
			continue
		}
		b = appendKey(b, []byte(s.key))
	}
	return string(b)
}
