package control_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/notify"
	"github.com/ficus-dev/ficus/rollout"
	"github.com/ficus-dev/ficus/store/sqlite"
)

var _ control.RolloutStore = (*sqlite.DB)(nil)

// clock is the rollouts' fake clock; tests move it and tick, never sleep.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// observer is a synthetic rollout.Observer: every window holds the traffic the test sets.
type observer struct {
	mu sync.Mutex
	w  rollout.Window
}

func (o *observer) Window(ctx context.Context, route string, from, to time.Time) (rollout.Window, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w, nil
}

func (o *observer) set(modernErrors int64) {
	o.mu.Lock()
	o.w = rollout.Window{
		Legacy: rollout.SideWindow{Requests: 400, Errors: 1},
		Modern: rollout.SideWindow{Requests: 400, Errors: modernErrors},
	}
	o.mu.Unlock()
}

// hooks is a real webhook receiver that records the event kinds it got, in order.
type hooks struct {
	mu    sync.Mutex
	kinds []rollout.EventKind
}

func newHooks(t *testing.T) (*hooks, string) {
	h := &hooks{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m notify.Message
		if json.Unmarshal(body, &m) == nil && notify.Verify("hook-secret", body, r.Header.Get(notify.SignatureHeader)) {
			h.mu.Lock()
			h.kinds = append(h.kinds, m.Event)
			h.mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL
}

// waitFor polls until the receiver got every kind in want, in that order among the others.
func (h *hooks) waitFor(t *testing.T, want ...rollout.EventKind) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		got := append([]rollout.EventKind(nil), h.kinds...)
		h.mu.Unlock()
		if isSubsequence(want, got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook got %v, want %v among them in order", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isSubsequence(want, got []rollout.EventKind) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func rolloutConfig(steps ...config.RolloutStep) *config.Config {
	cfg := testConfig()
	cfg.Routes[0].Stage, cfg.Routes[0].Weight = ficus.StageLegacy, 0
	cfg.Routes[0].Rollout = &config.Rollout{
		Strategy: "canary",
		Interval: config.Duration(10 * time.Second),
		Steps:    steps,
		Gates:    config.Gates{ErrorRate: &config.ErrorRateGate{Max: 0.05, MinRequests: 100}},
	}
	return cfg
}

type rolloutFixture struct {
	*fixture
	m     *control.Rollouts
	clock *clock
	obs   *observer
}

func newRollouts(t *testing.T, f *fixture, c *clock, obs *observer, hookURL string) *control.Rollouts {
	t.Helper()
	o := control.RolloutsOptions{Observer: obs, Now: c.Now}
	if hookURL != "" {
		n, err := notify.New([]notify.Webhook{{URL: hookURL, Secret: "hook-secret"}}, notify.Options{})
		if err != nil {
			t.Fatal(err)
		}
		go n.Run(t.Context())
		o.Notify = n
	}
	m, err := control.NewRollouts(t.Context(), f.svc, f.store, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newRolloutFixture(t *testing.T, path string, cfg *config.Config, hookURL string) *rolloutFixture {
	f := newFixture(t, path, cfg)
	c := &clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	obs := &observer{}
	obs.set(0)
	return &rolloutFixture{fixture: f, m: newRollouts(t, f, c, obs, hookURL), clock: c, obs: obs}
}

// window lets one analysis window pass and ticks.
func (f *rolloutFixture) window(t *testing.T) {
	t.Helper()
	f.clock.advance(10 * time.Second)
	if err := f.m.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (f *rolloutFixture) status(t *testing.T) control.RolloutStatus {
	t.Helper()
	st, err := f.m.Status(t.Context(), "users")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *rolloutFixture) route(t *testing.T) ficus.RouteStatus {
	t.Helper()
	r, err := f.svc.Route(t.Context(), "users")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func weight(p float64) config.RolloutStep {
	return config.RolloutStep{Kind: config.StepWeight, Percent: p}
}

func TestAGoodModernIsPromotedStepByStepToEveryClient(t *testing.T) {
	h, url := newHooks(t)
	f := newRolloutFixture(t, filepath.Join(t.TempDir(), "s.db"), rolloutConfig(weight(10), weight(50)), url)
	if _, err := f.m.Start(t.Context(), "alice", "users", nil); err != nil {
		t.Fatal(err)
	}
	if r := f.route(t); r.Stage != ficus.StageCanary || r.Weight != 10 || r.UpdatedBy != "alice" {
		t.Fatalf("after start the route is %s %v by %s, want canary 10 by alice", r.Stage, r.Weight, r.UpdatedBy)
	}
	f.window(t)
	if r := f.route(t); r.Stage != ficus.StageCanary || r.Weight != 50 || r.UpdatedBy != rollout.ActorRollout {
		t.Fatalf("after one passing window the route is %s %v by %s, want canary 50 by rollout", r.Stage, r.Weight, r.UpdatedBy)
	}
	f.window(t)
	if st := f.status(t); st.Phase != rollout.PhaseCompleted {
		t.Fatalf("phase %q, want completed", st.Phase)
	}
	if s := f.side(t, "anyone"); s != ficus.SideModern {
		t.Errorf("the gateway sends users to %s, want modern", s)
	}
	actions := auditActions(t, f.fixture)
	// Every judgement is audited: the passing analysis of each step ("rollout.analysed"), then the
	// promotion it led to.
	want := []string{"rollout.started", "route.stage", "rollout.step", "rollout.analysed", "rollout.promoted", "route.stage", "rollout.step",
		"rollout.analysed", "rollout.promoted", "route.stage", "rollout.completed"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit actions\n%v\nwant\n%v", actions, want)
	}
	h.waitFor(t, rollout.EventStarted, rollout.EventPromoted, rollout.EventPromoted, rollout.EventCompleted)
}

func TestAFailingModernIsRolledBackWithItsEvidenceInTheAuditLog(t *testing.T) {
	h, url := newHooks(t)
	f := newRolloutFixture(t, filepath.Join(t.TempDir(), "s.db"), rolloutConfig(weight(10), weight(50)), url)
	if _, err := f.m.Start(t.Context(), "alice", "users", nil); err != nil {
		t.Fatal(err)
	}
	f.obs.set(40) // 10% of modern's requests fail
	f.window(t)
	if st := f.status(t); st.Phase != rollout.PhaseRolledBack {
		t.Fatalf("phase %q, want rolled_back", st.Phase)
	}
	if r := f.route(t); r.Stage != ficus.StageLegacy {
		t.Fatalf("route is %s, want legacy", r.Stage)
	}
	if s := f.side(t, "anyone"); s != ficus.SideLegacy {
		t.Errorf("the gateway sends users to %s, want legacy", s)
	}
	entries := f.audit(t)
	var rb *ficus.AuditEntry
	for i := range entries {
		if entries[i].Action == "rollout.rolled_back" {
			rb = &entries[i]
		}
	}
	if rb == nil {
		t.Fatalf("no rollout.rolled_back entry among %v", auditActions(t, f.fixture))
	}
	var after struct {
		Reason   string
		Evidence rollout.Analysis
	}
	if err := json.Unmarshal(rb.After, &after); err != nil {
		t.Fatal(err)
	}
	ev := after.Evidence
	if rb.Actor != rollout.ActorRollout || rb.Target != "route/users" || ev.Verdict != rollout.Fail ||
		len(ev.Results) != 1 || ev.Results[0].Evidence.Modern.Errors != 40 || ev.Results[0].Evidence.Modern.Requests != 400 ||
		!strings.Contains(after.Reason, "10.00%") {
		t.Errorf("rolled_back entry %+v with %s", rb, rb.After)
	}
	if problems := audit.Verify(entries, entries[len(entries)-1].Seq, entries[len(entries)-1].Hash); len(problems) != 0 {
		t.Errorf("chain does not verify: %v", problems)
	}
	h.waitFor(t, rollout.EventStarted, rollout.EventRolledBack)
}

func TestARestartedManagerContinuesTheRolloutMidStep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	cfg := rolloutConfig(weight(10), config.RolloutStep{Kind: config.StepPause, For: config.Duration(time.Minute)})
	f := newRolloutFixture(t, path, cfg, "")
	if _, err := f.m.Start(t.Context(), "alice", "users", nil); err != nil {
		t.Fatal(err)
	}
	f.window(t) // weight 10 passes: the pause begins
	f.window(t)
	f.window(t) // 20s of the pause observed
	before := f.status(t)
	if before.StepIndex != 1 || before.Elapsed != 20*time.Second {
		t.Fatalf("before the restart: step %d, elapsed %v; want step 1 (the pause), 20s", before.StepIndex, before.Elapsed)
	}

	// ficus restarts an hour later: a new store handle, Service and manager over the same file.
	f.store.Close()
	g := newFixture(t, path, cfg)
	f.clock.advance(time.Hour)
	m := newRollouts(t, g, f.clock, f.obs, "")
	after, err := m.Status(t.Context(), "users")
	if err != nil {
		t.Fatal(err)
	}
	if after.Phase != rollout.PhaseRunning || after.StepIndex != 1 || after.Elapsed != 20*time.Second {
		t.Fatalf("after the restart: %s step %d elapsed %v; want running, step 1, 20s (downtime not counted)",
			after.Phase, after.StepIndex, after.Elapsed)
	}
	tick := func() {
		f.clock.advance(10 * time.Second)
		if err := m.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		tick()
	}
	if st, _ := m.Status(t.Context(), "users"); st.Phase != rollout.PhaseRunning {
		t.Fatalf("after 50s of a 1m pause the rollout is %s", st.Phase)
	}
	tick()
	if st, _ := m.Status(t.Context(), "users"); st.Phase != rollout.PhaseCompleted {
		t.Fatalf("after the pause's minute the rollout is %s, want completed", st.Phase)
	}
	if r, _ := g.svc.Route(t.Context(), "users"); r.Stage != ficus.StageModern {
		t.Errorf("route is %s, want modern", r.Stage)
	}
}

func TestAutoStartStartsARolloutThatNeverRan(t *testing.T) {
	cfg := rolloutConfig(weight(10))
	cfg.Routes[0].Rollout.AutoStart = true
	f := newRolloutFixture(t, filepath.Join(t.TempDir(), "s.db"), cfg, "")
	st := f.status(t)
	if st.Phase != rollout.PhaseRunning || st.StartedBy != control.ActorConfig {
		t.Fatalf("phase %q started by %q, want running by config", st.Phase, st.StartedBy)
	}
	if r := f.route(t); r.Stage != ficus.StageCanary || r.Weight != 10 {
		t.Errorf("route is %s %v, want canary 10", r.Stage, r.Weight)
	}
}

func TestOperatorsCommands(t *testing.T) {
	f := newRolloutFixture(t, filepath.Join(t.TempDir(), "s.db"), rolloutConfig(weight(10), weight(50)), "")
	ctx := t.Context()
	t.Run("a command before a start is a conflict", func(t *testing.T) {
		if _, err := f.m.Promote(ctx, "bob", "users"); ficus.ErrorCode(err) != ficus.EConflict {
			t.Errorf("got %v, want a conflict", err)
		}
	})
	t.Run("an unknown route is not found", func(t *testing.T) {
		if _, err := f.m.Status(ctx, "nope"); ficus.ErrorCode(err) != ficus.ENotFound {
			t.Errorf("got %v, want not found", err)
		}
		if _, err := f.m.Start(ctx, "bob", "nope", nil); ficus.ErrorCode(err) != ficus.ENotFound {
			t.Errorf("got %v, want not found", err)
		}
	})
	t.Run("a route without a plan cannot start without one", func(t *testing.T) {
		if _, err := f.m.Start(ctx, "bob", "default", nil); ficus.ErrorCode(err) != ficus.EInvalid {
			t.Errorf("got %v, want invalid", err)
		}
	})
	t.Run("the status of a route that never ran shows the config's plan", func(t *testing.T) {
		st := f.status(t)
		if st.Phase != "" || len(st.Steps) != 2 || st.Strategy != rollout.StrategyCanary {
			t.Errorf("status %+v", st)
		}
	})
	t.Run("pause, resume, promote and abort act and are audited", func(t *testing.T) {
		if _, err := f.m.Start(ctx, "bob", "users", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.Start(ctx, "bob", "users", nil); ficus.ErrorCode(err) != ficus.EConflict {
			t.Errorf("a second start: %v, want a conflict", err)
		}
		if st, err := f.m.Pause(ctx, "bob", "users", "checking dashboards"); err != nil || !st.Paused {
			t.Fatalf("pause: %+v, %v", st.State, err)
		}
		if st, err := f.m.Resume(ctx, "bob", "users"); err != nil || st.Paused {
			t.Fatalf("resume: %+v, %v", st.State, err)
		}
		if st, err := f.m.Promote(ctx, "bob", "users"); err != nil || st.StepIndex != 1 {
			t.Fatalf("promote: %+v, %v", st.State, err)
		}
		if r := f.route(t); r.Weight != 50 {
			t.Errorf("after promote the weight is %v, want 50", r.Weight)
		}
		if st, err := f.m.Abort(ctx, "bob", "users", "wrong build"); err != nil || st.Phase != rollout.PhaseAborted {
			t.Fatalf("abort: %+v, %v", st.State, err)
		}
		if r := f.route(t); r.Stage != ficus.StageLegacy {
			t.Errorf("after abort the route is %s, want legacy", r.Stage)
		}
		actions := auditActions(t, f.fixture)
		for _, want := range []string{"rollout.paused", "rollout.resumed", "rollout.promoted", "rollout.aborted"} {
			if !slices.Contains(actions, want) {
				t.Errorf("no %s among %v", want, actions)
			}
		}
	})
	t.Run("a finished rollout can be started again", func(t *testing.T) {
		if st, err := f.m.Start(ctx, "bob", "users", nil); err != nil || st.Phase != rollout.PhaseRunning {
			t.Errorf("restart: %+v, %v", st.State, err)
		}
	})
}

func auditActions(t *testing.T, f *fixture) []string {
	t.Helper()
	var out []string
	for _, e := range f.audit(t) {
		out = append(out, e.Action)
	}
	return out
}

func TestAFailingModernHoldsWhenLegacyIsUnhealthyToo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	f := newFixture(t, path, rolloutConfig(weight(10), weight(50)))
	c := &clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	obs := &observer{}
	obs.set(40)
	m, err := control.NewRollouts(t.Context(), f.svc, f.store, control.RolloutsOptions{Observer: obs, Now: c.Now,
		LegacyHealthy: func(ctx context.Context, route string) (bool, string) {
			return false, "legacy " + route + " refuses connections"
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Start(t.Context(), "alice", "users", nil); err != nil {
		t.Fatal(err)
	}
	c.advance(10 * time.Second)
	if err := m.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, _ := m.Status(t.Context(), "users")
	if st.Phase != rollout.PhaseHeld || !strings.Contains(st.HeldReason, "legacy users refuses connections") {
		t.Fatalf("phase %q (%q), want held because legacy is down", st.Phase, st.HeldReason)
	}
	if r, _ := f.svc.Route(t.Context(), "users"); r.Stage != ficus.StageCanary || r.Weight != 10 {
		t.Errorf("route is %s %v, want it left at canary 10", r.Stage, r.Weight)
	}
	if actions := auditActions(t, f); !slices.Contains(actions, "rollout.held") || slices.Contains(actions, "rollout.rolled_back") {
		t.Errorf("audit actions %v, want a hold and no rollback", actions)
	}
}

func TestTooLittleTrafficPausesWithoutPromotingOrRollingBack(t *testing.T) {
	f := newRolloutFixture(t, filepath.Join(t.TempDir(), "s.db"), rolloutConfig(weight(10), weight(50)), "")
	if _, err := f.m.Start(t.Context(), "alice", "users", nil); err != nil {
		t.Fatal(err)
	}
	f.obs.mu.Lock()
	f.obs.w = rollout.Window{Legacy: rollout.SideWindow{Requests: 3}, Modern: rollout.SideWindow{Requests: 2, Errors: 2}}
	f.obs.mu.Unlock()
	f.window(t)
	st := f.status(t)
	if st.Phase != rollout.PhaseRunning || !st.Paused || st.PausedBy != rollout.ActorRollout || st.StepIndex != 0 {
		t.Fatalf("status %+v, want paused by rollout in step 1", st.State)
	}
	if r := f.route(t); r.Weight != 10 {
		t.Errorf("weight %v, want 10", r.Weight)
	}
	f.obs.set(0)
	f.window(t)
	if st := f.status(t); st.Paused || st.StepIndex != 1 {
		t.Errorf("with enough traffic again: paused %v, step %d; want running in step 2", st.Paused, st.StepIndex+1)
	}
}

func TestAFinishedRolloutIsNotStartedAgainByAutoStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	cfg := rolloutConfig(weight(10))
	cfg.Routes[0].Rollout.AutoStart = true
	f := newRolloutFixture(t, path, cfg, "")
	f.window(t)
	if st := f.status(t); st.Phase != rollout.PhaseCompleted {
		t.Fatalf("phase %q, want completed", st.Phase)
	}
	f.store.Close()
	g := newFixture(t, path, cfg)
	m := newRollouts(t, g, f.clock, f.obs, "")
	st, err := m.Status(t.Context(), "users")
	if err != nil || st.Phase != rollout.PhaseCompleted || len(st.History) == 0 {
		t.Errorf("after a restart: %+v, %v; want the completed rollout with its timeline", st.State, err)
	}
}

func TestARolloutWhosePlanShrankIsNotContinued(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	f := newRolloutFixture(t, path, rolloutConfig(weight(10), weight(20), weight(50)), "")
	if _, err := f.m.Start(t.Context(), "alice", "users", nil); err != nil {
		t.Fatal(err)
	}
	f.window(t)
	f.window(t) // in step 3
	f.store.Close()
	g := newFixture(t, path, rolloutConfig(weight(10)))
	m := newRollouts(t, g, f.clock, f.obs, "")
	st, err := m.Status(t.Context(), "users")
	if err != nil || st.Phase != "" {
		t.Errorf("status %+v, %v; want no rollout (the persisted one does not fit the plan)", st.State, err)
	}
}
