package config

import (
	"fmt"

	"github.com/ficus-dev/ficus/rollout"
)

// Rollout is a route's progressive rollout plan: the steps that move it from legacy to modern and the
// gates modern must pass on the way. Plan converts it to the rollout package's Plan.
type Rollout struct {
	// Strategy is canary (a growing sticky share of clients, step by step) or blue_green (every client
	// at once after the steps, judged for RollbackWindow). Default canary.
	Strategy string `yaml:"strategy"`
	// Interval is the length of an analysis window, and so how often the gates are judged. Default 30s.
	Interval Duration `yaml:"interval"`
	// FailuresAllowed is how many failing analyses in a row are tolerated; the next one rolls back.
	// Default 0: the first failing analysis rolls back.
	FailuresAllowed int `yaml:"failures_allowed"`
	// RollbackWindow is how long a blue_green rollout keeps judging modern at 100% before it
	// completes. 0 (the default) means 10m. Only for blue_green.
	RollbackWindow Duration `yaml:"rollback_window"`
	// LegacyHealth adds a judgement of legacy's own error rate to the health check made before a
	// rollback. The zero value adds none.
	LegacyHealth LegacyHealth `yaml:"legacy_health"`
	// Steps are carried out in order; each is written as a mapping with one key (shadow, weight,
	// pause) or as the bare word analysis. A canary needs at least one.
	Steps []RolloutStep `yaml:"steps"`
	// Gates are judged over every analysis window, in every step. The zero value judges nothing, so
	// the plan only paces the rollout.
	Gates Gates `yaml:"gates"`
	// AutoStart starts the rollout when ficus starts (unless it already ran); false waits for the API
	// or CLI. Default false.
	AutoStart bool `yaml:"auto_start"`
}

// LegacyHealth is the rollout's judgement of legacy before a rollback.
type LegacyHealth struct {
	// MaxErrorRate is the error rate (0-1) above which legacy counts as failing, so that the rollout
	// holds instead of rolling clients back onto it. 0 (the default) leaves legacy's error rate out.
	MaxErrorRate float64 `yaml:"max_error_rate"`
}

// Step kinds as written in the file.
const (
	StepShadow   = "shadow"
	StepWeight   = "weight"
	StepPause    = "pause"
	StepAnalysis = "analysis"
)

// RolloutStep is one step of a plan. It is decoded by hand (see decodeStep), since a step is either a
// mapping with one key or the bare word analysis.
type RolloutStep struct {
	// Kind is shadow, weight, pause or analysis.
	Kind string
	// For is a shadow step's minimum duration (0: none) or a pause's duration (0 with Manual).
	For Duration
	// MinRequests is how many comparisons a shadow step needs; 0 means no minimum.
	MinRequests int
	// Percent is a weight step's share of clients on modern.
	Percent float64
	// Manual makes a pause last until an operator promotes ("pause: manual").
	Manual bool
}

// Gates selects the gates of a plan. A nil gate is not judged.
type Gates struct {
	ErrorRate *ErrorRateGate `yaml:"error_rate"`
	Latency   *LatencyGate   `yaml:"latency"`
	DiffRate  *DiffRateGate  `yaml:"diff_rate"`
	// Metrics are Prometheus range queries judged against a threshold; they need prometheus.url.
	Metrics []MetricGate `yaml:"metrics"`
}

// ErrorRateGate judges modern's share of 5xx responses, connection failures and timeouts.
type ErrorRateGate struct {
	// Max is the highest error rate (0-1) modern may show; 0 means no absolute limit.
	Max float64 `yaml:"max"`
	// MaxIncrease is how far (0-1, absolute) modern's error rate may exceed legacy's in the same
	// window; 0 means no comparison. At least one of Max and MaxIncrease is required.
	MaxIncrease float64 `yaml:"max_increase"`
	// MinRequests is how many requests each side needs for a verdict; 0 means 100.
	MinRequests int `yaml:"min_requests"`
}

