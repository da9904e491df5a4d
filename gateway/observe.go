package gateway

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/diff"
	"github.com/ficus-dev/ficus/rollout"
)

// This file counts each route's traffic per side and per second, for the rollout's analysis: how
// many requests, how many failed, and a bounded sample of their latencies. Unlike the Prometheus
// histograms these can be cut into any interval of the last ObserveSpan, and keep latencies
// themselves, which a Mann-Whitney test needs.
//
// The hot path takes no lock: a side's counters live in a ring of one-second buckets, each with
// atomic counters and a reservoir of latency samples. A bucket is claimed for a new second under
// its own mutex, once a second at most; everything else is atomic.

// ObserveSpan is how far back a rollout window can reach.
const ObserveSpan = 10 * time.Minute

const (
	observeSeconds = int64(ObserveSpan / time.Second)
	// bucketSamples bounds the latencies sampled per side and second: 32 samples a second is ~1,000
	// in a 30 s window whatever the traffic, enough for the latency gate at a fraction of the memory.
	bucketSamples = 32
	// maxWindowSamples bounds the latencies a Window returns per side.
	maxWindowSamples = 1000
)

// routeWindows are one route's rings, by sideIndex. They belong to the route's name and survive
// reloads and stage changes.
type routeWindows struct {
	sides [2]sideRing
}

// sideRing is one side's last ObserveSpan, one bucket per second.
type sideRing struct {
	buckets [observeSeconds]sideBucket
}

// sideBucket is one side's traffic in one second.
type sideBucket struct {
	sec  atomic.Int64 // the Unix second counted; a bucket holding another one is stale
	mu   sync.Mutex   // taken only to claim the bucket for a new second
	reqs atomic.Int64
	errs atomic.Int64
	// timed counts the requests offered to the reservoir; samples holds latencies in microseconds
	// plus one, so that 0 marks a slot not written yet.
	timed   atomic.Int64
	samples [bucketSamples]atomic.Uint32
}

// add counts one request that finished at end after taking elapsed. A client that went away is
// counted as a request but neither as an error (the side did not fail) nor in the latencies (the
// exchange was cut short).
func (r *sideRing) add(end time.Time, elapsed time.Duration, failed, timed bool) {
	sec := end.Unix()
	b := &r.buckets[mod(sec, observeSeconds)]
	if b.sec.Load() != sec && !b.claim(sec) {
		return
	}
	b.reqs.Add(1)
	if failed {
		b.errs.Add(1)
	}
	if !timed {
		return
	}
	// Reservoir sampling (Vitter's algorithm R): the n-th request replaces a random slot with
	// probability bucketSamples/n, so the slots stay a uniform sample of the second's requests.
	// The random number is a hash of n and the latency in nanoseconds, whose low digits are noise:
	// a generator's number would cost more than the rest of the request's accounting.
	n := b.timed.Add(1)
	slot := n - 1
	if n > bucketSamples {
		slot = int64(mix64(uint64(n)<<32^uint64(elapsed)) % uint64(n))
		if slot >= bucketSamples {
			return
		}
	}
	b.samples[slot].Store(micros(elapsed))
}

// claim resets b for sec unless it already holds a newer second (a request that finished long
// ago); it reports whether b now counts sec.
func (b *sideBucket) claim(sec int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch cur := b.sec.Load(); {
	case cur == sec:
		return true
	case cur > sec:
		return false
	}
	b.reqs.Store(0)
	b.errs.Store(0)
	b.timed.Store(0)
	for i := range b.samples {
		b.samples[i].Store(0)
	}
	b.sec.Store(sec)
	return true
}

// mix64 is splitmix64's finaliser: every input bit affects every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func micros(d time.Duration) uint32 {
	us := max(d.Microseconds(), 0) + 1
	return uint32(min(us, int64(^uint32(0))))
}

func mod(a, n int64) int64 { return (a%n + n) % n }

// secondCounts is what a bucket held for one second.
type secondCounts struct {
	reqs, errs, timed int64
	samples           []time.Duration
}

