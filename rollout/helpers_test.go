package rollout

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// traffic describes one side's synthetic traffic per analysis window.
type traffic struct {
	requests, errors int64
	latency          time.Duration // centre of a uniform ±20 ms spread
	samples          int
}

func (tr traffic) side(rng *rand.Rand) SideWindow {
	s := SideWindow{Requests: tr.requests, Errors: tr.errors}
	for range tr.samples {
		jitter := time.Duration(rng.Int64N(int64(40*time.Millisecond))) - 20*time.Millisecond
		s.Latencies = append(s.Latencies, tr.latency+jitter)
	}
	return s
}

var (
	good    = traffic{requests: 400, errors: 1, latency: 100 * time.Millisecond, samples: 200}
	broken  = traffic{requests: 400, errors: 120, latency: 100 * time.Millisecond, samples: 200}
	idle    = traffic{}
	trickle = traffic{requests: 5, latency: 100 * time.Millisecond, samples: 5}
)

// scenario is the traffic the fake observer reports for windows ending at or after a time.
type scenario struct {
	legacy, modern traffic
	compared       int64
	defects        int64
}

var healthy = scenario{legacy: good, modern: good, compared: 200}

// observer reports the scenario in force at each window's end and records every window asked for.
type observer struct {
	mu      sync.Mutex
	rng     *rand.Rand
	current scenario
	err     error
	windows [][2]time.Time
}

func newObserver(s scenario) *observer {
	return &observer{rng: rand.New(rand.NewPCG(1, 2)), current: s}
}

func (o *observer) set(s scenario) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.current = s
}

func (o *observer) Window(_ context.Context, route string, from, to time.Time) (Window, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.windows = append(o.windows, [2]time.Time{from, to})
	if o.err != nil {
		return Window{}, o.err
	}
	s := o.current
	return Window{Legacy: s.legacy.side(o.rng), Modern: s.modern.side(o.rng),
		Diff: DiffWindow{Compared: s.compared, Defects: s.defects}}, nil
}

type setCall struct {
	at    time.Time
	actor string
	st    ficus.RouteState
}

// actuator records state changes; it is the real thing's contract without a gateway behind it.
type actuator struct {
	clock     *clock
	calls     []setCall
	failNext  int
	unhealthy string
}

func (a *actuator) SetState(_ context.Context, actor string, st ficus.RouteState) error {
	if a.failNext > 0 {
		a.failNext--
		return errors.New("store unavailable")
	}
	a.calls = append(a.calls, setCall{a.clock.Now(), actor, st})
	return nil
}

func (a *actuator) LegacyHealthy(context.Context) (bool, string) {
	return a.unhealthy == "", a.unhealthy
}

func (a *actuator) stages() []string {
	var out []string
	for _, c := range a.calls {
		s := string(c.st.Stage)
		if c.st.Stage == ficus.StageCanary {
			s += fmt.Sprintf(" %g%%", c.st.Weight)
		}
		out = append(out, s)
	}
	return out
}

func (a *actuator) rollbacks() []setCall {
	var out []setCall
	for _, c := range a.calls {
		if c.st.Stage == ficus.StageLegacy {
			out = append(out, c)
		}
	}
	return out
}

type recorder struct{ events []Event }

func (r *recorder) Emit(e Event) { r.events = append(r.events, e) }

// kinds lists the transitions, leaving out the judgements that changed nothing (EventAnalysed).
func (r *recorder) kinds() []EventKind {
	var out []EventKind
	for _, e := range r.events {
		if e.Kind != EventAnalysed {
			out = append(out, e.Kind)
		}
	}
	return out
}

func (r *recorder) last(kind EventKind) (Event, bool) {
	for i := len(r.events) - 1; i >= 0; i-- {
		if r.events[i].Kind == kind {
			return r.events[i], true
		}
	}
	return Event{}, false
}

type store struct{ saved State }

func (s *store) SaveRolloutState(_ context.Context, st State) error {
	s.saved = st
	return nil
}

type harness struct {
	t     *testing.T
	clock *clock
	obs   *observer
	act   *actuator
	ev    *recorder
	store *store
	c     *Controller
}

// allGates judges error rate, latency and diff rate with small minimums.
var allGates = GateConfig{
	ErrorRate: &ErrorRateGate{MaxRate: 0.05, MaxIncrease: 0.02, MinRequests: 100},
	Latency:   &LatencyGate{MaxIncrease: 0.10, MinSamples: 50},
	DiffRate:  &DiffRateGate{MaxRate: 0.01, MinCompared: 100},
}

func newHarness(t *testing.T, plan Plan, s scenario) *harness {
	t.Helper()
	clk := &clock{now: t0}
	h := &harness{t: t, clock: clk, obs: newObserver(s), act: &actuator{clock: clk}, ev: &recorder{}, store: &store{}}
	h.c = h.controller(plan)
	return h
}

func (h *harness) controller(plan Plan) *Controller {
	h.t.Helper()
	c, err := New(Config{Route: "users", Plan: plan, Observer: h.obs, Actuator: h.act, Events: h.ev,
		Store: h.store, Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) start() {
	h.t.Helper()
	if err := h.c.Start(context.Background(), "alice"); err != nil {
		h.t.Fatal(err)
	}
}

// run ticks once a second for d, stopping early when stop reports true after a tick.
func (h *harness) run(d time.Duration, stop func() bool) {
	h.t.Helper()
	for end := h.clock.now.Add(d); h.clock.now.Before(end); {
		h.clock.now = h.clock.now.Add(time.Second)
		if err := h.c.Tick(context.Background()); err != nil {
			h.t.Fatalf("tick at %v: %v", h.clock.now.Sub(t0), err)
		}
		if stop != nil && stop() {
			return
		}
	}
}

func (h *harness) phase() Phase { return h.c.State().Phase }