// LatencyGate compares the two sides' latency distributions (Mann-Whitney U test plus an effect size).
type LatencyGate struct {
	// MaxIncrease is how much slower than legacy's median modern may be (0.10 is 10%); 0 means 0.10.
	MaxIncrease float64 `yaml:"max_increase"`
	// Alpha is the test's significance level; 0 means 0.05.
	Alpha float64 `yaml:"alpha"`
	// MinSamples is how many latency samples each side needs; 0 means 50.
	MinSamples int `yaml:"min_samples"`
}

// DiffRateGate judges the shadow comparisons that found a difference beyond noise.
type DiffRateGate struct {
	// Max is the highest share (0-1) of compared requests that may differ; 0 allows none.
	Max float64 `yaml:"max"`
	// MinCompared is how many comparisons a window needs for a verdict; 0 means 100.
	MinCompared int `yaml:"min_compared"`
	// InCanary also judges canary steps, which needs the route's mirror.in_canary. Default false:
	// shadow steps only.
	InCanary bool `yaml:"in_canary"`
}

// MetricGate is a Prometheus range query over the analysis window, aggregated and compared with a
// threshold: "aggregate op threshold" must hold.
type MetricGate struct {
	// Name identifies the gate ("metric:NAME" in results); required, unique within the route.
	Name string `yaml:"name"`
	// Query is PromQL; "$route" is replaced by the route's name. Required.
	Query string `yaml:"query"`
	// Aggregate is last, avg, max or min. Default last.
	Aggregate string `yaml:"aggregate"`
	// Op is <, <=, > or >=; required.
	Op string `yaml:"op"`
	// Threshold is what the aggregate is compared with.
	Threshold float64 `yaml:"threshold"`
	// Step is the query's resolution. 0 (the default) means 15s.
	Step Duration `yaml:"step"`
}

// Plan converts r to a rollout plan and validates it with the rollout package's rules.
func (r *Rollout) Plan() (rollout.Plan, error) {
	p := r.plan()
	if err := p.Validate(); err != nil {
		return rollout.Plan{}, fmt.Errorf("route rollout: %w", err)
	}
	return p, nil
}

// plan converts without validating, for validation to locate a problem.
func (r *Rollout) plan() rollout.Plan {
	p := rollout.Plan{
		Strategy:        rollout.Strategy(r.Strategy),
		FailuresAllowed: r.FailuresAllowed,
		Interval:        r.Interval.D(),
		RollbackWindow:  r.RollbackWindow.D(),
		LegacyHealth:    rollout.LegacyHealth{MaxErrorRate: r.LegacyHealth.MaxErrorRate},
		Gates:           r.Gates.gates(),
	}
	for _, s := range r.Steps {
		p.Steps = append(p.Steps, s.step())
	}
	return p
}

func (s RolloutStep) step() rollout.Step {
	return rollout.Step{Kind: rollout.StepKind(s.Kind), For: s.For.D(), MinRequests: int64(s.MinRequests),
		Percent: s.Percent, Manual: s.Manual}
}

func (g Gates) gates() rollout.GateConfig {
	var out rollout.GateConfig
	if e := g.ErrorRate; e != nil {
		out.ErrorRate = &rollout.ErrorRateGate{MaxRate: e.Max, MaxIncrease: e.MaxIncrease, MinRequests: int64(e.MinRequests)}
	}
	if l := g.Latency; l != nil {
		out.Latency = &rollout.LatencyGate{MaxIncrease: l.MaxIncrease, Alpha: l.Alpha, MinSamples: l.MinSamples}
	}
	if d := g.DiffRate; d != nil {
		out.DiffRate = &rollout.DiffRateGate{MaxRate: d.Max, MinCompared: int64(d.MinCompared), InCanary: d.InCanary}
	}
	for _, m := range g.Metrics {
		out.Metrics = append(out.Metrics, rollout.MetricGate{Name: m.Name, Query: m.Query, Aggregate: m.Aggregate,
			Op: m.Op, Threshold: m.Threshold, Step: m.Step.D()})
	}
	return out
}
