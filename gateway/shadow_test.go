package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/diff"
)

// observations is a Recorder that keeps every observation.
type observations struct {
	mu  sync.Mutex
	obs []diff.Observation
}

func (o *observations) Record(ob diff.Observation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs = append(o.obs, ob)
}

func (o *observations) all() []diff.Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.obs)
}

// of returns the observations of one route.
func (o *observations) of(route string) []diff.Observation {
	var out []diff.Observation
	for _, ob := range o.all() {
		if ob.Route == route {
			out = append(out, ob)
		}
	}
	return out
}

// wait polls until route has n observations and returns them.
func (o *observations) wait(t testing.TB, route string, n int) []diff.Observation {
	t.Helper()
	waitFor(t, func() bool { return len(o.of(route)) >= n })
	return o.of(route)
}

// testUpstream is a test backend that counts its requests and keeps the last one's header and body.
type testUpstream struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	last http.Header
	body []byte
}

func newUpstream(t testing.TB, h http.HandlerFunc) *testUpstream {
	t.Helper()
	u := &testUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.last, u.body = r.Header.Clone(), body
		u.mu.Unlock()
		u.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *testUpstream) lastRequest() (http.Header, []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last, u.body
}

func jsonAnswer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// echoBody answers with the request's method and body, so that both sides agree on any request.
func echoBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, r.Method+" "+r.URL.Path)
}

const orderJSON = `{"id":42,"items":[{"sku":"a","price":10},{"sku":"b","price":20}],"status":"paid"}`

// shadowSetup is a gateway with route "api" (path prefix /api) in stage shadow, a "marker" route
// (path /marker, stage shadow) whose observation tells that every earlier mirrored request was
// handled when there is one worker, and the catch-all "all" on legacy.
type shadowSetup struct {
	g   *Gateway
	ts  *httptest.Server
	rec *observations
	c   *http.Client
}

func startShadow(t testing.TB, legacy, modern string, edit func(cfg *config.Config)) *shadowSetup {
	t.Helper()
	cfg := proxyConfig([]string{legacy}, []string{modern},
		config.Route{Name: "api", Stage: ficus.StageShadow, Match: config.Match{PathPrefix: "/api"}},
		config.Route{Name: "marker", Stage: ficus.StageShadow, Match: config.Match{Path: "/marker"}},
	)
	cfg.Shadow = config.Shadow{Workers: 1, Queue: 1024, Timeout: config.Duration(5 * time.Second)}
	if edit != nil {
		edit(cfg)
	}
	rec := &observations{}
	g, ts := startGateway(t, cfg, Options{Recorder: rec, Registerer: prometheus.NewRegistry()})
	return &shadowSetup{g: g, ts: ts, rec: rec, c: ts.Client()}
}

// do sends a request through the gateway and returns the response with its body read.
func (s *shadowSetup) do(t testing.TB, method, path string, body io.Reader, h http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := s.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return res, string(b)
}

// settle sends a request to the marker route and waits for its observation: with one worker, every
// request mirrored before it has been handled by then.
func (s *shadowSetup) settle(t testing.TB) {
	t.Helper()
	n := len(s.rec.of("marker"))
	s.do(t, http.MethodGet, "/marker", nil, nil)
	s.rec.wait(t, "marker", n+1)
}

func (s *shadowSetup) skipped(t testing.TB, route string, reason diff.SkipReason) float64 {
	return value(t, s.g.m.shadowSkipped.WithLabelValues(route, string(reason)))
}

func (s *shadowSetup) results(t testing.TB, route, result string) float64 {
	return value(t, s.g.m.shadowRequests.WithLabelValues(route, result))
}

