package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse checks that Parse never panics and that it either returns a config that validates again
// cleanly or an *Error whose problems each have a line, unless they concern a top-level key the file
// does not have (or the whole file).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	bad, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, file := range append(seeds, bad...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("testdata/fuzz.yaml", data, lookupTestEnv)
		if err == nil {
			if problems := c.validate(lookupTestEnv); len(problems) > 0 {
				t.Fatalf("Parse accepted a config that does not validate again: %v", errorOf("", problems))
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) || len(ce.Problems) == 0 {
			t.Fatalf("got %T %v, want a *config.Error with problems", err, err)
		}
		var top map[string]any
		topKnown := yaml.Unmarshal(data, &top) == nil
		for _, p := range ce.Problems {
			if strings.Contains(p.String(), "\n") {
				t.Errorf("problem spans lines: %q", p.String())
			}
			if p.Line > 0 || p.Path == "" || !topKnown {
				continue
			}
			key, _, _ := strings.Cut(strings.SplitN(p.Path, "[", 2)[0], ".")
			if _, present := top[key]; present {
				t.Errorf("problem has no line though %q is in the file: %v", key, p)
			}
		}
	})
}
