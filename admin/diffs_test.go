package admin_test

import (
	"context"
	"net/http"
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

// diffFixture is a real admin API over real diff results: a Collector, control.Diffs and a SQLite
// store.
type diffFixture struct {
	*fixture
	collector *diff.Collector
	store     *sqlite.DB
}

func newDiffFixture(t *testing.T) *diffFixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ficus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return testTime }
	c := diff.NewCollector(diff.CollectorOptions{Now: clock})
	d, err := control.NewDiffs(context.Background(), st, c, control.DiffsOptions{
		Now:         clock,
		RouteExists: func(name string) bool { return name == "users" || name == "catch-all" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &diffFixture{fixture: newFixture(t, admin.Options{Tokens: testTokens, Diffs: d}), collector: c, store: st}
}

// recordTraffic records answers that carried personal data and a token, and a modern bug.
func (f *diffFixture) recordTraffic() {
	for i := range 4 {
		ob := diff.Observation{Route: "users", Endpoint: "GET /api/users/{id}", Primary: diff.Result{Differences: []diff.Difference{
			{Path: "$.email", Kind: diff.KindValue, Left: `"alice@example.com"`, Right: `"Alice@Example.com"`},
			{Path: "$.card", Kind: diff.KindType, Left: `"4111 1111 1111 1111"`, Right: `4111111111111111`},
			{Path: "header:Authorization", Kind: diff.KindHeader, Left: "Bearer s3cr3tT0k3nValue", Right: ""},
		}}}
		if i == 3 {
			ob = diff.Observation{Route: "users", Endpoint: "GET /api/users/{id}", Primary: diff.Result{Equal: true}}
		}
		f.collector.Record(ob)
	}
	f.collector.Record(diff.Observation{Route: "users", Endpoint: "GET /api/users/{id}", Skipped: "modern_timeout"})
}

func TestGetDiffServesTheReport(t *testing.T) {
	f := newDiffFixture(t)
	f.recordTraffic()
	res := f.call(t, http.MethodGet, "/api/v1/routes/users/diff", viewerToken, "")
	var rep diff.Report
	res.decode(t, &rep)
	if rep.Route != "users" || rep.Compared != 4 || rep.Equal != 1 || rep.Different != 3 || rep.Defective != 3 || rep.Skipped["modern_timeout"] != 1 {
		t.Errorf("report counts = %+v", rep.Counts)
	}
	if len(rep.Endpoints) != 1 || len(rep.Endpoints[0].Fields) != 3 || rep.Endpoints[0].Fields[0].Verdict != diff.Defect {
		t.Errorf("endpoints = %+v", rep.Endpoints)
	}
	for _, secret := range []string{"alice@example.com", "Alice@Example.com", "4111 1111 1111 1111", "4111111111111111", "s3cr3tT0k3nValue"} {
		if strings.Contains(string(res.body), secret) {
			t.Errorf("the API response carries %q:\n%s", secret, res.body)
		}
	}
}

func TestAnEmptyRouteHasAnEmptyReport(t *testing.T) {
	f := newDiffFixture(t)
	var rep map[string]any
	f.call(t, http.MethodGet, "/api/v1/routes/catch-all/diff", viewerToken, "").decode(t, &rep)
	if rep["compared"] != 0.0 || len(rep["endpoints"].([]any)) != 0 || rep["skipped"] == nil {
		t.Errorf("report = %v, want zero counts, an empty skipped object and no endpoints", rep)
	}
}

func TestDeleteDiffResetsAndAudits(t *testing.T) {
	f := newDiffFixture(t)
	f.recordTraffic()
	var rep diff.Report
	f.call(t, http.MethodDelete, "/api/v1/routes/users/diff", operatorToken, "").decode(t, &rep)
	if rep.Compared != 0 || len(rep.Endpoints) != 0 {
		t.Errorf("report after reset = %+v", rep)
	}
	f.call(t, http.MethodGet, "/api/v1/routes/users/diff", viewerToken, "").decode(t, &rep)
	if rep.Compared != 0 {
		t.Errorf("report read after reset = %+v", rep.Counts)
	}
	entries, err := f.store.AllAuditEntries(t.Context())
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit = %v, %v", entries, err)
	}
	if e := entries[0]; e.Action != "diff.reset" || e.Actor != "ops" || e.Target != "route/users" || !strings.Contains(string(e.Before), `"compared":4`) {
		t.Errorf("entry = %+v (before %s)", e, e.Before)
	}
}

func TestDiffEndpointsRefuse(t *testing.T) {
	f := newDiffFixture(t)
	unwired := newFixture(t, admin.Options{Tokens: testTokens})
	tests := []struct {
		name         string
		f            *fixture
		method, path string
		token        string
		status       int
		code         string
	}{
		{"a reset by a viewer", f.fixture, http.MethodDelete, "/api/v1/routes/users/diff", viewerToken, http.StatusForbidden, ficus.EForbidden},
		{"a reset without a token", f.fixture, http.MethodDelete, "/api/v1/routes/users/diff", "", http.StatusUnauthorized, ficus.EUnauthorized},
		{"a report of an unknown route", f.fixture, http.MethodGet, "/api/v1/routes/nope/diff", viewerToken, http.StatusNotFound, ficus.ENotFound},
		{"a reset of an unknown route", f.fixture, http.MethodDelete, "/api/v1/routes/nope/diff", operatorToken, http.StatusNotFound, ficus.ENotFound},
		{"a report on a server without the parallel run", unwired, http.MethodGet, "/api/v1/routes/users/diff", viewerToken, http.StatusServiceUnavailable, ficus.EUnavailable},
		{"a reset on a server without the parallel run", unwired, http.MethodDelete, "/api/v1/routes/users/diff", operatorToken, http.StatusServiceUnavailable, ficus.EUnavailable},
	}
	for _, tc := range tests {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			res := tc.f.call(t, tc.method, tc.path, tc.token, "")
			if code, _ := res.apiError(t); res.status != tc.status || code != tc.code {
				t.Errorf("got %d %s, want %d %s", res.status, code, tc.status, tc.code)
			}
		})
	}
	if entries, _ := f.store.AllAuditEntries(t.Context()); len(entries) != 0 {
		t.Errorf("refused resets were audited: %v", entries)
	}
}

func TestClientReadsAndResetsDiffs(t *testing.T) {
	f := newDiffFixture(t)
	f.recordTraffic()
	c := admin.NewClient(f.srv.URL, operatorToken, f.srv.Client())
	rep, err := c.Diff(t.Context(), "users")
	if err != nil || rep.Compared != 4 || rep.DefectRate != 0.75 {
		t.Fatalf("Diff = %+v, %v", rep.Counts, err)
	}
	if rep, err = c.ResetDiff(t.Context(), "users"); err != nil || rep.Compared != 0 {
		t.Fatalf("ResetDiff = %+v, %v", rep.Counts, err)
	}
	if _, err := c.Diff(t.Context(), "nope"); ficus.ErrorCode(err) != ficus.ENotFound {
		t.Errorf("Diff(nope) error = %v", err)
	}
}
