package rollout

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
)

var ctx = context.Background()

func weight(p float64) Step { return Step{Kind: StepWeight, Percent: p} }

func pause(d time.Duration) Step { return Step{Kind: StepPause, For: d} }

func TestGoodModernIsPromotedThroughEveryStepToModern(t *testing.T) {
	plan := Plan{Gates: allGates, Steps: []Step{
		{Kind: StepShadow, For: time.Minute, MinRequests: 300}, weight(10), pause(2 * time.Minute),
		{Kind: StepAnalysis}, weight(50)}}
	h := newHarness(t, plan, healthy)
	h.start()
	h.run(time.Hour, func() bool { return h.c.Done() })

	if got := h.phase(); got != PhaseCompleted {
		t.Fatalf("phase %s; want completed", got)
	}
	if want := []string{"shadow", "canary 10%", "canary 50%", "modern"}; !slices.Equal(h.act.stages(), want) {
		t.Errorf("states %v; want %v", h.act.stages(), want)
	}
	// Shadow needs 1m and 300 comparisons (200 per 30 s window): done at 60 s; weight 10 at the next
	// analysis (90 s); the 2m pause at 210 s; the analysis at 240 s; weight 50 at 270 s.
	if got := h.act.calls[3].at.Sub(t0); got != 270*time.Second {
		t.Errorf("modern at %v; want 4m30s", got)
	}
	want := []EventKind{EventStarted, EventStep, EventPromoted, EventStep, EventPromoted, EventStep,
		EventPromoted, EventStep, EventPromoted, EventStep, EventPromoted, EventCompleted}
	if !slices.Equal(h.ev.kinds(), want) {
		t.Errorf("events %v\nwant   %v", h.ev.kinds(), want)
	}
	for i, c := range h.act.calls {
		if want := map[bool]string{true: "alice", false: ActorRollout}[i == 0]; c.actor != want {
			t.Errorf("state %v set by %q; want %q (the first step by who started)", c.st, c.actor, want)
		}
	}
	if p, _ := h.ev.last(EventPromoted); p.Evidence == nil || p.Evidence.Verdict != Pass {
		t.Errorf("promotion without passing evidence: %+v", p)
	}
}

func TestFailingModernIsRolledBackAtTheTickThatSawIt(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(50)}}, healthy)
	h.start()
	h.run(40*time.Second, nil) // weight 50 from 30 s
	h.obs.set(scenario{legacy: good, modern: broken})
	h.run(10*time.Minute, nil)

	rb := h.act.rollbacks()
	if len(rb) != 1 {
		t.Fatalf("%d rollbacks; want exactly 1: %v", len(rb), h.act.stages())
	}
	if got := rb[0].at.Sub(t0); got != 60*time.Second {
		t.Errorf("rolled back at %v; want 1m0s, the end of the failing window", got)
	}
	if rb[0].actor != ActorRollout || rb[0].st.Route != "users" {
		t.Errorf("rollback %+v", rb[0])
	}
	if h.phase() != PhaseRolledBack {
		t.Errorf("phase %s", h.phase())
	}
	ev, ok := h.ev.last(EventRolledBack)
	if !ok || ev.Evidence == nil || ev.Evidence.Verdict != Fail || ev.Step != 2 {
		t.Fatalf("rolled_back event %+v", ev)
	}
	if !strings.Contains(ev.Reason, "error_rate: modern error rate 30.00% (120/400) is above the maximum 5.00%") {
		t.Errorf("reason %q does not say why", ev.Reason)
	}
}

