package testdb

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fatalRecorder records how a helper ends a test and what it reports at
// cleanup, so that a test can check the failure of another.
type fatalRecorder struct {
	testing.TB
	ended    string // "fatal" or "skip"
	msg      string
	errors   []string
	cleanups []func()
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *fatalRecorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// cleanup runs the recorded cleanups, last first, as a test's end does.
func (r *fatalRecorder) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.ended, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Skipf(format string, args ...any) {
	r.ended, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) SkipNow() { r.Skipf("SkipNow") }

func (r *fatalRecorder) Skip(args ...any) { r.Skipf("%s", fmt.Sprint(args...)) }

// record runs helper as a test of its own and returns how it ended.
func record(t *testing.T, helper func(testing.TB)) *fatalRecorder {
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(r)
	}()
	<-done
	return r
}

// withoutBinaries makes every server program missing until t ends.
func withoutBinaries(t *testing.T) {
	root, dirs, look := postgresRoot, mariadbDirs, lookPath
	t.Cleanup(func() { postgresRoot, mariadbDirs, lookPath = root, dirs, look })
	postgresRoot, mariadbDirs = t.TempDir(), nil
	lookPath = func(file string) (string, error) { return "", errors.New("not on PATH") }
}

func TestMissingBinariesFailTheTestNamingThePackage(t *testing.T) {
	withoutBinaries(t)
	var got strings.Builder
	for _, tc := range []struct {
		name   string
		helper func(testing.TB)
	}{
		{"StartPostgres", func(t testing.TB) { StartPostgres(t) }},
		{"StartMariaDB", func(t testing.TB) { StartMariaDB(t) }},
	} {
		r := record(t, tc.helper)
		if r.ended != "fatal" {
			t.Errorf("%s without binaries ended the test with %q, want a failure", tc.name, r.ended)
		}
		fmt.Fprintf(&got, "%s: %s\n", tc.name, r.msg)
	}
	golden(t, "missing_binaries.golden", got.String())
}

func TestSharedServersNeedMain(t *testing.T) {
	shared.inMain.Store(false)
	t.Cleanup(func() { shared.inMain.Store(true) })
	var got strings.Builder
	for _, tc := range []struct {
		name   string
		helper func(testing.TB)
	}{
		{"SharedPostgres", func(t testing.TB) { SharedPostgres(t) }},
		{"SharedMariaDB", func(t testing.TB) { SharedMariaDB(t) }},
	} {
		r := record(t, tc.helper)
		if r.ended != "fatal" {
			t.Errorf("%s without testdb.Main ended the test with %q, want a failure", tc.name, r.ended)
		}
		fmt.Fprintf(&got, "%s: %s\n", tc.name, r.msg)
	}
	golden(t, "shared_without_main.golden", got.String())
}

func TestNewestPostgresVersionIsChosen(t *testing.T) {
	root := t.TempDir()
	for _, version := range []string{"9.6", "15", "13", "17"} {
		bin := filepath.Join(root, version, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if version == "17" {
			continue // incomplete: no programs
		}
		for _, program := range []string{"initdb", "postgres"} {
			if err := os.WriteFile(filepath.Join(bin, program), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, want := newestPostgres(root), filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("newestPostgres = %s, want %s", got, want)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
