package gateway

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/diff"
	"github.com/ficus-dev/ficus/rollout"
)

// shiftedClock is real time moved forward by an offset the test controls, so that latencies are
// real while windows can be closed without waiting for them.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *shiftedClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// observed is a gateway with a shifted clock and a diff collector on that clock.
type observed struct {
	g     *Gateway
	c     *http.Client
	url   string
	clock *shiftedClock
	diffs *diff.Collector
	obs   *Observer
}

func startObserved(t *testing.T, cfg *config.Config) *observed {
	t.Helper()
	clock := &shiftedClock{}
	diffs := diff.NewCollector(diff.CollectorOptions{Now: clock.now})
	g, ts := startGateway(t, cfg, Options{Now: clock.now, Recorder: diffs, Registerer: prometheus.NewRegistry()})
	return &observed{g: g, c: ts.Client(), url: ts.URL, clock: clock, diffs: diffs, obs: g.RolloutObserver(diffs)}
}

// send sends n GETs to path and returns the statuses seen.
func (o *observed) send(t *testing.T, path string, n int) []int {
	t.Helper()
	var out []int
	for range n {
		status, _, _ := get(t, o.c, o.url+path)
		out = append(out, status)
	}
	return out
}

// window closes the interval that began at from (moving the clock past it) and returns it.
func (o *observed) window(t *testing.T, route string, from time.Time) rollout.Window {
	t.Helper()
	to := o.clock.now().Truncate(time.Second).Add(time.Second)
	o.clock.advance(2 * time.Second)
	w, err := o.obs.Window(context.Background(), route, from.Truncate(time.Second), to)
	if err != nil {
		t.Fatalf("Window: %v", err)
	}
	return w
}

func counts(s rollout.SideWindow) [2]int64 { return [2]int64{s.Requests, s.Errors} }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestAWindowCountsTheRequestsEachSideServed(t *testing.T) {
	legacy, modern := newSideServer(t, "legacy"), newSideServer(t, "modern")
	o := startObserved(t, proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "api", Stage: ficus.StageLegacy, Match: config.Match{PathPrefix: "/api"}}))
	from := o.clock.now()
	o.send(t, "/api/a", 7)
	if err := o.g.SetState(ficus.RouteState{Route: "api", Stage: ficus.StageModern}); err != nil {
		t.Fatal(err)
	}
	o.send(t, "/api/b", 5)
	o.send(t, "/other", 3) // another route's traffic
	w := o.window(t, "api", from)
	if got, want := counts(w.Legacy), [2]int64{7, 0}; got != want {
		t.Errorf("legacy requests, errors = %v, want %v", got, want)
	}
	if got, want := counts(w.Modern), [2]int64{5, 0}; got != want {
		t.Errorf("modern requests, errors = %v, want %v", got, want)
	}
	if len(w.Legacy.Latencies) != 7 || len(w.Modern.Latencies) != 5 {
		t.Errorf("latency samples = %d, %d, want 7, 5", len(w.Legacy.Latencies), len(w.Modern.Latencies))
	}
	if legacy.hits.Load() != 10 || modern.hits.Load() != 5 {
		t.Errorf("upstream hits = %d, %d, want 10 (with /other), 5", legacy.hits.Load(), modern.hits.Load())
	}
}

func TestServerErrorsAndConnectionFailuresAreErrors(t *testing.T) {
	legacy := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	dead := closedURL(t)
	o := startObserved(t, proxyConfig([]string{legacy.URL}, []string{dead},
		config.Route{Name: "api", Stage: ficus.StageLegacy, Match: config.Match{PathPrefix: "/api"}}))
	from := o.clock.now()
	o.send(t, "/api/ok", 3)
	o.send(t, "/api/fail", 2)
	if err := o.g.SetState(ficus.RouteState{Route: "api", Stage: ficus.StageModern}); err != nil {
		t.Fatal(err)
	}
	if got := o.send(t, "/api/ok", 4); slices.ContainsFunc(got, func(s int) bool { return s < 500 }) {
		t.Fatalf("statuses from a dead modern = %v, want 5xx", got)
	}
	w := o.window(t, "api", from)
	if got, want := counts(w.Legacy), [2]int64{5, 2}; got != want {
		t.Errorf("legacy requests, errors = %v, want %v", got, want)
	}
	if got, want := counts(w.Modern), [2]int64{4, 4}; got != want {
		t.Errorf("modern requests, errors = %v, want %v", got, want)
	}
}