func TestEqualAnswersAreRecordedAsEqual(t *testing.T) {
	legacy, modern := newUpstream(t, jsonAnswer(orderJSON)), newUpstream(t, jsonAnswer(orderJSON))
	s := startShadow(t, legacy.URL, modern.URL, nil)

	res, body := s.do(t, http.MethodGet, "/api/orders/42?expand=items", nil, nil)
	if res.StatusCode != http.StatusOK || body != orderJSON || res.Header.Get(DefaultBackendHeader) != "legacy" {
		t.Fatalf("client got %d from %q: %s", res.StatusCode, res.Header.Get(DefaultBackendHeader), body)
	}
	obs := s.rec.wait(t, "api", 1)
	want := diff.Observation{Route: "api", Endpoint: "GET /api/orders/{id}", Primary: diff.Result{Equal: true}}
	if len(obs) != 1 || obs[0].Route != want.Route || obs[0].Endpoint != want.Endpoint || !obs[0].Primary.Equal || obs[0].Skipped != "" || obs[0].Noise != nil {
		t.Errorf("observations = %+v, want one %+v", obs, want)
	}
	if got := s.results(t, "api", "equal"); got != 1 {
		t.Errorf("ficus_shadow_requests_total{result=equal} = %v, want 1", got)
	}
	if got := value(t, s.g.m.shadowLatency.WithLabelValues("api", "modern").(prometheus.Metric)); got != 1 {
		t.Errorf("modern latency observations = %v, want 1", got)
	}
	if got := value(t, s.g.m.shadowLatency.WithLabelValues("api", "legacy").(prometheus.Metric)); got != 1 {
		t.Errorf("legacy latency observations = %v, want 1", got)
	}
	if legacy.hits.Load() != 1 || modern.hits.Load() != 1 {
		t.Errorf("legacy saw %d requests and modern %d, want 1 each", legacy.hits.Load(), modern.hits.Load())
	}
}

func TestEndpointNames(t *testing.T) {
	legacy, modern := newUpstream(t, jsonAnswer(`{}`)), newUpstream(t, jsonAnswer(`{}`))
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
		cfg.Routes = slices.Insert(cfg.Routes, 0,
			config.Route{Name: "user", Stage: ficus.StageShadow, Match: config.Match{Path: "/users/{id}"}},
			config.Route{Name: "me", Stage: ficus.StageShadow, Match: config.Match{Path: "/me"}})
	})
	tests := []struct{ name, route, path, want string }{
		{"a template route names its endpoint by the template", "user", "/users/7", "GET /users/{id}"},
		{"an exact-path route names its endpoint by the path", "me", "/me", "GET /me"},
		{"a prefix route infers the template from the path", "api", "/api/carts/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items/9", "GET /api/carts/{id}/items/{id}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.do(t, http.MethodGet, tt.path, nil, nil)
			obs := s.rec.wait(t, tt.route, 1)
			if obs[0].Endpoint != tt.want {
				t.Errorf("endpoint = %q, want %q", obs[0].Endpoint, tt.want)
			}
		})
	}
}

func TestTheCollectorReportsAModernBugAsADefect(t *testing.T) {
	buggy := strings.Replace(orderJSON, `"price":20`, `"price":21`, 1)
	legacy, modern := newUpstream(t, jsonAnswer(orderJSON)), newUpstream(t, jsonAnswer(buggy))
	collector := diff.NewCollector(diff.CollectorOptions{})
	cfg := proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "orders", Stage: ficus.StageShadow, Match: config.Match{Path: "/orders/{id}"}})
	_, ts := startGateway(t, cfg, Options{Recorder: collector, Registerer: prometheus.NewRegistry()})

	for i := range 3 {
		if code, _, body := get(t, ts.Client(), fmt.Sprintf("%s/orders/%d", ts.URL, i)); code != http.StatusOK || body != orderJSON {
			t.Fatalf("client got %d: %s", code, body)
		}
	}
	waitFor(t, func() bool { return collector.Report("orders").Compared == 3 })
	rep := collector.Report("orders")
	if rep.Different != 3 || len(rep.Endpoints) != 1 || rep.Endpoints[0].Endpoint != "GET /orders/{id}" {
		t.Fatalf("report = %+v, want 3 different requests on GET /orders/{id}", rep)
	}
	fields := rep.Endpoints[0].Fields
	if len(fields) != 1 || fields[0].Field != "$.items[*].price" || fields[0].Verdict != diff.Defect || fields[0].Count != 3 {
		t.Errorf("fields = %+v, want $.items[*].price as a defect 3 times", fields)
	}
	if len(fields) == 1 && len(fields[0].Samples) > 0 {
		if sm := fields[0].Samples[0]; sm.Left != "20" || sm.Right != "21" {
			t.Errorf("sample = %+v, want 20 vs 21", sm)
		}
	}
}

