package gateway

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/http/httpguts"

	"github.com/ficus-dev/ficus/config"
)

// startH1 serves h with NewProxyServer on a loopback listener and returns the server and its
// address. setup, when given, adjusts the server before it serves.
func startH1(t testing.TB, h http.Handler, setup ...func(*Server)) (*Server, string) {
	t.Helper()
	srv, err := NewProxyServer(&config.Config{}, h)
	if err != nil {
		t.Fatalf("NewProxyServer: %v", err)
	}
	for _, f := range setup {
		f(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; err != http.ErrServerClosed {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return srv, ln.Addr().String()
}

// startH1Gateway serves a gateway in front of upstream with NewProxyServer.
func startH1Gateway(t testing.TB, upstream string) string {
	t.Helper()
	cfg := proxyConfig([]string{upstream}, []string{upstream})
	g, err := New(cfg, nil, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	_, addr := startH1(t, g)
	return addr
}

// rawConn is a client connection that writes bytes as they are and reads responses.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read reads one response to a request with method and returns it with its body read.
func (c *rawConn) read(method string) (*http.Response, string) {
	c.t.Helper()
	res, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return res, string(body)
}

// closed reports whether the server closed the connection (EOF instead of another response).
func (c *rawConn) closed() bool {
	_, err := c.br.ReadByte()
	return err != nil
}

// echoHandler answers with the method, path, body length and framing it got.
var echoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%s %s len=%d te=%v body=%s", r.Method, r.URL.RequestURI(), len(b), r.TransferEncoding, b)
})

func TestH1RefusesWhatIsNotValidHTTP(t *testing.T) {
	_, addr := startH1(t, echoHandler)
	tests := []struct {
		name     string
		request  string
		status   int
		wantCode string
	}{
		{"both Content-Length and Transfer-Encoding are a 400", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "bad_request"},
		{"two differing Content-Lengths are a 400", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "bad_request"},
		{"a Content-Length that is not a number is a 400", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400, "bad_request"},
		{"a header name with a space is a 400", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400, "bad_request"},
		{"whitespace before the colon is a 400", "GET / HTTP/1.1\r\nHost: x\r\nName : v\r\n\r\n", 400, "bad_request"},
		{"a control character in a value is a 400", "GET / HTTP/1.1\r\nHost: x\r\nName: a\x01b\r\n\r\n", 400, "bad_request"},
		{"obs-fold is a 400", "GET / HTTP/1.1\r\nHost: x\r\nName: a\r\n b\r\n\r\n", 400, "bad_request"},
		{"a missing Host in HTTP/1.1 is a 400", "GET / HTTP/1.1\r\n\r\n", 400, "bad_request"},
		{"two Hosts are a 400", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"},
		{"a malformed request line is a 400", "GET /\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"a CONNECT tunnel is a 400", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400, "bad_request"},
		{"a garbled version is a 400", "GET / HTTP/one\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"HTTP/3.0 is a 505", "GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505, "version_not_supported"},
		{"a transfer coding other than chunked is a 501", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not_implemented"},
		{"a head over 1 MiB is a 431", "GET / HTTP/1.1\r\nHost: x\r\nBig: " + strings.Repeat("a", 1<<20) + "\r\n\r\n", 431, "headers_too_large"},
		{"a request line over 1 MiB is a 431", "GET /" + strings.Repeat("a", 1<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "headers_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			go c.send(tt.request) // a refused head may not be read to its end
			res, body := c.read(http.MethodGet)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != tt.wantCode || e.Error.Message == "" {
				t.Errorf("body = %q (%v), want a JSON error with code %s", body, err, tt.wantCode)
			}
			if !res.Close || !c.closed() {
				t.Error("the connection stayed open after a refused request")
			}
		})
	}
}

func TestH1KeepAliveAndPipelining(t *testing.T) {
	_, addr := startH1(t, echoHandler)
	t.Run("requests one after the other share a connection", func(t *testing.T) {
		c := dialRaw(t, addr)
		for i := range 3 {
			c.send(fmt.Sprintf("GET /seq/%d HTTP/1.1\r\nHost: x\r\n\r\n", i))
			if _, body := c.read(http.MethodGet); body != fmt.Sprintf("GET /seq/%d len=0 te=[] body=", i) {
				t.Errorf("response %d = %q", i, body)
			}
		}
	})
	t.Run("pipelined requests are answered in order", func(t *testing.T) {
		c := dialRaw(t, addr)
		var all strings.Builder
		for i := range 5 {
			fmt.Fprintf(&all, "POST /p/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n%d", i, i)
		}
		c.send(all.String())
		for i := range 5 {
			if _, body := c.read(http.MethodPost); body != fmt.Sprintf("POST /p/%d len=1 te=[] body=%d", i, i) {
				t.Errorf("response %d = %q", i, body)
			}
		}
	})
	t.Run("Connection: close closes after the response", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.send("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if res, _ := c.read(http.MethodGet); !res.Close {
			t.Error("response does not say Connection: close")
		}
		if !c.closed() {
			t.Error("connection still open")
		}
	})
	t.Run("HTTP/1.0 closes unless asked to keep alive", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.send("GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		res, body := c.read(http.MethodGet)
		if res.Close || res.ContentLength != int64(len(body)) {
			t.Errorf("keep-alive 1.0 response: close %v, length %d for %q", res.Close, res.ContentLength, body)
		}
		c.send("GET /ten HTTP/1.0\r\n\r\n")
		c.read(http.MethodGet)
		if !c.closed() {
			t.Error("HTTP/1.0 connection without keep-alive stayed open")
		}
	})
}

func TestH1ResponseFraming(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		case "/length":
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		case "/big":
			io.WriteString(w, strings.Repeat("x", 3*pendingMax))
		case "/trailer":
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			w.Header().Set("X-Sum", "42")
		default:
			io.WriteString(w, "short")
		}
	})
	_, addr := startH1(t, h)
	tests := []struct {
		name, method, path string
		wantLength         int64
		wantChunked        bool
		wantBody           string
	}{
		{"a short body gets a Content-Length", "GET", "/short", 5, false, "short"},
		{"a HEAD gets the headers without a body", "HEAD", "/length", 5, false, ""},
		{"a 204 has no body", "GET", "/204", 0, false, ""},
		{"a 304 has no body", "GET", "/304", 0, false, ""},
		{"the handler's Content-Length is kept", "GET", "/length", 5, false, "hello"},
		{"a long body of unknown length is chunked", "GET", "/big", -1, true, strings.Repeat("x", 3*pendingMax)},
		{"a flushed body is chunked", "GET", "/trailer", -1, true, "part"},
	}
	c := dialRaw(t, addr) // one connection: every response must leave it usable
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(tt.method + " " + tt.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
			res, body := c.read(tt.method)
			chunked := len(res.TransferEncoding) > 0
			if res.ContentLength != tt.wantLength || chunked != tt.wantChunked || body != tt.wantBody {
				t.Errorf("length %d chunked %v body %q, want %d %v %q", res.ContentLength, chunked, body, tt.wantLength, tt.wantChunked, tt.wantBody)
			}
			if res.Header.Get("Date") == "" {
				t.Error("no Date header")
			}
			if tt.path == "/trailer" && res.Trailer.Get("X-Sum") != "42" {
				t.Errorf("trailer = %v", res.Trailer)
			}
		})
	}
}

