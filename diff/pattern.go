package diff

import (
	"fmt"
	"math/bits"
)

// Pattern is a compiled JSON path pattern, the language of ignore rules, unordered arrays and
// redacted paths:
//
//	$            the whole document
//	.name        the member "name" of an object (names of ASCII letters, digits, '_' and '-')
//	['name']     the member "name", for any name ("$['odd key']"; \' and \\ escape)
//	[3]          the element at index 3 of an array
//	.*           any member of an object
//	[*]          any element of an array
//	..name       "name" at any depth below (also ..*, ..[*], ..[3], ..['name'])
//
// A pattern matches a path segment by segment; it never matches a prefix or a longer path by itself
// (Match). Ignore and redaction rules also cover everything below a matching path (Covers).
// Matching runs a small automaton over the segments: no regular expressions and no backtracking, so a
// pattern with many ".." costs the same as one without.
type Pattern struct {
	src  string
	segs []segment
}

// ParsePattern parses a pattern. Its error names the pattern and the offset of the mistake.
func ParsePattern(s string) (*Pattern, error) {
	segs, err := parseSegments(s, true)
	if err != nil {
		return nil, err
	}
	return &Pattern{src: s, segs: segs}, nil
}

// String returns the pattern as written.
func (p *Pattern) String() string { return p.src }

// Match reports whether path (as found in Difference.Path) is matched by p exactly.
func (p *Pattern) Match(path string) bool {
	state, ok := p.run(path)
	return ok && state&(1<<len(p.segs)) != 0
}

// Covers reports whether path or one of its ancestors is matched by p: the paths an ignore or
// redaction rule written as p applies to.
func (p *Pattern) Covers(path string) bool {
	segs, err := parseSegments(path, false)
	if err != nil {
		return false
	}
	final := uint64(1) << len(p.segs)
	state := uint64(1)
	for _, s := range segs {
		if state&final != 0 {
			return true
		}
		state = p.step(state, s.kind == segIndex, s.index, s.key)
	}
	return state&final != 0
}

func (p *Pattern) run(path string) (uint64, bool) {
	segs, err := parseSegments(path, false)
	if err != nil {
		return 0, false
	}
	state := uint64(1)
	for _, s := range segs {
		state = p.step(state, s.kind == segIndex, s.index, s.key)
	}
	return state, true
}

// step advances a single pattern's state set (bit i: the first i segments have matched).
func (p *Pattern) step(state uint64, isIndex bool, index int, key string) uint64 {
	var next uint64
	for ; state != 0; state &= state - 1 {
		i := bits.TrailingZeros64(state)
		if i == len(p.segs) {
			continue
		}
		s := &p.segs[i]
		if s.descent {
			next |= 1 << i
		}
		if s.matches(isIndex, index, key) {
			next |= 1 << (i + 1)
		}
	}
	return next
}

func (s *segment) matches(isIndex bool, index int, key string) bool {
	switch s.kind {
	case segKey:
		return !isIndex && key == s.key
	case segIndex:
		return isIndex && index == s.index
	case segAnyKey:
		return !isIndex
	case segAnyIndex:
		return isIndex
	}
	return false
}

// role is what a pattern in a matcher is for.
type role uint8

const (
	roleIgnore role = iota
	roleUnordered
	roleRedact
	numRoles
)

// matcher runs many patterns at once while the comparison walks a document: every node carries the
// set of pattern states reached on its path (a bit set of words uint64s), and a child's set is one
// step from its parent's. Checking a node against every rule is then a mask test.
type matcher struct {
	states []segment // state i: waiting for states[i]; a state with final set has matched
	final  []bool
	words  int
	start  []uint64
	accept [numRoles][]uint64
	any    [numRoles]bool
}

func newMatcher(byRole [numRoles][]*Pattern) *matcher {
	m := &matcher{}
	n := 0
	for _, ps := range byRole {
		for _, p := range ps {
			n += len(p.segs) + 1
		}
	}
	m.words = (n + 63) / 64
	m.start = make([]uint64, m.words)
	for r := range m.accept {
		m.accept[r] = make([]uint64, m.words)
	}
	for r, ps := range byRole {
		for _, p := range ps {
			base := len(m.states)
			m.start[base/64] |= 1 << (base % 64)
			m.states = append(m.states, p.segs...)
			m.states = append(m.states, segment{})
			m.final = append(m.final, make([]bool, len(p.segs))...)
			m.final = append(m.final, true)
			end := base + len(p.segs)
			m.accept[r][end/64] |= 1 << (end % 64)
			m.any[r] = true
		}
	}
	return m
}

// step writes into dst the states reached from src by one path segment.
func (m *matcher) step(dst, src []uint64, isIndex bool, index int, key []byte) {
	clear(dst)
	for w, word := range src {
		for ; word != 0; word &= word - 1 {
			i := w*64 + bits.TrailingZeros64(word)
			if m.final[i] {
				continue
			}
			s := &m.states[i]
			if s.descent {
				dst[i/64] |= 1 << (i % 64)
			}
			if s.matchesBytes(isIndex, index, key) {
				dst[(i+1)/64] |= 1 << ((i + 1) % 64)
			}
		}
	}
}

func (s *segment) matchesBytes(isIndex bool, index int, key []byte) bool {
	if s.kind == segKey {
		return !isIndex && string(key) == s.key
	}
	return s.matches(isIndex, index, "")
}

func (m *matcher) accepts(state []uint64, r role) bool {
	if !m.any[r] {
		return false
	}
	for w, word := range state {
		if word&m.accept[r][w] != 0 {
			return true
		}
	}
	return false
}

// compilePatterns parses patterns, naming the option and the pattern in an error.
func compilePatterns(option string, srcs []string) ([]*Pattern, error) {
	ps := make([]*Pattern, 0, len(srcs))
	for _, s := range srcs {
		p, err := ParsePattern(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", option, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}
