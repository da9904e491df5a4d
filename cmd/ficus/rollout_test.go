package main

import (
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/gateway"
	"github.com/ficus-dev/ficus/rollout"
	"github.com/ficus-dev/ficus/store/sqlite"
)

var rolloutTestTime = time.Date(2026, 11, 23, 21, 0, 0, 0, time.UTC)

// rolloutClock is the fake clock of the rollouts and the route service; tests move it.
type rolloutClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *rolloutClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *rolloutClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// rolloutTraffic is a synthetic observer: every window holds the traffic last set.
type rolloutTraffic struct {
	mu sync.Mutex
	w  rollout.Window
}

func (o *rolloutTraffic) Window(context.Context, string, time.Time, time.Time) (rollout.Window, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w, nil
}

// set makes windows of n requests per side, modern failing modernErrors of them and slower by
// modernSlower, each side's latencies spread over 60 ms.
func (o *rolloutTraffic) set(legacyN, modernN, legacyErrors, modernErrors int64, modernSlower time.Duration) {
	lat := func(base time.Duration) []time.Duration {
		out := make([]time.Duration, 60)
		for i := range out {
			out[i] = base + time.Duration(i)*time.Millisecond
		}
		return out
	}
	o.mu.Lock()
	o.w = rollout.Window{
		Legacy: rollout.SideWindow{Requests: legacyN, Errors: legacyErrors, Latencies: lat(100 * time.Millisecond)},
		Modern: rollout.SideWindow{Requests: modernN, Errors: modernErrors, Latencies: lat(100*time.Millisecond + modernSlower)},
	}
	o.mu.Unlock()
}

// rolloutServer is a real admin API over real rollouts: the gateway, the route service and the
// rollouts over a SQLite store, with synthetic traffic and a fake clock.
type rolloutServer struct {
	srv     *httptest.Server
	m       *control.Rollouts
	clock   *rolloutClock
	traffic *rolloutTraffic
}

func newRolloutServer(t *testing.T) *rolloutServer {
	t.Helper()
	t.Setenv("FICUS_ADMIN", "")
	t.Setenv("FICUS_TOKEN", "")
	ctx := t.Context()
	cfg := &config.Config{
		Backends: config.Backends{
			Legacy: config.Backend{URLs: []string{"http://127.0.0.1:1"}},
			Modern: config.Backend{URLs: []string{"http://127.0.0.1:2"}},
		},
		Routes: []config.Route{
			{Name: "users", Match: config.Match{PathPrefix: "/users"}, Stage: ficus.StageLegacy, Rollout: &config.Rollout{
				Strategy: "canary", Interval: config.Duration(30 * time.Second),
				Steps: []config.RolloutStep{{Kind: config.StepWeight, Percent: 10}, {Kind: config.StepWeight, Percent: 50}},
				Gates: config.Gates{
					ErrorRate: &config.ErrorRateGate{Max: 0.05, MaxIncrease: 0.01},
					Latency:   &config.LatencyGate{MaxIncrease: 0.1},
				},
			}},
			{Name: "default", Stage: ficus.StageLegacy},
		},
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ficus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gw, err := gateway.New(cfg, nil, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	clock := &rolloutClock{now: rolloutTestTime}
	svc, err := control.New(ctx, cfg, st, gw, control.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	traffic := &rolloutTraffic{}
	m, err := control.NewRollouts(ctx, svc, st, control.RolloutsOptions{Observer: traffic, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(admin.New(admin.Options{Routes: svc, Audit: st, Tokens: routeTestTokens, Rollouts: m}))
	t.Cleanup(srv.Close)
	return &rolloutServer{srv: srv, m: m, clock: clock, traffic: traffic}
}

// window lets one analysis window pass and ticks.
func (s *rolloutServer) window(t *testing.T) {
	t.Helper()
	s.clock.advance(30 * time.Second)
	if err := s.m.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (s *rolloutServer) ficus(t *testing.T, token string, args ...string) string {
	t.Helper()
	out, err := runRoute(t, append(append([]string{"rollout"}, args...), "--admin", s.srv.URL, "--token", token)...)
	if err != nil {
		t.Fatalf("ficus rollout %v: %v", args, err)
	}
	return out
}

func rolloutGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "rollout", name+".golden")
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

// A rollout that passes its first step and is rolled back in its second, for slower and failing
// modern: the status shows the steps, the failing analysis's evidence and the whole timeline.
func TestRolloutStatusShowsTheTimelineWithEvidence(t *testing.T) {
	s := newRolloutServer(t)
	rolloutGolden(t, "status-before-start", s.ficus(t, routeViewerToken, "status", "users"))
	rolloutGolden(t, "start-confirms-in-one-line", s.ficus(t, routeOperatorToken, "start", "users"))
	s.traffic.set(398, 412, 1, 2, 0)
	s.window(t)
	rolloutGolden(t, "status-running", s.ficus(t, routeViewerToken, "status", "users"))
	s.traffic.set(398, 412, 1, 40, 54*time.Millisecond)
	s.window(t)
	out := s.ficus(t, routeViewerToken, "status", "users")
	for _, want := range []string{"rolled_back", "modern 5xx 9.71% vs legacy 0.25% (n=412/398)", "latency +54ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not show %q:\n%s", want, out)
		}
	}
	rolloutGolden(t, "status-rolled-back", out)
	rolloutGolden(t, "status-as-JSON", s.ficus(t, routeViewerToken, "status", "users", "--output", "json"))
}

func TestRolloutCommandsActAndConfirm(t *testing.T) {
	s := newRolloutServer(t)
	s.ficus(t, routeOperatorToken, "start", "users")
	rolloutGolden(t, "pause-confirms-with-the-reason", s.ficus(t, routeOperatorToken, "pause", "users", "--reason", "checking dashboards"))
	s.ficus(t, routeOperatorToken, "resume", "users")
	rolloutGolden(t, "promote-confirms-the-next-step", s.ficus(t, routeOperatorToken, "promote", "users"))
	out := s.ficus(t, routeOperatorToken, "abort", "users", "--reason", "wrong build", "--output", "json")
	var st control.RolloutStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Phase != rollout.PhaseAborted {
		t.Fatalf("abort printed %s (%v), want an aborted rollout", out, err)
	}
	last := st.History[len(st.History)-1]
	if last.Actor != "ops" || !strings.Contains(last.Reason, "wrong build") {
		t.Errorf("last event %+v, want the abort by ops with its reason", last)
	}
}

func TestRolloutErrors(t *testing.T) {
	s := newRolloutServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a viewer cannot start a rollout", []string{"start", "users", "--token", routeViewerToken}, "operator"},
		{"an unknown route is named", []string{"status", "nope", "--token", routeViewerToken}, `"nope"`},
		{"a command before a start is a conflict", []string{"promote", "users", "--token", routeOperatorToken}, "start one first"},
		{"a route without a plan cannot start", []string{"start", "default", "--token", routeOperatorToken}, "no rollout plan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runRoute(t, append(append([]string{"rollout"}, tc.args...), "--admin", s.srv.URL)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