func TestH1RequestBodies(t *testing.T) {
	_, addr := startH1(t, echoHandler)
	tests := []struct {
		name, request, want string
	}{
		{"a Content-Length body", "POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "POST /cl len=5 te=[] body=hello"},
		{"a chunked body with trailers", "POST /ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\n", "POST /ch len=5 te=[chunked] body=hello"},
		{"equal duplicate Content-Lengths", "POST /dup HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", "POST /dup len=2 te=[] body=hi"},
	}
	c := dialRaw(t, addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(tt.request)
			if _, body := c.read(http.MethodPost); body != tt.want {
				t.Errorf("body = %q, want %q", body, tt.want)
			}
		})
	}
	t.Run("an unread body is drained before the next request", func(t *testing.T) {
		_, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) }))
		c := dialRaw(t, addr)
		c.send("POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, body := c.read(http.MethodPost); body != "/first" {
			t.Errorf("first = %q", body)
		}
		if _, body := c.read(http.MethodGet); body != "/second" {
			t.Errorf("second = %q", body)
		}
	})
}

func TestH1ExpectContinue(t *testing.T) {
	_, addr := startH1(t, echoHandler)
	c := dialRaw(t, addr)
	c.send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	res, err := http.ReadResponse(c.br, nil)
	if err != nil || res.StatusCode != http.StatusContinue {
		t.Fatalf("got %v %v before sending the body, want 100 Continue", res, err)
	}
	c.send("data")
	if res, body := c.read(http.MethodPut); res.StatusCode != 200 || body != "PUT /up len=4 te=[] body=data" {
		t.Errorf("final response %d %q", res.StatusCode, body)
	}
}

