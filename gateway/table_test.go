package gateway

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

func TestCompileAppliesPersistedStates(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{
		{Name: "users", Stage: ficus.StageCanary, Weight: 10},
		{Name: "orders"},
		{Name: "rest", Stage: ficus.StageModern},
	}}
	table := mustCompileTable(t, cfg, []ficus.RouteState{
		{Route: "users", Stage: ficus.StageCanary, Weight: 42.5},
		{Route: "orders", Stage: ficus.StageModern, Weight: 3}, // normalised to 100
		{Route: "removed-from-file", Stage: ficus.StageModern},
	})
	want := map[string]ficus.RouteState{
		"users":  {Route: "users", Stage: ficus.StageCanary, Weight: 42.5},
		"orders": {Route: "orders", Stage: ficus.StageModern, Weight: 100},
		"rest":   {Route: "rest", Stage: ficus.StageModern, Weight: 100},
	}
	for i, rt := range table.Routes() {
		if rt.Index != i || rt.Config != &cfg.Routes[i] {
			t.Errorf("route %q has index %d and config %p, want %d and %p", rt.Name, rt.Index, rt.Config, i, &cfg.Routes[i])
		}
		if rt.State != want[rt.Name] {
			t.Errorf("route %q state = %+v, want %+v", rt.Name, rt.State, want[rt.Name])
		}
	}
	if table.Route("removed-from-file") != nil {
		t.Error("a state for an unknown route created a route")
	}
}

func TestARouteWithoutAStageIsLegacy(t *testing.T) {
	table := mustCompileTable(t, &config.Config{Routes: []config.Route{{Name: "r", Weight: 30}}}, nil)
	if st := table.Route("r").State; st.Stage != ficus.StageLegacy || st.Weight != 0 {
		t.Errorf("state = %+v, want legacy at 0", st)
	}
}

// TestCompileRejects checks each bad config's error against testdata/compile-errors.golden.
func TestCompileRejects(t *testing.T) {
	tests := []struct {
		name   string
		cfg    config.Config
		states []ficus.RouteState
	}{
		{name: "a bad path template", cfg: config.Config{Routes: []config.Route{{Name: "r", Match: config.Match{Path: "/users/{id"}}}}},
		{name: "a path prefix without a leading slash", cfg: config.Config{Routes: []config.Route{{Name: "r", Match: config.Match{PathPrefix: "api"}}}}},
		{name: "a duplicate route name", cfg: config.Config{Routes: []config.Route{{Name: "r"}, {Name: "r"}}}},
		{name: "an unknown stage", cfg: config.Config{Routes: []config.Route{{Name: "r", Stage: "cutover"}}}},
		{name: "a weight above 100", cfg: config.Config{Routes: []config.Route{{Name: "r", Stage: ficus.StageCanary, Weight: 101}}}},
		{name: "an invalid persisted state", cfg: config.Config{Routes: []config.Route{{Name: "r"}}}, states: []ficus.RouteState{{Route: "r", Stage: ficus.StageCanary, Weight: -1}}},
		{name: "an override without a secret", cfg: config.Config{Override: &config.Override{Header: "X-Ficus-Override"}}},
	}
	var got strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(&tt.cfg, tt.states)
			if err == nil {
				t.Fatal("Compile succeeded, want an error")
			}
			fmt.Fprintf(&got, "%s: %v\n", tt.name, err)
		})
	}
	checkGolden(t, "compile-errors.golden", got.String())
}

func init() {
	// Another test file of this package may register -update too; registering it twice panics.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if flag.Lookup("update").Value.String() == "true" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (check, then run with -update):\ngot:\n%s\nwant:\n%s", file, got, want)
	}
}

func TestWithStateLeavesTheOldTableAlone(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{{Name: "a", Match: config.Match{PathPrefix: "/a"}}, {Name: "b"}}}
	old := mustCompileTable(t, cfg, nil)
	oldA, oldB := old.Route("a"), old.Route("b")

	nt, err := old.WithState(ficus.RouteState{Route: "a", Stage: ficus.StageModern})
	if err != nil {
		t.Fatal(err)
	}
	if st := old.Route("a").State; st.Stage != ficus.StageLegacy || old.Route("a") != oldA || old.Routes()[0] != oldA {
		t.Errorf("the old table changed: route a is %+v", st)
	}
	if d, _ := old.Decide(newRouteRequest("GET", "/a")); d.Side != ficus.SideLegacy {
		t.Errorf("the old table sends /a to %s, want legacy", d.Side)
	}
	if st := nt.Route("a").State; st.Stage != ficus.StageModern || st.Weight != 100 || st.Route != "a" {
		t.Errorf("new state = %+v, want modern at 100", st)
	}
	if d, _ := nt.Decide(newRouteRequest("GET", "/a")); d.Side != ficus.SideModern || d.Route != nt.Route("a") {
		t.Errorf("the new table sends /a to %s via %p, want modern via its own route", d.Side, d.Route)
	}
	if nt.Route("b") != oldB || nt.Routes()[1] != oldB {
		t.Error("an unchanged route was copied; it should be shared")
	}
	if nt.Route("a").Index != 0 || nt.Route("a").Config != oldA.Config {
		t.Error("the changed route lost its index or config")
	}
}