func TestAModernBugIsADifferenceAtItsPath(t *testing.T) {
	buggy := strings.Replace(orderJSON, `"price":20`, `"price":21`, 1)
	legacy, modern := newUpstream(t, jsonAnswer(orderJSON)), newUpstream(t, jsonAnswer(buggy))
	s := startShadow(t, legacy.URL, modern.URL, nil)
	s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
	ob := s.rec.wait(t, "api", 1)[0]
	want := []diff.Difference{{Path: "$.items[1].price", Kind: diff.KindValue, Left: "20", Right: "21"}}
	if ob.Skipped != "" || ob.Primary.Equal || !slices.Equal(ob.Primary.Differences, want) {
		t.Errorf("observation = %+v, want differences %+v", ob, want)
	}
	if got := s.results(t, "api", "different"); got != 1 {
		t.Errorf("ficus_shadow_requests_total{result=different} = %v, want 1", got)
	}
}

func TestASlowModernTimesOutWithoutSlowingTheClient(t *testing.T) {
	const modernDelay = 3 * time.Second
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	modern := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(modernDelay):
		}
		jsonAnswer(orderJSON)(w, r)
	})
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
		cfg.Shadow.Timeout = config.Duration(100 * time.Millisecond)
	})
	for range 3 {
		start := time.Now()
		res, body := s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
		if elapsed := time.Since(start); elapsed > modernDelay/6 {
			t.Errorf("the client waited %v, want well below modern's %v", elapsed, modernDelay)
		}
		if res.StatusCode != http.StatusOK || body != orderJSON {
			t.Errorf("client got %d: %s", res.StatusCode, body)
		}
	}
	for _, ob := range s.rec.wait(t, "api", 3) {
		if ob.Skipped != skipModernTimeout {
			t.Errorf("observation skipped %q, want %q", ob.Skipped, skipModernTimeout)
		}
	}
	if got := s.skipped(t, "api", skipModernTimeout); got != 3 {
		t.Errorf("ficus_shadow_skipped_total{reason=modern_timeout} = %v, want 3", got)
	}
}

func TestAModernThatIsDownIsAModernError(t *testing.T) {
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	s := startShadow(t, legacy.URL, down.URL, nil)
	for range 2 {
		if res, body := s.do(t, http.MethodGet, "/api/orders/1", nil, nil); res.StatusCode != http.StatusOK || body != orderJSON {
			t.Fatalf("client got %d: %s", res.StatusCode, body)
		}
	}
	for _, ob := range s.rec.wait(t, "api", 2) {
		if ob.Skipped != skipModernError {
			t.Errorf("observation skipped %q, want %q", ob.Skipped, skipModernError)
		}
	}
	if got := s.skipped(t, "api", skipModernError); got != 2 {
		t.Errorf("ficus_shadow_skipped_total{reason=modern_error} = %v, want 2", got)
	}
	// Shadow failures do not drive the passive health that canary clients depend on.
	if up := value(t, s.g.m.upstreamUp.WithLabelValues("modern", down.URL)); up != 1 {
		t.Errorf("ficus_upstream_up of modern = %v after failed shadow requests, want 1", up)
	}
}

func TestModernGarbageIsABodyDifference(t *testing.T) {
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	modern := newUpstream(t, jsonAnswer(`<html>Internal error</html>`))
	s := startShadow(t, legacy.URL, modern.URL, nil)
	s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
	ob := s.rec.wait(t, "api", 1)[0]
	if ob.Skipped != "" || ob.Primary.Equal || len(ob.Primary.Differences) != 1 || ob.Primary.Differences[0].Kind != diff.KindBody {
		t.Errorf("observation = %+v, want one body difference", ob)
	}
}

