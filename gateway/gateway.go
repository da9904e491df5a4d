// Package gateway is ficus's proxy: an http.Handler that matches each request to a route, picks the
// side (legacy or modern) that the route's stage, sticky canary assignment or a tester's override
// asks for, and forwards the request to that side's upstreams.
//
// The route table (table.go, match.go, sticky.go, override.go) decides; the proxy (gateway.go,
// proxy.go, upstream.go, transport.go) acts. The hot path takes no lock: the table, the backends and
// the metric children they need are one immutable state behind an atomic pointer, and a stage
// change or a reload is one swap that applies to the next request. The gateway persists nothing and
// knows nothing of the admin API: cmd/ficus wires it to the store.
//
// Mirroring (mirror.go, shadow.go) serves a route in stage shadow from legacy and copies the
// exchange aside; a bounded queue and its workers send the copy to modern off the client's path and
// compare the answers with the diff package.
//
// Each route's traffic per side is also counted per second for the rollout's analysis (observe.go):
// RolloutObserver cuts it into windows and LegacyHealthy judges legacy before a rollback.
//
// Bodiless GET and HEAD requests to plain-HTTP upstreams, the bulk of proxied traffic, take a fast
// path (h1pool in transport.go) that exchanges with the upstream on the handler's goroutine,
// writes the upstream request's head straight from the client's (forwarding.go) and parses the
// upstream's answer straight into the client's response header (h1resphead.go); the rest goes
// through an http.Transport per backend. Both share the round robin, passive health, retry of
// failed connects, timeouts and error answers. Forwarding leaves the client's header as it is
// (ServeHTTP only strips the override): what an upstream receives is written or copied from it.
package gateway

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/diff"
)

// DefaultBackendHeader names the response header that tells which side served a request when the
// config does not set one.
const DefaultBackendHeader = "X-Ficus-Backend"

// Options are the gateway's dependencies. The zero value is usable.
type Options struct {
	// Registerer registers the gateway's metrics. Nil: metrics are counted but not registered.
	Registerer prometheus.Registerer
	// Logger receives upstream failures and health changes. Nil: slog.Default().
	Logger *slog.Logger
	// AccessLog receives one JSON line per request. Nil: no access log.
	AccessLog io.Writer
	// Now tells the time, for durations, the access log and health cooldowns. Nil: time.Now.
	Now func() time.Time
	// Recorder receives the outcome of every mirrored request: compared, or skipped with a reason.
	// Nil: outcomes are only counted in the metrics.
	Recorder diff.Recorder
}

// Gateway is the proxy handler. It is safe for concurrent use; SetState and Reload may be called
// while requests are served.
type Gateway struct {
	cur     atomic.Pointer[state]
	mu      sync.Mutex // serialises SetState, Reload and Close; never taken by requests
	m       *metrics
	noRoute sideStats
	log     *slog.Logger
	access  *accessLog
	now     func() time.Time
	// since is g.now().Sub(t), or time.Since when now is time.Now.
	since func(time.Time) time.Duration
	// shadow is the queue of mirrored requests and its workers, sized by the config given to New.
	shadow   *shadowQueue
	recorder diff.Recorder
	// windows are the routes' traffic rings for the rollout (observe.go), by route name, kept
	// across reloads; guarded by mu.
	windows map[string]*routeWindows
}

// state is everything a request needs, immutable once installed.
type state struct {
	table    *Table
	backends [2]*backend // by sideIndex
	stats    []routeStats
	// backendHeader and overrideHeader are canonical header names; "" when off.
	backendHeader  string
	overrideHeader string
	// overrideCookie is the override cookie's name; "" when off.
	overrideCookie string
	// shadows are the routes' compiled mirroring, by Route.Index, and shadow the shadow section's
	// settings; both follow the config of the last New or Reload.
	shadows []*routeShadow
	shadow  shadowSettings
	// windows are the routes' traffic rings, by Route.Index.
	windows []*routeWindows
}

// New builds a gateway for cfg. states, typically the persisted run-time states, win over the stages
// in cfg (see Compile).
func New(cfg *config.Config, states []ficus.RouteState, opts Options) (*Gateway, error) {
	q := newShadowQueue(&cfg.Shadow)
	m, err := newMetrics(opts.Registerer, q.length)
	if err != nil {
		return nil, fmt.Errorf("new gateway: %w", err)
	}
	g := &Gateway{m: m, log: opts.Logger, now: opts.Now, shadow: q, recorder: opts.Recorder}
	if g.log == nil {
		g.log = slog.Default()
	}
	g.since = func(t time.Time) time.Duration { return g.now().Sub(t) }
	if g.now == nil {
		// time.Since reads only the monotonic clock, half the cost of time.Now.
		g.now, g.since = time.Now, time.Since
	}
	if opts.AccessLog != nil {
		g.access = &accessLog{w: opts.AccessLog}
	}
	g.noRoute = m.sideStats("", "")
	st, err := g.build(cfg, states, nil)
	if err != nil {
		q.cancel()
		return nil, fmt.Errorf("new gateway: %w", err)
	}
	g.install(st, nil)
	q.start(cfg.Shadow.Workers, g.runShadow)
	return g, nil
}

