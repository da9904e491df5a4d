// Package storetest is the conformance suite that every ficus state store adapter must pass
// (store/sqlite now, store/postgres later), so that the gateway, the admin API and `ficus audit`
// behave the same whichever store holds their state. Adapters call Run from their own tests with a
// function that opens a fresh, empty store.
package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
)

// Store is what an adapter implements.
type Store interface {
	ficus.RouteStore
	ficus.AuditLog
}

// Run runs the suite. open must return a new, empty store; Run does not close it (register that with
// t.Cleanup in open).
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"an empty store has no states, no entries and a zero head", testEmpty},
		{"set route states are read back", testSetAndGetStates},
		{"a second set overwrites the state", testOverwrite},
		{"a route state is normalised and validated", testNormalise},
		{"SetRouteState returns the sealed entry it stored", testSetRouteStateAudits},
		{"appended entries are numbered from 1 and read back unchanged", testAppendRoundTrip},
		{"an invalid entry is rejected and leaves no trace", testInvalidEntry},
		{"audit entries are filtered by target, after seq and limit, newest first", testAuditFilters},
		{"the chain verifies after many appends", testChainVerifies},
		{"concurrent appends form one chain without gaps", testConcurrentAppends},
		{"the head follows the newest entry", testAuditHead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 123456000, time.UTC)

func entry(i int, target string) ficus.AuditEntry {
	return ficus.AuditEntry{
		Time:   t0.Add(time.Duration(i) * time.Second),
		Actor:  "alice",
		Action: "route.stage",
		Target: target,
		After:  json.RawMessage(fmt.Sprintf(`{"n": %d}`, i)),
	}
}

func testEmpty(t *testing.T, s Store) {
	ctx := t.Context()
	if states := mustStates(t, s); len(states) != 0 {
		t.Errorf("RouteStates = %v, want none", states)
	}
	entries, err := s.AuditEntries(ctx, ficus.AuditFilter{})
	if err != nil || len(entries) != 0 {
		t.Errorf("AuditEntries = %v, %v; want none", entries, err)
	}
	all, err := s.AllAuditEntries(ctx)
	if err != nil || len(all) != 0 {
		t.Errorf("AllAuditEntries = %v, %v; want none", all, err)
	}
	seq, hash, err := s.AuditHead(ctx)
	if err != nil || seq != 0 || hash != "" {
		t.Errorf("AuditHead = %d, %q, %v; want 0, \"\", nil", seq, hash, err)
	}
	if problems := audit.Verify(all, seq, hash); len(problems) != 0 {
		t.Errorf("empty log does not verify: %v", problems)
	}
}

func testSetAndGetStates(t *testing.T, s Store) {
	want := []ficus.RouteState{
		{Route: "orders", Stage: ficus.StageCanary, Weight: 12.5, UpdatedAt: t0, UpdatedBy: "alice"},
		{Route: "users", Stage: ficus.StageModern, Weight: 100, UpdatedAt: t0.Add(time.Minute), UpdatedBy: "rollout"},
	}
	for _, st := range []ficus.RouteState{want[1], want[0]} {
		mustSet(t, s, st, entry(0, "route/"+st.Route))
	}
	assertStates(t, mustStates(t, s), want)
}

func testOverwrite(t *testing.T, s Store) {
	mustSet(t, s, ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 5, UpdatedAt: t0, UpdatedBy: "alice"}, entry(1, "route/users"))
	second := ficus.RouteState{Route: "users", Stage: ficus.StageLegacy, UpdatedAt: t0.Add(time.Hour), UpdatedBy: "bob"}
	mustSet(t, s, second, entry(2, "route/users"))
	assertStates(t, mustStates(t, s), []ficus.RouteState{second})
}

