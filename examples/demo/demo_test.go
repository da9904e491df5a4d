package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// TestDemoPasses is what `make demo` does, as a test: build ficus, run the whole tour against it.
func TestDemoPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ficus and runs the whole demo; skipped with -short (make test never passes -short)")
	}
	bin := buildFicus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, options{ficus: bin}, &out); err != nil {
		t.Fatalf("demo failed: %v\n\nits output:\n%s", err, out.String())
	}
	for _, want := range []string{"DEFECT  $.price_cents", "NOISE   $.generated_at", "completed: ", "rolled back on its own", "[10/10] Where to look", "Demo passed."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
}

func buildFicus(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "ficus")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/ficus-dev/ficus/cmd/ficus")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ficus: %v\n%s", err, out)
	}
	return bin
}

func TestDemoFailsClearlyWithoutAUsableBinary(t *testing.T) {
	cases := []struct {
		name  string
		ficus string
		want  string
	}{
		{"without --ficus it says the flag is required", "", "--ficus is required"},
		{"with a missing binary it says ficus did not start", filepath.Join(t.TempDir(), "nope"), "start ficus"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), options{ficus: tc.ficus}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// The documented example config and the one the demo writes must both load, so that neither drifts
// from the config format unnoticed.
func TestExampleConfigsLoad(t *testing.T) {
	env := func(name string) (string, bool) { return "secret", name == "FICUS_DEMO_TOKEN" }
	example, err := os.ReadFile("../ficus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	demo := setup{
		legacyURL: "http://127.0.0.1:8001", modernURL: "http://127.0.0.1:8002",
		proxyAddr: "127.0.0.1:8080", adminAddr: "127.0.0.1:9090",
		storePath: filepath.Join(t.TempDir(), "ficus.db"),
	}.config()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"examples/ficus.yaml loads", example},
		{"the config the demo writes loads", []byte(demo)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse(filepath.Join(t.TempDir(), "ficus.yaml"), tc.data, env)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range cfg.Routes {
				names = append(names, r.Name)
			}
			if got := strings.Join(names, ","); got != "users,orders,catalog,default" {
				t.Errorf("routes = %s, want users,orders,catalog,default", got)
			}
			if users := cfg.Routes[0]; users.Sticky.Header != "X-User-Id" || users.Match.Path != "/api/users/{id}" {
				t.Errorf("route users = %+v, want path /api/users/{id} sticky on X-User-Id", users)
			}
		})
	}
}

// tallyOf makes a tally in which exactly the users onModern were served by modern.
func tallyOf(onModern ...string) tally {
	t := tally{sideOf: map[string]string{}}
	modern := map[string]bool{}
	for _, u := range onModern {
		modern[u] = true
	}
	for i := 1; i <= users; i++ {
		u := userID(i)
		if modern[u] {
			t.sideOf[u], t.modern = "modern", append(t.modern, u)
		} else {
			t.sideOf[u], t.legacy = "legacy", append(t.legacy, u)
		}
	}
	return t
}

func firstUsers(n int) []string {
	var us []string
	for i := 1; i <= n; i++ {
		us = append(us, userID(i))
	}
	return us
}

func TestChecksFailWhenTheGatewayMisbehaves(t *testing.T) {
	cases := []struct {
		name    string
		check   func() error
		wantErr bool
	}{
		{"22 of 200 users at weight 10 pass", func() error { return checkShare(tallyOf(firstUsers(22)...), 10) }, false},
		{"32 of 200 users (16%) at weight 10 are too many", func() error { return checkShare(tallyOf(firstUsers(32)...), 10) }, true},
		{"no users at weight 10 are too few", func() error { return checkShare(tallyOf(), 10) }, true},
		{"users kept on modern while the weight grows pass", func() error {
			return checkSticky(tallyOf(firstUsers(20)...), tallyOf(firstUsers(100)...))
		}, false},
		{"a user moved back to legacy breaks stickiness", func() error {
			return checkSticky(tallyOf(userID(1), userID(150)), tallyOf(firstUsers(100)...))
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(); (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}