func TestAFullQueueSkipsAndTheClientsAreServedAtOnce(t *testing.T) {
	release := make(chan struct{})
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	modern := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		jsonAnswer(orderJSON)(w, r)
	})
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Shadow.Queue = 1 })
	const n = 20
	for range n {
		start := time.Now()
		res, body := s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("the client waited %v behind a stuck modern", elapsed)
		}
		if res.StatusCode != http.StatusOK || body != orderJSON {
			t.Fatalf("client got %d: %s", res.StatusCode, body)
		}
	}
	// At most one job runs and one waits; every other request found the queue full.
	full := s.skipped(t, "api", skipQueueFull)
	if full < n-2 {
		t.Errorf("ficus_shadow_skipped_total{reason=queue_full} = %v, want at least %d", full, n-2)
	}
	close(release)
	obs := s.rec.wait(t, "api", n)
	var recorded, equal int
	for _, ob := range obs {
		switch {
		case ob.Skipped == skipQueueFull:
			recorded++
		case ob.Skipped == "" && ob.Primary.Equal:
			equal++
		}
	}
	if recorded != int(full) || recorded+equal != n {
		t.Errorf("recorded %d queue_full and %d equal observations, want %v and %v", recorded, equal, full, n-int(full))
	}
}

func TestWritesAreOnlyMirroredWhenTheRouteSaysSo(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB, over several reads
	for _, writes := range []bool{false, true} {
		t.Run(fmt.Sprintf("with mirror.writes %v", writes), func(t *testing.T) {
			legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
			s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Routes[0].Mirror.Writes = writes })
			res, body := s.do(t, http.MethodPost, "/api/orders", bytes.NewReader(big), nil)
			if res.StatusCode != http.StatusOK || body != "POST /api/orders" {
				t.Fatalf("client got %d: %s", res.StatusCode, body)
			}
			if _, got := legacy.lastRequest(); !bytes.Equal(got, big) {
				t.Fatalf("legacy got %d body bytes, want %d", len(got), len(big))
			}
			s.settle(t)
			obs := s.rec.of("api")
			if !writes {
				if len(obs) != 0 || modern.hits.Load() != 1 { // the marker's
					t.Errorf("a POST was mirrored without mirror.writes: %+v, modern hits %d", obs, modern.hits.Load())
				}
				return
			}
			if len(obs) != 1 || !obs[0].Primary.Equal || obs[0].Endpoint != "POST /api/orders" {
				t.Fatalf("observations = %+v, want one equal POST", obs)
			}
			if modern.hits.Load() != 2 {
				t.Errorf("modern hits = %d, want the POST and the marker", modern.hits.Load())
			}
		})
	}
}

func TestAMirroredWriteBodyReachesModernIntact(t *testing.T) {
	body := bytes.Repeat([]byte(`{"k":"v"},`), 10<<10)
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Routes[0].Mirror.Writes = true })
	s.do(t, http.MethodPut, "/api/orders/1", bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	s.rec.wait(t, "api", 1)
	h, got := modern.lastRequest()
	if !bytes.Equal(got, body) {
		t.Errorf("modern got %d body bytes, want the client's %d", len(got), len(body))
	}
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("modern got Content-Type %q", h.Get("Content-Type"))
	}
}

func TestAWriteBodyOverTheLimitIsNotMirrored(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
		cfg.Routes[0].Mirror.Writes = true
		cfg.Shadow.MaxBody = 1000
	})
	res, _ := s.do(t, http.MethodPost, "/api/orders", strings.NewReader(strings.Repeat("x", 5000)), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("client got %d", res.StatusCode)
	}
	if _, got := legacy.lastRequest(); len(got) != 5000 {
		t.Errorf("legacy got %d body bytes, want 5000", len(got))
	}
	if ob := s.rec.wait(t, "api", 1)[0]; ob.Skipped != diff.SkipBodyTooLarge {
		t.Errorf("observation skipped %q, want body_too_large", ob.Skipped)
	}
	if modern.hits.Load() != 0 {
		t.Errorf("modern got %d requests, want none", modern.hits.Load())
	}
}

func TestSafeMethodsAreMirrored(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, nil)
	for i, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
		t.Run(method+" is mirrored", func(t *testing.T) {
			s.do(t, method, "/api/things", nil, nil)
			ob := s.rec.wait(t, "api", i+1)[i]
			if ob.Endpoint != method+" /api/things" || ob.Skipped != "" || !ob.Primary.Equal {
				t.Errorf("observation = %+v, want an equal %s", ob, method)
			}
		})
	}
}

