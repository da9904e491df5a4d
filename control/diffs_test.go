package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/diff"
	"github.com/ficus-dev/ficus/store/sqlite"
)

var diffsT0 = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func openStore(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newDiffs(t *testing.T, st ficus.DiffStore, c *diff.Collector, o control.DiffsOptions) *control.Diffs {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return diffsT0 }
	}
	if o.RouteExists == nil {
		o.RouteExists = func(name string) bool { return name == "shop" || name == "users" }
	}
	d, err := control.NewDiffs(context.Background(), st, c, o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func priceBug(route string) diff.Observation {
	return diff.Observation{Route: route, Endpoint: "GET /orders/{id}", Primary: diff.Result{Differences: []diff.Difference{
		{Path: "$.items[0].price", Kind: diff.KindValue, Left: "12.5", Right: `"12.50"`},
	}}}
}

func storedDocs(t *testing.T, st ficus.DiffStore) map[string][]byte {
	t.Helper()
	docs, err := st.DiffReports(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestDiffResultsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	st := openStore(t, path)
	c := diff.NewCollector(diff.CollectorOptions{Now: func() time.Time { return diffsT0 }})
	d := newDiffs(t, st, c, control.DiffsOptions{})
	for range 3 {
		c.Record(priceBug("shop"))
	}
	c.Record(diff.Observation{Route: "shop", Endpoint: "GET /orders/{id}", Skipped: "queue_full"})
	if err := d.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	want, _ := d.Report(t.Context(), "shop")

	again := newDiffs(t, openStore(t, path), diff.NewCollector(diff.CollectorOptions{}), control.DiffsOptions{})
	got, err := again.Report(t.Context(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) || got.Compared != 3 || got.Skipped["queue_full"] != 1 {
		t.Errorf("after a restart:\ngot  %s\nwant %s", gb, wb)
	}
}

func TestAnUnreadableDocumentIsLeftOutAtStart(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "ficus.db"))
	if err := st.SaveDiffReport(t.Context(), "shop", []byte(`{"version": 99, "route": "shop"}`)); err != nil {
		t.Fatal(err)
	}
	d := newDiffs(t, st, diff.NewCollector(diff.CollectorOptions{}), control.DiffsOptions{})
	if rep, err := d.Report(t.Context(), "shop"); err != nil || rep.Compared != 0 {
		t.Errorf("Report = %+v, %v; want an empty report", rep.Counts, err)
	}
}

func TestFlushSavesOnlyChangedRoutes(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "ficus.db"))
	c := diff.NewCollector(diff.CollectorOptions{})
	d := newDiffs(t, st, c, control.DiffsOptions{})
	c.Record(priceBug("shop"))
	if err := d.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A document planted behind Diffs's back stays: nothing changed, so nothing is written.
	if err := st.SaveDiffReport(t.Context(), "shop", []byte(`planted`)); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := string(storedDocs(t, st)["shop"]); got != "planted" {
		t.Errorf("an unchanged route was saved again: %s", got)
	}
	c.Record(priceBug("shop"))
	if err := d.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := string(storedDocs(t, st)["shop"]); got == "planted" {
		t.Error("a changed route was not saved")
	}
}

