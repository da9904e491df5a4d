package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
)

// DiffStore is what an adapter that keeps the parallel run's results implements: the documents, and
// the audit log their deletion is recorded in.
type DiffStore interface {
	ficus.DiffStore
	ficus.AuditLog
}

// RunDiffStore runs the diff report suite. open must return a new, empty store; RunDiffStore does not
// close it.
func RunDiffStore(t *testing.T, open func(t *testing.T) DiffStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s DiffStore)
	}{
		{"an empty store has no diff reports", testNoDiffReports},
		{"saved diff reports are read back byte for byte, one per route", testSaveDiffReports},
		{"a second save replaces the route's document", testSaveDiffReportOverwrites},
		{"a diff report needs a route name", testDiffReportNeedsRoute},
		{"deleting a diff report removes it and appends its sealed audit entry", testDeleteDiffReport},
		{"deleting a route without a report is still audited", testDeleteMissingDiffReport},
		{"a delete with an invalid audit entry keeps the report and leaves no entry", testDeleteDiffReportInvalidEntry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func mustSaveDiff(t *testing.T, s DiffStore, route, doc string) {
	t.Helper()
	if err := s.SaveDiffReport(t.Context(), route, []byte(doc)); err != nil {
		t.Fatalf("SaveDiffReport(%s): %v", route, err)
	}
}

func mustDiffReports(t *testing.T, s DiffStore) map[string]string {
	t.Helper()
	docs, err := s.DiffReports(t.Context())
	if err != nil {
		t.Fatalf("DiffReports: %v", err)
	}
	out := map[string]string{}
	for route, doc := range docs {
		out[route] = string(doc)
	}
	return out
}

func assertDiffReports(t *testing.T, s DiffStore, want map[string]string) {
	t.Helper()
	if got := mustDiffReports(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DiffReports = %v, want %v", got, want)
	}
}

func testNoDiffReports(t *testing.T, s DiffStore) {
	assertDiffReports(t, s, map[string]string{})
}

func testSaveDiffReports(t *testing.T, s DiffStore) {
	users := `{"version":1,"route":"users","note":"é \u0000 \\"}`
	mustSaveDiff(t, s, "users", users)
	mustSaveDiff(t, s, "orders", `{"version":1}`)
	assertDiffReports(t, s, map[string]string{"users": users, "orders": `{"version":1}`})
}

func testSaveDiffReportOverwrites(t *testing.T, s DiffStore) {
	mustSaveDiff(t, s, "users", `{"n":1}`)
	mustSaveDiff(t, s, "users", `{"n":2}`)
	assertDiffReports(t, s, map[string]string{"users": `{"n":2}`})
}

func testDiffReportNeedsRoute(t *testing.T, s DiffStore) {
	if err := s.SaveDiffReport(t.Context(), "", []byte(`{}`)); ficus.ErrorCode(err) != ficus.EInvalid {
		t.Errorf("SaveDiffReport without a route: error = %v, want an %s error", err, ficus.EInvalid)
	}
	assertDiffReports(t, s, map[string]string{})
}

func resetEntry(route string) ficus.AuditEntry {
	return ficus.AuditEntry{
		Time: t0, Actor: "alice", Action: "diff.reset", Target: "route/" + route,
		Before: json.RawMessage(`{"compared":3}`),
	}
}

func testDeleteDiffReport(t *testing.T, s DiffStore) {
	mustSaveDiff(t, s, "users", `{"n":1}`)
	mustSaveDiff(t, s, "orders", `{"n":2}`)
	e, err := s.DeleteDiffReport(t.Context(), "users", resetEntry("users"))
	if err != nil {
		t.Fatalf("DeleteDiffReport: %v", err)
	}
	assertDiffReports(t, s, map[string]string{"orders": `{"n":2}`})
	all, err := s.AllAuditEntries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || !sameEntry(all[0], e) || e.Seq != 1 || e.Hash == "" || e.Action != "diff.reset" {
		t.Fatalf("audit log = %+v, want just the returned entry %+v", all, e)
	}
	seq, hash, err := s.AuditHead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if problems := audit.Verify(all, seq, hash); len(problems) != 0 {
		t.Errorf("chain does not verify: %v", problems)
	}
}

func testDeleteMissingDiffReport(t *testing.T, s DiffStore) {
	if _, err := s.DeleteDiffReport(t.Context(), "users", resetEntry("users")); err != nil {
		t.Fatalf("DeleteDiffReport: %v", err)
	}
	if all, err := s.AllAuditEntries(t.Context()); err != nil || len(all) != 1 {
		t.Errorf("audit log = %v, %v; want one entry", all, err)
	}
}

func testDeleteDiffReportInvalidEntry(t *testing.T, s DiffStore) {
	mustSaveDiff(t, s, "users", `{"n":1}`)
	bad := resetEntry("users")
	bad.Action = ""
	if _, err := s.DeleteDiffReport(t.Context(), "users", bad); ficus.ErrorCode(err) != ficus.EInvalid {
		t.Errorf("DeleteDiffReport with no action: error = %v, want an %s error", err, ficus.EInvalid)
	}
	assertDiffReports(t, s, map[string]string{"users": `{"n":1}`})
	if all, err := s.AllAuditEntries(t.Context()); err != nil || len(all) != 0 {
		t.Errorf("audit log = %v, %v; want empty", all, err)
	}
}