func TestSampling(t *testing.T) {
	tests := []struct {
		name     string
		sample   float64
		requests int
		lo, hi   int
	}{
		{"sample 0 mirrors nothing", 0, 50, 0, 0},
		{"sample 1 mirrors everything", 1, 50, 50, 50},
		// Binomial(400, 0.5): mean 200, standard deviation 10; the bounds are 6 deviations away.
		{"sample 0.5 mirrors about half", 0.5, 400, 140, 260},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
			s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Routes[0].Mirror.Sample = &tt.sample })
			for range tt.requests {
				s.do(t, http.MethodGet, "/api/x", nil, nil)
			}
			s.settle(t)
			if n := len(s.rec.of("api")); n < tt.lo || n > tt.hi {
				t.Errorf("%d of %d requests mirrored, want %d-%d", n, tt.requests, tt.lo, tt.hi)
			}
		})
	}
}

func TestTheShadowHeaderReachesModernOnly(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Shadow.Header = "x-is-shadow" })
	s.do(t, http.MethodGet, "/api/x", nil, http.Header{"X-Trace": {"abc"}})
	s.rec.wait(t, "api", 1)
	lh, _ := legacy.lastRequest()
	mh, _ := modern.lastRequest()
	if got := lh.Get("X-Is-Shadow"); got != "" {
		t.Errorf("legacy got the shadow header %q", got)
	}
	if got := mh.Get("X-Is-Shadow"); got != "1" {
		t.Errorf("modern got the shadow header %q, want 1", got)
	}
	if mh.Get("X-Trace") != "abc" || mh.Get("X-Forwarded-For") != "127.0.0.1" {
		t.Errorf("modern did not get the client's and the forwarding headers: %v", mh)
	}
}

func TestNoiseFlagsTheFieldThatDiffersBetweenTwoLegacyCalls(t *testing.T) {
	answer := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			jsonAnswer(fmt.Sprintf(`{"id":1,"nonce":%d,"name":%q}`, rand.Int64(), name))(w, r)
		}
	}
	legacy, modern := newUpstream(t, answer("ada")), newUpstream(t, answer("bob"))
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Routes[0].Mirror.Noise = true })
	s.do(t, http.MethodGet, "/api/users/1", nil, nil)
	ob := s.rec.wait(t, "api", 1)[0]
	paths := func(r diff.Result) []string {
		var p []string
		for _, d := range r.Differences {
			p = append(p, d.Path)
		}
		return p
	}
	if got := paths(ob.Primary); !slices.Equal(got, []string{"$.nonce", "$.name"}) {
		t.Errorf("primary differences at %v, want $.nonce and $.name", got)
	}
	if ob.Noise == nil {
		t.Fatal("no noise result")
	}
	if got := paths(*ob.Noise); !slices.Equal(got, []string{"$.nonce"}) {
		t.Errorf("noise differences at %v, want $.nonce only", got)
	}
	if legacy.hits.Load() != 2 {
		t.Errorf("legacy got %d requests, want 2", legacy.hits.Load())
	}
}

func TestACanaryMirrorsOnlyItsLegacyClients(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
		cfg.Routes[0].Stage, cfg.Routes[0].Weight = ficus.StageCanary, 50
		cfg.Routes[0].Mirror.InCanary = true
		cfg.Routes[0].Sticky.Header = "X-User"
	})
	var onLegacy int
	for i := range 200 {
		res, _ := s.do(t, http.MethodGet, "/api/x", nil, http.Header{"X-User": {fmt.Sprint("user-", i)}})
		if res.Header.Get(DefaultBackendHeader) == "legacy" {
			onLegacy++
		}
	}
	if onLegacy < 50 || onLegacy > 150 {
		t.Fatalf("%d of 200 clients on legacy at weight 50", onLegacy)
	}
	s.settle(t)
	if n := len(s.rec.of("api")); n != onLegacy {
		t.Errorf("%d requests mirrored, want the %d served by legacy", n, onLegacy)
	}
	// Modern saw its own clients, the mirrored requests and the marker.
	if want := int64(200-onLegacy) + int64(onLegacy) + 1; modern.hits.Load() != want {
		t.Errorf("modern got %d requests, want %d", modern.hits.Load(), want)
	}
}