// closedURL returns the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func slowBy(d time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d) // the upstream's deliberate slowness, not a wait for the test
		h(w, r)
	}
}

func TestTheLatencySamplesShowASlowModern(t *testing.T) {
	legacy := newUpstream(t, echoBody)
	modern := newUpstream(t, slowBy(60*time.Millisecond, echoBody))
	o := startObserved(t, proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "api", Stage: ficus.StageLegacy, Match: config.Match{PathPrefix: "/api"}}))
	from := o.clock.now()
	o.send(t, "/api/x", 10)
	if err := o.g.SetState(ficus.RouteState{Route: "api", Stage: ficus.StageModern}); err != nil {
		t.Fatal(err)
	}
	o.send(t, "/api/x", 10)
	w := o.window(t, "api", from)
	if len(w.Legacy.Latencies) != 10 || len(w.Modern.Latencies) != 10 {
		t.Fatalf("latency samples = %d, %d, want 10, 10", len(w.Legacy.Latencies), len(w.Modern.Latencies))
	}
	if l, m := median(w.Legacy.Latencies), median(w.Modern.Latencies); m-l < 50*time.Millisecond {
		t.Errorf("median latencies legacy %v, modern %v: want modern at least 50ms slower", l, m)
	}
}

func TestInStageShadowModernCountsTheMirroredRequests(t *testing.T) {
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	modern := newUpstream(t, slowBy(60*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/fail" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		jsonAnswer(orderJSON)(w, r)
	}))
	rec := &observations{}
	cfg := proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "api", Stage: ficus.StageShadow, Match: config.Match{PathPrefix: "/api"}})
	cfg.Shadow = config.Shadow{Workers: 2, Queue: 64, Timeout: config.Duration(5 * time.Second)}
	clock := &shiftedClock{}
	g, ts := startGateway(t, cfg, Options{Now: clock.now, Recorder: rec, Registerer: prometheus.NewRegistry()})
	o := &observed{g: g, c: ts.Client(), url: ts.URL, clock: clock, obs: g.RolloutObserver(nil)}
	from := clock.now()
	o.send(t, "/api/order", 6)
	o.send(t, "/api/fail", 2)
	rec.wait(t, "api", 8)
	w := o.window(t, "api", from)
	if got, want := counts(w.Legacy), [2]int64{8, 0}; got != want {
		t.Errorf("legacy requests, errors = %v, want %v", got, want)
	}
	if got, want := counts(w.Modern), [2]int64{8, 2}; got != want {
		t.Errorf("modern (shadow) requests, errors = %v, want %v", got, want)
	}
	if len(w.Modern.Latencies) != 8 || median(w.Modern.Latencies)-median(w.Legacy.Latencies) < 50*time.Millisecond {
		t.Errorf("modern latencies %v against legacy's %v: want 8, at least 50ms slower", w.Modern.Latencies, w.Legacy.Latencies)
	}
	if w.Diff != (rollout.DiffWindow{}) {
		t.Errorf("diff without a collector = %+v, want zero", w.Diff)
	}
}

func TestAWindowCountsTheComparisonsFinishedInIt(t *testing.T) {
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	modern := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/bug" {
			jsonAnswer(`{"id":42,"items":[],"status":"paid"}`)(w, r)
			return
		}
		jsonAnswer(orderJSON)(w, r)
	})
	cfg := proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "api", Stage: ficus.StageShadow, Match: config.Match{PathPrefix: "/api"}})
	cfg.Shadow = config.Shadow{Workers: 1, Queue: 64, Timeout: config.Duration(5 * time.Second)}
	o := startObserved(t, cfg)
	compared := func() int { return o.diffs.Report("api").Compared }

	first := o.clock.now()
	o.send(t, "/api/ok", 4)
	o.send(t, "/api/bug", 2)
	waitFor(t, func() bool { return compared() == 6 })
	w1 := o.window(t, "api", first)

	second := o.clock.now()
	o.send(t, "/api/bug", 3)
	waitFor(t, func() bool { return compared() == 9 })
	w2 := o.window(t, "api", second)

	if want := (rollout.DiffWindow{Compared: 6, Defects: 2}); w1.Diff != want {
		t.Errorf("first window's diffs = %+v, want %+v", w1.Diff, want)
	}
	if want := (rollout.DiffWindow{Compared: 3, Defects: 3}); w2.Diff != want {
		t.Errorf("second window's diffs = %+v, want %+v", w2.Diff, want)
	}
}

