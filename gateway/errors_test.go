package gateway

import (
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestErrorBodies(t *testing.T) {
	for name, e := range map[string]*proxyError{
		"no_route":             errNoRoute,
		"upstream_unavailable": errUnavailable,
		"upstream_timeout":     errTimeout,
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set(DefaultBackendHeader, "legacy")
			e.write(w)
			golden := filepath.Join("testdata", "error_"+name+".golden")
			if *update {
				if err := os.WriteFile(golden, w.Body.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if w.Code != e.status || w.Body.String() != string(want) {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, e.status, want)
			}
			if w.Header().Get("Content-Type") != "application/json" || w.Header().Get(DefaultBackendHeader) != "legacy" {
				t.Errorf("headers = %v, want JSON keeping the backend header", w.Header())
			}
		})
	}
}
