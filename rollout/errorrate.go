package rollout

import "fmt"

// DefaultMinRequests is the number of requests per side below which the error-rate gate is
// inconclusive.
const DefaultMinRequests = 100

// ErrorRateGate judges modern's share of failed requests (5xx responses, connection failures and
// timeouts) in a window, on its own and against legacy's in the same window.
type ErrorRateGate struct {
	// MaxRate is the highest error rate (0-1) modern may show, e.g. 0.01; 0 means no absolute limit.
	MaxRate float64
	// MaxIncrease is how far modern's error rate may exceed legacy's, in absolute terms (0.005 allows
	// 0.5% when legacy shows 0.2%, up to 0.7%); 0 means no comparison with legacy. An absolute
	// difference rather than a ratio, because a ratio explodes when legacy's rate is near zero.
	MaxIncrease float64
	// MinRequests is how many requests each side needs in the window for a verdict; 0 means
	// DefaultMinRequests.
	MinRequests int64
}

func (g ErrorRateGate) minRequests() int64 {
	if g.MinRequests > 0 {
		return g.MinRequests
	}
	return DefaultMinRequests
}

// Evaluate judges w.
func (g ErrorRateGate) Evaluate(w Window) Result { return g.evaluate(w, false) }

// evaluate judges w; when legacyIdle (modern serves every client) the comparison with legacy is left
// out, because legacy has no traffic to compare with.
func (g ErrorRateGate) evaluate(w Window, legacyIdle bool) Result {
	minReq := g.minRequests()
	r := Result{Gate: "error_rate", Evidence: Evidence{Modern: w.Modern.evidence(),
		Thresholds: map[string]float64{"min_requests": float64(minReq)}}}
	if g.MaxRate > 0 {
		r.Evidence.Thresholds["max_error_rate"] = g.MaxRate
	}
	compare := g.MaxIncrease > 0 && !legacyIdle
	if compare {
		r.Evidence.Legacy = w.Legacy.evidence()
		r.Evidence.Thresholds["max_increase"] = g.MaxIncrease
	}
	mod, leg := w.Modern, w.Legacy
	switch {
	case mod.Requests < minReq:
		return r.with(Inconclusive, "modern served %d requests, fewer than the %d needed", mod.Requests, minReq)
	case compare && leg.Requests < minReq:
		return r.with(Inconclusive, "legacy served %d requests, fewer than the %d needed", leg.Requests, minReq)
	case g.MaxRate > 0 && mod.errorRate() > g.MaxRate:
		return r.with(Fail, "modern error rate %s (%d/%d) is above the maximum %s",
			pct(mod.errorRate()), mod.Errors, mod.Requests, pct(g.MaxRate))
	case compare && mod.errorRate()-leg.errorRate() > g.MaxIncrease:
		return r.with(Fail, "modern error rate %s (%d/%d) exceeds legacy's %s (%d/%d) by more than %s",
			pct(mod.errorRate()), mod.Errors, mod.Requests, pct(leg.errorRate()), leg.Errors, leg.Requests,
			pct(g.MaxIncrease))
	case compare:
		return r.with(Pass, "modern error rate %s (%d/%d), legacy %s (%d/%d)",
			pct(mod.errorRate()), mod.Errors, mod.Requests, pct(leg.errorRate()), leg.Errors, leg.Requests)
	}
	return r.with(Pass, "modern error rate %s (%d/%d)", pct(mod.errorRate()), mod.Errors, mod.Requests)
}

func (r Result) with(v Verdict, format string, args ...any) Result {
	r.Verdict = v
	r.Reason = fmt.Sprintf(format, args...)
	return r
}

// pct formats a rate as a percentage with two decimals: 0.0123 is "1.23%".
func pct(rate float64) string { return fmt.Sprintf("%.2f%%", rate*100) }
