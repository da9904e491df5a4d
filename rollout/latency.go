package rollout

import (
	"fmt"
	"math"
	"time"

	"github.com/ficus-dev/ficus/rollout/stats"
)

// Defaults of the latency gate.
const (
	DefaultMinSamples         = 50
	DefaultAlpha              = 0.05
	DefaultMaxLatencyIncrease = 0.10
)

// LatencyGate compares modern's latency distribution with legacy's over the same window, the way
// Netflix's Kayenta does: a two-sided Mann-Whitney U test says whether the distributions differ,
// and the Hodges-Lehmann shift (the median of all pairwise differences modern-legacy) relative to
// legacy's median says by how much. The gate fails only when both hold: the difference is
// significant (p < Alpha) and modern is slower by more than MaxIncrease. A significant but small
// difference passes (at high traffic even 1 ms is significant), and so does a large difference the
// test cannot tell from chance (few or widely spread samples); a faster modern always passes.
type LatencyGate struct {
	// MaxIncrease is how much slower, relative to legacy's median, modern may be: 0.10 allows 10%;
	// 0 means DefaultMaxLatencyIncrease.
	MaxIncrease float64
	// Alpha is the significance level of the test; 0 means DefaultAlpha.
	Alpha float64
	// MinSamples is how many latency samples each side needs for a verdict; 0 means
	// DefaultMinSamples.
	MinSamples int
}

func (g LatencyGate) withDefaults() LatencyGate {
	if g.MaxIncrease == 0 {
		g.MaxIncrease = DefaultMaxLatencyIncrease
	}
	if g.Alpha == 0 {
		g.Alpha = DefaultAlpha
	}
	if g.MinSamples == 0 {
		g.MinSamples = DefaultMinSamples
	}
	return g
}

// Evaluate judges w.
func (g LatencyGate) Evaluate(w Window) Result {
	g = g.withDefaults()
	r := Result{Gate: "latency", Evidence: Evidence{Legacy: w.Legacy.evidence(), Modern: w.Modern.evidence(),
		Thresholds: map[string]float64{"max_increase": g.MaxIncrease, "alpha": g.Alpha,
			"min_samples": float64(g.MinSamples)}}}
	for _, s := range []struct {
		side string
		n    int
	}{{"modern", len(w.Modern.Latencies)}, {"legacy", len(w.Legacy.Latencies)}} {
		if s.n < g.MinSamples {
			return r.with(Inconclusive, "%s has %d latency samples, fewer than the %d needed", s.side, s.n, g.MinSamples)
		}
	}
	mod, leg := millis(w.Modern.Latencies), millis(w.Legacy.Latencies)
	mw, err := stats.MannWhitney(mod, leg)
	if err != nil {
		return r.with(Inconclusive, "mann-whitney: %v", err)
	}
	ev := &LatencyEvidence{MannWhitney: mw, ShiftMillis: round(stats.HodgesLehmann(mod, leg), 3)}
	base := r.Evidence.Legacy.MedianMillis
	if base > 0 {
		ev.Effect = round(ev.ShiftMillis/base, 4)
	}
	r.Evidence.Latency = ev
	what := fmt.Sprintf("modern is %s than legacy (median %.1f ms; Hodges-Lehmann shift %+.1f ms, %+.1f%%), U=%g, p=%.3g",
		slowerOrFaster(ev.ShiftMillis), base, ev.ShiftMillis, ev.Effect*100, mw.U1, mw.P)
	switch {
	case mw.P < g.Alpha && ev.Effect > g.MaxIncrease:
		return r.with(Fail, "%s: significant (alpha %g) and above the allowed %+.0f%%", what, g.Alpha, g.MaxIncrease*100)
	case mw.P < g.Alpha:
		return r.with(Pass, "%s: significant but within the allowed %+.0f%%", what, g.MaxIncrease*100)
	}
	return r.with(Pass, "%s: not significant (alpha %g)", what, g.Alpha)
}

func slowerOrFaster(shift float64) string {
	if shift > 0 {
		return "slower"
	}
	return "not slower"
}

func millis(d []time.Duration) []float64 {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v) / float64(time.Millisecond)
	}
	return out
}

// medianMillis returns the median of d in milliseconds to the microsecond, 0 when d is empty; d is
// not modified.
func medianMillis(d []time.Duration) float64 { return round(stats.Median(millis(d)), 3) }

// round rounds x to the given number of decimals, so that evidence reads "98.55", not "98.5498985".
func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}
