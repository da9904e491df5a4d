package diff

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		match, covers bool
	}{
		{"$", "$", true, true},
		{"$", "$.a", false, true},
		{"$.a.b", "$.a.b", true, true},
		{"$.a.b", "$.a.b.c[2]", false, true},
		{"$.a.b", "$.a", false, false},
		{"$.a.b", "$.a.c", false, false},
		{"$['odd key']", "$['odd key']", true, true},
		{`$["odd key"]`, "$['odd key']", true, true},
		{"$['a']", "$.a", true, true},
		{"$['it\\'s']", "$['it\\'s']", true, true},
		{"$.items[*].updated_at", "$.items[3].updated_at", true, true},
		{"$.items[*].updated_at", "$.items.x.updated_at", false, false},
		{"$.items[2]", "$.items[2]", true, true},
		{"$.items[2]", "$.items[20]", false, false},
		{"$.meta.*", "$.meta.anything", true, true},
		{"$.meta.*", "$.meta[0]", false, false},
		{"$..etag", "$.etag", true, true},
		{"$..etag", "$.a[3].b.etag", true, true},
		{"$..etag", "$.a.etag.x", false, true},
		{"$..etag", "$.a.etags", false, false},
		{"$..[*]", "$.a[1]", true, true},
		{"$..*", "$[1]", false, false},
		{"$..*", "$[1].x", true, true},
		{"$.a..b..c", "$.a.x.b.y.z.c", true, true},
		{"$.a..b..c", "$.a.c.b", false, false},
		{"$..a..a..a", "$.a.a.a", true, true},
		{"$..a..a..a", "$.a.a", false, false},
		{"$[*][1]", "$[0][1]", true, true},
		{"$.a-b_c", "$.a-b_c", true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s against %s", tt.pattern, tt.path), func(t *testing.T) {
			p, err := ParsePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(tt.path); got != tt.match {
				t.Errorf("Match = %v, want %v", got, tt.match)
			}
			if got := p.Covers(tt.path); got != tt.covers {
				t.Errorf("Covers = %v, want %v", got, tt.covers)
			}
		})
	}
}

// TestPatternErrors pins the message of every kind of bad pattern, and that Compile names the option.
func TestPatternErrors(t *testing.T) {
	bad := []string{"", "a.b", "$.", "$..", "$[", "$[*", "$[01]", "$['x]", "$[x]", "$.a b", "$.3", "$.-a",
		"$.a..", "$ ", "$[-1]", "$[99999999999999999999]", "$" + strings.Repeat(".a", 64)}
	var got strings.Builder
	for _, s := range bad {
		_, err := ParsePattern(s)
		fmt.Fprintf(&got, "%q: %v\n", s, err)
	}
	for _, o := range []Options{
		{IgnorePaths: []string{"$.ok", "$.items[*"}},
		{UnorderedPaths: []string{"tags"}},
		{RedactPaths: []string{"$..", "$.x"}},
		{MaxBodyBytes: -1},
		{MaxBodyBytes: 2 << 30},
		{MaxDifferences: -1},
		{Text: 64},
	} {
		_, err := Compile(o)
		fmt.Fprintf(&got, "Compile: %v\n", err)
	}
	checkGolden(t, filepath.Join("testdata", "pattern-errors.golden"), got.String())
}

func TestFieldKeyReplacesIndicesOnly(t *testing.T) {
	tests := map[string]string{
		"$.items[3].updated_at":     "$.items[*].updated_at",
		"$[0][12]":                  "$[*][*]",
		"$['a[3]'].b":               "$['a[3]'].b",
		"$['a[3]'][4]":              "$['a[3]'][*]",
		"$.a.b":                     "$.a.b",
		"status":                    "status",
		"header:Content-Type":       "header:Content-Type",
		"$.broken[":                 "$.broken[",
		"$.users['it\\'s'][1].name": "$.users['it\\'s'][*].name",
	}
	for in, want := range tests {
		if got := FieldKey(in); got != want {
			t.Errorf("FieldKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// refMatch is the obvious recursive definition of a pattern matching a path, used to check the
// automaton: ".." tries every number of skipped segments.
func refMatch(pat, path []segment) bool {
	if len(pat) == 0 {
		return len(path) == 0
	}
	p := pat[0]
	if p.descent {
		for skip := 0; skip < len(path); skip++ {
			if p.matches(path[skip].kind == segIndex, path[skip].index, path[skip].key) && refMatch(pat[1:], path[skip+1:]) {
				return true
			}
		}
		return false
	}
	return len(path) > 0 && p.matches(path[0].kind == segIndex, path[0].index, path[0].key) && refMatch(pat[1:], path[1:])
}

func FuzzPattern(f *testing.F) {
	f.Add("$..etag", "$.a[3].etag")
	f.Add("$.items[*].updated_at", "$.items[7].updated_at")
	f.Add("$['odd key'].*", "$['odd key'].x")
	f.Add("$..a..b", "$.a.a.b.b")
	f.Add("$[*]", "$[0]")
	f.Add("$['\\'']", "$['\\'']")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		p, err := ParsePattern(pattern)
		if err != nil {
			return
		}
		if p.String() != pattern {
			t.Fatalf("String() = %q", p.String())
		}
		segs, err := parseSegments(path, false)
		got := p.Match(path)
		if err != nil {
			if got {
				t.Fatalf("an unparsable path matched")
			}
			return
		}
		if want := refMatch(p.segs, segs); got != want {
			t.Fatalf("Match(%q, %q) = %v, reference says %v", pattern, path, got, want)
		}
		// The many-pattern automaton the comparison uses must agree with the single-pattern one.
		var byRole [numRoles][]*Pattern
		byRole[roleIgnore] = []*Pattern{p}
		m := newMatcher(byRole)
		state := append([]uint64(nil), m.start...)
		next := make([]uint64, m.words)
		for _, s := range segs {
			m.step(next, state, s.kind == segIndex, s.index, []byte(s.key))
			state, next = next, state
		}
		if m.accepts(state, roleIgnore) != got {
			t.Fatalf("matcher disagrees with Match for %q on %q", pattern, path)
		}
		// A path's canonical rendering parses back to itself.
		if FieldKey(path) != path && !strings.Contains(path, "[") {
			t.Fatalf("FieldKey changed a path without indices")
		}
	})
}
