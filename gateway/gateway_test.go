package gateway

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// proxyConfig is a config with one catch-all route "all" in stage legacy and the given upstreams;
// extra routes go before it.
func proxyConfig(legacy, modern []string, routes ...config.Route) *config.Config {
	cfg := &config.Config{
		Backends: config.Backends{
			Legacy: config.Backend{URLs: legacy},
			Modern: config.Backend{URLs: modern},
		},
		Routes: append(routes, config.Route{Name: "all", Stage: ficus.StageLegacy}),
	}
	return cfg
}

// sideServer is an upstream that answers with its side's name and counts its requests.
type sideServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newSideServer(t testing.TB, name string) *sideServer {
	t.Helper()
	s := &sideServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s
}

// startGateway builds a gateway for cfg and serves it on a real listener with NewServer.
func startGateway(t testing.TB, cfg *config.Config, opts Options) (*Gateway, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	g, err := New(cfg, nil, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// The gateway is served by the proxy listener's own server, as ficus serve does; the httptest
	// server only lends its URL and client, its net/http side parked on a listener that never accepts.
	srv, err := NewProxyServer(cfg, g)
	if err != nil {
		t.Fatalf("NewProxyServer: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	ts := httptest.NewUnstartedServer(g)
	ts.Listener.Close()
	ts.Listener = &parkedListener{addr: ln.Addr(), closed: make(chan struct{})}
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close()
		_ = g.Close()
	})
	return g, ts
}

// parkedListener reports the address of the real listener and accepts nothing.
type parkedListener struct {
	addr   net.Addr
	once   sync.Once
	closed chan struct{}
}

func (l *parkedListener) Accept() (net.Conn, error) { <-l.closed; return nil, net.ErrClosed }
func (l *parkedListener) Close() error              { l.once.Do(func() { close(l.closed) }); return nil }
func (l *parkedListener) Addr() net.Addr            { return l.addr }

// get sends a GET to url and returns the status, the backend header and the body.
func get(t testing.TB, c *http.Client, url string) (int, string, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return res.StatusCode, res.Header.Get(DefaultBackendHeader), string(body)
}

func TestSetStateAppliesToTheNextRequest(t *testing.T) {
	legacy, modern := newSideServer(t, "legacy"), newSideServer(t, "modern")
	g, ts := startGateway(t, proxyConfig([]string{legacy.URL}, []string{modern.URL}), Options{})
	for _, stage := range []ficus.Stage{ficus.StageModern, ficus.StageLegacy, ficus.StageModern} {
		if err := g.SetState(ficus.RouteState{Route: "all", Stage: stage}); err != nil {
			t.Fatalf("SetState(%s): %v", stage, err)
		}
		want := string(ficus.SideLegacy)
		if stage == ficus.StageModern {
			want = string(ficus.SideModern)
		}
		if _, side, body := get(t, ts.Client(), ts.URL+"/x"); side != want || body != want {
			t.Errorf("after SetState(%s): served by %q (body %q), want %q", stage, side, body, want)
		}
	}
	if got := g.Table().Route("all").State.Stage; got != ficus.StageModern {
		t.Errorf("Table() route stage = %s, want modern", got)
	}
}

func TestSetStateOfAnUnknownRouteIsNotFound(t *testing.T) {
	legacy := newSideServer(t, "legacy")
	g, _ := startGateway(t, proxyConfig([]string{legacy.URL}, []string{legacy.URL}), Options{})
	err := g.SetState(ficus.RouteState{Route: "nope", Stage: ficus.StageModern})
	if ficus.ErrorCode(err) != ficus.ENotFound {
		t.Errorf("SetState(unknown) = %v, want a not_found error", err)
	}
}

// load sends requests from workers goroutines until stop is closed and returns how many got each
// status (0 for transport errors).
func load(t testing.TB, url string, workers int, stop <-chan struct{}) func() map[int]int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				status := 0
				if res, err := c.Get(url); err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					status = res.StatusCode
				}
				mu.Lock()
				counts[status]++
				mu.Unlock()
			}
		})
	}
	return func() map[int]int {
		wg.Wait()
		c.CloseIdleConnections()
		return counts
	}
}

