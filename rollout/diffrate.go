package rollout

// DiffRateGate judges the shadow comparisons: the share of compared requests whose answers differ by
// more than noise.
type DiffRateGate struct {
	// MaxRate is the highest defect rate (0-1) allowed; 0 means no defect at all is allowed.
	MaxRate float64
	// MinCompared is how many comparisons the window needs for a verdict; 0 means DefaultMinRequests.
	MinCompared int64
	// InCanary also judges the diff rate in weight and pause steps, which needs the route's mirror to
	// keep comparing in canary (mirror.in_canary). false judges it in shadow steps only, since a
	// canary without mirroring produces no comparisons and the gate would stay inconclusive.
	InCanary bool
}

// Evaluate judges w.
func (g DiffRateGate) Evaluate(w Window) Result {
	minCmp := g.MinCompared
	if minCmp <= 0 {
		minCmp = DefaultMinRequests
	}
	d := w.Diff
	ev := &DiffEvidence{Compared: d.Compared, Defects: d.Defects}
	if d.Compared > 0 {
		ev.Rate = float64(d.Defects) / float64(d.Compared)
	}
	r := Result{Gate: "diff_rate", Evidence: Evidence{Diff: ev,
		Thresholds: map[string]float64{"max_rate": g.MaxRate, "min_compared": float64(minCmp)}}}
	switch {
	case d.Compared < minCmp:
		return r.with(Inconclusive, "%d requests compared, fewer than the %d needed", d.Compared, minCmp)
	case ev.Rate > g.MaxRate:
		return r.with(Fail, "%d of %d compared requests differ (%s), above the maximum %s",
			d.Defects, d.Compared, pct(ev.Rate), pct(g.MaxRate))
	}
	return r.with(Pass, "%d of %d compared requests differ (%s)", d.Defects, d.Compared, pct(ev.Rate))
}