func TestWindowBounds(t *testing.T) {
	legacy, modern := newSideServer(t, "legacy"), newSideServer(t, "modern")
	o := startObserved(t, proxyConfig([]string{legacy.URL}, []string{modern.URL}))
	from := o.clock.now()
	o.send(t, "/", 3)
	ctx := context.Background()

	t.Run("a window reaching into the future counts up to now", func(t *testing.T) {
		o.clock.advance(time.Second)
		w, err := o.obs.Window(ctx, "all", from.Truncate(time.Second), o.clock.now().Add(time.Hour))
		if err != nil || w.Legacy.Requests != 3 {
			t.Errorf("Window = %d legacy requests, %v; want 3, nil", w.Legacy.Requests, err)
		}
	})
	t.Run("an unknown route is not found", func(t *testing.T) {
		_, err := o.obs.Window(ctx, "nope", from, o.clock.now())
		if ficus.ErrorCode(err) != ficus.ENotFound {
			t.Errorf("Window of an unknown route: %v, want %s", err, ficus.ENotFound)
		}
	})
	t.Run("a window older than the ring is an error", func(t *testing.T) {
		o.clock.advance(ObserveSpan)
		_, err := o.obs.Window(ctx, "all", from, from.Add(time.Minute))
		if ficus.ErrorCode(err) != ficus.EInvalid {
			t.Errorf("Window of an expired interval: %v, want %s", err, ficus.EInvalid)
		}
	})
}

func TestLegacyHealth(t *testing.T) {
	var failing atomic.Bool
	legacy := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	modern := newSideServer(t, "modern")
	o := startObserved(t, proxyConfig([]string{legacy.URL}, []string{modern.URL}))
	ctx := context.Background()

	if ok, why := o.g.LegacyHealthy(ctx, "all"); !ok {
		t.Errorf("LegacyHealthy with no traffic = false (%s), want true", why)
	}
	o.send(t, "/", HealthMinRequests)
	if ok, why := o.g.LegacyHealthy(ctx, "all"); !ok {
		t.Errorf("LegacyHealthy after good requests = false (%s), want true", why)
	}
	failing.Store(true)
	o.send(t, "/", HealthMinRequests)
	if ok, why := o.g.LegacyHealthy(ctx, "all"); ok {
		t.Errorf("LegacyHealthy with half the requests failing = true (%s), want false", why)
	}
	o.clock.advance(HealthWindow + time.Second)
	if ok, why := o.g.LegacyHealthy(ctx, "all"); !ok {
		t.Errorf("LegacyHealthy once the failures are older than the health window = false (%s), want true", why)
	}
}

func TestALegacyWhoseUpstreamsAreAllDownIsUnhealthy(t *testing.T) {
	modern := newSideServer(t, "modern")
	o := startObserved(t, proxyConfig([]string{closedURL(t)}, []string{modern.URL}))
	o.send(t, "/", 5) // fewer than HealthMinRequests: only the upstream's health can tell
	if ok, why := o.g.LegacyHealthy(context.Background(), "all"); ok {
		t.Errorf("LegacyHealthy with its upstream down = true (%s), want false", why)
	}
}