func testNormalise(t *testing.T, s Store) {
	ctx := t.Context()
	mustSet(t, s, ficus.RouteState{Route: "users", Stage: ficus.StageModern, Weight: 3, UpdatedAt: t0, UpdatedBy: "a"}, entry(1, "route/users"))
	assertStates(t, mustStates(t, s), []ficus.RouteState{{Route: "users", Stage: ficus.StageModern, Weight: 100, UpdatedAt: t0, UpdatedBy: "a"}})

	bad := []ficus.RouteState{
		{Route: "users", Stage: "sideways"},
		{Route: "users", Stage: ficus.StageCanary, Weight: 101},
		{Route: "", Stage: ficus.StageLegacy},
	}
	for _, st := range bad {
		if _, err := s.SetRouteState(ctx, st, entry(2, "route/users")); ficus.ErrorCode(err) != ficus.EInvalid {
			t.Errorf("SetRouteState(%+v) error = %v, want an %s error", st, err, ficus.EInvalid)
		}
	}
	assertEntries(t, mustAll(t, s), 1)
}

func testSetRouteStateAudits(t *testing.T, s Store) {
	ctx := t.Context()
	e := entry(1, "route/users")
	e.Before = json.RawMessage(`{"stage": "legacy"}`)
	got := mustSet(t, s, ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 10}, e)
	if got.Seq != 1 || got.Hash == "" || got.Actor != "alice" || string(got.Before) != `{"stage":"legacy"}` {
		t.Errorf("SetRouteState returned %+v, want the sealed entry with seq 1", got)
	}
	all := mustAll(t, s)
	if len(all) != 1 || !sameEntry(all[0], got) {
		t.Errorf("stored entries = %+v, want exactly %+v", all, got)
	}
	// A state without UpdatedAt/UpdatedBy takes them from its entry.
	assertStates(t, mustStates(t, s), []ficus.RouteState{{Route: "users", Stage: ficus.StageCanary, Weight: 10, UpdatedAt: e.Time, UpdatedBy: "alice"}})
	if seq, hash, err := s.AuditHead(ctx); err != nil || seq != 1 || hash != got.Hash {
		t.Errorf("AuditHead = %d, %s, %v; want 1, %s", seq, hash, err, got.Hash)
	}
}

func testAppendRoundTrip(t *testing.T, s Store) {
	ctx := t.Context()
	local := time.FixedZone("CET", 3600)
	in := ficus.AuditEntry{
		Seq:    42, // ignored: the store numbers entries
		Time:   time.Date(2026, 1, 2, 3, 4, 5, 999999999, local),
		Actor:  "ops-token",
		Action: "route.rollback",
		Target: "route/users",
		Before: json.RawMessage("{\n  \"stage\": \"modern\"\n}"),
		After:  json.RawMessage(`{"stage":"legacy","weight":0}`),
	}
	first, err := s.AppendAudit(ctx, in)
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	second, err := s.AppendAudit(ctx, ficus.AuditEntry{Time: t0, Actor: "config", Action: "config.load"})
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if first.Seq != 1 || second.Seq != 2 || first.PrevHash != "" || second.PrevHash != first.Hash {
		t.Errorf("seqs %d, %d with prev hashes %q, %q; want 1, 2 chained", first.Seq, second.Seq, first.PrevHash, second.PrevHash)
	}
	wantTime := time.Date(2026, 1, 2, 2, 4, 5, 999999000, time.UTC)
	if !first.Time.Equal(wantTime) || first.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want %v (UTC, microseconds)", first.Time, wantTime)
	}
	all := mustAll(t, s)
	if len(all) != 2 || !sameEntry(all[0], first) || !sameEntry(all[1], second) {
		t.Errorf("stored entries differ from the returned ones:\n got %+v\nwant %+v, %+v", all, first, second)
	}
	if all[1].Before != nil || all[1].After != nil {
		t.Errorf("absent Before/After read back as %q, %q; want nil", all[1].Before, all[1].After)
	}
}

