package rollout

import (
	"fmt"
	"time"

	"github.com/ficus-dev/ficus"
)

// Strategy is how a plan moves traffic.
type Strategy string

// The strategies.
const (
	// StrategyCanary moves a growing sticky share of clients to modern, step by step.
	StrategyCanary Strategy = "canary"
	// StrategyBlueGreen moves every client at once, after the plan's shadow (and pause, analysis)
	// steps, and keeps judging modern for RollbackWindow; legacy stays warm meanwhile.
	StrategyBlueGreen Strategy = "blue_green"
)

// StepKind says what a step does.
type StepKind string

// The step kinds.
const (
	// StepShadow puts the route in stage shadow and stays at least For and until MinRequests
	// comparisons were made.
	StepShadow StepKind = "shadow"
	// StepWeight puts the route in stage canary with Percent of clients on modern, and moves on after
	// one passing analysis at that weight.
	StepWeight StepKind = "weight"
	// StepPause waits For (with passing analyses), or until an operator promotes when Manual.
	StepPause StepKind = "pause"
	// StepAnalysis waits for the next analysis and moves on when it passes.
	StepAnalysis StepKind = "analysis"
	// StepCutover is the step a blue-green plan adds after the plan's own: stage modern for the
	// rollback window. It is not written in plans.
	StepCutover StepKind = "cutover"
)

// Step is one step of a plan. Fields that do not belong to the step's kind must be zero.
type Step struct {
	// Kind is what the step does; required.
	Kind StepKind `json:"kind"`
	// For is how long a shadow step lasts at least (0: no minimum) or how long a pause lasts.
	For time.Duration `json:"for,omitempty"`
	// MinRequests is how many comparisons a shadow step needs (0: no minimum).
	MinRequests int64 `json:"min_requests,omitempty"`
	// Percent is a weight step's share of clients on modern, above 0 and at most 100.
	Percent float64 `json:"percent,omitempty"`
	// Manual makes a pause last until an operator promotes.
	Manual bool `json:"manual,omitempty"`
}

// String describes the step for people: "weight 5%", "pause until promoted".
func (s Step) String() string {
	switch s.Kind {
	case StepShadow:
		return fmt.Sprintf("shadow for %v and %d comparisons", s.For, s.MinRequests)
	case StepWeight:
		return fmt.Sprintf("weight %g%%", s.Percent)
	case StepPause:
		if s.Manual {
			return "pause until promoted"
		}
		return fmt.Sprintf("pause %v", s.For)
	case StepCutover:
		return fmt.Sprintf("all clients on modern, rollback window %v", s.For)
	}
	return string(s.Kind)
}

// Defaults of a plan.
const (
	DefaultInterval       = 30 * time.Second
	DefaultRollbackWindow = 10 * time.Minute
)

// Plan is how one route moves from legacy to modern and what modern must prove on the way.
type Plan struct {
	// Strategy is canary or blue_green; "" means canary.
	Strategy Strategy
	// Steps are carried out in order. A canary needs at least one; a blue-green plan may not set
	// weights (it moves 0 → 100% at once after its steps). After the last step a canary goes to
	// stage modern and completes.
	Steps []Step
	// Gates are judged over every analysis window, in every step.
	Gates GateConfig
	// FailuresAllowed is how many consecutive failing analyses are tolerated; the next one rolls back.
	// 0 rolls back at the first failing analysis. A passing analysis resets the count; an
	// inconclusive one leaves it as it is.
	FailuresAllowed int
	// Interval is the length of an analysis window, and so how often gates are judged; 0 means
	// DefaultInterval.
	Interval time.Duration
	// RollbackWindow is how long a blue-green rollout keeps judging modern at 100% before it
	// completes; a failing gate in that time still rolls back. 0 means DefaultRollbackWindow. Unused
	// by canaries.
	RollbackWindow time.Duration
	// LegacyHealth adds to the Actuator's legacy health check before a rollback.
	LegacyHealth LegacyHealth
}

// LegacyHealth judges legacy's health from the analysis window, on top of the Actuator's check.
type LegacyHealth struct {
	// MaxErrorRate is the error rate (0-1) above which legacy counts as failing, when it served at
	// least DefaultMinRequests requests in the window; 0 leaves the judgement to the Actuator alone.
	MaxErrorRate float64
}

