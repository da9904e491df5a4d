package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ficus-dev/ficus/config"
)

const benchBody = `{"id":42,"name":"Ada Lovelace","email":"ada@example.com","status":"active","balance":"1234.50","tags":["a","b","c"],"updated_at":"2026-01-01T00:00:00Z"}`

// discardWriter is a ResponseWriter that keeps nothing, so that BenchmarkProxy/handler measures
// the proxy and not a recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkProxy measures a small JSON GET through the gateway to a real upstream: "handler" calls
// ServeHTTP directly (the proxy's own cost plus the upstream exchange), "end_to_end" goes through a
// real listener as a client would.
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = io.WriteString(w, benchBody)
	}))
	defer up.Close()
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})

	b.Run("handler", func(b *testing.B) {
		g, err := New(cfg, nil, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := httptest.NewRequest(http.MethodGet, "http://shop.example/api/users/42?expand=orders", nil)
			w := &discardWriter{h: make(http.Header)}
			for pb.Next() {
				r.Header = http.Header{"User-Agent": {"bench"}}
				clear(w.h)
				g.ServeHTTP(w, r)
			}
		})
	})
	b.Run("end_to_end", func(b *testing.B) {
		_, ts := startGateway(b, cfg, Options{})
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				res, err := c.Get(ts.URL + "/api/users/42?expand=orders")
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	})
}

// echoServer answers with what it received: method, host, path, query and headers, as JSON.
func newEchoServer(t testing.TB) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echoed{Method: r.Method, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header})
	}))
	t.Cleanup(s.Close)
	return s
}

type echoed struct {
	Method   string
	Host     string
	Path     string
	RawQuery string
	Header   http.Header
}

// echo sends req through the gateway to an echo server and returns what the upstream saw.
func echo(t *testing.T, c *http.Client, req *http.Request) (echoed, *http.Response) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	var e echoed
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		t.Fatalf("decoding the echo: %v", err)
	}
	return e, res
}