func testInvalidEntry(t *testing.T, s Store) {
	ctx := t.Context()
	bad := []ficus.AuditEntry{
		{Actor: "a", Action: "x", After: json.RawMessage(`{"broken"`)},
		{Actor: "a", Action: "x", Before: json.RawMessage(`nope`)},
		{Actor: "a"},
	}
	for _, e := range bad {
		if _, err := s.AppendAudit(ctx, e); ficus.ErrorCode(err) != ficus.EInvalid {
			t.Errorf("AppendAudit(%+v) error = %v, want an %s error", e, err, ficus.EInvalid)
		}
	}
	_, err := s.SetRouteState(ctx, ficus.RouteState{Route: "users", Stage: ficus.StageLegacy}, bad[0])
	if ficus.ErrorCode(err) != ficus.EInvalid {
		t.Errorf("SetRouteState with an invalid entry: error = %v, want an %s error", err, ficus.EInvalid)
	}
	if states := mustStates(t, s); len(states) != 0 {
		t.Errorf("a rejected SetRouteState stored %v", states)
	}
	assertEntries(t, mustAll(t, s), 0)
}

func testAuditFilters(t *testing.T, s Store) {
	ctx := t.Context()
	for i := 1; i <= 10; i++ {
		target := "route/users"
		if i%2 == 0 {
			target = "route/orders"
		}
		mustAppend(t, s, entry(i, target))
	}
	tests := []struct {
		name   string
		filter ficus.AuditFilter
		want   []int64
	}{
		{"the zero filter returns every entry newest first", ficus.AuditFilter{}, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"a target keeps only its entries", ficus.AuditFilter{Target: "route/orders"}, []int64{10, 8, 6, 4, 2}},
		{"an unknown target returns nothing", ficus.AuditFilter{Target: "route/nope"}, nil},
		{"after seq keeps greater seqs", ficus.AuditFilter{AfterSeq: 7}, []int64{10, 9, 8}},
		{"a limit keeps the newest", ficus.AuditFilter{Limit: 3}, []int64{10, 9, 8}},
		{"all three combine", ficus.AuditFilter{Target: "route/users", AfterSeq: 2, Limit: 2}, []int64{9, 7}},
		{"after seq beyond the head returns nothing", ficus.AuditFilter{AfterSeq: 10}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := s.AuditEntries(ctx, tc.filter)
			if err != nil {
				t.Fatalf("AuditEntries: %v", err)
			}
			var got []int64
			for _, e := range entries {
				got = append(got, e.Seq)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("seqs = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("the default limit is 100", func(t *testing.T) {
		for i := 11; i <= 105; i++ {
			mustAppend(t, s, entry(i, "route/users"))
		}
		entries, err := s.AuditEntries(ctx, ficus.AuditFilter{})
		if err != nil || len(entries) != 100 || entries[0].Seq != 105 {
			t.Errorf("AuditEntries(zero filter) = %d entries from seq %v, %v; want 100 from 105", len(entries), firstSeq(entries), err)
		}
	})
}

func testChainVerifies(t *testing.T, s Store) {
	ctx := t.Context()
	const n = 300
	for i := 1; i <= n; i++ {
		if i%3 == 0 {
			mustSet(t, s, ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: float64(i % 100)}, entry(i, "route/users"))
		} else {
			mustAppend(t, s, entry(i, "route/orders"))
		}
	}
	all := mustAll(t, s)
	assertEntries(t, all, n)
	seq, hash, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatalf("AuditHead: %v", err)
	}
	if problems := audit.Verify(all, seq, hash); len(problems) != 0 {
		t.Errorf("chain does not verify: %v", problems)
	}
}

func testConcurrentAppends(t *testing.T, s Store) {
	ctx := t.Context()
	const goroutines, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				var err error
				if i%2 == 0 {
					_, err = s.AppendAudit(ctx, entry(g*each+i, fmt.Sprintf("route/r%d", g)))
				} else {
					st := ficus.RouteState{Route: fmt.Sprintf("r%d", g), Stage: ficus.StageCanary, Weight: float64(i)}
					_, err = s.SetRouteState(ctx, st, entry(g*each+i, fmt.Sprintf("route/r%d", g)))
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	all := mustAll(t, s)
	assertEntries(t, all, goroutines*each)
	seq, hash, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatalf("AuditHead: %v", err)
	}
	if problems := audit.Verify(all, seq, hash); len(problems) != 0 {
		t.Errorf("chain does not verify: %v", problems)
	}
	if states := mustStates(t, s); len(states) != goroutines {
		t.Errorf("%d route states, want %d", len(states), goroutines)
	}
}