func TestStageFlipsUnderLoadFailNoRequest(t *testing.T) {
	legacy, modern := newSideServer(t, "legacy"), newSideServer(t, "modern")
	g, ts := startGateway(t, proxyConfig([]string{legacy.URL}, []string{modern.URL}), Options{})
	stop := make(chan struct{})
	wait := load(t, ts.URL+"/flip", 8, stop)
	states := []ficus.RouteState{
		{Route: "all", Stage: ficus.StageModern},
		{Route: "all", Stage: ficus.StageCanary, Weight: 37.5},
		{Route: "all", Stage: ficus.StageLegacy},
		{Route: "all", Stage: ficus.StageCanary, Weight: 90},
	}
	for i := range 200 {
		if err := g.SetState(states[i%len(states)]); err != nil {
			t.Fatalf("SetState: %v", err)
		}
		served := legacy.hits.Load() + modern.hits.Load()
		waitFor(t, func() bool { return legacy.hits.Load()+modern.hits.Load() > served })
	}
	close(stop)
	counts := wait()
	total := 0
	for status, n := range counts {
		total += n
		if status != http.StatusOK {
			t.Errorf("%d requests ended with status %d, want every one 200", n, status)
		}
	}
	if total < 200 {
		t.Errorf("only %d requests ran during 200 flips", total)
	}
	if legacy.hits.Load() == 0 || modern.hits.Load() == 0 {
		t.Errorf("legacy served %d, modern %d: want both to serve during the flips", legacy.hits.Load(), modern.hits.Load())
	}
}

func TestReloadSwapsBackendsWithoutAFailedRequest(t *testing.T) {
	oldUp, newUp := newSideServer(t, "old"), newSideServer(t, "new")
	cfg := proxyConfig([]string{oldUp.URL}, []string{oldUp.URL})
	g, ts := startGateway(t, cfg, Options{})
	stop := make(chan struct{})
	wait := load(t, ts.URL+"/reload", 8, stop)
	waitFor(t, func() bool { return oldUp.hits.Load() > 50 })
	if err := g.Reload(proxyConfig([]string{newUp.URL}, []string{newUp.URL}), nil); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	after := newUp.hits.Load()
	waitFor(t, func() bool { return newUp.hits.Load() > after+50 })
	close(stop)
	for status, n := range wait() {
		if status != http.StatusOK {
			t.Errorf("%d requests ended with status %d, want every one 200", n, status)
		}
	}
	before := oldUp.hits.Load()
	if _, _, body := get(t, ts.Client(), ts.URL+"/after"); body != "new" {
		t.Errorf("after Reload the body is %q, want new", body)
	}
	if oldUp.hits.Load() != before {
		t.Error("the old upstream still gets requests after Reload")
	}
}

func TestReloadKeepsAnUnchangedBackend(t *testing.T) {
	up := newSideServer(t, "up")
	g, _ := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	before := g.cur.Load().backends
	if err := g.Reload(proxyConfig([]string{up.URL}, []string{up.URL}, config.Route{Name: "extra", Match: config.Match{PathPrefix: "/extra"}}), nil); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	after := g.cur.Load().backends
	if before != after {
		t.Error("Reload replaced backends whose config did not change")
	}
	if g.Table().Route("extra") == nil {
		t.Error("Reload did not install the new route")
	}
}

func TestReloadWithABadConfigKeepsTheOldOne(t *testing.T) {
	up := newSideServer(t, "up")
	g, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	bad := proxyConfig([]string{"ftp://nowhere"}, []string{up.URL})
	if err := g.Reload(bad, nil); err == nil {
		t.Fatal("Reload accepted an ftp:// upstream")
	}
	if status, _, _ := get(t, ts.Client(), ts.URL+"/"); status != http.StatusOK {
		t.Errorf("after a failed Reload status = %d, want 200", status)
	}
}

// waitFor polls cond until it holds or 10 seconds pass.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not met within 10s")
		case <-time.After(5 * time.Millisecond):
		}
	}
}