func TestConsecutiveFailuresAreCountedAndResetByAPass(t *testing.T) {
	bad := scenario{legacy: good, modern: broken}
	inconclusive := scenario{legacy: trickle, modern: trickle}
	tests := []struct {
		name     string
		allowed  int
		windows  []scenario
		failures []int // consecutive failures after each window
		rollback int   // 1-based window that rolls back; 0 for none
		failed   int   // failed events (tolerated failures)
	}{
		{"no failure allowed rolls back at the first", 0, []scenario{bad}, []int{1}, 1, 0},
		{"two allowed roll back at the third in a row", 2, []scenario{bad, bad, bad}, []int{1, 2, 3}, 3, 2},
		{"a pass resets the count", 2, []scenario{bad, bad, healthy, bad, bad, bad}, []int{1, 2, 0, 1, 2, 3}, 6, 4},
		{"an inconclusive window neither counts nor resets", 1, []scenario{bad, inconclusive, bad}, []int{1, 1, 2}, 3, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := Plan{Gates: allGates, FailuresAllowed: tc.allowed, Steps: []Step{weight(10), pause(time.Hour)}}
			h := newHarness(t, plan, healthy)
			h.start()
			for i, s := range tc.windows {
				h.obs.set(s)
				h.run(30*time.Second, nil)
				if got := h.c.State().ConsecutiveFailures; got != tc.failures[i] {
					t.Errorf("after window %d: %d consecutive failures; want %d", i+1, got, tc.failures[i])
				}
				wantRollbacks := 0
				if tc.rollback > 0 && i+1 >= tc.rollback {
					wantRollbacks = 1
				}
				if got := len(h.act.rollbacks()); got != wantRollbacks {
					t.Fatalf("after window %d: %d rollbacks; want %d", i+1, got, wantRollbacks)
				}
			}
			failed := slices.DeleteFunc(h.ev.kinds(), func(k EventKind) bool { return k != EventFailed })
			if len(failed) != tc.failed {
				t.Errorf("%d failed events; want %d", len(failed), tc.failed)
			}
		})
	}
}

func TestLowTrafficPausesAsInconclusiveAndResumesWhenDataSuffices(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}, scenario{legacy: trickle, modern: trickle})
	h.start()
	h.run(2*time.Minute, nil)

	st := h.c.State()
	if !st.Paused || st.PausedBy != ActorRollout || st.StepIndex != 0 || st.Phase != PhaseRunning {
		t.Fatalf("state %+v; want paused by rollout in step 1", st)
	}
	if !strings.Contains(st.PauseReason, "modern served 5 requests, fewer than the 100 needed") {
		t.Errorf("pause reason %q", st.PauseReason)
	}
	if got := h.ev.kinds(); !slices.Equal(got, []EventKind{EventStarted, EventStep, EventInconclusive}) {
		t.Errorf("events %v; want one inconclusive after the start", got)
	}
	if len(h.act.calls) != 1 {
		t.Errorf("states %v; want no promotion nor rollback", h.act.stages())
	}

	h.obs.set(healthy)
	h.run(30*time.Second, nil)
	if got := h.act.stages(); !slices.Equal(got, []string{"canary 10%", "canary 20%"}) {
		t.Errorf("states %v; want the promotion once data sufficed", got)
	}
	if h.c.State().Paused {
		t.Error("still paused")
	}
	if _, ok := h.ev.last(EventResumed); !ok {
		t.Error("no resumed event")
	}
}

func TestRollbackHoldsWhileLegacyIsUnhealthy(t *testing.T) {
	bad := scenario{legacy: good, modern: broken}
	tests := []struct {
		name      string
		plan      Plan
		unhealthy string
		traffic   scenario
		heldWhy   string
	}{
		{"the actuator reports legacy down", Plan{}, "legacy pool: 0 of 2 instances up", bad,
			"legacy pool: 0 of 2 instances up"},
		{"legacy's own error rate is above the limit", Plan{LegacyHealth: LegacyHealth{MaxErrorRate: 0.2}}, "",
			scenario{legacy: broken, modern: broken}, "legacy error rate 30.00% (120/400) is above 20.00%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := tc.plan
			plan.Gates = GateConfig{ErrorRate: &ErrorRateGate{MaxRate: 0.05}}
			plan.Steps = []Step{weight(10), pause(time.Hour)}
			h := newHarness(t, plan, healthy)
			h.start()
			h.run(30*time.Second, nil) // into the pause
			h.act.unhealthy = tc.unhealthy
			h.obs.set(tc.traffic)
			h.run(90*time.Second, nil)

			st := h.c.State()
			if st.Phase != PhaseHeld || st.HeldReason != tc.heldWhy {
				t.Fatalf("phase %s (%q); want held (%q)", st.Phase, st.HeldReason, tc.heldWhy)
			}
			if len(h.act.rollbacks()) != 0 {
				t.Fatal("rolled back onto a broken legacy")
			}
			held := slices.DeleteFunc(h.ev.kinds(), func(k EventKind) bool { return k != EventHeld })
			if len(held) != 1 {
				t.Errorf("%d held events; want one alert", len(held))
			}

			h.act.unhealthy = ""
			h.obs.set(bad)
			h.run(30*time.Second, nil)
			if len(h.act.rollbacks()) != 1 || h.phase() != PhaseRolledBack {
				t.Errorf("phase %s, states %v; want one rollback once legacy recovered", h.phase(), h.act.stages())
			}
		})
	}
}

