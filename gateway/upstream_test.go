package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// deadURL returns the URL of a port that nothing listens on: connects to it are refused.
func deadURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// fakeClock is an Options.Now that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestAnUpstreamThatIsDown(t *testing.T) {
	dead, good := deadURL(t), newSideServer(t, "good")
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := proxyConfig([]string{dead, good.URL}, []string{good.URL})
	cfg.Backends.Legacy.Health = config.Health{MaxFails: 1, Cooldown: config.Duration(time.Minute)}
	g, ts := startGateway(t, cfg, Options{Now: clock.Now})
	connectErrors := func() float64 {
		return value(t, g.m.upstreamErrors.WithLabelValues("legacy", dead, "connect"))
	}

	t.Run("is retried on the next upstream", func(t *testing.T) {
		for range 10 {
			if status, _, body := get(t, ts.Client(), ts.URL+"/"); status != http.StatusOK || body != "good" {
				t.Fatalf("got %d %q, want 200 from the good upstream", status, body)
			}
		}
	})
	t.Run("is skipped after MaxFails failed connects", func(t *testing.T) {
		if n := connectErrors(); n != 1 {
			t.Errorf("%v connects to the dead upstream, want 1 then skipped", n)
		}
		if up := value(t, g.m.upstreamUp.WithLabelValues("legacy", dead)); up != 0 {
			t.Errorf("upstream_up = %v, want 0", up)
		}
	})
	t.Run("is tried again after the cooldown", func(t *testing.T) {
		clock.Advance(time.Minute + time.Second)
		for range 2 { // round robin reaches the dead upstream within two requests
			get(t, ts.Client(), ts.URL+"/")
		}
		if n := connectErrors(); n != 2 {
			t.Errorf("%v connects to the dead upstream, want a second try after the cooldown", n)
		}
	})
}

func TestWhenEveryUpstreamIsDownOneIsStillTriedAndTheAnswerIs502(t *testing.T) {
	cfg := proxyConfig([]string{deadURL(t)}, []string{deadURL(t)})
	_, ts := startGateway(t, cfg, Options{})
	for range 3 {
		res, err := ts.Client().Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		if side := res.Header.Get(DefaultBackendHeader); side != "legacy" {
			t.Errorf("backend header on a 502 = %q, want legacy", side)
		}
		assertJSONError(t, res, http.StatusBadGateway, "upstream_unavailable")
	}
}

func TestRoundRobinSpreadsRequests(t *testing.T) {
	a, b := newSideServer(t, "a"), newSideServer(t, "b")
	_, ts := startGateway(t, proxyConfig([]string{a.URL, b.URL}, []string{a.URL}), Options{})
	for range 10 {
		get(t, ts.Client(), ts.URL+"/")
	}
	if a.hits.Load() != 5 || b.hits.Load() != 5 {
		t.Errorf("a served %d, b %d; want 5 each", a.hits.Load(), b.hits.Load())
	}
}

func TestAPostIsRetriedWithItsBodyAfterAFailedConnect(t *testing.T) {
	up := newEchoBodyServer(t)
	cfg := proxyConfig([]string{deadURL(t), up.URL}, []string{up.URL})
	_, ts := startGateway(t, cfg, Options{})
	for range 2 {
		res, err := ts.Client().Post(ts.URL+"/", "text/plain", stringsReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, res)
		if res.StatusCode != http.StatusOK || body != "payload" {
			t.Errorf("got %d %q, want 200 echoing the payload", res.StatusCode, body)
		}
	}
}

// bothPaths names a request of each path to upstreams: a bodiless GET takes the fast path, a POST
// with a body the Transport.
var bothPaths = []struct{ name, method, body string }{
	{name: "on the fast path", method: http.MethodGet},
	{name: "through the Transport", method: http.MethodPost, body: "payload"},
}

func TestASlowUpstreamIsA504(t *testing.T) {
	for _, p := range bothPaths {
		t.Run(p.name, func(t *testing.T) {
			release := make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			defer up.Close()
			defer close(release) // before up.Close, which waits for the handler
			cfg := proxyConfig([]string{up.URL}, []string{up.URL})
			cfg.Backends.Legacy.Timeouts.ResponseHeader = config.Duration(100 * time.Millisecond)
			g, ts := startGateway(t, cfg, Options{})
			req, _ := http.NewRequest(p.method, ts.URL+"/slow", strings.NewReader(p.body))
			res, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			assertJSONError(t, res, http.StatusGatewayTimeout, "upstream_timeout")
			if n := value(t, g.m.upstreamErrors.WithLabelValues("legacy", up.URL, "timeout")); n != 1 {
				t.Errorf("timeout errors = %v, want 1", n)
			}
		})
	}
}

func TestAClientDisconnectCancelsTheUpstreamRequest(t *testing.T) {
	for _, p := range bothPaths {
		t.Run(p.name, func(t *testing.T) {
			started, cancelled := make(chan struct{}), make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// A Go server notices a closed connection only once the request body is read.
				_, _ = io.Copy(io.Discard, r.Body)
				close(started)
				<-r.Context().Done()
				close(cancelled)
			}))
			defer up.Close()
			g, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				req, _ := http.NewRequestWithContext(ctx, p.method, ts.URL+"/hang", strings.NewReader(p.body))
				res, err := ts.Client().Do(req)
				if err == nil {
					res.Body.Close()
				}
				errc <- err
			}()
			<-started
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Errorf("client error = %v, want context.Canceled", err)
			}
			select {
			case <-cancelled:
			case <-time.After(10 * time.Second):
				t.Fatal("the upstream request was not cancelled")
			}
			closed := g.m.requests.WithLabelValues("all", "legacy", "client_closed")
			waitFor(t, func() bool { return value(t, closed) == 1 })
			for _, kind := range []string{"connect", "timeout", "protocol", "body"} {
				if v := value(t, g.m.upstreamErrors.WithLabelValues("legacy", up.URL, kind)); v != 0 {
					t.Errorf("a client disconnect counted as upstream error %s", kind)
				}
			}
		})
	}
}

func TestParseUpstreamRejects(t *testing.T) {
	for _, raw := range []string{"ftp://h", "http://", "http://h/?q=1", "http://u:p@h", "::"} {
		if _, err := parseUpstream(raw); err == nil {
			t.Errorf("parseUpstream(%q) accepted it", raw)
		}
	}
}

func TestAnInvalidBackendHostIsRejected(t *testing.T) {
	cfg := proxyConfig([]string{"http://127.0.0.1:1"}, []string{"http://127.0.0.1:1"})
	cfg.Backends.Modern.Host = "evil.example\r\nX-Injected: 1"
	if _, err := New(cfg, nil, Options{}); err == nil {
		t.Error("New accepted a Host with a newline")
	}
}