// read returns what the ring holds for sec; ok is false when the bucket holds another second.
func (r *sideRing) read(sec int64) (c secondCounts, ok bool) {
	b := &r.buckets[mod(sec, observeSeconds)]
	if b.sec.Load() != sec {
		return c, false
	}
	c = secondCounts{reqs: b.reqs.Load(), errs: b.errs.Load(), timed: b.timed.Load()}
	for i := range b.samples {
		if v := b.samples[i].Load(); v != 0 {
			c.samples = append(c.samples, time.Duration(v-1)*time.Microsecond)
		}
	}
	// A bucket reclaimed while it was read holds another second's counts.
	return c, b.sec.Load() == sec
}

// window sums the seconds in [first, end) into a rollout.SideWindow.
func (r *sideRing) window(first, end int64) rollout.SideWindow {
	var w rollout.SideWindow
	var seconds []secondCounts
	var timed int64
	for sec := first; sec < end; sec++ {
		c, ok := r.read(sec)
		if !ok {
			continue
		}
		w.Requests += c.reqs
		w.Errors += c.errs
		if len(c.samples) > 0 {
			seconds = append(seconds, c)
			timed += c.timed
		}
	}
	w.Latencies = mergeSamples(seconds, timed)
	return w
}

// mergeSamples draws at most maxWindowSamples latencies from the seconds' reservoirs, each second in
// proportion to its share of timed requests, so that the result stays close to a uniform sample of
// the whole window: a busy second is not under-represented because its reservoir is as small as a
// quiet one's. A second whose quota exceeds its reservoir gives all it has, so the result may be a
// little short of maxWindowSamples.
func mergeSamples(seconds []secondCounts, timed int64) []time.Duration {
	if len(seconds) == 0 {
		return nil
	}
	rate := min(1, float64(maxWindowSamples)/float64(timed))
	out := make([]time.Duration, 0, min(timed, maxWindowSamples))
	for _, c := range seconds {
		quota := float64(c.timed) * rate
		n := int(quota)
		if rand.Float64() < quota-float64(n) {
			n++
		}
		n = min(n, len(c.samples), maxWindowSamples-len(out))
		// A partial Fisher-Yates shuffle picks n of the reservoir at random: its slots are filled
		// in arrival order, so the first ones lean towards the start of the second.
		for i := range n {
			j := i + rand.IntN(len(c.samples)-i)
			c.samples[i], c.samples[j] = c.samples[j], c.samples[i]
		}
		out = append(out, c.samples[:n]...)
	}
	return out
}

// failed tells whether an exchange counts as an error for the rollout: a 5xx answer (including the
// gateway's own 502 and 504 for connection failures and timeouts), or a response body that broke
// off after the headers were sent.
func failed(ex *exchange) bool {
	return !ex.clientClosed && (ex.abort || ex.status >= 500 || ex.status < 100)
}

// windowsFor returns the rings of t's routes by Route.Index, creating those of new route names.
// Callers hold g.mu (or own g alone).
func (g *Gateway) windowsFor(t *Table) []*routeWindows {
	if g.windows == nil {
		g.windows = map[string]*routeWindows{}
	}
	out := make([]*routeWindows, len(t.Routes()))
	for _, rt := range t.Routes() {
		w := g.windows[rt.Name]
		if w == nil {
			w = &routeWindows{}
			g.windows[rt.Name] = w
		}
		out[rt.Index] = w
	}
	return out
}

// routeWindows returns the rings of the route named route in the current table, or nil.
func (st *state) routeWindows(route string) *routeWindows {
	rt := st.table.Route(route)
	if rt == nil {
		return nil
	}
	return st.windows[rt.Index]
}

// Observer is the gateway's rollout.Observer: both sides' traffic from the gateway, the shadow
// comparisons from a diff collector.
type Observer struct {
	g     *Gateway
	diffs *diff.Collector
}

var _ rollout.Observer = (*Observer)(nil)

// RolloutObserver returns an Observer over g's traffic and diffs' comparisons. A nil diffs leaves
// Window.Diff empty.
func (g *Gateway) RolloutObserver(diffs *diff.Collector) *Observer {
	return &Observer{g: g, diffs: diffs}
}