func TestHoldEndsWhenModernPassesAgain(t *testing.T) {
	plan := Plan{Gates: GateConfig{ErrorRate: &ErrorRateGate{MaxRate: 0.05}}, Steps: []Step{weight(10), pause(time.Hour)}}
	h := newHarness(t, plan, scenario{legacy: good, modern: broken})
	h.act.unhealthy = "legacy down"
	h.start()
	h.run(30*time.Second, nil)
	if h.phase() != PhaseHeld {
		t.Fatalf("phase %s; want held", h.phase())
	}
	h.obs.set(healthy)
	h.run(30*time.Second, nil)
	if h.phase() != PhaseRunning || h.c.State().HeldReason != "" {
		t.Errorf("phase %s; want running again", h.phase())
	}
}

func TestManualPauseStepWaitsForPromote(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), {Kind: StepPause, Manual: true}, weight(50)}}, healthy)
	h.start()
	h.run(time.Hour, nil)
	if st := h.c.State(); st.StepIndex != 1 || st.Phase != PhaseRunning {
		t.Fatalf("step %d, phase %s; want waiting in step 2", st.StepIndex+1, st.Phase)
	}
	if err := h.c.Promote(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	last := h.act.calls[len(h.act.calls)-1]
	if last.st.Weight != 50 || last.actor != "bob" {
		t.Errorf("last state %+v by %q; want weight 50 by bob", last.st, last.actor)
	}
	if ev, _ := h.ev.last(EventPromoted); ev.Actor != "bob" || ev.Reason != "step 2 (pause until promoted) promoted by bob" {
		t.Errorf("promoted event %+v", ev)
	}
}

func TestOperatorPauseStopsPromotionAndFreezesTheStep(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), pause(2 * time.Minute), weight(20)}}, healthy)
	h.start()
	h.run(30*time.Second, nil) // into the 2m pause
	h.run(time.Minute, nil)
	if err := h.c.Pause(ctx, "bob", "checking dashboards"); err != nil {
		t.Fatal(err)
	}
	h.run(10*time.Minute, nil)
	st := h.c.State()
	if st.StepIndex != 1 || st.Elapsed != time.Minute || !st.Paused || st.PausedBy != "bob" {
		t.Fatalf("step %d, elapsed %v, paused %v by %q; want step 2 frozen at 1m, paused by bob",
			st.StepIndex+1, st.Elapsed, st.Paused, st.PausedBy)
	}
	if err := h.c.Resume(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	h.run(59*time.Second, nil)
	if h.c.State().StepIndex != 1 {
		t.Fatal("promoted before the pause's 2m were observed")
	}
	h.run(time.Second, nil)
	if h.c.State().StepIndex != 2 {
		t.Errorf("step %d; want 3 after 2m observed", h.c.State().StepIndex+1)
	}
	if err := h.c.Resume(ctx, "bob"); ficus.ErrorCode(err) != ficus.EConflict {
		t.Errorf("resuming a running rollout: %v; want a conflict", err)
	}
}

func TestOperatorPauseDoesNotShieldAFailingModern(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}, scenario{legacy: good, modern: broken})
	h.start()
	if err := h.c.Pause(ctx, "bob", "hold on"); err != nil {
		t.Fatal(err)
	}
	h.run(30*time.Second, nil)
	if len(h.act.rollbacks()) != 1 {
		t.Errorf("states %v; want a rollback while paused", h.act.stages())
	}
}

func TestAbortRollsBackAndEndsTheRollout(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}, healthy)
	h.start()
	h.act.unhealthy = "legacy slow"
	if err := h.c.Abort(ctx, "bob", "customer complaints"); err != nil {
		t.Fatal(err)
	}
	rb := h.act.rollbacks()
	if len(rb) != 1 || rb[0].actor != "bob" || h.phase() != PhaseAborted {
		t.Fatalf("rollbacks %+v, phase %s", rb, h.phase())
	}
	ev, _ := h.ev.last(EventAborted)
	if want := "aborted by bob, every client is back on legacy: customer complaints; legacy reported unhealthy: legacy slow"; ev.Reason != want {
		t.Errorf("reason %q\nwant   %q", ev.Reason, want)
	}
	for name, cmd := range map[string]func() error{
		"promote": func() error { return h.c.Promote(ctx, "bob") },
		"pause":   func() error { return h.c.Pause(ctx, "bob", "") },
		"resume":  func() error { return h.c.Resume(ctx, "bob") },
		"abort":   func() error { return h.c.Abort(ctx, "bob", "") },
		"start":   func() error { return h.c.Start(ctx, "bob") },
	} {
		if err := cmd(); ficus.ErrorCode(err) != ficus.EConflict {
			t.Errorf("%s after abort: %v; want a conflict", name, err)
		}
	}
	h.run(time.Minute, nil)
	if len(h.act.calls) != 2 {
		t.Errorf("states %v after the abort", h.act.stages())
	}
}