func TestForwardingHeaders(t *testing.T) {
	up := newEchoServer(t)
	_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	tests := []struct {
		name  string
		in    http.Header
		wantH map[string]string
	}{
		{
			name: "a first hop gets fresh forwarding headers",
			wantH: map[string]string{
				"X-Forwarded-For":   "127.0.0.1",
				"X-Forwarded-Proto": "http",
				"X-Forwarded-Host":  "shop.example:8080",
				"Forwarded":         `for=127.0.0.1;host="shop.example:8080";proto=http`,
			},
		},
		{
			name: "earlier hops are kept and this one appended",
			in: http.Header{
				"X-Forwarded-For":   {"203.0.113.9, 198.51.100.2"},
				"X-Forwarded-Proto": {"https"},
				"X-Forwarded-Host":  {"spoofed.example"},
				"Forwarded":         {`for=203.0.113.9;proto=https`},
			},
			wantH: map[string]string{
				"X-Forwarded-For":   "203.0.113.9, 198.51.100.2, 127.0.0.1",
				"X-Forwarded-Proto": "http",
				"X-Forwarded-Host":  "shop.example:8080",
				"Forwarded":         `for=203.0.113.9;proto=https, for=127.0.0.1;host="shop.example:8080";proto=http`,
			},
		},
		{
			name: "hop-by-hop headers and those Connection names are removed",
			in: http.Header{
				"Connection":          {"keep-alive, X-Hop-Secret"},
				"X-Hop-Secret":        {"1"},
				"Keep-Alive":          {"timeout=5"},
				"Proxy-Authorization": {"Basic Zm9vOmJhcg=="},
				"Proxy-Connection":    {"keep-alive"},
				"Te":                  {"gzip"},
				"X-End-To-End":        {"kept"},
			},
			wantH: map[string]string{
				"Connection": "", "X-Hop-Secret": "", "Keep-Alive": "", "Proxy-Authorization": "",
				"Proxy-Connection": "", "Te": "", "X-End-To-End": "kept",
			},
		},
		{
			name:  "te trailers is kept for gRPC",
			in:    http.Header{"Te": {"trailers"}},
			wantH: map[string]string{"Te": "trailers"},
		},
		{
			name:  "no compression is asked for on the client's behalf",
			wantH: map[string]string{"Accept-Encoding": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/x?q=1", nil)
			req.Host = "shop.example:8080"
			maps.Copy(req.Header, tt.in)
			got, _ := echo(t, &http.Client{Transport: &http.Transport{DisableCompression: true}}, req)
			for k, want := range tt.wantH {
				if v := strings.Join(got.Header[k], ", "); v != want {
					t.Errorf("upstream saw %s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestForwardedElement(t *testing.T) {
	tests := []struct{ name, ip, host, want string }{
		{"tokens stay bare", "192.0.2.1", "shop.example", "for=192.0.2.1;host=shop.example;proto=http"},
		{"a host with a port is quoted", "192.0.2.1", "shop.example:8080", `for=192.0.2.1;host="shop.example:8080";proto=http`},
		{"an IPv6 client is bracketed and quoted", "2001:db8::1", "[2001:db8::2]:80", `for="[2001:db8::1]";host="[2001:db8::2]:80";proto=http`},
		{"quotes in a host are escaped", "192.0.2.1", `we"ird`, `for=192.0.2.1;host="we\"ird";proto=http`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := forwarded(tt.ip, tt.host, "http"); got != tt.want {
				t.Errorf("forwarded = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHostAndPath(t *testing.T) {
	up := newEchoServer(t)
	tests := []struct {
		name     string
		url      string
		host     string
		target   string
		wantHost string
		wantPath string
	}{
		{name: "the client's host is forwarded by default", url: up.URL, target: "/a/b?x=1", wantHost: "shop.example", wantPath: "/a/b"},
		{name: "a configured host replaces the client's", url: up.URL, host: "legacy.internal", target: "/a", wantHost: "legacy.internal", wantPath: "/a"},
		{name: "an upstream path prefix is prepended", url: up.URL + "/base/", target: "/a/b", wantHost: "shop.example", wantPath: "/base/a/b"},
		{name: "an escaped path stays escaped", url: up.URL + "/base", target: "/a%2Fb", wantHost: "shop.example", wantPath: "/base/a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := proxyConfig([]string{tt.url}, []string{tt.url})
			cfg.Backends.Legacy.Host = tt.host
			_, ts := startGateway(t, cfg, Options{})
			req, _ := http.NewRequest(http.MethodGet, ts.URL+tt.target, nil)
			req.Host = "shop.example"
			got, _ := echo(t, ts.Client(), req)
			if got.Host != tt.wantHost || got.Path != tt.wantPath {
				t.Errorf("upstream saw host %q path %q, want %q %q", got.Host, got.Path, tt.wantHost, tt.wantPath)
			}
		})
	}
}

func TestTheOverrideHeaderIsNotForwarded(t *testing.T) {
	up := newEchoServer(t)
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	cfg.Override = &config.Override{Header: "X-Ficus-Override", Secret: "s3cret"}
	_, ts := startGateway(t, cfg, Options{})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	req.Header.Set("X-Ficus-Override", "modern:s3cret")
	got, res := echo(t, ts.Client(), req)
	if v := got.Header.Get("X-Ficus-Override"); v != "" {
		t.Errorf("upstream saw the override header %q", v)
	}
	if side := res.Header.Get(DefaultBackendHeader); side != "modern" {
		t.Errorf("override to modern served by %q", side)
	}
}

func TestTheOverrideCookieIsNotForwarded(t *testing.T) {
	up := newEchoServer(t)
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	cfg.Override = &config.Override{Header: "X-Ficus-Override", Cookie: "ficus_override", Secret: "s3cret"}
	_, ts := startGateway(t, cfg, Options{})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	req.Header.Set("Cookie", "sid=7; ficus_override=modern:s3cret")
	got, res := echo(t, ts.Client(), req)
	if v := got.Header.Get("Cookie"); v != "sid=7" {
		t.Errorf("upstream saw Cookie %q, want only sid=7", v)
	}
	if side := res.Header.Get(DefaultBackendHeader); side != "modern" {
		t.Errorf("cookie override to modern served by %q", side)
	}
}

func TestResponseHopByHopHeadersAreRemoved(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Upstream-Hop")
		w.Header().Set("X-Upstream-Hop", "secret")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-End-To-End", "kept")
	}))
	defer up.Close()
	_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	res, err := ts.Client().Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, k := range []string{"X-Upstream-Hop", "Keep-Alive"} {
		if v := res.Header.Get(k); v != "" {
			t.Errorf("client saw %s: %q", k, v)
		}
	}
	if v := res.Header.Get("X-End-To-End"); v != "kept" {
		t.Errorf("X-End-To-End = %q, want kept", v)
	}
}

func TestBackendHeader(t *testing.T) {
	up := newSideServer(t, "up")
	custom, off := "x-served-by", ""
	tests := []struct {
		name   string
		header *string
		want   http.Header
	}{
		{name: "is X-Ficus-Backend by default", want: http.Header{"X-Ficus-Backend": {"legacy"}}},
		{name: "can be renamed", header: &custom, want: http.Header{"X-Served-By": {"legacy"}, "X-Ficus-Backend": nil}},
		{name: "can be turned off", header: &off, want: http.Header{"X-Ficus-Backend": nil, "": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := proxyConfig([]string{up.URL}, []string{up.URL})
			cfg.BackendHeader = tt.header
			_, ts := startGateway(t, cfg, Options{})
			res, err := ts.Client().Get(ts.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			for k, want := range tt.want {
				if got := res.Header[k]; !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestNoRouteIsA404InJSON(t *testing.T) {
	up := newSideServer(t, "up")
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	cfg.Routes = []config.Route{{Name: "api", Match: config.Match{PathPrefix: "/api"}}}
	_, ts := startGateway(t, cfg, Options{})
	res, err := ts.Client().Get(ts.URL + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	assertJSONError(t, res, http.StatusNotFound, "no_route")
	if up.hits.Load() != 0 {
		t.Error("an unmatched request reached the upstream")
	}
}

// assertJSONError checks that res is a JSON error with the status and code, and closes its body.
func assertJSONError(t *testing.T, res *http.Response, status int, code string) {
	t.Helper()
	defer res.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("the %d error body is not JSON: %v", res.StatusCode, err)
	}
	if res.StatusCode != status || body.Error.Code != code || body.Error.Message == "" {
		t.Errorf("got %d %+v, want %d with code %s and a message", res.StatusCode, body.Error, status, code)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestStreamsArriveAsTheyCome(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
	}{
		{name: "an event stream is flushed event by event", contentType: "text/event-stream; charset=utf-8"},
		{name: "a body of unknown length is flushed as it comes", contentType: "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = io.WriteString(w, "data: first\n\n")
				http.NewResponseController(w).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
				_, _ = io.WriteString(w, "data: second\n\n")
			}))
			defer up.Close()
			_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
			res, err := ts.Client().Get(ts.URL + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			br := bufio.NewReader(res.Body)
			line, err := br.ReadString('\n')
			if err != nil || line != "data: first\n" {
				t.Fatalf("first line = %q, %v; want the first event before the upstream finishes", line, err)
			}
			close(release)
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != "\ndata: second\n\n" {
				t.Errorf("rest = %q, %v", rest, err)
			}
		})
	}
}

func TestTrailersAreForwarded(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		_, _ = io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc123")
	}))
	defer up.Close()
	_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	res, err := ts.Client().Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if got := res.Trailer.Get("X-Checksum"); got != "abc123" {
		t.Errorf("trailer X-Checksum = %q, want abc123", got)
	}
}

func TestWebSocketEchoThroughTheProxy(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	}))
	defer up.Close()
	_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through the proxy: %v", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if side := res.Header.Get(DefaultBackendHeader); side != "legacy" {
		t.Errorf("the 101 carries backend header %q, want legacy", side)
	}
	for _, msg := range []string{"hello", strings.Repeat("big", 50000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != msg {
			t.Fatalf("echo of %d bytes = %d bytes, %v", len(msg), len(got), err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// patternReader produces n bytes of a repeating pattern without holding them.
type patternReader struct{ n int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n)]
	for i := range b {
		b[i] = byte(i)
	}
	p.n -= int64(len(b))
	return len(b), nil
}

// Not parallel: it reads the process's allocation counter.
func TestLargeBodiesAreStreamedBothWays(t *testing.T) {
	const size = 64 << 20
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, n)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(size))
		_, _ = io.Copy(w, &patternReader{n: size})
	}))
	defer up.Close()
	_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})

	allocated := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.TotalAlloc
	}
	t.Run("a 64 MiB upload", func(t *testing.T) {
		before := allocated()
		res, err := ts.Client().Post(ts.URL+"/upload", "application/octet-stream", &patternReader{n: size})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != strconv.Itoa(size) {
			t.Errorf("upstream received %s bytes, want %d", body, size)
		}
		if a := allocated() - before; a > size/4 {
			t.Errorf("allocated %d MiB for a %d MiB upload: the body is buffered", a>>20, size>>20)
		}
	})
	t.Run("a 64 MiB download", func(t *testing.T) {
		before := allocated()
		res, err := ts.Client().Get(ts.URL + "/download")
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || n != size {
			t.Errorf("downloaded %d bytes, %v; want %d", n, err, size)
		}
		if a := allocated() - before; a > size/4 {
			t.Errorf("allocated %d MiB for a %d MiB download: the body is buffered", a>>20, size>>20)
		}
	})
}