// build compiles cfg into a state, reusing the backends of old whose config did not change so that
// their warm connections and health marks survive a reload.
func (g *Gateway) build(cfg *config.Config, states []ficus.RouteState, old *state) (*state, error) {
	t, err := Compile(cfg, states)
	if err != nil {
		return nil, err
	}
	st := &state{table: t, stats: g.m.statsFor(t), overrideHeader: t.OverrideHeader(), overrideCookie: t.OverrideCookie(), shadow: newShadowSettings(&cfg.Shadow),
		windows: g.windowsFor(t)}
	if st.shadows, err = compileShadows(cfg, t, st.stats, st.shadow.maxBody); err != nil {
		return nil, err
	}
	st.backendHeader = DefaultBackendHeader
	if cfg.BackendHeader != nil {
		st.backendHeader = *cfg.BackendHeader
	}
	if st.backendHeader != "" {
		st.backendHeader = textproto.CanonicalMIMEHeaderKey(st.backendHeader)
	}
	for i, side := range []ficus.Side{ficus.SideLegacy, ficus.SideModern} {
		bc := cfg.Backends.Side(side)
		if old != nil && reflect.DeepEqual(old.backends[i].cfg, *bc) {
			st.backends[i] = old.backends[i]
			continue
		}
		if st.backends[i], err = newBackend(side, bc, g.m, g.now, g.log); err != nil {
			st.closeNew(old)
			return nil, err
		}
	}
	return st, nil
}

// closeNew closes the backends of st that old does not share, after a failed build.
func (st *state) closeNew(old *state) {
	for i, b := range st.backends {
		if b != nil && (old == nil || old.backends[i] != b) {
			b.close()
		}
	}
}

// install makes st current and brings the gauges up to date. Callers hold g.mu (or own g alone).
func (g *Gateway) install(st, old *state) {
	g.cur.Store(st)
	var oldTable *Table
	if old != nil {
		oldTable = old.table
	}
	g.m.setRouteGauges(st.table, oldTable)
}

// SetState changes one route's stage and weight, effective for the next request. An unknown route is
// an ENotFound *ficus.Error, an invalid state EInvalid.
func (g *Gateway) SetState(st ficus.RouteState) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cur := g.cur.Load()
	t, err := cur.table.WithState(st)
	if err != nil {
		return fmt.Errorf("set route state: %w", err)
	}
	next := *cur
	next.table = t
	g.install(&next, cur)
	return nil
}

// Reload replaces the routes and backends with those of cfg in one swap. Requests in flight finish
// on the old backends; their idle connections are closed. A backend whose config did not change is
// kept as is. The routes' mirroring and comparison rules and the shadow timeout, body limit and
// header change with the same swap; the shadow queue and its workers are kept as they are, so
// shadow.queue and shadow.workers only take effect on a restart.
func (g *Gateway) Reload(cfg *config.Config, states []ficus.RouteState) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cur := g.cur.Load()
	next, err := g.build(cfg, states, cur)
	if err != nil {
		return fmt.Errorf("reload gateway: %w", err)
	}
	g.install(next, cur)
	for i, b := range cur.backends {
		if next.backends[i] != b {
			b.close()
			g.m.forgetUpstreams(b, next.backends[i])
		}
	}
	return nil
}

// Table returns the route table in use.
func (g *Gateway) Table() *Table { return g.cur.Load().table }

// Close stops mirroring, closes the idle upstream connections and stops background work. Mirrored
// requests already queued are still sent and compared, but those not done within shadow.timeout are
// cancelled; requests mirrored after Close began are skipped (reason shutdown). Requests still in
// flight finish and their connections are closed; the gateway should not be used afterwards.
func (g *Gateway) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.cur.Load()
	g.shadow.stop(st.shadow.timeout)
	for _, b := range st.backends {
		b.close()
	}
	return nil
}

func sideIndex(s ficus.Side) int {
	if s == ficus.SideModern {
		return 1
	}
	return 0
}

// recyclesRequests tells the proxy listener that the gateway keeps nothing of a request once
// ServeHTTP returns: what it hands on (mirrored requests, requests for the Transport) are copies.
func (g *Gateway) recyclesRequests() {}

// ServeHTTP proxies r to the side its route decides.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	st := g.cur.Load()
	d, ok := st.table.Decide(r)
	if !ok {
		errNoRoute.write(w)
		g.record(&g.noRoute, nil, r, start, &d, exchange{status: errNoRoute.status})
		return
	}
	side := sideIndex(d.Side)
	rs := &st.stats[d.Route.Index]
	if d.By == ByOverride {
		rs.overrideAccepted.Inc()
	} else if d.OverrideRejected {
		rs.overrideRejected.Inc()
	}
	if st.overrideHeader != "" {
		delete(r.Header, st.overrideHeader)
		stripCookie(r.Header, st.overrideCookie)
	}
	be := st.backends[side]
	if st.backendHeader != "" {
		w.Header()[st.backendHeader] = be.headerValue
	}
	var job *shadowJob
	if s := st.shadows[d.Route.Index]; s.wants(&d, r) {
		if g.shadow.full() {
			// Checked first too, so that a saturated gateway does not copy what it cannot compare.
			g.skip(s, r.Method, r.URL.Path, skipQueueFull)
		} else {
			job, w = startMirror(w, r, s, &st.shadow)
		}
	}
	ex := g.forward(w, r, be)
	g.record(&rs.sides[side], &st.windows[d.Route.Index].sides[side], r, start, &d, ex)
	if job != nil {
		g.finishMirror(job, r, st, &ex, g.since(start))
	}
	if ex.abort {
		// Headers are out; breaking the connection is the only way to tell the client the body is
		// incomplete. The server recognises this panic and does not log it.
		panic(http.ErrAbortHandler)
	}
}

// record counts a finished request in the metrics and in ring (nil for no route), and writes its
// access log line.
func (g *Gateway) record(s *sideStats, ring *sideRing, r *http.Request, start time.Time, d *Decision, ex exchange) {
	elapsed := g.since(start)
	if ring != nil {
		ring.add(start.Add(elapsed), elapsed, failed(&ex), !ex.clientClosed)
	}
	s.codes[codeClass(&ex)].Inc()
	s.duration.Observe(elapsed.Seconds())
	if g.access != nil {
		g.access.write(r, start, elapsed, d, &ex)
	}
}
