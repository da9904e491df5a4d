package rollout

import (
	"strings"
	"time"

	"github.com/ficus-dev/ficus/rollout/stats"
)

// Verdict is a gate's or an analysis's judgement of modern.
type Verdict string

// The verdicts. The zero value, "", means not judged yet.
const (
	// Pass: modern is as good as legacy by this gate.
	Pass Verdict = "pass"
	// Fail: modern is measurably worse, beyond the configured bound.
	Fail Verdict = "fail"
	// Inconclusive: there is not enough data (or the data source failed) to say either; the rollout
	// neither promotes nor rolls back on it.
	Inconclusive Verdict = "inconclusive"
)

// Result is one gate's judgement of one analysis window.
type Result struct {
	// Gate names the gate: "error_rate", "latency", "diff_rate" or "metric:NAME".
	Gate string `json:"gate"`
	// Verdict is the judgement.
	Verdict Verdict `json:"verdict"`
	// Reason says in one sentence why, with the numbers that decided it.
	Reason string `json:"reason"`
	// Evidence holds the numbers behind the verdict, for the audit log and the timeline.
	Evidence Evidence `json:"evidence"`
}

// Evidence is the structured data behind a Result. Only the parts the gate uses are set.
type Evidence struct {
	// Legacy and Modern are the two sides' traffic in the window; nil for gates that do not use them.
	Legacy *SideEvidence `json:"legacy,omitempty"`
	Modern *SideEvidence `json:"modern,omitempty"`
	// Latency is the latency gate's test; nil for other gates or when there were too few samples.
	Latency *LatencyEvidence `json:"latency,omitempty"`
	// Diff is the diff-rate gate's counts; nil for other gates.
	Diff *DiffEvidence `json:"diff,omitempty"`
	// Metric is the Prometheus gate's query and value; nil for other gates.
	Metric *MetricEvidence `json:"metric,omitempty"`
	// Thresholds are the limits the gate applied, by name (e.g. "max_error_rate", "min_requests").
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
}

// SideEvidence summarises one side's traffic in a window.
type SideEvidence struct {
	// Requests and Errors are the side's counts in the window; ErrorRate is Errors/Requests, 0 when
	// there were no requests.
	Requests  int64   `json:"requests"`
	Errors    int64   `json:"errors"`
	ErrorRate float64 `json:"error_rate"`
	// LatencySamples is how many latencies the window held; MedianMillis is their median.
	LatencySamples int     `json:"latency_samples,omitempty"`
	MedianMillis   float64 `json:"median_ms,omitempty"`
}

// LatencyEvidence is the latency gate's Mann-Whitney test of modern (first sample) against legacy.
type LatencyEvidence struct {
	MannWhitney stats.MannWhitneyResult `json:"mann_whitney"`
	// ShiftMillis is the Hodges-Lehmann estimate of how much slower modern is than legacy (negative
	// when faster), in milliseconds.
	ShiftMillis float64 `json:"shift_ms"`
	// Effect is ShiftMillis relative to legacy's median latency: 0.5 means modern is about 50% slower.
	Effect float64 `json:"effect"`
}

// DiffEvidence is the shadow comparisons' counts in a window.
type DiffEvidence struct {
	// Compared and Defects are the window's counts; Rate is Defects/Compared, 0 when none were
	// compared.
	Compared int64   `json:"compared"`
	Defects  int64   `json:"defects"`
	Rate     float64 `json:"rate"`
}

// MetricEvidence is a Prometheus gate's query and what it returned.
type MetricEvidence struct {
	// Query is the query as run (with $route replaced); Aggregate is how its values were reduced.
	Query     string `json:"query"`
	Aggregate string `json:"aggregate"`
	// Points is how many values the query returned (NaN left out); Value is their aggregate, 0 when
	// there were none.
	Points int     `json:"points"`
	Value  float64 `json:"value"`
}

// Analysis is the judgement of every gate over one window.
type Analysis struct {
	// From and To bound the window; both sides are observed over the same interval.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Verdict is Fail when any gate failed, else Inconclusive when any was, else Pass.
	Verdict Verdict `json:"verdict"`
	// Reason summarises the gates that decided the verdict.
	Reason string `json:"reason"`
	// Results holds each gate's judgement.
	Results []Result `json:"results,omitempty"`
	// Skipped says which gates did not apply to this step and why.
	Skipped []string `json:"skipped,omitempty"`
}

// combine sets a's verdict and reason from its results.
func (a *Analysis) combine() {
	a.Verdict = Pass
	for _, r := range a.Results {
		if r.Verdict == Fail || (r.Verdict == Inconclusive && a.Verdict == Pass) {
			a.Verdict = r.Verdict
		}
	}
	var reasons []string
	for _, r := range a.Results {
		if r.Verdict == a.Verdict {
			reasons = append(reasons, r.Gate+": "+r.Reason)
		}
	}
	switch {
	case len(a.Results) == 0:
		a.Reason = "no gate applies to this step"
	case a.Verdict == Pass:
		a.Reason = "all gates passed: " + strings.Join(reasons, "; ")
	default:
		a.Reason = strings.Join(reasons, "; ")
	}
}
