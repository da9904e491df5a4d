package control_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/gateway"
	"github.com/ficus-dev/ficus/store/sqlite"
)

type fixture struct {
	store *sqlite.DB
	gw    *gateway.Gateway
	svc   *control.Service
	cfg   *config.Config
}

func testConfig() *config.Config {
	return &config.Config{
		Backends: config.Backends{
			Legacy: config.Backend{URLs: []string{"http://127.0.0.1:1"}},
			Modern: config.Backend{URLs: []string{"http://127.0.0.1:2"}},
		},
		Routes: []config.Route{
			{Name: "users", Match: config.Match{PathPrefix: "/api/users"}, Stage: ficus.StageCanary, Weight: 10, Sticky: config.Sticky{Header: "X-User-Id"}},
			{Name: "default", Stage: ficus.StageLegacy},
		},
	}
}

// newFixture wires a real SQLite store and a real gateway, as ficus serve does.
func newFixture(t *testing.T, path string, cfg *config.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	states, err := control.LoadStates(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(cfg, states, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	clock := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	svc, err := control.New(ctx, cfg, st, gw, control.Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, gw: gw, svc: svc, cfg: cfg}
}

// side is what the gateway decides for a request of user on /api/users/1.
func (f *fixture) side(t *testing.T, user string) ficus.Side {
	t.Helper()
	r := httptest.NewRequest("GET", "/api/users/1", nil)
	r.Header.Set("X-User-Id", user)
	d, ok := f.gw.Table().Decide(r)
	if !ok || d.Route.Name != "users" {
		t.Fatalf("no decision for /api/users/1: %+v", d)
	}
	return d.Side
}

func (f *fixture) audit(t *testing.T) []ficus.AuditEntry {
	t.Helper()
	entries, err := f.store.AllAuditEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestSetStagePersistsAuditsAndAppliesTheChange(t *testing.T) {
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), testConfig())
	got, err := f.svc.SetStage(context.Background(), "ops", ficus.RouteState{Route: "users", Stage: ficus.StageModern})
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != ficus.StageModern || got.Weight != 100 || got.Source != "runtime" || got.UpdatedBy != "ops" {
		t.Fatalf("status after the change: %+v", got)
	}
	if s := f.side(t, "anyone"); s != ficus.SideModern {
		t.Fatalf("the gateway still sends users to %s", s)
	}
	states, err := f.store.RouteStates(context.Background())
	if err != nil || len(states) != 1 || states[0].Stage != ficus.StageModern {
		t.Fatalf("persisted states %+v, %v", states, err)
	}
	entries := f.audit(t)
	if len(entries) != 1 {
		t.Fatalf("%d audit entries, want 1", len(entries))
	}
	e := entries[0]
	var before, after map[string]any
	json.Unmarshal(e.Before, &before)
	json.Unmarshal(e.After, &after)
	if e.Actor != "ops" || e.Action != "route.stage" || e.Target != "route/users" ||
		before["stage"] != "canary" || before["weight"] != 10.0 || after["stage"] != "modern" || after["weight"] != 100.0 {
		t.Fatalf("audit entry %+v (before %v, after %v)", e, before, after)
	}
	if problems := audit.Verify(entries, e.Seq, e.Hash); len(problems) != 0 {
		t.Fatalf("chain does not verify: %v", problems)
	}
}

func TestInvalidChangesChangeNothing(t *testing.T) {
	tests := []struct {
		name string
		st   ficus.RouteState
		code string
	}{
		{"an unknown route", ficus.RouteState{Route: "nope", Stage: ficus.StageModern}, ficus.ENotFound},
		{"an unknown stage", ficus.RouteState{Route: "users", Stage: "cutover"}, ficus.EInvalid},
		{"a weight above 100", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 101}, ficus.EInvalid},
		{"a negative weight", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: -1}, ficus.EInvalid},
		{"a weight with three decimals", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 12.345}, ficus.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), testConfig())
			before := f.gw.Table()
			_, err := f.svc.SetStage(context.Background(), "ops", tt.st)
			if ficus.ErrorCode(err) != tt.code {
				t.Fatalf("error %v has code %q, want %q", err, ficus.ErrorCode(err), tt.code)
			}
			if f.gw.Table() != before {
				t.Error("the gateway's table was swapped")
			}
			if n := len(f.audit(t)); n != 0 {
				t.Errorf("%d audit entries written", n)
			}
		})
	}
}