func testAuditHead(t *testing.T, s Store) {
	ctx := t.Context()
	for i := 1; i <= 3; i++ {
		e := mustAppend(t, s, entry(i, "route/users"))
		seq, hash, err := s.AuditHead(ctx)
		if err != nil || seq != e.Seq || hash != e.Hash {
			t.Errorf("after appending seq %d: AuditHead = %d, %s, %v; want %d, %s", e.Seq, seq, hash, err, e.Seq, e.Hash)
		}
	}
	// A failed append leaves the head where it was.
	before, beforeHash, _ := s.AuditHead(ctx)
	if _, err := s.AppendAudit(ctx, ficus.AuditEntry{Action: "x", After: json.RawMessage("{")}); err == nil {
		t.Fatal("AppendAudit with invalid JSON succeeded")
	}
	if seq, hash, _ := s.AuditHead(ctx); seq != before || hash != beforeHash {
		t.Errorf("a rejected append moved the head from %d to %d", before, seq)
	}
}

func mustSet(t *testing.T, s Store, st ficus.RouteState, e ficus.AuditEntry) ficus.AuditEntry {
	t.Helper()
	got, err := s.SetRouteState(t.Context(), st, e)
	if err != nil {
		t.Fatalf("SetRouteState(%+v): %v", st, err)
	}
	return got
}

func mustAppend(t *testing.T, s Store, e ficus.AuditEntry) ficus.AuditEntry {
	t.Helper()
	got, err := s.AppendAudit(t.Context(), e)
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	return got
}

func mustStates(t *testing.T, s Store) []ficus.RouteState {
	t.Helper()
	states, err := s.RouteStates(t.Context())
	if err != nil {
		t.Fatalf("RouteStates: %v", err)
	}
	return states
}

func mustAll(t *testing.T, s Store) []ficus.AuditEntry {
	t.Helper()
	all, err := s.AllAuditEntries(t.Context())
	if err != nil {
		t.Fatalf("AllAuditEntries: %v", err)
	}
	return all
}

// assertStates compares states in any order; times compare as instants.
func assertStates(t *testing.T, got, want []ficus.RouteState) {
	t.Helper()
	byRoute := make(map[string]ficus.RouteState)
	for _, st := range got {
		byRoute[st.Route] = st
	}
	if len(got) != len(want) || len(byRoute) != len(got) {
		t.Fatalf("states = %+v, want %+v", got, want)
	}
	for _, w := range want {
		g, ok := byRoute[w.Route]
		if !ok || g.Stage != w.Stage || g.Weight != w.Weight || !g.UpdatedAt.Equal(w.UpdatedAt) || g.UpdatedBy != w.UpdatedBy {
			t.Errorf("state of %s = %+v, want %+v", w.Route, g, w)
		}
	}
}

// assertEntries checks that entries are seqs 1..n in order.
func assertEntries(t *testing.T, entries []ficus.AuditEntry, n int) {
	t.Helper()
	if len(entries) != n {
		t.Fatalf("%d entries, want %d", len(entries), n)
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d, want %d (no gaps, in order)", i, e.Seq, i+1)
		}
	}
}

func sameEntry(a, b ficus.AuditEntry) bool {
	return a.Seq == b.Seq && a.Time.Equal(b.Time) && a.Actor == b.Actor && a.Action == b.Action &&
		a.Target == b.Target && string(a.Before) == string(b.Before) && string(a.After) == string(b.After) &&
		a.PrevHash == b.PrevHash && a.Hash == b.Hash
}

func firstSeq(entries []ficus.AuditEntry) int64 {
	if len(entries) == 0 {
		return 0
	}
	return entries[0].Seq
}