func TestH1StreamsEventsAsTheyCome(t *testing.T) {
	next := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			<-next
		}
	}))
	defer up.Close()
	addr := startH1Gateway(t, up.URL)
	res, err := http.Get("http://" + addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	for i := range 3 {
		// Each event must arrive while the upstream still holds back the next one.
		line, err := br.ReadString('\n')
		if err != nil || line != fmt.Sprintf("data: %d\n", i) {
			t.Fatalf("event %d = %q, %v", i, line, err)
		}
		br.ReadString('\n')
		next <- struct{}{}
	}
}

func TestH1UploadOf64MiBIsStreamed(t *testing.T) {
	const size = 64 << 20
	got := make(chan int64, 1)
	first := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.CopyN(h, r.Body, 1<<20)
		close(first)
		m, _ := io.Copy(h, r.Body)
		got <- n + m
		fmt.Fprintf(w, "%x", h.Sum(nil))
	}))
	defer up.Close()
	addr := startH1Gateway(t, up.URL)
	pr, pw := io.Pipe()
	want := sha256.New()
	go func() {
		src := io.TeeReader(&patternReader{n: size}, want)
		io.CopyN(pw, src, 1<<20)
		<-first // the upstream has the first MiB before the client sent the rest: nothing buffers it whole
		io.Copy(pw, src)
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/upload", pr)
	req.ContentLength = size
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if n := <-got; n != size || string(body) != fmt.Sprintf("%x", want.Sum(nil)) {
		t.Errorf("upstream got %d bytes with digest %s, want %d", n, body, size)
	}
}

func TestH1WebSocketUpgradeIsHijacked(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	}))
	defer up.Close()
	addr := startH1Gateway(t, up.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	for _, msg := range []string{"hello", "again"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != msg {
			t.Fatalf("echo = %q, %v", got, err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}

func TestH1HandsH2CPriorKnowledgeToNetHTTP(t *testing.T) {
	_, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }))
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: p}}
	defer c.CloseIdleConnections()
	for range 2 {
		res, err := c.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "HTTP/2.0" {
			t.Errorf("handler saw %q, want HTTP/2.0", body)
		}
	}
}

func TestH1ClientDisconnectCancelsTheUpstreamRequest(t *testing.T) {
	arrived, cancelled := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(10 * time.Second):
		}
	}))
	defer up.Close()
	addr := startH1Gateway(t, up.URL)
	c := dialRaw(t, addr)
	c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-arrived
	c.nc.Close()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was not cancelled within 5s of the client leaving")
	}
}

func TestH1ShutdownDrainsARequestInFlight(t *testing.T) {
	// Later requests on a connection are served in raw mode (h1raw.go), the first ones are not.
	for _, later := range []bool{false, true} {
		t.Run(fmt.Sprintf("later request %v", later), func(t *testing.T) { testShutdownDrains(t, later) })
	}
}

func testShutdownDrains(t *testing.T, later bool) {
	started, release := make(chan struct{}), make(chan struct{})
	srv, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/warm" {
			return
		}
		close(started)
		<-release
		io.WriteString(w, "finished")
	}))
	idle := dialRaw(t, addr)
	idle.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
	idle.read(http.MethodGet)
	busy := dialRaw(t, addr)
	if later {
		busy.warm()
	}
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	close(release)
	if res, body := busy.read(http.MethodGet); res.StatusCode != 200 || body != "finished" || !res.Close {
		t.Errorf("in-flight request got %d %q (close %v), want 200 finished and Connection: close", res.StatusCode, body, res.Close)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if !idle.closed() {
		t.Error("idle connection still open after Shutdown")
	}
}

func TestH1TimeoutsCloseSlowAndIdleConnections(t *testing.T) {
	tests := []struct {
		name, send          string
		header, idle, limit time.Duration
	}{
		{"a head that stops half way is cut off by the header timeout", "GET /slow HTTP/1.1\r\nHost:", 200 * time.Millisecond, time.Minute, 5 * time.Second},
		{"a connection that never sends is closed by the idle timeout", "", time.Minute, 200 * time.Millisecond, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr := startH1(t, echoHandler, func(s *Server) { s.headerTimeout, s.idleTimeout = tt.header, tt.idle })
			c := dialRaw(t, addr)
			c.send(tt.send)
			start := time.Now()
			if !c.closed() {
				t.Fatal("connection still open")
			}
			if d := time.Since(start); d > tt.limit {
				t.Errorf("closed after %v, want within %v", d, tt.limit)
			}
		})
	}
	_, addr := startH1(t, echoHandler, func(s *Server) { s.idleTimeout = 300 * time.Millisecond })
	t.Run("a connection kept busy is not closed by the idle timeout", func(t *testing.T) {
		c := dialRaw(t, addr)
		for range 5 {
			c.send("GET /busy HTTP/1.1\r\nHost: x\r\n\r\n")
			c.read(http.MethodGet)
			time.Sleep(100 * time.Millisecond) // a client's think time, shorter than the idle timeout
		}
	})
}

