package admin

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/rollout"
)

// The rollout schemas must name exactly the members a full status has, so that the document cannot
// drift from the JSON that GET /api/v1/routes/{name}/rollout serves.
func TestOpenAPIRolloutSchemasMatchTheStatus(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	t0 := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	a := &rollout.Analysis{From: t0, To: t0, Verdict: rollout.Fail, Reason: "r", Skipped: []string{"latency: idle"},
		Results: []rollout.Result{{Gate: "error_rate", Verdict: rollout.Fail, Reason: "r"}}}
	st := control.RolloutStatus{
		State: rollout.State{Route: "users", Phase: rollout.PhaseHeld, StepIndex: 1, StepStartedAt: t0, Elapsed: 1,
			Applied: true, StepCompared: 1, StepRequests: 1, ConsecutiveFailures: 1, Paused: true, PausedBy: "a",
			PauseReason: "r", HeldReason: "r", RollbackPending: "r", LastVerdict: rollout.Fail, LastAnalysis: a,
			StartedAt: t0, StartedBy: "a", FinishedAt: t0,
			History: []rollout.Event{{Time: t0, Route: "users", Kind: rollout.EventHeld, Step: 1, StepName: "s", Actor: "a", Reason: "r", Evidence: a}}},
		Strategy: rollout.StrategyCanary,
		Steps:    []rollout.Step{{Kind: rollout.StepShadow, For: 1, MinRequests: 1, Percent: 1, Manual: true}},
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var status map[string]any
	if err := json.Unmarshal(b, &status); err != nil {
		t.Fatal(err)
	}
	event := status["history"].([]any)[0].(map[string]any)
	analysis := status["last_analysis"].(map[string]any)
	step := status["steps"].([]any)[0].(map[string]any)
	result := analysis["results"].([]any)[0].(map[string]any)
	for schema, value := range map[string]map[string]any{"RolloutStatus": status, "RolloutEvent": event,
		"RolloutAnalysis": analysis, "RolloutStep": step, "GateResult": result} {
		t.Run(schema+" names every member", func(t *testing.T) {
			props, required := schemaMembers(t, doc, "#/components/schemas/"+schema)
			var members []string
			for k := range value {
				members = append(members, k)
			}
			slices.Sort(members)
			slices.Sort(props)
			if !slices.Equal(members, props) {
				t.Errorf("members %q, documented %q", members, props)
			}
			for _, r := range required {
				if _, ok := value[r]; !ok {
					t.Errorf("required %q is not in the status", r)
				}
			}
		})
	}
}