// Window returns route's traffic in [from, to), cut at whole seconds: a request counts when the
// second it finished in starts in [from, to), both truncated to the second, so that consecutive
// windows count each request once. A request counts on the side that served it; in stage shadow the
// mirrored requests count on modern (their statuses, failures and latencies) as they finish. A to
// in the future is clamped to now, and a from older than ObserveSpan is an EInvalid *ficus.Error, an
// unknown route an ENotFound one.
func (o *Observer) Window(ctx context.Context, route string, from, to time.Time) (rollout.Window, error) {
	if err := ctx.Err(); err != nil {
		return rollout.Window{}, fmt.Errorf("rollout window: %w", err)
	}
	now := o.g.now()
	if to.After(now) {
		to = now
	}
	first, end := from.Unix(), to.Unix()
	if first <= now.Unix()-observeSeconds {
		return rollout.Window{}, ficus.Errorf(ficus.EInvalid, "window of route %s from %s is older than the %s kept", route, from.Format(time.RFC3339), ObserveSpan)
	}
	rw := o.g.cur.Load().routeWindows(route)
	if rw == nil {
		return rollout.Window{}, ficus.Errorf(ficus.ENotFound, "route %s not found", route)
	}
	w := rollout.Window{Legacy: rw.sides[0].window(first, end), Modern: rw.sides[1].window(first, end)}
	if o.diffs != nil {
		r, err := o.diffs.Window(route, from, to)
		if err != nil {
			return rollout.Window{}, fmt.Errorf("rollout window: %w", err)
		}
		w.Diff = rollout.DiffWindow{Compared: int64(r.Compared), Defects: int64(r.Defective)}
	}
	return w, nil
}

// Legacy health: the rule LegacyHealthy applies.
const (
	// HealthWindow is the recent traffic LegacyHealthy judges.
	HealthWindow = 30 * time.Second
	// HealthMinRequests is how many legacy requests HealthWindow needs before its error rate says
	// anything; with fewer, only the upstreams' passive health counts.
	HealthMinRequests = 10
	// HealthMaxErrorRate is the error rate at or above which legacy is unhealthy.
	HealthMaxErrorRate = 0.5
)

// LegacyHealthy judges whether route's legacy side can take its clients back, before a rollback:
// it cannot when passive health has marked every legacy upstream down, or when at least
// HealthMinRequests of the route's client requests served by legacy finished in the last
// HealthWindow (the current second included) and HealthMaxErrorRate of them or more failed (as
// Window counts errors). With fewer requests, as at a high canary weight, only the upstreams' health
// counts. The reason says why, or what was seen when healthy. An unknown route is unhealthy.
func (g *Gateway) LegacyHealthy(ctx context.Context, route string) (bool, string) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Sprintf("legacy health: %v", err)
	}
	st := g.cur.Load()
	rw := st.routeWindows(route)
	if rw == nil {
		return false, fmt.Sprintf("route %s not found", route)
	}
	now := g.now()
	be := st.backends[sideIndex(ficus.SideLegacy)]
	if down := be.downUpstreams(now); down == len(be.upstreams) {
		return false, fmt.Sprintf("all %d legacy upstreams are marked down", down)
	}
	// The current second is included: a failing legacy must be seen as soon as possible.
	end := now.Unix() + 1
	w := rw.sides[sideIndex(ficus.SideLegacy)].window(end-int64(HealthWindow/time.Second), end)
	rate := 0.0
	if w.Requests > 0 {
		rate = float64(w.Errors) / float64(w.Requests)
	}
	if w.Requests >= HealthMinRequests && rate >= HealthMaxErrorRate {
		return false, fmt.Sprintf("legacy failed %d of %d requests in the last %s", w.Errors, w.Requests, HealthWindow)
	}
	return true, fmt.Sprintf("legacy failed %d of %d requests in the last %s", w.Errors, w.Requests, HealthWindow)
}

// downUpstreams counts the upstreams passive health marks down at now.
func (b *backend) downUpstreams(now time.Time) int {
	n := 0
	for _, u := range b.upstreams {
		if until := u.downUntil.Load(); until != 0 && now.UnixNano() < until {
			n++
		}
	}
	return n
}