func TestTwoDecimalWeightsAreAccepted(t *testing.T) {
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), testConfig())
	for _, w := range []float64{0.29, 0.01, 33.33, 99.99} {
		if _, err := f.svc.SetStage(context.Background(), "ops", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: w}); err != nil {
			t.Errorf("weight %v: %v", w, err)
		}
	}
}

func TestANoOpIsNotAuditedButARollbackAlwaysIs(t *testing.T) {
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), testConfig())
	ctx := context.Background()
	if _, err := f.svc.SetStage(ctx, "ops", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 10}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.audit(t)); n != 0 {
		t.Fatalf("setting the current state wrote %d audit entries", n)
	}
	st, err := f.svc.Rollback(ctx, "alice", "users")
	if err != nil || st.Stage != ficus.StageLegacy || st.Weight != 0 {
		t.Fatalf("rollback: %+v, %v", st, err)
	}
	if _, err := f.svc.Rollback(ctx, "bob", "users"); err != nil {
		t.Fatal(err)
	}
	entries := f.audit(t)
	if len(entries) != 2 || entries[0].Action != "route.rollback" || entries[1].Actor != "bob" {
		t.Fatalf("audit after two rollbacks: %+v", entries)
	}
	for i := range 100 {
		if s := f.side(t, string(rune('a'+i%26))+"-user"); s != ficus.SideLegacy {
			t.Fatalf("after rollback a client is on %s", s)
		}
	}
}

func TestAFailedWriteLeavesTheGatewayAsItWas(t *testing.T) {
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), testConfig())
	before := f.gw.Table()
	f.store.Close() // the store is gone: the change cannot be persisted
	if _, err := f.svc.SetStage(context.Background(), "ops", ficus.RouteState{Route: "users", Stage: ficus.StageModern}); err == nil {
		t.Fatal("SetStage succeeded without a store")
	}
	if f.gw.Table() != before {
		t.Fatal("the gateway applied a change that was not persisted")
	}
	st, _ := f.svc.Route(context.Background(), "users")
	if st.Stage != ficus.StageCanary {
		t.Fatalf("the service reports %s for a change that failed", st.Stage)
	}
}

func TestPersistedStatesWinOverTheFileAcrossRestartAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	f := newFixture(t, path, testConfig())
	if _, err := f.svc.SetStage(context.Background(), "ops", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 40}); err != nil {
		t.Fatal(err)
	}
	f.store.Close()

	g := newFixture(t, path, testConfig())
	st, err := g.svc.Route(context.Background(), "users")
	if err != nil || st.Weight != 40 || st.Source != "runtime" || st.ConfigWeight != 10 {
		t.Fatalf("after restart: %+v, %v", st, err)
	}

	next := testConfig()
	next.Routes = append([]config.Route{{Name: "orders", Match: config.Match{PathPrefix: "/api/orders"}, Stage: ficus.StageModern}}, next.Routes...)
	err = g.svc.Reload(next, func(states []ficus.RouteState) error { return g.gw.Reload(next, states) })
	if err != nil {
		t.Fatal(err)
	}
	routes, _ := g.svc.Routes(context.Background())
	if len(routes) != 3 || routes[0].Route != "orders" || routes[1].Weight != 40 {
		t.Fatalf("after reload: %+v", routes)
	}
	if rt := g.gw.Table().Route("users"); rt == nil || rt.State.Weight != 40 {
		t.Fatalf("the reloaded gateway lost the persisted weight: %+v", rt)
	}
}