func TestBlueGreen(t *testing.T) {
	plan := Plan{Strategy: StrategyBlueGreen, Gates: allGates, RollbackWindow: 5 * time.Minute,
		Steps: []Step{{Kind: StepShadow, For: time.Minute}}}
	atModern := scenario{legacy: idle, modern: good}

	t.Run("completes once the rollback window passed with passing gates", func(t *testing.T) {
		h := newHarness(t, plan, healthy)
		h.start()
		h.run(60*time.Second, nil)
		if got := h.act.stages(); !slices.Equal(got, []string{"shadow", "modern"}) {
			t.Fatalf("states %v; want shadow then modern at once", got)
		}
		h.obs.set(atModern)
		h.run(5*time.Minute-time.Second, nil)
		if h.phase() != PhaseRunning {
			t.Fatalf("phase %s before the window was over", h.phase())
		}
		h.run(time.Second, nil)
		if h.phase() != PhaseCompleted || len(h.act.calls) != 2 {
			t.Errorf("phase %s, states %v; want completed without another change", h.phase(), h.act.stages())
		}
		a := h.c.State().LastAnalysis
		if a == nil || len(a.Skipped) != 2 || a.Results[0].Gate != "error_rate" {
			t.Errorf("analysis at 100%% %+v; want latency and diff skipped", a)
		}
	})
	t.Run("rolls back on a failure inside the window", func(t *testing.T) {
		h := newHarness(t, plan, healthy)
		h.start()
		h.run(60*time.Second, nil)
		h.obs.set(scenario{legacy: idle, modern: broken})
		h.run(2*time.Minute, nil)
		if got := h.act.stages(); !slices.Equal(got, []string{"shadow", "modern", "legacy"}) || h.phase() != PhaseRolledBack {
			t.Errorf("states %v, phase %s; want rolled back", got, h.phase())
		}
		if got := h.act.rollbacks()[0].at.Sub(t0); got != 90*time.Second {
			t.Errorf("rolled back at %v; want 1m30s", got)
		}
	})
}

// restart persists h's state as JSON and continues it in a new controller after downtime.
func (h *harness) restart(plan Plan, downtime time.Duration, edit func(*State)) {
	h.t.Helper()
	doc, err := json.Marshal(h.store.saved)
	if err != nil {
		h.t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(doc, &st); err != nil {
		h.t.Fatal(err)
	}
	if edit != nil {
		edit(&st)
	}
	h.clock.now = h.clock.now.Add(downtime)
	h.c = h.controller(plan)
	if err := h.c.Restore(ctx, st, h.clock.now); err != nil {
		h.t.Fatal(err)
	}
}

func TestRestoreContinuesMidStepWithItsObservedTime(t *testing.T) {
	plan := Plan{Gates: allGates, Steps: []Step{weight(10), pause(10 * time.Minute), weight(20)}}
	h := newHarness(t, plan, healthy)
	h.start()
	h.run(30*time.Second+4*time.Minute, nil) // 4m into the pause
	h.restart(plan, time.Hour, nil)
	restarted := h.clock.now

	st := h.c.State()
	if st.StepIndex != 1 || st.Elapsed != 4*time.Minute || st.Phase != PhaseRunning {
		t.Fatalf("restored step %d with %v elapsed, phase %s; want step 2, 4m, running", st.StepIndex+1, st.Elapsed, st.Phase)
	}
	h.run(6*time.Minute-time.Second, nil)
	if h.c.State().StepIndex != 1 {
		t.Fatal("promoted before 10m were observed: the downtime counted")
	}
	h.run(time.Second, nil)
	if st := h.c.State(); st.StepIndex != 2 {
		t.Fatalf("step %d at %v after the restart; want 3", st.StepIndex+1, h.clock.now.Sub(restarted))
	}
	if !slices.ContainsFunc(h.c.State().History, func(e Event) bool {
		return e.Kind == EventResumed && strings.Contains(e.Reason, "ficus restarted: continuing with 4m0s observed")
	}) {
		t.Error("no restart event in the timeline")
	}
}

func TestRestoreNeverPromotesOnPreRestartData(t *testing.T) {
	plan := Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}
	h := newHarness(t, plan, healthy)
	h.start()
	h.run(10*time.Second, nil)
	// As if ficus died right after a passing analysis was persisted, before it promoted.
	h.restart(plan, 5*time.Minute, func(st *State) { st.LastVerdict = Pass })
	restarted := h.clock.now
	h.obs.windows = nil

	h.run(29*time.Second, nil)
	if h.c.State().StepIndex != 0 {
		t.Fatal("promoted on the verdict from before the restart")
	}
	h.run(time.Second, nil)
	if h.c.State().StepIndex != 1 {
		t.Fatal("no promotion after a full window of fresh data")
	}
	for _, w := range h.obs.windows {
		if w[0].Before(restarted) {
			t.Errorf("window %v-%v starts before the restart at %v", w[0], w[1], restarted)
		}
	}
	if len(h.obs.windows) != 1 {
		t.Errorf("%d windows observed; want 1", len(h.obs.windows))
	}
}

