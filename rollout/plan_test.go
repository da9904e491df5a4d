package rollout

import (
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
)

func TestPlanValidate(t *testing.T) {
	weight := func(p float64) Step { return Step{Kind: StepWeight, Percent: p} }
	shadow := Step{Kind: StepShadow, For: time.Minute, MinRequests: 10}
	tests := []struct {
		name string
		plan Plan
		want string // "" for a valid plan
	}{
		{"a canary of shadow, weights, pauses and analysis is valid", Plan{Steps: []Step{shadow, weight(5),
			{Kind: StepPause, For: time.Minute}, {Kind: StepAnalysis}, weight(50), {Kind: StepPause, Manual: true}}}, ""},
		{"a blue-green plan without steps is valid", Plan{Strategy: StrategyBlueGreen}, ""},
		{"a canary needs steps", Plan{}, "rollout plan: a canary needs at least one step"},
		{"an unknown strategy is refused", Plan{Strategy: "linear", Steps: []Step{weight(5)}}, `rollout plan: strategy "linear" is not canary or blue_green`},
		{"a plan may not start with a pause", Plan{Steps: []Step{{Kind: StepPause, For: time.Minute}}}, "rollout plan: step 1 (pause): the first step must be shadow or weight, so that modern gets traffic to judge"},
		{"an unknown step kind is refused", Plan{Steps: []Step{weight(5), {Kind: "wait"}}}, `rollout plan: step 2 (wait): kind "wait" is not shadow, weight, pause or analysis`},
		{"a weight above 100 is refused", Plan{Steps: []Step{weight(101)}}, "rollout plan: step 1 (weight): percent 101 is outside (0, 100]"},
		{"a zero weight is refused", Plan{Steps: []Step{weight(0)}}, "rollout plan: step 1 (weight): percent 0 is outside (0, 100]"},
		{"weights may not go down", Plan{Steps: []Step{weight(20), weight(10)}}, "rollout plan: step 2 (weight): percent 10 is below the earlier step's 20"},
		{"a weight step takes no duration", Plan{Steps: []Step{{Kind: StepWeight, Percent: 5, For: time.Minute}}}, "rollout plan: step 1 (weight): for does not apply to this kind of step"},
		{"a pause needs a duration or manual", Plan{Steps: []Step{weight(5), {Kind: StepPause}}}, "rollout plan: step 2 (pause): a pause needs either a positive duration or manual"},
		{"a pause cannot be both", Plan{Steps: []Step{weight(5), {Kind: StepPause, For: time.Minute, Manual: true}}}, "rollout plan: step 2 (pause): a pause needs either a positive duration or manual"},
		{"an analysis step takes no fields", Plan{Steps: []Step{weight(5), {Kind: StepAnalysis, Percent: 5}}}, "rollout plan: step 2 (analysis): percent does not apply to this kind of step"},
		{"a blue-green plan sets no weight", Plan{Strategy: StrategyBlueGreen, Steps: []Step{shadow, weight(5)}}, "rollout plan: step 2 (weight): a blue_green plan moves all clients at once and sets no weights"},
		{"negative failures are refused", Plan{Steps: []Step{weight(5)}, FailuresAllowed: -1}, "rollout plan: failures_allowed -1 is negative"},
		{"a sub-second interval is refused", Plan{Steps: []Step{weight(5)}, Interval: time.Millisecond}, "rollout plan: interval 1ms is shorter than a second"},
		{"an error-rate gate needs a limit", Plan{Steps: []Step{weight(5)}, Gates: GateConfig{ErrorRate: &ErrorRateGate{}}}, "rollout plan: error_rate gate needs max or max_increase"},
		{"an alpha of 1 is refused", Plan{Steps: []Step{weight(5)}, Gates: GateConfig{Latency: &LatencyGate{Alpha: 1}}}, "rollout plan: latency gate: max_increase must not be negative, alpha must be within 0-1, min_samples not negative"},
		{"a metric gate needs an operator", Plan{Steps: []Step{weight(5)}, Gates: GateConfig{Metrics: []MetricGate{{Name: "m", Query: "up"}}}}, `rollout plan: metric gate m: op "" is not one of < <= > >=`},
		{"a metric gate's aggregate is checked", Plan{Steps: []Step{weight(5)}, Gates: GateConfig{Metrics: []MetricGate{{Name: "m", Query: "up", Op: "<", Aggregate: "p99"}}}}, `rollout plan: metric gate m: aggregate "p99" is not one of last, avg, max, min`},
		{"metric gate names are unique", Plan{Steps: []Step{weight(5)}, Gates: GateConfig{Metrics: []MetricGate{{Name: "m", Query: "up", Op: "<"}, {Name: "m", Query: "up", Op: "<"}}}}, "rollout plan: metric gate m is defined twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.plan.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want == "":
				return
			case err == nil:
				t.Fatalf("no error; want %q", tc.want)
			case err.Error() != tc.want:
				t.Errorf("error %q\nwant  %q", err, tc.want)
			}
			if ficus.ErrorCode(err) != ficus.EInvalid {
				t.Errorf("code %s; want invalid", ficus.ErrorCode(err))
			}
		})
	}
}

func TestBlueGreenPlanEndsWithTheCutover(t *testing.T) {
	steps := Plan{Strategy: StrategyBlueGreen, Steps: []Step{{Kind: StepShadow}}}.steps()
	if len(steps) != 2 || steps[1].Kind != StepCutover || steps[1].For != DefaultRollbackWindow {
		t.Errorf("steps %v", steps)
	}
}
