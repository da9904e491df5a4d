package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
)

func parseFile(t *testing.T, file string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(file, data, lookupTestEnv)
}

// TestGoodConfigs parses every testdata/*.good.yaml and compares the result, defaults and resolved
// secrets included, with testdata/*.good.json.
func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) < 2 {
		t.Fatalf("found %d good configs, want at least 2", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file)+" loads", func(t *testing.T) {
			c, err := parseFile(t, file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(c, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".json", string(got)+"\n")
		})
	}
}

// TestBadConfigs parses every testdata/bad/NAME.yaml, each wrong in one way, and compares the error
// with testdata/bad/NAME.yaml.err.
func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) < 30 {
		t.Fatalf("found %d bad configs, want at least 30", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml")+" is refused", func(t *testing.T) {
			c, err := parseFile(t, file)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got config %v and error %v, want a *config.Error", c, err)
			}
			if len(ce.Problems) != 1 {
				t.Errorf("got %d problems, want exactly 1 (one problem per bad file)", len(ce.Problems))
			}
			golden(t, file+".err", err.Error()+"\n")
		})
	}
}

func TestParseReportsEveryProblemSortedByLine(t *testing.T) {
	_, err := parseFile(t, "testdata/many_problems.yaml")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *config.Error", err)
	}
	for i := 1; i < len(ce.Problems); i++ {
		if ce.Problems[i].Line < ce.Problems[i-1].Line {
			t.Errorf("problem %d (line %d) comes after line %d", i, ce.Problems[i].Line, ce.Problems[i-1].Line)
		}
	}
	golden(t, "testdata/many_problems.yaml.err", err.Error()+"\n")
}

func TestParseFillsDefaults(t *testing.T) {
	c, err := parseFile(t, "testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := c.Backends.Modern
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, DefaultListen},
		{"admin.listen", c.Admin.Listen, DefaultAdminListen},
		{"store is next to the config file", c.Store, filepath.Join("testdata", DefaultStore)},
		{"backend_header", *c.BackendHeader, DefaultBackendHeader},
		{"override is off", c.Override == nil, true},
		{"log.level", c.Log.Level, "info"},
		{"log.format", c.Log.Format, "text"},
		{"shutdown_timeout", c.ShutdownTimeout.String(), "30s"},
		{"connect timeout", b.Timeouts.Connect.String(), "5s"},
		{"response header timeout", b.Timeouts.ResponseHeader.String(), "1m0s"},
		{"idle timeout", b.Timeouts.Idle.String(), "1m30s"},
		{"max_idle_conns", b.MaxIdleConns, 512},
		{"max_fails", b.Health.MaxFails, 1},
		{"cooldown", b.Health.Cooldown.String(), "10s"},
		{"route stage", c.Routes[0].Stage, ficus.StageLegacy},
		{"route line", c.Routes[0].Line, 8},
		{"file", c.File, "testdata/minimal.good.yaml"},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseKeepsExplicitValuesOverDefaults(t *testing.T) {
	yaml := `
backend_header: ""
override:
  secret_env: FICUS_OVERRIDE_SECRET
backends:
  legacy: {urls: [http://a], timeouts: {connect: 1s}}
  modern: {urls: [http://b]}
routes: [{name: all}]
`
	c, err := Parse("x.yaml", []byte(yaml), lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	if *c.BackendHeader != "" {
		t.Errorf("backend_header = %q, want the explicit empty string that disables it", *c.BackendHeader)
	}
	if c.Override.Header != DefaultOverrideHeader || c.Override.Secret != "s3cret" {
		t.Errorf("override = %+v, want the default header and the secret from the environment", *c.Override)
	}
	if got := c.Backends.Legacy.Timeouts; got.Connect.String() != "1s" || got.Idle.String() != "1m30s" {
		t.Errorf("legacy timeouts = %+v, want connect 1s and the other defaults", got)
	}
}

func TestParseResolvesSecrets(t *testing.T) {
	c, err := parseFile(t, "testdata/complete.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tok := range c.Admin.Tokens {
		got[tok.Name] = tok.Secret
	}
	want := map[string]string{"ci": "ci-secret", "alice": "admin-token-from-file", "dashboard": "viewer-secret"}
	for name, secret := range want {
		if got[name] != secret {
			t.Errorf("token %s has secret %q, want %q", name, got[name], secret)
		}
	}
	if c.Override.Secret != "override-s3cret" {
		t.Errorf("override secret = %q, want the trimmed file content", c.Override.Secret)
	}
}

func TestLoadReadsTheFileRelativeToItsDirectory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ficus.yaml")
	yaml := `
admin:
  tokens: [{name: ci, role: admin, token_file: ci.token}]
backends:
  legacy: {urls: [http://a]}
  modern: {urls: [http://b]}
routes: [{name: all}]
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ci.token"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Admin.Tokens[0].Secret != "from-file" || c.Store != filepath.Join(dir, "ficus.db") {
		t.Errorf("token secret %q, store %q", c.Admin.Tokens[0].Secret, c.Store)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// TestExampleConfigIsValid keeps the example the docs point to in step with the config rules.
func TestExampleConfigIsValid(t *testing.T) {
	file := filepath.Join("..", "examples", "ficus.yaml")
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no examples/ficus.yaml")
	}
	env := func(name string) (string, bool) { return "example-secret-for-" + name, true }
	if _, err := Parse(file, data, env); err != nil {
		t.Error(err)
	}
}

func TestLoadForClientNeedsNoSecretsButStillChecksTheRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ficus.yaml")
	body := `admin:
  listen: 127.0.0.1:9191
  tokens: [{name: ops, role: operator, token_env: FICUS_NOT_SET_ANYWHERE}]
backends:
  legacy: {urls: [http://127.0.0.1:8001]}
  modern: {urls: [http://127.0.0.1:8002]}
routes:
  - name: all
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil {
		t.Fatal("Load accepted a token whose variable is not set")
	}
	c, err := LoadForClient(path)
	if err != nil {
		t.Fatalf("LoadForClient: %v", err)
	}
	if c.Admin.Listen != "127.0.0.1:9191" || c.Admin.Tokens[0].Secret != "" {
		t.Fatalf("LoadForClient gave admin %+v", c.Admin)
	}
	bad := strings.Replace(body, "token_env: FICUS_NOT_SET_ANYWHERE", "token_env: A, token_file: b", 1)
	os.WriteFile(path, []byte(bad), 0o644)
	if _, err := LoadForClient(path); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("LoadForClient accepted both token_env and token_file: %v", err)
	}
}
