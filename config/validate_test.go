package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ficus-dev/ficus"
)

func codeConfig() *Config {
	return &Config{
		Backends: Backends{
			Legacy: Backend{URLs: []string{"http://127.0.0.1:8081"}},
			Modern: Backend{URLs: []string{"http://127.0.0.1:8082"}},
		},
		Routes: []Route{
			{Name: "users", Match: Match{Path: "/users/{id}", Methods: []string{"get"}, Host: "API.example.com"}, Stage: ficus.StageCanary, Weight: 5},
			{Name: "everything"},
		},
	}
}

func TestValidateFillsDefaultsOfAConfigBuiltInCode(t *testing.T) {
	c := codeConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || *c.BackendHeader != DefaultBackendHeader || c.Backends.Modern.MaxIdleConns != DefaultMaxIdleConns {
		t.Errorf("defaults not filled: listen %q, backend header %q, max idle %d", c.Listen, *c.BackendHeader, c.Backends.Modern.MaxIdleConns)
	}
	if c.Routes[1].Stage != ficus.StageLegacy {
		t.Errorf("route stage = %q, want the default legacy", c.Routes[1].Stage)
	}
	if got := c.Routes[0].Match; got.Methods[0] != "GET" || got.Host != "api.example.com" {
		t.Errorf("match = %+v, want the method upper case and the host lower case", got)
	}
}

func TestValidateResolvesTokenFiles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ci.token")
	if err := os.WriteFile(file, []byte("  s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := codeConfig()
	c.Admin.Tokens = []Token{{Name: "ci", Role: RoleAdmin, TokenFile: file}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Admin.Tokens[0].Secret != "s3cret" {
		t.Errorf("secret = %q, want the trimmed file content", c.Admin.Tokens[0].Secret)
	}
}

func TestValidateReportsEveryProblemWithItsPathAndNoLine(t *testing.T) {
	c := codeConfig()
	c.Listen = "nowhere"
	c.Backends.Modern.URLs = nil
	c.Routes[0].Weight = 101
	c.Routes = append(c.Routes, Route{Name: "late"})
	err := c.Validate()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *config.Error", err)
	}
	var paths []string
	for _, p := range ce.Problems {
		if p.Line != 0 || p.File != "" {
			t.Errorf("problem %q has file %q line %d, want neither", p.Message, p.File, p.Line)
		}
		paths = append(paths, p.Path)
	}
	want := []string{"listen", "backends.modern.urls", "routes[0].weight", "routes[1]"}
	if !slices.Equal(paths, want) {
		t.Errorf("problems at %q, want %q:\n%v", paths, want, err)
	}
}

func TestValidateAcceptsAnAdminListenerOnPortZeroLikeTheProxy(t *testing.T) {
	c := codeConfig()
	c.Listen, c.Admin.Listen = "127.0.0.1:0", "127.0.0.1:0"
	if err := c.Validate(); err != nil {
		t.Errorf("two listeners on port 0 get different ports, yet: %v", err)
	}
}

func TestWeightsWithTwoDecimalsAreAccepted(t *testing.T) {
	for _, w := range []float64{0, 0.01, 0.1, 12.34, 33.33, 99.99, 100} {
		c := codeConfig()
		c.Routes[0].Weight = w
		if err := c.Validate(); err != nil {
			t.Errorf("weight %v: %v", w, err)
		}
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"a problem in a file has file, line and path", Problem{"f.yaml", 3, "listen", "bad"}, "f.yaml:3: listen: bad"},
		{"a whole-file problem has no line", Problem{"f.yaml", 0, "", "empty"}, "f.yaml: empty"},
		{"a problem without a file name keeps its line", Problem{"", 3, "listen", "bad"}, "line 3: listen: bad"},
		{"a problem in a config built in code has only the path", Problem{"", 0, "listen", "bad"}, "listen: bad"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