func TestACanaryWithoutInCanaryMirrorsNothing(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
		cfg.Routes[0].Stage, cfg.Routes[0].Weight = ficus.StageCanary, 50
		cfg.Routes[0].Sticky.Header = "X-User"
	})
	var onLegacy int
	for i := range 40 {
		res, _ := s.do(t, http.MethodGet, "/api/x", nil, http.Header{"X-User": {fmt.Sprint("user-", i)}})
		if res.Header.Get(DefaultBackendHeader) == "legacy" {
			onLegacy++
		}
	}
	if onLegacy == 0 {
		t.Fatal("no client on legacy at weight 50")
	}
	s.settle(t)
	if n := len(s.rec.of("api")); n != 0 {
		t.Errorf("%d canary requests mirrored without mirror.in_canary", n)
	}
}

func TestAnOverrideIsNotMirrored(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
		cfg.Override = &config.Override{Header: "X-Ficus-Override", Secret: "s3cret"}
	})
	res, _ := s.do(t, http.MethodGet, "/api/x", nil, http.Header{"X-Ficus-Override": {"legacy:s3cret"}})
	if res.Header.Get(DefaultBackendHeader) != "legacy" {
		t.Fatalf("override not applied")
	}
	s.settle(t)
	if n := len(s.rec.of("api")); n != 0 {
		t.Errorf("a request forced by an override was mirrored")
	}
}

func TestAWebSocketIsNotMirrored(t *testing.T) {
	ws := func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		typ, msg, err := c.Read(r.Context())
		if err == nil {
			_ = c.Write(r.Context(), typ, msg)
		}
	}
	legacy, modern := newUpstream(t, ws), newUpstream(t, ws)
	s := startShadow(t, legacy.URL, modern.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.ts.URL, "http")+"/api/ws", nil)
	if err != nil {
		t.Fatalf("dial through the proxy: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "hi" {
		t.Fatalf("echo = %q, %v", got, err)
	}
	c.Close(websocket.StatusNormalClosure, "")
	s.settle(t)
	if n := len(s.rec.of("api")); n != 0 || modern.hits.Load() != 1 { // the marker's
		t.Errorf("a WebSocket upgrade was mirrored: %d observations, modern hits %d", n, modern.hits.Load())
	}
}

func TestAResponseOverTheLimitIsServedInFullButNotCompared(t *testing.T) {
	large := `"` + strings.Repeat("x", 5000) + `"`
	tests := []struct {
		name           string
		legacy, modern string
		modernHits     int64
	}{
		{"a large legacy answer is not even sent to modern", large, `"small"`, 0},
		{"a large modern answer is skipped", `"small"`, large, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			legacy, modern := newUpstream(t, jsonAnswer(tt.legacy)), newUpstream(t, jsonAnswer(tt.modern))
			s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Shadow.MaxBody = 1000 })
			if _, body := s.do(t, http.MethodGet, "/api/x", nil, nil); body != tt.legacy {
				t.Errorf("client got %d bytes, want %d", len(body), len(tt.legacy))
			}
			if ob := s.rec.wait(t, "api", 1)[0]; ob.Skipped != diff.SkipBodyTooLarge {
				t.Errorf("observation = %+v, want skipped body_too_large", ob)
			}
			if got := s.skipped(t, "api", diff.SkipBodyTooLarge); got != 1 {
				t.Errorf("ficus_shadow_skipped_total{reason=body_too_large} = %v, want 1", got)
			}
			if modern.hits.Load() != tt.modernHits {
				t.Errorf("modern got %d requests, want %d", modern.hits.Load(), tt.modernHits)
			}
		})
	}
}

