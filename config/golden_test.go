package config

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata with the current output")

// testEnv is the environment the test configs' token_env and secret_env names resolve in; tests never
// touch the process environment.
var testEnv = map[string]string{
	"FICUS_CI_TOKEN":        "ci-secret",
	"FICUS_VIEWER_TOKEN":    "viewer-secret",
	"FICUS_SAME_AS_CI":      "ci-secret",
	"FICUS_OVERRIDE_SECRET": "s3cret",
	"FICUS_EMPTY":           "",
	"FICUS_MYSQL_PASSWORD":  "p@ss:w/rd#1",
	"FICUS_PG_URL":          "postgres://ficus:pg-secret@127.0.0.1:5432/shop?sslmode=disable",
}

func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// golden compares got with the content of file, or rewrites file with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", file, got, want)
	}
}
