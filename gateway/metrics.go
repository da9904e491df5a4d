package gateway

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/diff"
)

// metrics are the gateway's Prometheus collectors. Children are resolved when a table is installed
// (routeStats) or a backend is built (upstream), so that the hot path only increments counters it
// already holds and never looks up label values.
type metrics struct {
	requests       *prometheus.CounterVec   // route, side, code_class
	duration       *prometheus.HistogramVec // route, side
	stage          *prometheus.GaugeVec     // route, stage
	weight         *prometheus.GaugeVec     // route
	upstreamUp     *prometheus.GaugeVec     // side, upstream
	upstreamErrors *prometheus.CounterVec   // side, upstream, kind
	override       *prometheus.CounterVec   // route, result
	shadowRequests *prometheus.CounterVec   // route, result
	shadowSkipped  *prometheus.CounterVec   // route, reason
	shadowLatency  *prometheus.HistogramVec // route, side
	shadowQueue    prometheus.GaugeFunc
}

// durationBuckets start at half a millisecond: a proxy hop on a LAN is well under the 5ms of
// prometheus.DefBuckets.
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// newMetrics builds the collectors and registers them with reg when it is not nil. queueLength
// reports the shadow queue's length when scraped, so that the hot path never updates a gauge.
func newMetrics(reg prometheus.Registerer, queueLength func() int) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficus_requests_total",
			Help: "Proxied requests by route, side and status class (1xx-5xx, or client_closed when the client went away before the response). Unmatched requests have empty route and side.",
		}, []string{"route", "side", "code_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ficus_request_duration_seconds",
			Help:    "Time from receiving a request to the end of its response body, by route and side.",
			Buckets: durationBuckets,
		}, []string{"route", "side"}),
		stage: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ficus_route_stage",
			Help: "1 for the route's current stage, 0 for the others.",
		}, []string{"route", "stage"}),
		weight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ficus_route_weight",
			Help: "The route's canary weight in percent (0 legacy, 100 modern).",
		}, []string{"route"}),
		upstreamUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ficus_upstream_up",
			Help: "0 while passive health checking skips the upstream, 1 otherwise.",
		}, []string{"side", "upstream"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficus_upstream_errors_total",
			Help: "Failed upstream exchanges by kind: connect, timeout (response header), protocol (reset, TLS, bad response), body (error while streaming the response).",
		}, []string{"side", "upstream", "kind"}),
		override: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficus_override_total",
			Help: "Requests carrying an override, by route and result (accepted, rejected).",
		}, []string{"route", "result"}),
		shadowRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficus_shadow_requests_total",
			Help: "Mirrored requests by route and result: equal or different once compared, skipped when they could not be compared (see ficus_shadow_skipped_total).",
		}, []string{"route", "result"}),
		shadowSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficus_shadow_skipped_total",
			Help: "Mirrored requests that were not compared, by route and reason (queue_full, body_too_large, modern_timeout, modern_error, legacy_error, client_closed, request_incomplete, shutdown).",
		}, []string{"route", "reason"}),
		shadowLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ficus_shadow_latency_seconds",
			Help:    "Latency of mirrored requests by route and side: modern is the shadow request to modern, legacy the client's own exchange with legacy.",
			Buckets: durationBuckets,
		}, []string{"route", "side"}),
		shadowQueue: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ficus_shadow_queue_length",
			Help: "Mirrored requests waiting for a shadow worker.",
		}, func() float64 { return float64(queueLength()) }),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.stage, m.weight, m.upstreamUp, m.upstreamErrors, m.override,
		m.shadowRequests, m.shadowSkipped, m.shadowLatency, m.shadowQueue} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// Status classes of ficus_requests_total, indexed by codeClass.
const (
	classClientClosed = 0
	numClasses        = 6
)

var classNames = [numClasses]string{"client_closed", "1xx", "2xx", "3xx", "4xx", "5xx"}

// codeClass maps an exchange to its index in classNames; a status outside 100-599 counts as 5xx.
func codeClass(ex *exchange) int {
	switch {
	case ex.clientClosed:
		return classClientClosed
	case ex.status >= 100 && ex.status < 600:
		return ex.status / 100
	}
	return 5
}

// sideStats are the resolved children for one route and side.
type sideStats struct {
	codes    [numClasses]prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) sideStats(route, side string) sideStats {
	var s sideStats
	for i, c := range classNames {
		s.codes[i] = m.requests.WithLabelValues(route, side, c)
	}
	s.duration = m.duration.WithLabelValues(route, side)
	return s
}

// routeStats are the resolved children for one route, indexed by sideIndex.
type routeStats struct {
	sides                              [2]sideStats
	overrideAccepted, overrideRejected prometheus.Counter
	shadow                             shadowStats
}