func TestCloseDrainsTheQueue(t *testing.T) {
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	gate := make(chan struct{})
	modern := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		<-gate
		jsonAnswer(orderJSON)(w, r)
	})
	s := startShadow(t, legacy.URL, modern.URL, nil)
	const n = 5
	for range n {
		s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
	}
	if len(s.rec.of("api")) != 0 {
		t.Fatal("compared before modern answered")
	}
	closed := make(chan struct{})
	go func() {
		_ = s.g.Close()
		close(closed)
	}()
	close(gate)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	obs := s.rec.of("api")
	if len(obs) != n {
		t.Fatalf("%d observations after Close, want %d", len(obs), n)
	}
	for _, ob := range obs {
		if ob.Skipped != "" || !ob.Primary.Equal {
			t.Errorf("observation = %+v, want equal", ob)
		}
	}
}

func TestCloseCancelsAStuckShadowAfterTheTimeout(t *testing.T) {
	legacy := newUpstream(t, jsonAnswer(orderJSON))
	modern := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Shadow.Timeout = config.Duration(200 * time.Millisecond) })
	s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
	s.do(t, http.MethodGet, "/api/orders/2", nil, nil)
	start := time.Now()
	_ = s.g.Close()
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Close took %v with a 200ms shadow timeout", elapsed)
	}
	obs := s.rec.of("api")
	if len(obs) != 2 {
		t.Fatalf("%d observations after Close, want 2: %+v", len(obs), obs)
	}
	for _, ob := range obs {
		if ob.Skipped != skipModernTimeout && ob.Skipped != skipShutdown {
			t.Errorf("observation skipped %q, want modern_timeout or shutdown", ob.Skipped)
		}
	}
	// Mirroring after Close is skipped, not queued.
	before := s.skipped(t, "api", skipShutdown)
	res, _ := s.do(t, http.MethodGet, "/api/orders/3", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("client got %d after Close", res.StatusCode)
	}
	if got := s.skipped(t, "api", skipShutdown); got != before+1 {
		t.Errorf("ficus_shadow_skipped_total{reason=shutdown} = %v after a request, want %v", got, before+1)
	}
}

func TestReloadSwitchesTheComparisonRules(t *testing.T) {
	buggy := strings.Replace(orderJSON, `"status":"paid"`, `"status":"PAID"`, 1)
	legacy, modern := newUpstream(t, jsonAnswer(orderJSON)), newUpstream(t, jsonAnswer(buggy))
	var cfg *config.Config
	s := startShadow(t, legacy.URL, modern.URL, func(c *config.Config) { cfg = c })
	s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
	if ob := s.rec.wait(t, "api", 1)[0]; ob.Primary.Equal {
		t.Fatal("the status difference was not found before the reload")
	}
	next := *cfg
	next.Routes = slices.Clone(cfg.Routes)
	next.Routes[0].Diff.Ignore = []string{"$.status"}
	if err := s.g.Reload(&next, nil); err != nil {
		t.Fatal(err)
	}
	s.do(t, http.MethodGet, "/api/orders/1", nil, nil)
	if ob := s.rec.wait(t, "api", 2)[1]; !ob.Primary.Equal {
		t.Errorf("after the reload the ignored field still differs: %+v", ob)
	}
}

func TestSetStateStartsAndStopsMirroring(t *testing.T) {
	legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
	s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) { cfg.Routes[0].Stage = ficus.StageLegacy })
	s.do(t, http.MethodGet, "/api/x", nil, nil)
	if err := s.g.SetState(ficus.RouteState{Route: "api", Stage: ficus.StageShadow}); err != nil {
		t.Fatal(err)
	}
	s.do(t, http.MethodGet, "/api/y", nil, nil)
	s.settle(t)
	obs := s.rec.of("api")
	if len(obs) != 1 || obs[0].Endpoint != "GET /api/y" {
		t.Errorf("observations = %+v, want only the request made in stage shadow", obs)
	}
}

func TestReadLimited(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		limit int
		over  bool
	}{
		{"an empty body", "", 10, false},
		{"a body at the limit", "0123456789", 10, false},
		{"a body one byte over", "0123456789a", 10, true},
		{"a body far over", strings.Repeat("x", 100_000), 10, true},
		{"a large body under a large limit", strings.Repeat("x", 100_000), 1 << 20, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, over, err := readLimited(strings.NewReader(tt.body), nil, tt.limit)
			if err != nil || over != tt.over || (!over && string(got) != tt.body) {
				t.Errorf("readLimited = %d bytes, over %v, %v; want over %v", len(got), over, err, tt.over)
			}
		})
	}
}

