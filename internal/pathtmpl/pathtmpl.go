// Package pathtmpl parses and matches path templates such as "/api/users/{id}" and
// "/static/{rest...}". It owns the template syntax and matching; it does not clean paths (the caller
// matches against an already cleaned path) and it does not extract variable values, because the
// gateway only needs to know whether a route applies.
//
// Syntax: a template starts with "/" and is a sequence of segments separated by "/". A segment is
// either a literal, matched byte for byte, or a whole-segment variable:
//
//   - {name} matches exactly one non-empty segment;
//   - {name...} matches one or more remaining segments, the first of which is non-empty, so
//     "/static/{rest...}" matches "/static/a" and "/static/a/b/", but neither "/static/" nor
//     "/static". It may only be the last segment.
//
// Names are [A-Za-z_][A-Za-z0-9_]* and unique within a template. A trailing slash is significant:
// "/a/" and "/a" are different templates. Empty segments ("/a//b") and dot segments ("/a/../b") are
// rejected because a cleaned path never contains them, so such a template could never match.
package pathtmpl

import (
	"fmt"
	"strings"
)

// Template is a parsed path template. The zero value matches nothing; use Parse.
type Template struct {
	src   string
	segs  []segment
	fixed string // the text before the first variable; all of src when there is none
}

type segKind uint8

const (
	segLiteral segKind = iota
	segVar             // one non-empty segment
	segRest            // the non-empty rest of the path
)

type segment struct {
	kind segKind
	lit  string // the literal text for segLiteral, the variable name otherwise
}

// SyntaxError says what is wrong with a template and at which byte offset.
type SyntaxError struct {
	// Offset is the byte offset in the template where the problem starts.
	Offset int
	// Msg describes the problem, e.g. "unclosed brace".
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset) }

func errAt(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses a template. Errors are *SyntaxError.
func Parse(s string) (*Template, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, errAt(0, "template must start with \"/\"")
	}
	t := &Template{src: s}
	off := 1
	for {
		end := strings.IndexByte(s[off:], '/')
		last := end < 0
		if last {
			end = len(s)
		} else {
			end += off
		}
		seg, err := parseSegment(s[off:end], off, last)
		if err != nil {
			return nil, err
		}
		if err := checkUnique(t.segs, seg, off); err != nil {
			return nil, err
		}
		t.segs = append(t.segs, seg)
		if last {
			t.fixed, _, _ = strings.Cut(s, "{")
			return t, nil
		}
		off = end + 1
	}
}

// parseSegment parses the segment text found at offset off; last tells whether it ends the template.
func parseSegment(text string, off int, last bool) (segment, error) {
	if !strings.HasPrefix(text, "{") {
		return literalSegment(text, off, last)
	}
	closing := strings.IndexByte(text, '}')
	if open := strings.IndexByte(text[1:], '{'); open >= 0 && (closing < 0 || open+1 < closing) {
		return segment{}, errAt(off+1+open, "\"{\" inside a variable")
	}
	switch {
	case closing < 0:
		return segment{}, errAt(off, "unclosed brace")
	case text[closing+1:] != "" && text[closing+1] == '}':
		return segment{}, errAt(off+closing+1, "unmatched \"}\"")
	case closing != len(text)-1:
		return segment{}, errAt(off, "a variable must be a whole segment")
	}
	name, kind := text[1:closing], segVar
	if n, ok := strings.CutSuffix(name, "..."); ok {
		name, kind = n, segRest
		if !last {
			return segment{}, errAt(off, "{%s...} must be the last segment", name)
		}
	}
	if !validName(name) {
		return segment{}, errAt(off+1, "variable name %q is not [A-Za-z_][A-Za-z0-9_]*", name)
	}
	return segment{kind: kind, lit: name}, nil
}

func literalSegment(text string, off int, last bool) (segment, error) {
	if i := strings.IndexByte(text, '{'); i >= 0 {
		return segment{}, errAt(off+i, "a variable must be a whole segment")
	}
	if i := strings.IndexByte(text, '}'); i >= 0 {
		return segment{}, errAt(off+i, "unmatched \"}\"")
	}
	switch {
	case text == "" && !last:
		return segment{}, errAt(off, "empty segment (a cleaned path has none)")
	case text == "." || text == "..":
		return segment{}, errAt(off, "dot segment %q (a cleaned path has none)", text)
	}
	return segment{kind: segLiteral, lit: text}, nil
}

func checkUnique(segs []segment, seg segment, off int) error {
	if seg.kind == segLiteral {
		return nil
	}
	for _, s := range segs {
		if s.kind != segLiteral && s.lit == seg.lit {
			return errAt(off+1, "duplicate variable name %q", seg.lit)
		}
	}
	return nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// String returns the template as it was parsed; Parse accepts only canonical text, so it re-parses
// to the same template.
func (t *Template) String() string { return t.src }

// HasVariables reports whether the template has a variable; without one it is an exact path.
func (t *Template) HasVariables() bool {
	for _, s := range t.segs {
		if s.kind != segLiteral {
			return true
		}
	}
	return false
}

// Match reports whether path matches the template. It does not allocate.
func (t *Template) Match(path string) bool {
	// Most routes fail on their literal start; checking it in one comparison keeps a table of many
	// routes fast.
	if len(t.segs) == 0 || !strings.HasPrefix(path, t.fixed) {
		return false
	}
	if len(t.fixed) == len(t.src) {
		return path == t.src
	}
	rest := path[1:]
	for i, s := range t.segs {
		if s.kind == segRest {
			return rest != "" && rest[0] != '/'
		}
		seg, more := rest, false
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest, more = rest[:j], rest[j+1:], true
		}
		if more != (i < len(t.segs)-1) {
			return false
		}
		if s.kind == segLiteral && seg != s.lit || s.kind == segVar && seg == "" {
			return false
		}
	}
	return true
}