func TestH1HandlerPanicClosesTheConnection(t *testing.T) {
	_, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	c := dialRaw(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !c.closed() {
		t.Error("connection open after the handler panicked")
	}
}

func BenchmarkServer(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = jsonContentType
		w.Header()["Content-Length"] = []string{"2"}
		io.WriteString(w, "{}")
	})
	_, addr := startH1(b, h)
	c := dialRaw(b, addr)
	req := "GET /api/users/42?expand=orders HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	// The response has the same length every time (its Date too): read it as bytes, so that the
	// client allocates nothing and allocs/op are the server's.
	c.send(req)
	c.read(http.MethodGet)
	size := 0
	c.send(req)
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		size += len(line)
		if line == "\r\n" {
			break
		}
	}
	size += 2
	if _, err := c.br.Discard(2); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, size)
	_ = c.nc.SetDeadline(time.Time{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send(req)
		if _, err := io.ReadFull(c.br, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a/b?c=d HTTP/1.0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h:80\r\nContent-Length: 3\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
		"PUT /%41 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET http://example.com/x HTTP/1.1\r\nHost: y\r\nPragma: no-cache\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /\xff HTTP/1.1\r\nHost: x\r\nName:\tv \r\n\r\n",
		"GET /!0000 HTTP/1.1\r\nHost: x\r\n\r\n", // url.URL escapes ! in paths: RawPath must keep it
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		head, err := readHead(bufio.NewReader(strings.NewReader(in)), nil, maxHeaderBytes)
		if err != nil {
			return
		}
		var p parsedHead
		if parseHead(string(head), &p) != nil {
			return
		}
		std, err := http.ReadRequest(bufio.NewReader(strings.NewReader(string(head))))
		if err != nil {
			t.Fatalf("parseHead accepted what net/http refuses (%v): %q", err, head)
		}
		got := &p.req
		if got.Method != std.Method || got.RequestURI != std.RequestURI || got.Host != std.Host || got.URL.String() != std.URL.String() {
			t.Fatalf("request line: got %s %s host %q url %q, net/http %s %s host %q url %q",
				got.Method, got.RequestURI, got.Host, got.URL, std.Method, std.RequestURI, std.Host, std.URL)
		}
		delete(std.Header, "Host")
		if fmt.Sprint(got.Header) != fmt.Sprint(std.Header) {
			t.Fatalf("headers: got %v, net/http %v", got.Header, std.Header)
		}
		if got.ContentLength != std.ContentLength && !(p.chunked && std.ContentLength == -1) {
			t.Fatalf("content length: got %d, net/http %d", got.ContentLength, std.ContentLength)
		}
		if got.Close != std.Close {
			t.Fatalf("close: got %v, net/http %v", got.Close, std.Close)
		}
	})
}

// TestValidFieldValueAgreesWithHTTPGuts puts every byte at every position of values of 1 to 24
// bytes: the word-at-a-time check must agree with httpguts byte by byte.
func TestValidFieldValueAgreesWithHTTPGuts(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for pos := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a\xff~ \t0", 4)[:n])
				b[pos] = byte(c)
				if got, want := validFieldValue(string(b)), httpguts.ValidHeaderFieldValue(string(b)); got != want {
					t.Fatalf("validFieldValue(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}

func TestCanonicalTokenAgreesWithTextproto(t *testing.T) {
	for _, name := range []string{"content-type", "Content-Type", "CONTENT-TYPE", "x-a-b", "X_y", "a", "-x", "x--y", "Accept",
		"sec-websocket-key", "x y", "x:y", "", "é", "Www-Authenticate", "1-2"} {
		got, ok := canonicalToken(name, true)
		if ok != isToken(name) {
			t.Errorf("canonicalToken(%q) ok = %v, want %v", name, ok, isToken(name))
		}
		if ok && got != textproto.CanonicalMIMEHeaderKey(name) {
			t.Errorf("canonicalToken(%q) = %q, want %q", name, got, textproto.CanonicalMIMEHeaderKey(name))
		}
	}
}