// Validate reports the first problem of p, naming the step by its 1-based number.
func (p Plan) Validate() error {
	if err := p.validate(); err != nil {
		return ficus.Errorf(ficus.EInvalid, "rollout plan: %v", err)
	}
	return nil
}

func (p Plan) validate() error {
	switch p.Strategy {
	case "", StrategyCanary:
		if len(p.Steps) == 0 {
			return fmt.Errorf("a canary needs at least one step")
		}
	case StrategyBlueGreen:
	default:
		return fmt.Errorf("strategy %q is not canary or blue_green", p.Strategy)
	}
	if len(p.Steps) > 0 && p.Steps[0].Kind != StepShadow && p.Steps[0].Kind != StepWeight {
		return fmt.Errorf("step 1 (%s): the first step must be shadow or weight, so that modern gets traffic to judge", p.Steps[0].Kind)
	}
	var weight float64
	for i, s := range p.Steps {
		if err := p.validateStep(s, weight); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Kind, err)
		}
		if s.Kind == StepWeight {
			weight = s.Percent
		}
	}
	switch {
	case p.FailuresAllowed < 0:
		return fmt.Errorf("failures_allowed %d is negative", p.FailuresAllowed)
	case p.Interval < 0:
		return fmt.Errorf("interval %v is negative", p.Interval)
	case p.Interval > 0 && p.Interval < time.Second:
		return fmt.Errorf("interval %v is shorter than a second", p.Interval)
	case p.RollbackWindow < 0:
		return fmt.Errorf("rollback_window %v is negative", p.RollbackWindow)
	case p.LegacyHealth.MaxErrorRate < 0 || p.LegacyHealth.MaxErrorRate > 1:
		return fmt.Errorf("legacy_health.max_error_rate %v is outside 0-1", p.LegacyHealth.MaxErrorRate)
	}
	return p.Gates.validate()
}

func (p Plan) validateStep(s Step, prevWeight float64) error {
	zero := func(cond bool, field string) error {
		if cond {
			return fmt.Errorf("%s does not apply to this kind of step", field)
		}
		return nil
	}
	switch s.Kind {
	case StepShadow:
		if s.For < 0 || s.MinRequests < 0 {
			return fmt.Errorf("for and min_requests must not be negative")
		}
		return firstErr(zero(s.Percent != 0, "percent"), zero(s.Manual, "manual"))
	case StepWeight:
		if p.Strategy == StrategyBlueGreen {
			return fmt.Errorf("a blue_green plan moves all clients at once and sets no weights")
		}
		if s.Percent <= 0 || s.Percent > ficus.MaxWeight {
			return fmt.Errorf("percent %v is outside (0, 100]", s.Percent)
		}
		if s.Percent < prevWeight {
			return fmt.Errorf("percent %v is below the earlier step's %v", s.Percent, prevWeight)
		}
		return firstErr(zero(s.For != 0, "for"), zero(s.MinRequests != 0, "min_requests"), zero(s.Manual, "manual"))
	case StepPause:
		if s.Manual == (s.For > 0) {
			return fmt.Errorf("a pause needs either a positive duration or manual")
		}
		return firstErr(zero(s.Percent != 0, "percent"), zero(s.MinRequests != 0, "min_requests"))
	case StepAnalysis:
		return firstErr(zero(s.For != 0, "for"), zero(s.Percent != 0, "percent"),
			zero(s.MinRequests != 0, "min_requests"), zero(s.Manual, "manual"))
	}
	return fmt.Errorf("kind %q is not shadow, weight, pause or analysis", s.Kind)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (p Plan) interval() time.Duration {
	if p.Interval > 0 {
		return p.Interval
	}
	return DefaultInterval
}

// steps returns the steps the controller carries out: the plan's, and for blue-green the cutover.
func (p Plan) steps() []Step {
	steps := append([]Step(nil), p.Steps...)
	if p.Strategy == StrategyBlueGreen {
		window := p.RollbackWindow
		if window <= 0 {
			window = DefaultRollbackWindow
		}
		steps = append(steps, Step{Kind: StepCutover, For: window})
	}
	return steps
}
