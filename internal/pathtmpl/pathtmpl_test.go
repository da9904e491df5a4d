package pathtmpl

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMatch(t *testing.T) {
	tests := []struct {
		tmpl string
		yes  []string
		no   []string
	}{
		{"/", []string{"/"}, []string{"", "/a", "//"}},
		{"/api/users", []string{"/api/users"}, []string{"/api/users/", "/api/user", "/api/usersx", "/api", "api/users"}},
		{"/api/users/", []string{"/api/users/"}, []string{"/api/users", "/api/users/1"}},
		{"/users/{id}", []string{"/users/1", "/users/abc%2Fdef"}, []string{"/users/", "/users", "/users/1/", "/users/1/x", "/users//"}},
		{"/users/{id}/", []string{"/users/1/"}, []string{"/users/1", "/users//"}},
		{"/users/{id}/orders/{order}", []string{"/users/1/orders/2"}, []string{"/users/1/orders", "/users/1/orders/", "/users//orders/2", "/users/1/order/2"}},
		{"/static/{rest...}", []string{"/static/a", "/static/a/b", "/static/a/b/", "/static/a//b"}, []string{"/static/", "/static", "/static//a", "/staticx/a"}},
		{"/{rest...}", []string{"/a", "/a/b"}, []string{"/", "//a"}},
		{"/{a}/{b}", []string{"/x/y"}, []string{"/x", "/x/y/z", "/x/"}},
	}
	for _, tt := range tests {
		tmpl, err := Parse(tt.tmpl)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.tmpl, err)
		}
		for _, p := range tt.yes {
			t.Run(fmt.Sprintf("%s matches %s", tt.tmpl, p), func(t *testing.T) {
				if !tmpl.Match(p) {
					t.Errorf("Match(%q) = false, want true", p)
				}
			})
		}
		for _, p := range tt.no {
			t.Run(fmt.Sprintf("%s does not match %q", tt.tmpl, p), func(t *testing.T) {
				if tmpl.Match(p) {
					t.Errorf("Match(%q) = true, want false", p)
				}
			})
		}
	}
}

func TestZeroTemplateMatchesNothing(t *testing.T) {
	var tmpl Template
	if tmpl.Match("/") {
		t.Error("the zero Template matched \"/\"")
	}
}

func TestHasVariables(t *testing.T) {
	for s, want := range map[string]bool{"/a/b": false, "/": false, "/a/{b}": true, "/{r...}": true} {
		if got := mustParse(t, s).HasVariables(); got != want {
			t.Errorf("Parse(%q).HasVariables() = %v, want %v", s, got, want)
		}
	}
}

// TestParseErrors compares each bad template's error with testdata/errors.golden (-update rewrites it).
func TestParseErrors(t *testing.T) {
	bad := []string{
		"", "api", "/users/{id", "/users/{id}}", "/users/id}", "/users/x{id}", "/users/{id}x",
		"/{rest...}/x", "/{}", "/{...}", "/{1d}", "/{a-b}", "/{a}/{a}", "/{a}/{a...}", "/a//b", "//",
		"/a/../b", "/./a", "/a/.", "/{a{b}}",
	}
	var b strings.Builder
	for _, s := range bad {
		_, err := Parse(s)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", s, err)
			continue
		}
		fmt.Fprintf(&b, "%q: %v\n", s, err)
	}
	golden(t, "errors.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\ngot:\n%s\nwant:\n%s", file, got, want)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	tmpl := mustParse(t, "/api/users/{id}/orders/{rest...}")
	allocs := testing.AllocsPerRun(100, func() {
		if !tmpl.Match("/api/users/42/orders/7/items") {
			t.Fatal("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times per call, want 0", allocs)
	}
}

func mustParse(t testing.TB, s string) *Template {
	t.Helper()
	tmpl, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return tmpl
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"/", "/a/{b}", "/a/{b...}", "/{a}/{a}", "/x{", "/a//b", "/{rest...}/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q) error %v is not a *SyntaxError within the input", s, err)
			}
			return
		}
		again, err := Parse(tmpl.String())
		if err != nil {
			t.Fatalf("String() %q of a parsed template does not re-parse: %v", tmpl.String(), err)
		}
		if again.String() != tmpl.String() || fmt.Sprint(again.segs) != fmt.Sprint(tmpl.segs) {
			t.Fatalf("re-parsing %q gave a different template", tmpl.String())
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("/users/{id}", "/users/1")
	f.Add("/static/{rest...}", "/static/a/b/")
	f.Add("/a/", "/a/")
	f.Add("/{a}/{b}", "/x//")
	f.Fuzz(func(t *testing.T, s, path string) {
		tmpl, err := Parse(s)
		if err != nil {
			return
		}
		if got, want := tmpl.Match(path), referenceMatch(s, path); got != want {
			t.Fatalf("Parse(%q).Match(%q) = %v, reference says %v", s, path, got, want)
		}
	})
}

// referenceMatch is the documented semantics written as plainly as possible: split both on "/" and
// compare segment by segment.
func referenceMatch(tmpl, path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	ts := strings.Split(tmpl[1:], "/")
	ps := strings.Split(path[1:], "/")
	for i, seg := range ts {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}") {
			return len(ps) > i && ps[i] != ""
		}
		if i >= len(ps) {
			return false
		}
		if strings.HasPrefix(seg, "{") {
			if ps[i] == "" {
				return false
			}
		} else if seg != ps[i] {
			return false
		}
	}
	return len(ps) == len(ts)
}