// newEchoBodyServer answers with the request body.
func newEchoBodyServer(t testing.TB) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// readAll reads and closes res's body.
func readAll(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return string(b)
}

// TestForwardedHeadAgreesWithUpstreamHeader writes the head of direct requests both ways, straight
// from the client's header and from a prepared copy: the upstream must read the same request, and
// the client's header must be left as it was.
func TestForwardedHeadAgreesWithUpstreamHeader(t *testing.T) {
	tests := []struct {
		name, method, target, host, backendHost, upstream string
		header                                            http.Header
	}{
		{name: "a bare request", method: "GET", target: "/api/x?q=1", host: "shop.example"},
		{name: "earlier hops", method: "GET", target: "/", host: "shop.example:8080", header: http.Header{
			"X-Forwarded-For": {"203.0.113.9", "198.51.100.2"}, "Forwarded": {"for=203.0.113.9"},
			"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"spoofed"}}},
		{name: "hop-by-hop headers", method: "HEAD", target: "/a", host: "h", header: http.Header{
			"Connection": {"keep-alive, close"}, "Keep-Alive": {"timeout=5"}, "Proxy-Connection": {"keep-alive"},
			"Proxy-Authorization": {"Basic x"}, "Te": {"gzip"}, "Trailer": {"X"}, "Upgrade": {"h2c"}}},
		{name: "te trailers", method: "GET", target: "/", host: "h", header: http.Header{"Te": {"trailers, deflate"}}},
		{name: "repeated headers", method: "GET", target: "/", host: "h", header: http.Header{
			"Cookie": {"a=1", "b=2"}, "Accept": {"*/*"}, "User-Agent": {"wrk"}}},
		{name: "no host", method: "GET", target: "/", upstream: "http://up.internal:81"},
		{name: "a backend host and a path prefix", method: "GET", target: "/a%2Fb?x", host: "h", backendHost: "legacy.internal",
			upstream: "http://up.internal/base/"},
		{name: "an IPv6 host", method: "GET", target: "/", host: "[2001:db8::2]:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host, r.Header, r.RemoteAddr = tt.host, http.Header{}, "192.0.2.7:4321"
			maps.Copy(r.Header, tt.header)
			before := r.Header.Clone()
			if tt.upstream == "" {
				tt.upstream = "http://127.0.0.1:8001"
			}
			up, err := parseUpstream(tt.upstream)
			if err != nil {
				t.Fatal(err)
			}
			be := &backend{host: tt.backendHost, upstreams: []*upstream{up}}
			f := newForwarding(r, be)
			if !f.direct {
				t.Fatal("not a direct request")
			}
			direct := readWritten(t, func(w *bufio.Writer) { writeForwardedHead(w, &f, up) })
			out := f.outbound()
			up.target(out.URL, r.URL)
			prepared := readWritten(t, func(w *bufio.Writer) { writeRequest(w, out) })
			if direct.Method != prepared.Method || direct.RequestURI != prepared.RequestURI || direct.Host != prepared.Host ||
				!reflect.DeepEqual(direct.Header, prepared.Header) {
				t.Errorf("written directly: %s %s host %q %v\nprepared: %s %s host %q %v", direct.Method, direct.RequestURI, direct.Host,
					direct.Header, prepared.Method, prepared.RequestURI, prepared.Host, prepared.Header)
			}
			if !reflect.DeepEqual(r.Header, before) {
				t.Errorf("client header changed to %v", r.Header)
			}
		})
	}
}

func readWritten(t *testing.T, write func(*bufio.Writer)) *http.Request {
	t.Helper()
	var b strings.Builder
	w := bufio.NewWriter(&b)
	write(w)
	w.Flush()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("reading %q: %v", b.String(), err)
	}
	return req
}

