package rollout

import (
	"context"
	"fmt"
	"time"
)

// GateConfig selects the gates an analysis runs. The zero value runs none, so every analysis passes
// once its window is over: a plan without gates only paces the rollout.
type GateConfig struct {
	// ErrorRate, when not nil, judges modern's error rate.
	ErrorRate *ErrorRateGate
	// Latency, when not nil, compares the latency distributions.
	Latency *LatencyGate
	// DiffRate, when not nil, judges the shadow comparisons.
	DiffRate *DiffRateGate
	// Metrics are Prometheus gates; they need a MetricQuerier.
	Metrics []MetricGate
}

func (g GateConfig) validate() error {
	if e := g.ErrorRate; e != nil {
		if e.MaxRate <= 0 && e.MaxIncrease <= 0 {
			return fmt.Errorf("error_rate gate needs max or max_increase")
		}
		if e.MaxRate < 0 || e.MaxRate > 1 || e.MaxIncrease < 0 || e.MaxIncrease > 1 || e.MinRequests < 0 {
			return fmt.Errorf("error_rate gate: rates must be within 0-1 and min_requests not negative")
		}
	}
	if l := g.Latency; l != nil {
		if l.MaxIncrease < 0 || l.Alpha < 0 || l.Alpha >= 1 || l.MinSamples < 0 {
			return fmt.Errorf("latency gate: max_increase must not be negative, alpha must be within 0-1, min_samples not negative")
		}
	}
	if d := g.DiffRate; d != nil && (d.MaxRate < 0 || d.MaxRate > 1 || d.MinCompared < 0) {
		return fmt.Errorf("diff_rate gate: max must be within 0-1 and min_compared not negative")
	}
	names := map[string]bool{}
	for _, m := range g.Metrics {
		if err := m.validate(); err != nil {
			return err
		}
		if names[m.Name] {
			return fmt.Errorf("metric gate %s is defined twice", m.Name)
		}
		names[m.Name] = true
	}
	return nil
}

// scope tells the gates what the current step allows them to judge.
type scope struct {
	// shadow: modern serves no client; its numbers are the mirrored requests'.
	shadow bool
	// legacyIdle: modern serves every client, so there is no legacy traffic to compare with.
	legacyIdle bool
}

// analyse judges route's traffic in [from, to), w (or werr when observing it failed), with every gate
// that applies to the step.
func (g GateConfig) analyse(ctx context.Context, w Window, werr error, q MetricQuerier, route string, from, to time.Time, sc scope) Analysis {
	a := Analysis{From: from, To: to}
	windowGate := func(name string, eval func() Result) {
		if werr != nil {
			a.Results = append(a.Results, Result{Gate: name, Verdict: Inconclusive,
				Reason: fmt.Sprintf("observing the window failed: %v", werr)})
			return
		}
		a.Results = append(a.Results, eval())
	}
	if e := g.ErrorRate; e != nil {
		windowGate("error_rate", func() Result { return e.evaluate(w, sc.legacyIdle) })
	}
	if l := g.Latency; l != nil {
		if sc.legacyIdle {
			a.Skipped = append(a.Skipped, "latency: legacy serves no clients, nothing to compare with")
		} else {
			windowGate("latency", func() Result { return l.Evaluate(w) })
		}
	}
	if d := g.DiffRate; d != nil {
		switch {
		case sc.legacyIdle:
			a.Skipped = append(a.Skipped, "diff_rate: legacy serves no clients, nothing is compared")
		case !sc.shadow && !d.InCanary:
			a.Skipped = append(a.Skipped, "diff_rate: judged in shadow steps only (in_canary is off)")
		default:
			windowGate("diff_rate", func() Result { return d.Evaluate(w) })
		}
	}
	for _, m := range g.Metrics {
		a.Results = append(a.Results, m.Evaluate(ctx, q, route, from, to))
	}
	a.combine()
	return a
}