func TestTheRingIsSafeUnderConcurrentUse(t *testing.T) {
	var r sideRing
	base := time.Unix(1_700_000_000, 0)
	const workers, perWorker = 8, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // a reader cutting windows while the writers run
		for {
			select {
			case <-stop:
				return
			default:
				r.window(base.Unix(), base.Unix()+4)
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				end := base.Add(time.Duration(i%4) * time.Second)
				r.add(end, time.Duration(w*i)*time.Microsecond, i%10 == 0, true)
			}
		})
	}
	wg.Wait()
	close(stop)
	w := r.window(base.Unix(), base.Unix()+4)
	if w.Requests != workers*perWorker || w.Errors != workers*perWorker/10 {
		t.Errorf("requests, errors = %d, %d, want %d, %d", w.Requests, w.Errors, workers*perWorker, workers*perWorker/10)
	}
	if n := len(w.Latencies); n == 0 || n > maxWindowSamples || n > 4*bucketSamples {
		t.Errorf("latency samples = %d, want 1..%d", n, 4*bucketSamples)
	}
}

func TestTheLatencySampleIsBounded(t *testing.T) {
	var r sideRing
	base := time.Unix(1_700_000_000, 0)
	const seconds = 60
	for s := range seconds {
		for i := range 500 {
			r.add(base.Add(time.Duration(s)*time.Second), time.Duration(i)*time.Millisecond, false, true)
		}
	}
	w := r.window(base.Unix(), base.Unix()+seconds)
	if w.Requests != seconds*500 {
		t.Errorf("requests = %d, want %d", w.Requests, seconds*500)
	}
	if n := len(w.Latencies); n > maxWindowSamples || n < maxWindowSamples*9/10 {
		t.Errorf("latency samples = %d, want between 90%% of %d and %d", n, maxWindowSamples, maxWindowSamples)
	}
	// Latencies are 0-499ms uniformly in every second: the sample's median should be near 250ms.
	if m := median(w.Latencies); m < 200*time.Millisecond || m > 300*time.Millisecond {
		t.Errorf("median of the sample = %v, want about 250ms", m)
	}
}

func TestARequestTooOldForItsBucketIsDropped(t *testing.T) {
	var r sideRing
	now := time.Unix(1_700_000_000, 0)
	r.add(now, time.Millisecond, false, true)
	r.add(now.Add(-ObserveSpan), time.Millisecond, false, true) // same bucket, older second
	if w := r.window(now.Unix(), now.Unix()+1); w.Requests != 1 {
		t.Errorf("requests = %d, want 1", w.Requests)
	}
}

func TestRecordingAllocatesNothing(t *testing.T) {
	var r sideRing
	now := time.Unix(1_700_000_000, 0)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		r.add(now.Add(time.Duration(i)*time.Millisecond), time.Millisecond, i%7 == 0, true)
	})
	if allocs != 0 {
		t.Errorf("add allocates %v times per request, want 0", allocs)
	}
}

func BenchmarkRingAdd(b *testing.B) {
	var r sideRing
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.add(now, time.Millisecond, false, true)
		}
	})
}

func TestInAMirroringCanaryModernCountsOnlyItsOwnClients(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	rec := &observations{}
	cfg := proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "api", Stage: ficus.StageCanary, Weight: 50, Match: config.Match{PathPrefix: "/api"},
			Mirror: config.Mirror{InCanary: true}, Sticky: config.Sticky{Header: "X-User"}})
	cfg.Shadow = config.Shadow{Workers: 1, Queue: 256, Timeout: config.Duration(5 * time.Second)}
	clock := &shiftedClock{}
	g, ts := startGateway(t, cfg, Options{Now: clock.now, Recorder: rec, Registerer: prometheus.NewRegistry()})
	o := &observed{g: g, c: ts.Client(), url: ts.URL, clock: clock, obs: g.RolloutObserver(nil)}
	from := clock.now()
	var onLegacy int64
	for i := range 100 {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/x", nil)
		req.Header.Set("X-User", "user-"+strconv.Itoa(i))
		res, err := o.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get(DefaultBackendHeader) == "legacy" {
			onLegacy++
		}
	}
	rec.wait(t, "api", int(onLegacy))
	w := o.window(t, "api", from)
	if w.Legacy.Requests != onLegacy || w.Modern.Requests != 100-onLegacy {
		t.Errorf("legacy, modern requests = %d, %d, want %d, %d (mirrored requests left out)",
			w.Legacy.Requests, w.Modern.Requests, onLegacy, 100-onLegacy)
	}
}