// fixedUpstream is an HTTP/1.1 upstream that answers every request with the same bytes, as the
// nginx upstream of scripts/bench-proxy.sh does; it allocates nothing per request, so that a
// benchmark's allocations are the proxy's.
func fixedUpstream(tb testing.TB, response string) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	answer := []byte(response)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						return
					}
					if len(line) <= 2 { // the end of a request head
						if _, err := nc.Write(answer); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// BenchmarkProxyListener sends the benchmark's request through the proxy listener and the
// upstream fast path, with a client and an upstream that allocate nothing: allocs/op are the
// proxy's own per request.
func BenchmarkProxyListener(b *testing.B) {
	up := fixedUpstream(b, "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 23 Nov 2026 20:41:00 GMT\r\n"+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(benchBody))+"\r\nConnection: keep-alive\r\n\r\n"+benchBody)
	g, err := New(proxyConfig([]string{"http://" + up}, []string{"http://" + up}), nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	_, addr := startH1(b, g)
	c := dialRaw(b, addr)
	req := "GET /api/users/42?expand=orders HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
	c.send(req)
	res, body := c.read(http.MethodGet)
	if res.StatusCode != http.StatusOK || body != benchBody {
		b.Fatalf("answer %d %q", res.StatusCode, body)
	}
	// Every answer has the same length (its Date is the upstream's): read them as bytes.
	var head strings.Builder
	res.Header.Write(&head)
	size := len("HTTP/1.1 200 OK\r\n") + head.Len() + len("\r\n") + len(body)
	buf := make([]byte, size)
	_ = c.nc.SetDeadline(time.Time{})
	reqBytes := []byte(req)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.nc.Write(reqBytes); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c.br, buf); err != nil {
			b.Fatal(err)
		}
	}
}
