package rollout

import (
	"context"
	"time"
)

// Observer reports what both sides of a route did in a time interval. The gateway's metrics and
// the diff collector implement it; cmd/ficus wires them.
type Observer interface {
	// Window returns the route's traffic in [from, to).
	Window(ctx context.Context, route string, from, to time.Time) (Window, error)
}

// Window is a route's traffic on both sides over one interval.
type Window struct {
	// Legacy and Modern are the sides' traffic. In stage shadow, Modern counts the mirrored requests
	// (their statuses, failures and latencies), since modern serves no client then.
	Legacy SideWindow
	Modern SideWindow
	// Diff counts the shadow comparisons finished in the interval.
	Diff DiffWindow
}

// SideWindow is one side's traffic over an interval.
type SideWindow struct {
	// Requests is how many requests the side answered or failed to answer.
	Requests int64
	// Errors is how many of them were 5xx responses, connection failures or timeouts.
	Errors int64
	// Latencies is a uniform sample (a bounded reservoir, e.g. 1,000) of the requests' latencies;
	// nil when none were recorded. Its length may be smaller than Requests.
	Latencies []time.Duration
}

// DiffWindow counts shadow comparisons over an interval.
type DiffWindow struct {
	// Compared is how many mirrored requests were compared with legacy's answer.
	Compared int64
	// Defects is how many comparisons found a difference that is not noise.
	Defects int64
}

func (s SideWindow) errorRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Requests)
}

func (s SideWindow) evidence() *SideEvidence {
	return &SideEvidence{Requests: s.Requests, Errors: s.Errors, ErrorRate: s.errorRate(),
		LatencySamples: len(s.Latencies), MedianMillis: medianMillis(s.Latencies)}
}
