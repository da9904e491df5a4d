package pgcopy

import (
	"errors"
	"fmt"
)

// jsonbVersion is the first byte of jsonb's binary form: the text follows.
const jsonbVersion = 1

// maxJSONDepth bounds the nesting of arrays and objects, as encoding/json
// does.
const maxJSONDepth = 10_000

// checkJSON refuses what PostgreSQL's json input refuses: invalid UTF-8 or
// JSON, an unpaired surrogate escape, and for jsonb the \u0000 escape. It
// is a validator of its own, rather than encoding/json's, so that it never
// allocates.
func checkJSON(v []byte, jsonb bool) error {
	if err := checkText(v); err != nil {
		return err
	}
	p := jsonParser{s: v, jsonb: jsonb}
	p.value(0)
	if p.err == nil {
		p.space()
		if p.i < len(v) {
			p.fail("data after the JSON value")
		}
	}
	return p.err
}

// jsonParser is a recursive-descent JSON validator; the first error stops
// it.
type jsonParser struct {
	s     []byte
	i     int
	jsonb bool
	err   error
}

func (p *jsonParser) fail(what string) {
	if p.err == nil {
		p.err = fmt.Errorf("not valid JSON: %s at byte %d", what, p.i)
	}
}

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) {
	p.space()
	if p.i >= len(p.s) {
		p.fail("no value")
		return
	}
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		if depth == maxJSONDepth {
			p.fail("nesting too deep")
			return
		}
		p.container(depth)
	case c == '"':
		p.str()
	case c == '-' || isDigit(c):
		p.number()
	default:
		p.literal()
	}
}

// container reads an object or an array.
func (p *jsonParser) container(depth int) {
	obj := p.s[p.i] == '{'
	end := byte(']')
	if obj {
		end = '}'
	}
	p.i++
	p.space()
	if p.i < len(p.s) && p.s[p.i] == end {
		p.i++
		return
	}
	for p.err == nil {
		if obj {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				p.fail("expected a key")
				return
			}
			p.str()
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				p.fail("expected a colon")
				return
			}
			p.i++
		}
		p.value(depth + 1)
		p.space()
		switch {
		case p.err != nil:
		case p.i < len(p.s) && p.s[p.i] == ',':
			p.i++
		case p.i < len(p.s) && p.s[p.i] == end:
			p.i++
			return
		default:
			p.fail("expected a comma or the end of the container")
		}
	}
}

func (p *jsonParser) literal() {
	for _, word := range []string{"true", "false", "null"} {
		if len(p.s)-p.i >= len(word) && string(p.s[p.i:p.i+len(word)]) == word {
			p.i += len(word)
			return
		}
	}
	p.fail("unexpected character")
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jsonParser) number() {
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case !p.digits():
		p.fail("a number without digits")
		return
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if !p.digits() {
			p.fail("a number without fraction digits")
			return
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			p.fail("a number without exponent digits")
		}
	}
}

func (p *jsonParser) digits() bool {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

// str reads a string; the text is already known to be valid UTF-8.
func (p *jsonParser) str() {
	p.i++
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return
		case c < 0x20:
			p.fail("a control character in a string")
			return
		case c == '\\':
			if !p.escape() {
				return
			}
		default:
			p.i++
		}
	}
	p.fail("an unterminated string")
}

// escape reads one escape sequence, a surrogate pair as one.
func (p *jsonParser) escape() bool {
	if p.i+1 >= len(p.s) {
		p.fail("an unterminated escape")
		return false
	}
	switch p.s[p.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.i += 2
		return true
	case 'u':
	default:
		p.fail("an invalid escape")
		return false
	}
	r, ok := p.hex4(p.i + 2)
	switch {
	case !ok:
		return false
	case r == 0 && p.jsonb:
		p.err = errors.New(`jsonb cannot hold the \u0000 escape`)
		return false
	case r >= 0xdc00 && r <= 0xdfff:
		p.fail("a low surrogate escape without a high surrogate before it")
		return false
	case r >= 0xd800 && r <= 0xdbff:
		if p.i+7 >= len(p.s) || p.s[p.i+6] != '\\' || p.s[p.i+7] != 'u' {
			p.fail("a high surrogate escape without a low surrogate after it")
			return false
		}
		low, ok := p.hex4(p.i + 8)
		if ok && (low < 0xdc00 || low > 0xdfff) {
			p.fail("a high surrogate escape without a low surrogate after it")
		}
		if p.err != nil {
			return false
		}
		p.i += 6
	}
	p.i += 6
	return true
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.s) {
		p.fail("a short \\u escape")
		return 0, false
	}
	var r rune
	for _, c := range p.s[at : at+4] {
		d := unhex(c)
		if d < 0 {
			p.fail("a bad \\u escape")
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func binJSON(c *column, dst, v []byte) ([]byte, error) {
	if err := checkJSON(v, c.kind == kindJSONB); err != nil {
		return dst, err
	}
	if c.kind == kindJSONB {
		dst = append(dst, jsonbVersion)
	}
	return append(dst, v...), nil
}

func textJSON(c *column, dst, v []byte) ([]byte, error) {
	if err := checkJSON(v, c.kind == kindJSONB); err != nil {
		return dst, err
	}
	return appendEscaped(dst, v), nil
}