func TestRestoreRefusesAStateFromAnotherPlanOrRoute(t *testing.T) {
	plan := Plan{Steps: []Step{weight(10)}}
	h := newHarness(t, plan, healthy)
	for name, st := range map[string]State{
		"another route":     {Route: "orders", Phase: PhaseRunning},
		"a step beyond all": {Route: "users", Phase: PhaseRunning, StepIndex: 5},
	} {
		if err := h.c.Restore(ctx, st, t0); ficus.ErrorCode(err) != ficus.EInvalid {
			t.Errorf("%s: %v; want invalid", name, err)
		}
	}
}

func TestFailedStateChangesAreRetried(t *testing.T) {
	t.Run("a rollback whose switch failed is retried at the next tick", func(t *testing.T) {
		h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}, scenario{legacy: good, modern: broken})
		h.start()
		h.run(29*time.Second, nil)
		h.act.failNext = 1
		h.clock.now = h.clock.now.Add(time.Second)
		if err := h.c.Tick(ctx); err == nil {
			t.Fatal("the failed switch was not reported")
		}
		if h.c.State().RollbackPending == "" {
			t.Fatal("the rollback decision was forgotten")
		}
		h.run(time.Second, nil)
		if len(h.act.rollbacks()) != 1 || h.phase() != PhaseRolledBack {
			t.Errorf("states %v, phase %s", h.act.stages(), h.phase())
		}
	})
	t.Run("a step whose state failed to apply is applied at the next tick and judged after", func(t *testing.T) {
		h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}, healthy)
		h.act.failNext = 1
		if err := h.c.Start(ctx, "alice"); err == nil {
			t.Fatal("the failed switch was not reported")
		}
		h.run(5*time.Second, nil)
		if got := h.act.calls[0].at.Sub(t0); got != time.Second {
			t.Errorf("applied at %v; want at the first tick", got)
		}
		h.run(25*time.Second, nil)
		if h.c.State().StepIndex != 0 {
			t.Error("promoted on a window from before the step took effect")
		}
		h.run(time.Second, nil)
		if h.c.State().StepIndex != 1 {
			t.Error("no promotion a full window after the step took effect")
		}
	})
}

func TestStateIsSavedAfterEveryChange(t *testing.T) {
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(20)}}, healthy)
	h.start()
	h.run(45*time.Second, nil)
	got, want := h.store.saved, h.c.State()
	if got.StepIndex != want.StepIndex || got.Elapsed != want.Elapsed || len(got.History) != len(want.History) {
		t.Errorf("saved %+v\nstate %+v", got, want)
	}
}

func TestEveryJudgementReachesEventsButOnlyTransitionsTheTimeline(t *testing.T) {
	plan := Plan{Gates: allGates, Steps: []Step{weight(10), pause(2 * time.Minute), weight(50)}}
	h := newHarness(t, plan, healthy)
	h.start()
	h.run(time.Hour, func() bool { return h.c.Done() })
	analysed := 0
	for _, e := range h.ev.events {
		if e.Kind == EventAnalysed {
			analysed++
			if e.Evidence == nil || e.Reason == "" {
				t.Fatalf("a judgement without its evidence: %+v", e)
			}
		}
	}
	if analysed == 0 {
		t.Fatal("no judgement that changed nothing was handed to Events")
	}
	for _, e := range h.c.State().History {
		if e.Kind == EventAnalysed {
			t.Fatalf("the timeline holds a judgement that changed nothing: %+v", e)
		}
	}
}