// BenchmarkShadow sends a ~1 KB JSON GET through the handler of a route in stage shadow: the
// client's exchange with legacy, the capture, and (on the workers) the shadow request to modern and
// the comparison. Requests that find the queue full are counted in skipped/op.
func BenchmarkShadow(b *testing.B) {
	var doc strings.Builder
	doc.WriteString(`{"items":[`)
	for i := range 12 {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `{"id":%d,"name":"item %d","price":%d.5,"tags":["a","b"]}`, i, i, i*10)
	}
	doc.WriteString(`],"total":12}`)
	body := doc.String()
	legacy := httptest.NewServer(jsonAnswer(body))
	defer legacy.Close()
	modern := httptest.NewServer(jsonAnswer(strings.Replace(body, `"price":30.5`, `"price":31`, 1)))
	defer modern.Close()
	cfg := proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "api", Stage: ficus.StageShadow, Match: config.Match{PathPrefix: "/api"}})
	var compared, skipped atomic.Int64
	g, err := New(cfg, nil, Options{Recorder: recorderFunc(func(ob diff.Observation) {
		if ob.Skipped != "" {
			skipped.Add(1)
		} else {
			compared.Add(1)
		}
	})})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, "http://shop.example/api/orders/42", nil)
		w := &discardWriter{h: make(http.Header)}
		for pb.Next() {
			r.Header = http.Header{"User-Agent": {"bench"}}
			clear(w.h)
			g.ServeHTTP(w, r)
		}
	})
	b.StopTimer()
	_ = g.Close()
	b.ReportMetric(float64(compared.Load())/float64(b.N), "compared/op")
	b.ReportMetric(float64(skipped.Load())/float64(b.N), "skipped/op")
}

type recorderFunc func(diff.Observation)

func (f recorderFunc) Record(ob diff.Observation) { f(ob) }

// TestModernReceivesTheHeaderLegacyReceived mirrors requests whose head the fast path writes from
// bytes (a GET) and from a header map (a write, and a GET whose Connection header names another):
// modern must get the header legacy got plus the shadow header, which replaces the client's own.
func TestModernReceivesTheHeaderLegacyReceived(t *testing.T) {
	tests := []struct {
		name, method string
		header       http.Header
	}{
		{"a GET", http.MethodGet, http.Header{"X-Trace": {"abc"}, "Cookie": {"a=1", "b=2"}, "X-Forwarded-For": {"203.0.113.9"}}},
		{"a GET with the client's own shadow header", http.MethodGet, http.Header{"X-Is-Shadow": {"forged"}, "Te": {"trailers"}}},
		{"a GET whose Connection names a header", http.MethodGet, http.Header{"Connection": {"X-Hop"}, "X-Hop": {"1"}, "X-Trace": {"def"}}},
		{"a mirrored write", http.MethodPost, http.Header{"X-Trace": {"ghi"}, "Content-Type": {"text/plain"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			legacy, modern := newUpstream(t, echoBody), newUpstream(t, echoBody)
			s := startShadow(t, legacy.URL, modern.URL, func(cfg *config.Config) {
				cfg.Shadow.Header = "x-is-shadow"
				cfg.Routes[0].Mirror.Writes = true
			})
			var body io.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader("payload")
			}
			s.do(t, tt.method, "/api/x?q=1", body, tt.header)
			s.rec.wait(t, "api", 1)
			lh, _ := legacy.lastRequest()
			mh, _ := modern.lastRequest()
			if got := mh.Get("X-Is-Shadow"); got != "1" || len(mh["X-Is-Shadow"]) != 1 {
				t.Errorf("modern got the shadow header %q, want 1", mh["X-Is-Shadow"])
			}
			mh, lh = mh.Clone(), lh.Clone()
			delete(mh, "X-Is-Shadow")
			delete(lh, "X-Is-Shadow")
			delete(mh, "Accept-Encoding") // the Transport's, on the map path
			delete(lh, "Accept-Encoding")
			if !maps.EqualFunc(mh, lh, slices.Equal) {
				t.Errorf("modern got %v\nlegacy got %v", mh, lh)
			}
		})
	}
}
