package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/rollout"
)

// RolloutStore is what an adapter that keeps rollouts' progress implements.
type RolloutStore interface {
	rollout.StateStore
	RolloutStates(ctx context.Context) (map[string]rollout.State, error)
	DeleteRolloutState(ctx context.Context, route string) error
}

// RunRolloutStore runs the rollout state suite. open must return a new, empty store; RunRolloutStore
// does not close it.
func RunRolloutStore(t *testing.T, open func(t *testing.T) RolloutStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s RolloutStore)
	}{
		{"an empty store has no rollouts", testNoRollouts},
		{"a saved rollout is read back whole, evidence and timeline included", testRolloutRoundTrip},
		{"a second save replaces the route's rollout", testRolloutOverwrite},
		{"a rollout state needs a route name", testRolloutNeedsRoute},
		{"a deleted rollout is gone and deleting a missing one is no error", testDeleteRollout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func sampleRollout(route string, step int) rollout.State {
	a := &rollout.Analysis{From: t0, To: t0.Add(30 * time.Second), Verdict: rollout.Pass, Reason: "all gates passed",
		Results: []rollout.Result{{Gate: "error_rate", Verdict: rollout.Pass, Reason: "modern error rate 0.10%",
			Evidence: rollout.Evidence{Modern: &rollout.SideEvidence{Requests: 1000, Errors: 1, ErrorRate: 0.001},
				Thresholds: map[string]float64{"max_error_rate": 0.01}}}}}
	return rollout.State{
		Route: route, Phase: rollout.PhaseRunning, StepIndex: step, StepStartedAt: t0, Elapsed: 90 * time.Second,
		Applied: true, StepCompared: 12, StepRequests: 340, ConsecutiveFailures: 1, Paused: true,
		PausedBy: "alice", PauseReason: "lunch", LastVerdict: rollout.Pass, LastAnalysis: a,
		StartedAt: t0, StartedBy: "ci",
		History: []rollout.Event{{Time: t0, Route: route, Kind: rollout.EventStarted, Step: 1, StepName: "weight 5%",
			Actor: "ci", Reason: "canary rollout of 3 steps", Evidence: a}},
	}
}

func mustRollouts(t *testing.T, s RolloutStore) map[string]rollout.State {
	t.Helper()
	got, err := s.RolloutStates(t.Context())
	if err != nil {
		t.Fatalf("RolloutStates: %v", err)
	}
	return got
}

func sameJSON(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

func testNoRollouts(t *testing.T, s RolloutStore) {
	if got := mustRollouts(t, s); len(got) != 0 {
		t.Errorf("got %d rollouts, want none", len(got))
	}
}

func testRolloutRoundTrip(t *testing.T, s RolloutStore) {
	a, b := sampleRollout("users", 2), sampleRollout("orders", 0)
	for _, st := range []rollout.State{a, b} {
		if err := s.SaveRolloutState(t.Context(), st); err != nil {
			t.Fatalf("SaveRolloutState(%s): %v", st.Route, err)
		}
	}
	got := mustRollouts(t, s)
	if len(got) != 2 {
		t.Fatalf("got %d rollouts, want 2", len(got))
	}
	sameJSON(t, got["users"], a)
	sameJSON(t, got["orders"], b)
	if !got["users"].StartedAt.Equal(t0) || got["users"].Elapsed != 90*time.Second {
		t.Errorf("times not kept: started %v, elapsed %v", got["users"].StartedAt, got["users"].Elapsed)
	}
}

func testRolloutOverwrite(t *testing.T, s RolloutStore) {
	first, second := sampleRollout("users", 1), sampleRollout("users", 3)
	second.Phase = rollout.PhaseCompleted
	for _, st := range []rollout.State{first, second} {
		if err := s.SaveRolloutState(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	got := mustRollouts(t, s)
	if len(got) != 1 {
		t.Fatalf("got %d rollouts, want 1", len(got))
	}
	sameJSON(t, got["users"], second)
}

func testRolloutNeedsRoute(t *testing.T, s RolloutStore) {
	if err := s.SaveRolloutState(t.Context(), rollout.State{}); err == nil {
		t.Error("a state without a route was saved")
	}
	if got := mustRollouts(t, s); len(got) != 0 {
		t.Errorf("got %d rollouts, want none", len(got))
	}
}

func testDeleteRollout(t *testing.T, s RolloutStore) {
	if err := s.SaveRolloutState(t.Context(), sampleRollout("users", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRolloutState(t.Context(), "users"); err != nil {
		t.Fatalf("DeleteRolloutState: %v", err)
	}
	if err := s.DeleteRolloutState(t.Context(), "users"); err != nil {
		t.Fatalf("DeleteRolloutState of a missing rollout: %v", err)
	}
	if got := mustRollouts(t, s); len(got) != 0 {
		t.Errorf("got %d rollouts after delete, want none", len(got))
	}
}
