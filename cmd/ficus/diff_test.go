package main

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/diff"
	"github.com/ficus-dev/ficus/store/sqlite"
)

var diffTestTime = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

// diffServer is a real admin API over real parallel-run results (a Collector, control.Diffs and a
// SQLite store), for routes "shop" and "users".
type diffServer struct {
	srv       *httptest.Server
	collector *diff.Collector
	store     *sqlite.DB
}

func newDiffServer(t *testing.T) *diffServer {
	t.Helper()
	t.Setenv("FICUS_ADMIN", "")
	t.Setenv("FICUS_TOKEN", "")
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ficus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := diffTestTime
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	c := diff.NewCollector(diff.CollectorOptions{Now: now})
	d, err := control.NewDiffs(context.Background(), st, c, control.DiffsOptions{
		Now:         now,
		RouteExists: func(name string) bool { return name == "shop" || name == "users" },
	})
	if err != nil {
		t.Fatal(err)
	}
	m := &routeMemory{}
	srv := httptest.NewServer(admin.New(admin.Options{Routes: m, Audit: m, Tokens: routeTestTokens, Diffs: d}))
	t.Cleanup(srv.Close)
	return &diffServer{srv: srv, collector: c, store: st}
}

// recordShop records a parallel run of the shop: legacy stamps each answer with generated_at (noise),
// modern returns one order's prices as strings in one request of four (a defect) and once a
// customer's e-mail address in a different case; one request could not be mirrored.
func (s *diffServer) recordShop() {
	for i := range 12 {
		stamp := diff.Difference{Path: "$.generated_at", Kind: diff.KindValue, Left: fmt.Sprintf(`"2026-11-23T20:00:%02dZ"`, i), Right: fmt.Sprintf(`"2026-11-23T20:00:%02dZ"`, i+1)}
		primary := diff.Result{Differences: []diff.Difference{stamp}}
		if i%4 == 1 {
			primary.Differences = append(primary.Differences,
				diff.Difference{Path: "$.items[0].price", Kind: diff.KindType, Left: "12.5", Right: `"12.50"`},
				diff.Difference{Path: "$.items[1].price", Kind: diff.KindType, Left: "3", Right: `"3.00"`})
		}
		if i == 6 {
			primary.Differences = append(primary.Differences, diff.Difference{Path: "$.customer.email", Kind: diff.KindValue, Left: `"alice@example.com"`, Right: `"ALICE@example.com"`})
		}
		noise := diff.Result{Differences: []diff.Difference{stamp}}
		s.collector.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders/{id}", Primary: primary, Noise: &noise})
	}
	s.collector.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders", Primary: diff.Result{Equal: true}})
	s.collector.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders", Primary: diff.Result{Differences: []diff.Difference{
		{Path: "header:Cache-Control", Kind: diff.KindHeader, Left: "max-age=60", Right: ""},
		{Path: "$", Kind: diff.KindBody, Left: "[]", Right: "<html>", Note: "right body is not valid JSON"},
	}}})
	s.collector.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders/{id}", Skipped: "queue_full"})
	s.collector.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders", Skipped: "modern_timeout"})
	s.collector.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders", Skipped: "modern_timeout"})
}

// diffGolden compares got with testdata/diff/<name>.golden, or rewrites the file with -update.
func diffGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "diff", name+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestDiffPrintsTheReport(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"report-worst-fields-first-with-samples", []string{"diff", "shop"}},
		{"report-without-samples", []string{"diff", "shop", "--samples", "0"}},
		{"report-as-JSON", []string{"diff", "shop", "--output", "json"}},
		{"report-of-a-route-without-results", []string{"diff", "users"}},
	}
	s := newDiffServer(t)
	s.recordShop()
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := runRoute(t, append(tc.args, "--admin", s.srv.URL, "--token", routeViewerToken)...)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, "alice@example.com") || strings.Contains(out, "ALICE@example.com") {
				t.Errorf("the report shows an e-mail address:\n%s", out)
			}
			diffGolden(t, tc.golden, out)
		})
	}
}

func TestDiffResetClearsAndConfirms(t *testing.T) {
	s := newDiffServer(t)
	s.recordShop()
	t.Setenv("FICUS_TOKEN", routeOperatorToken)
	out, err := runRoute(t, "diff", "reset", "shop", "--admin", s.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	diffGolden(t, "reset-confirms-in-one-line", out)
	out, err = runRoute(t, "diff", "shop", "--admin", s.srv.URL)
	if err != nil || !strings.Contains(out, "0 compared") {
		t.Errorf("after reset: %v\n%s", err, out)
	}
	entries, err := s.store.AllAuditEntries(t.Context())
	if err != nil || len(entries) != 1 || entries[0].Action != "diff.reset" || entries[0].Actor != "ops" {
		t.Errorf("audit = %+v, %v", entries, err)
	}
}

func TestDiffErrors(t *testing.T) {
	s := newDiffServer(t)
	tests := []struct {
		name string
		args []string
		code string
	}{
		{"an unknown route is not found", []string{"diff", "nope", "--token", routeViewerToken}, ficus.ENotFound},
		{"a viewer may not reset", []string{"diff", "reset", "shop", "--token", routeViewerToken}, ficus.EForbidden},
		{"a reset without a token is unauthorized", []string{"diff", "reset", "shop"}, ficus.EUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runRoute(t, append(tc.args, "--admin", s.srv.URL)...)
			if ficus.ErrorCode(err) != tc.code {
				t.Errorf("error = %v, want a %s error", err, tc.code)
			}
		})
	}
	if _, err := runRoute(t, "diff", "reset", "shop", "--admin", s.srv.URL); err == nil || !strings.Contains(err.Error(), "FICUS_TOKEN") {
		t.Errorf("a missing token is not explained: %v", err)
	}
}
