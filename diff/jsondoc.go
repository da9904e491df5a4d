package diff

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// class is a JSON value's type as far as a "type" difference is concerned: true and false are both
// bool, so true vs false is a value difference.
type class uint8

const (
	classNull class = iota
	classBool
	classNumber
	classString
	classArray
	classObject
)

var classNames = [...]string{"null", "boolean", "number", "string", "array", "object"}

// node is one value of a parsed document. Values are not copied out of the source: a node holds the
// span of its text, and containers link their children (child, then next), so parsing allocates one
// slice for the whole document and comparing identical scalars is a byte comparison.
type node struct {
	class    class
	isTrue   bool  // for booleans
	esc      bool  // a string value contains escapes
	keyEsc   bool  // the member name contains escapes
	start    int32 // the value's text is src[start:end] (strings with their quotes)
	end      int32
	keyStart int32 // an object member's name is src[keyStart:keyEnd], without quotes
	keyEnd   int32
	child    int32 // first child, or -1
	next     int32 // next sibling, or -1
	n        int32 // number of children
}

// document is a parsed JSON text.
type document struct {
	src   []byte
	nodes []node
	stack []int32 // open containers while parsing
	last  []int32 // the last child of each open container
}

// key returns the name of object member i, unescaped.
func (d *document) key(i int32) []byte {
	n := &d.nodes[i]
	raw := d.src[n.keyStart:n.keyEnd]
	if !n.keyEsc {
		return raw
	}
	return unescape(nil, raw)
}

func (d *document) span(i int32) []byte { return d.src[d.nodes[i].start:d.nodes[i].end] }

// indexAbove is the object size from which member lookups use a map instead of a scan.
const indexAbove = 32

// member finds a member of obj named key, or -1. hint, the member at the same position as key's on
// the other side, is tried first, since both sides usually list members in the same order; otherwise
// the first member of that name is taken (JSON with duplicate names is thus still compared
// deterministically, and a document still equals itself). index is built on first use for large objects.
func (d *document) member(obj int32, key []byte, hint int32, index *map[string]int32) int32 {
	if hint >= 0 && d.keyIs(hint, key) {
		return hint
	}
	if d.nodes[obj].n > indexAbove {
		if *index == nil {
			*index = make(map[string]int32, d.nodes[obj].n)
			for c := d.nodes[obj].child; c >= 0; c = d.nodes[c].next {
				k := string(d.key(c))
				if _, dup := (*index)[k]; !dup {
					(*index)[k] = c
				}
			}
		}
		if m, ok := (*index)[string(key)]; ok {
			return m
		}
		return -1
	}
	for c := d.nodes[obj].child; c >= 0; c = d.nodes[c].next {
		if d.keyIs(c, key) {
			return c
		}
	}
	return -1
}

func (d *document) keyIs(i int32, key []byte) bool {
	n := &d.nodes[i]
	if !n.keyEsc {
		return string(d.src[n.keyStart:n.keyEnd]) == string(key)
	}
	return string(d.key(i)) == string(key)
}

// syntaxError says where a body stops being JSON.
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.offset) }

// maxDocumentBytes keeps offsets within int32; bodies are far smaller (Options.MaxBodyBytes).
const maxDocumentBytes = 1<<31 - 1

// parse parses src (RFC 8259, no BOM) into d, reusing d's node slice. It keeps its own stack instead of
// recursing, so nesting depth is bounded only by the input's size.
func (d *document) parse(src []byte) error {
	d.src, d.nodes = src, d.nodes[:0]
	if len(src) > maxDocumentBytes {
		return &syntaxError{"document too large", 0}
	}
	p := parser{src: src, d: d}
	stack, last := d.stack[:0], d.last[:0]
	defer func() { d.stack, d.last = stack[:0], last[:0] }()
	for {
		p.ws()
		var keyStart, keyEnd int32
		var keyEsc bool
		if len(stack) > 0 && d.nodes[stack[len(stack)-1]].class == classObject {
			var err error
			if keyStart, keyEnd, keyEsc, err = p.key(); err != nil {
				return err
			}
		}
		idx, err := p.value()
		if err != nil {
			return err
		}
		nd := &d.nodes[idx]
		nd.keyStart, nd.keyEnd, nd.keyEsc = keyStart, keyEnd, keyEsc
		if len(stack) > 0 {
			d.attach(stack[len(stack)-1], &last[len(last)-1], idx)
		}
		if c := d.nodes[idx].class; c == classArray || c == classObject {
			p.ws()
			if p.i >= len(src) || src[p.i] != closer(c) {
				stack = append(stack, idx)
				last = append(last, -1)
				continue
			}
			p.i++
			d.nodes[idx].end = int32(p.i)
		}
		// A value is complete: close the containers it completes, then read the next element.
		for {
			p.ws()
			if len(stack) == 0 {
				if p.i != len(src) {
					return p.errf("unexpected data after the document")
				}
				return nil
			}
			if p.i >= len(src) {
				return p.errf("unexpected end of input")
			}
			top := stack[len(stack)-1]
			if src[p.i] == ',' {
				p.i++
				break
			}
			if src[p.i] != closer(d.nodes[top].class) {
				return p.errf(fmt.Sprintf("invalid character %q after a value", src[p.i]))
			}
			p.i++
			d.nodes[top].end = int32(p.i)
			stack = stack[:len(stack)-1]
			last = last[:len(last)-1]
		}
	}
}