func TestWithStateErrors(t *testing.T) {
	table := mustCompileTable(t, &config.Config{Routes: []config.Route{{Name: "a"}}}, nil)
	tests := []struct {
		name     string
		st       ficus.RouteState
		wantCode string
	}{
		{name: "an unknown route is not found", st: ficus.RouteState{Route: "nope", Stage: ficus.StageModern}, wantCode: ficus.ENotFound},
		{name: "an unknown stage is invalid", st: ficus.RouteState{Route: "a", Stage: "cutover"}, wantCode: ficus.EInvalid},
		{name: "a negative weight is invalid", st: ficus.RouteState{Route: "a", Stage: ficus.StageCanary, Weight: -3}, wantCode: ficus.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := table.WithState(tt.st)
			var fe *ficus.Error
			if !errors.As(err, &fe) || fe.Code != tt.wantCode {
				t.Errorf("WithState error = %v, want a *ficus.Error with code %s", err, tt.wantCode)
			}
		})
	}
}

func TestStagesPickTheirSide(t *testing.T) {
	for stage, want := range map[ficus.Stage]ficus.Side{ficus.StageLegacy: ficus.SideLegacy, ficus.StageShadow: ficus.SideLegacy, ficus.StageModern: ficus.SideModern} {
		table := mustCompileTable(t, &config.Config{Routes: []config.Route{{Name: "r", Stage: stage}}}, nil)
		if d, _ := table.Decide(newRouteRequest("GET", "/")); d.Side != want || d.By != ByStage {
			t.Errorf("stage %s: %s by %s, want %s by stage", stage, d.Side, d.By, want)
		}
	}
	for w, want := range map[float64]ficus.Side{0: ficus.SideLegacy, 100: ficus.SideModern} {
		table := mustCompileTable(t, &config.Config{Routes: []config.Route{{Name: "r", Stage: ficus.StageCanary, Weight: w}}}, nil)
		if d, _ := table.Decide(newRouteRequest("GET", "/")); d.Side != want || d.By != BySticky {
			t.Errorf("canary at %v: %s by %s, want %s by sticky", w, d.Side, d.By, want)
		}
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[Reason]string{ByStage: "stage", BySticky: "sticky", ByOverride: "override", 9: "Reason(9)"} {
		if got := r.String(); got != want {
			t.Errorf("Reason(%d).String() = %q, want %q", r, got, want)
		}
	}
}

// twentyRoutes is a table like a real migration's: specific routes first, a catch-all last.
func twentyRoutes(tb testing.TB) *Table {
	cfg := &config.Config{Override: &config.Override{Header: "X-Ficus-Override", Cookie: "ficus_override", Secret: "s3cret"}}
	for i := 0; i < 19; i++ {
		cfg.Routes = append(cfg.Routes, config.Route{
			Name:   fmt.Sprintf("r%d", i),
			Match:  config.Match{Host: "*.example.com", Path: fmt.Sprintf("/api/v1/resource%d/{id}", i), Methods: []string{"GET", "PUT"}},
			Stage:  ficus.StageCanary,
			Weight: 50,
			Sticky: config.Sticky{Header: "X-User-Id", Cookie: "sid"},
		})
	}
	cfg.Routes = append(cfg.Routes, config.Route{Name: "rest", Match: config.Match{PathPrefix: "/"}})
	return mustCompileTable(tb, cfg, nil)
}

func lastRouteRequest() *http.Request {
	r := newRouteRequest("GET", "/api/v1/resource18/42")
	r.Host = "api.example.com:8080"
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("Cookie", "theme=dark; sid=abc123")
	r.Header.Set("X-Ficus-Override", "modern:wrong")
	return r
}

func TestDecideDoesNotAllocate(t *testing.T) {
	table := twentyRoutes(t)
	tests := []struct {
		name  string
		setup func(r *http.Request)
		want  Reason
	}{
		{name: "a canary keyed by a cookie, with a rejected override", want: BySticky},
		{name: "a canary keyed by a header", setup: func(r *http.Request) { r.Header.Set("X-User-Id", "u1") }, want: BySticky},
		{name: "a canary keyed by the client IP", setup: func(r *http.Request) { r.Header.Del("Cookie"); r.RemoteAddr = "[2001:db8::7]:5555" }, want: BySticky},
		{name: "a valid override", setup: func(r *http.Request) { r.Header.Set("X-Ficus-Override", "modern:s3cret") }, want: ByOverride},
		{name: "the catch-all route", setup: func(r *http.Request) { r.URL.Path = "/home/" }, want: ByStage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := lastRouteRequest()
			if tt.setup != nil {
				tt.setup(r)
			}
			allocs := testing.AllocsPerRun(200, func() {
				if d, ok := table.Decide(r); !ok || d.By != tt.want {
					t.Fatalf("decided %+v, %v; want a decision by %s", d, ok, tt.want)
				}
			})
			if allocs != 0 {
				t.Errorf("Decide allocates %v times per request, want 0", allocs)
			}
		})
	}
}

// TestDecideWhileStatesChange runs under -race: tables are immutable, so deciding on an old table
// while new ones are derived from it must not race.
func TestDecideWhileStatesChange(t *testing.T) {
	table := twentyRoutes(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			table.Decide(lastRouteRequest())
		}
	}()
	cur := table
	for i := 0; i < 200; i++ {
		next, err := cur.WithState(ficus.RouteState{Route: "r18", Stage: ficus.StageCanary, Weight: float64(i % 101)})
		if err != nil {
			t.Fatal(err)
		}
		cur = next
	}
	<-done
	if st := table.Route("r18").State; st.Weight != 50 {
		t.Errorf("the first table's route changed to %+v", st)
	}
}

func BenchmarkDecide(b *testing.B) {
	table, r := twentyRoutes(b), lastRouteRequest()
	b.ReportAllocs()
	for b.Loop() {
		table.Decide(r)
	}
}