func TestRunFlushesPeriodicallyAndOnceMoreAtTheEnd(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "ficus.db"))
	c := diff.NewCollector(diff.CollectorOptions{})
	d := newDiffs(t, st, c, control.DiffsOptions{FlushEvery: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	c.Record(priceBug("shop"))
	deadline := time.Now().Add(5 * time.Second)
	for storedDocs(t, st)["shop"] == nil {
		if time.Now().After(deadline) {
			t.Fatal("no periodic flush within 5s")
		}
		time.Sleep(5 * time.Millisecond) // polling the store, with a deadline
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	// With a period that never comes, only the final flush can save.
	d2 := newDiffs(t, st, c, control.DiffsOptions{FlushEvery: time.Hour})
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- d2.Run(ctx2) }()
	c.Record(priceBug("users"))
	cancel2()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if storedDocs(t, st)["users"] == nil {
		t.Error("the final flush did not save the route recorded last")
	}
}

func TestResetClearsTheResultsAndIsAudited(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "ficus.db"))
	c := diff.NewCollector(diff.CollectorOptions{})
	d := newDiffs(t, st, c, control.DiffsOptions{})
	for range 4 {
		c.Record(priceBug("shop"))
	}
	c.Record(priceBug("users"))
	if err := d.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rep, err := d.Reset(t.Context(), "alice", "shop")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Compared != 0 || len(rep.Endpoints) != 0 {
		t.Errorf("report after reset = %+v", rep)
	}
	if err := d.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	docs := storedDocs(t, st)
	if docs["shop"] != nil || docs["users"] == nil {
		t.Errorf("stored routes after reset = %v, want users only", len(docs))
	}
	entries, err := st.AllAuditEntries(t.Context())
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit = %v, %v; want one entry", entries, err)
	}
	e := entries[0]
	if e.Action != "diff.reset" || e.Target != "route/shop" || e.Actor != "alice" || !e.Time.Equal(diffsT0) {
		t.Errorf("entry = %+v", e)
	}
	var before struct{ Compared, Different, Defective int }
	if err := json.Unmarshal(e.Before, &before); err != nil || before.Compared != 4 || before.Defective != 4 {
		t.Errorf("before = %s (%v), want the cleared counts", e.Before, err)
	}
	seq, hash, _ := st.AuditHead(t.Context())
	if problems := audit.Verify(entries, seq, hash); len(problems) != 0 {
		t.Errorf("chain: %v", problems)
	}
}

func TestAnUnknownRouteIsNotFound(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "ficus.db"))
	d := newDiffs(t, st, diff.NewCollector(diff.CollectorOptions{}), control.DiffsOptions{})
	if _, err := d.Report(t.Context(), "nope"); ficus.ErrorCode(err) != ficus.ENotFound {
		t.Errorf("Report error = %v", err)
	}
	if _, err := d.Reset(t.Context(), "alice", "nope"); ficus.ErrorCode(err) != ficus.ENotFound {
		t.Errorf("Reset error = %v", err)
	}
	if entries, _ := st.AllAuditEntries(t.Context()); len(entries) != 0 {
		t.Errorf("a refused reset was audited: %v", entries)
	}
}

// secretsInTraffic are the personal data and credentials that an answer carried; none may reach
// the store's file.
var secretsInTraffic = []string{"alice@example.com", "4111111111111111", "s3cr3tT0k3nValue"}

func secretObservation() diff.Observation {
	return diff.Observation{Route: "shop", Endpoint: "GET /me", Primary: diff.Result{Differences: []diff.Difference{
		{Path: "$.email", Kind: diff.KindValue, Left: `"alice@example.com"`, Right: `"bob@example.com"`},
		{Path: "$.card", Kind: diff.KindValue, Left: `"4111111111111111"`, Right: `null`},
		{Path: "$.debug", Kind: diff.KindValue, Left: `"Authorization: Bearer s3cr3tT0k3nValue"`, Right: `""`},
	}}}
}

func TestNoPersonalDataReachesTheStoreFile(t *testing.T) {
	tests := []struct {
		name     string
		redactor func(string) *diff.Redactor
		leak     bool
	}{
		{"with redaction on, no secret is in the file", nil, false},
		// The control case shows that the check finds secrets when they are there.
		{"with redaction off, the secrets are in the file", func(string) *diff.Redactor { return nil }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ficus.db")
			st := openStore(t, path)
			c := diff.NewCollector(diff.CollectorOptions{Redactor: tc.redactor})
			d := newDiffs(t, st, c, control.DiffsOptions{})
			c.Record(secretObservation())
			if err := d.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			var files []byte
			for _, p := range []string{path, path + "-wal"} {
				b, err := os.ReadFile(p)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				files = append(files, b...)
			}
			for _, s := range secretsInTraffic {
				if found := bytes.Contains(files, []byte(s)); found != tc.leak {
					t.Errorf("%q in the store's files: %v, want %v", s, found, tc.leak)
				}
			}
		})
	}
}