// attach links node idx as the next child of parent, whose last child so far is *last (-1: none).
func (d *document) attach(parent int32, last *int32, idx int32) {
	if *last < 0 {
		d.nodes[parent].child = idx
	} else {
		d.nodes[*last].next = idx
	}
	*last = idx
	d.nodes[parent].n++
}

func closer(c class) byte {
	if c == classArray {
		return ']'
	}
	return '}'
}

type parser struct {
	src []byte
	i   int
	d   *document
}

func (p *parser) errf(msg string) error { return &syntaxError{msg, p.i} }

func (p *parser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) key() (start, end int32, esc bool, err error) {
	if p.i >= len(p.src) {
		return 0, 0, false, p.errf("unexpected end of input")
	}
	if p.src[p.i] != '"' {
		return 0, 0, false, p.errf(fmt.Sprintf("invalid character %q where a member name is expected", p.src[p.i]))
	}
	s := p.i
	if esc, err = p.str(); err != nil {
		return 0, 0, false, err
	}
	end = int32(p.i - 1)
	p.ws()
	if p.i >= len(p.src) || p.src[p.i] != ':' {
		return 0, 0, false, p.errf(`expected ":" after a member name`)
	}
	p.i++
	p.ws()
	return int32(s + 1), end, esc, nil
}

// value parses one value at p.i. Containers are only opened: their children follow in parse's loop.
func (p *parser) value() (int32, error) {
	if p.i >= len(p.src) {
		return 0, p.errf("unexpected end of input")
	}
	nd := node{start: int32(p.i), child: -1, next: -1}
	switch c := p.src[p.i]; {
	case c == '{':
		nd.class = classObject
		p.i++
	case c == '[':
		nd.class = classArray
		p.i++
	case c == '"':
		nd.class = classString
		esc, err := p.str()
		if err != nil {
			return 0, err
		}
		nd.esc = esc
	case c == '-' || c >= '0' && c <= '9':
		nd.class = classNumber
		if err := p.number(); err != nil {
			return 0, err
		}
	case c == 't':
		nd.class, nd.isTrue = classBool, true
		if err := p.literal("true"); err != nil {
			return 0, err
		}
	case c == 'f':
		nd.class = classBool
		if err := p.literal("false"); err != nil {
			return 0, err
		}
	case c == 'n':
		nd.class = classNull
		if err := p.literal("null"); err != nil {
			return 0, err
		}
	default:
		return 0, p.errf(fmt.Sprintf("invalid character %q where a value is expected", c))
	}
	if nd.class != classArray && nd.class != classObject {
		nd.end = int32(p.i)
	}
	p.d.nodes = append(p.d.nodes, nd)
	return int32(len(p.d.nodes) - 1), nil
}

func (p *parser) literal(word string) error {
	if len(p.src)-p.i < len(word) || string(p.src[p.i:p.i+len(word)]) != word {
		return p.errf("invalid literal")
	}
	p.i += len(word)
	return nil
}

// str scans a string starting at its opening quote and reports whether it contains escapes.
func (p *parser) str() (bool, error) {
	p.i++
	esc := false
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == '"':
			p.i++
			return esc, nil
		case c == '\\':
			esc = true
			if p.i+1 >= len(p.src) {
				return false, p.errf("unexpected end of input")
			}
			switch p.src[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.src) || !isHex4(p.src[p.i+2:p.i+6]) {
					return false, p.errf(`invalid \u escape`)
				}
				p.i += 6
			default:
				return false, p.errf("invalid escape")
			}
		case c < 0x20:
			return false, p.errf("control character in string")
		default:
			p.i++
		}
	}
	return false, p.errf("unexpected end of input")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() error {
	if p.src[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.src) && p.src[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return p.errf("invalid number")
	}
	if p.i < len(p.src) && p.src[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return p.errf("invalid number")
		}
	}
	if p.i < len(p.src) && (p.src[p.i] == 'e' || p.src[p.i] == 'E') {
		p.i++
		if p.i < len(p.src) && (p.src[p.i] == '+' || p.src[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return p.errf("invalid number")
		}
	}
	return nil
}

func (p *parser) digits() int {
	s := p.i
	for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.i++
	}
	return p.i - s
}

// unescape appends the value of the JSON string text raw (without quotes) to b. Invalid UTF-8 and
// unpaired surrogates become U+FFFD, as encoding/json does, so both sides decode alike.
func unescape(b, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				b = append(b, c)
				i++
				continue
			}
			r, size := utf8.DecodeRune(raw[i:])
			b = utf8.AppendRune(b, r)
			i += size
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, hex4(raw[i+2:])); dec != utf8.RuneError {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // '"', '\\', '/'
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return b
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r = r<<4 | rune(hexVal(c))
	}
	return r
}