func (m *metrics) routeStats(route string) routeStats {
	return routeStats{
		sides:            [2]sideStats{m.sideStats(route, string(ficus.SideLegacy)), m.sideStats(route, string(ficus.SideModern))},
		overrideAccepted: m.override.WithLabelValues(route, "accepted"),
		overrideRejected: m.override.WithLabelValues(route, "rejected"),
		shadow:           m.shadowStats(route),
	}
}

// shadowStats are the resolved shadow children for one route.
type shadowStats struct {
	route            string
	m                *metrics
	equal, different prometheus.Counter
	skipped          prometheus.Counter
	skips            [numSkipReasons]prometheus.Counter // by skipReason index
	latency          [2]prometheus.Observer             // by sideIndex
}

func (m *metrics) shadowStats(route string) shadowStats {
	s := shadowStats{
		route:     route,
		m:         m,
		equal:     m.shadowRequests.WithLabelValues(route, "equal"),
		different: m.shadowRequests.WithLabelValues(route, "different"),
		skipped:   m.shadowRequests.WithLabelValues(route, "skipped"),
		latency: [2]prometheus.Observer{
			m.shadowLatency.WithLabelValues(route, string(ficus.SideLegacy)),
			m.shadowLatency.WithLabelValues(route, string(ficus.SideModern)),
		},
	}
	for i, r := range skipReasons {
		s.skips[i] = m.shadowSkipped.WithLabelValues(route, string(r))
	}
	return s
}

// countSkip counts a skipped mirrored request. A reason outside skipReasons (one the diff package
// adds later) is looked up by label, which is rare enough not to matter.
func (s *shadowStats) countSkip(reason diff.SkipReason) {
	s.skipped.Inc()
	for i, r := range skipReasons {
		if r == reason {
			s.skips[i].Inc()
			return
		}
	}
	s.m.shadowSkipped.WithLabelValues(s.route, string(reason)).Inc()
}

// countResult counts a compared (or, by the comparer, skipped) mirrored request.
func (s *shadowStats) countResult(r *diff.Result) {
	switch {
	case r.Skipped != "":
		s.countSkip(r.Skipped)
	case r.Equal:
		s.equal.Inc()
	default:
		s.different.Inc()
	}
}

// statsFor resolves the children of every route of t, indexed by Route.Index.
func (m *metrics) statsFor(t *Table) []routeStats {
	n := 0
	for _, rt := range t.Routes() {
		n = max(n, rt.Index+1)
	}
	stats := make([]routeStats, n)
	for _, rt := range t.Routes() {
		stats[rt.Index] = m.routeStats(rt.Name)
	}
	return stats
}

// setRouteGauges makes ficus_route_stage and ficus_route_weight show t's states, and forgets the
// routes of old that t no longer has.
func (m *metrics) setRouteGauges(t, old *Table) {
	for _, rt := range t.Routes() {
		for _, s := range ficus.Stages {
			v := 0.0
			if rt.State.Stage == s {
				v = 1
			}
			m.stage.WithLabelValues(rt.Name, string(s)).Set(v)
		}
		m.weight.WithLabelValues(rt.Name).Set(rt.State.Weight)
	}
	if old == nil {
		return
	}
	for _, rt := range old.Routes() {
		if t.Route(rt.Name) == nil {
			m.stage.DeletePartialMatch(prometheus.Labels{"route": rt.Name})
			m.weight.DeleteLabelValues(rt.Name)
		}
	}
}

// forgetUpstreams drops the series of a backend that was replaced, keeping those of upstreams that
// the replacement still has.
func (m *metrics) forgetUpstreams(old, cur *backend) {
	keep := make(map[string]bool, len(cur.upstreams))
	for _, u := range cur.upstreams {
		keep[u.name] = true
	}
	for _, u := range old.upstreams {
		if !keep[u.name] {
			m.upstreamUp.DeleteLabelValues(string(old.side), u.name)
			m.upstreamErrors.DeletePartialMatch(prometheus.Labels{"side": string(old.side), "upstream": u.name})
		}
	}
}

// errorKind classifies a failed upstream exchange for ficus_upstream_errors_total.
type errorKind int

const (
	kindConnect  errorKind = iota // could not connect (or TLS handshake timed out): nothing was sent
	kindTimeout                   // no response header within Timeouts.ResponseHeader
	kindProtocol                  // reset, TLS failure or malformed response after connecting
	kindBody                      // the response body broke off while streaming
	numErrorKinds
)

func (k errorKind) String() string {
	switch k {
	case kindConnect:
		return "connect"
	case kindTimeout:
		return "timeout"
	case kindProtocol:
		return "protocol"
	case kindBody:
		return "body"
	}
	return "unknown"
}
