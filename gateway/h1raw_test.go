package gateway

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The requests after a connection's first are served in raw mode (h1raw.go). These tests send a
// first request to get there.

// warm sends a first request on c, so that the next ones are served in raw mode.
func (c *rawConn) warm() {
	c.t.Helper()
	c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
	c.read(http.MethodGet)
}

// within fails the test unless the connection's next read completes within d.
func (c *rawConn) within(d time.Duration) {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
}

func TestH1RawModeServesARequestThatArrivedWhileTheLastWasServed(t *testing.T) {
	inHandler, sent := make(chan struct{}), make(chan struct{})
	_, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			close(inHandler)
			<-sent // the next request is in the socket before this one is answered
		}
		io.WriteString(w, r.URL.Path)
	}))
	c := dialRaw(t, addr)
	c.warm()
	c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	<-inHandler
	c.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // let the server's poller see the bytes before the handler returns
	close(sent)
	c.within(5 * time.Second)
	for _, want := range []string{"/first", "/second"} {
		if _, body := c.read(http.MethodGet); body != want {
			t.Errorf("response = %q, want %q", body, want)
		}
	}
}

func TestH1RawModeLeavesBodiesAndUpgradesToTheOrdinaryLoop(t *testing.T) {
	_, addr := startH1(t, echoHandler)
	c := dialRaw(t, addr)
	c.warm()
	steps := []struct{ method, request, want string }{
		{"GET", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a len=0 te=[] body="},
		{"POST", "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "POST /b len=3 te=[] body=abc"},
		{"GET", "GET /c HTTP/1.1\r\nHost: x\r\n\r\n", "GET /c len=0 te=[] body="},
		{"PUT", "PUT /d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n", "PUT /d len=2 te=[chunked] body=de"},
		{"GET", "GET /e HTTP/1.1\r\nHost: x\r\n\r\n", "GET /e len=0 te=[] body="},
	}
	for _, s := range steps {
		c.send(s.request)
		if _, body := c.read(s.method); body != s.want {
			t.Errorf("%s: response %q, want %q", strings.SplitN(s.request, "\r", 2)[0], body, s.want)
		}
	}
	t.Run("pipelined after a bodiless request", func(t *testing.T) {
		var all strings.Builder
		for _, s := range steps {
			all.WriteString(s.request)
		}
		c.send(all.String())
		for _, s := range steps {
			if _, body := c.read(s.method); body != s.want {
				t.Errorf("response %q, want %q", body, s.want)
			}
		}
	})
}

func TestH1RawModeReadsAHeadThatArrivesInPieces(t *testing.T) {
	_, addr := startH1(t, echoHandler)
	c := dialRaw(t, addr)
	c.warm()
	for _, piece := range []string{"GET /pie", "ces HTTP/1.1\r\nHo", "st: x\r\n", "\r\n"} {
		c.send(piece)
		time.Sleep(20 * time.Millisecond)
	}
	if _, body := c.read(http.MethodGet); body != "GET /pieces len=0 te=[] body=" {
		t.Errorf("response = %q", body)
	}
}

func TestH1RawModeTimeouts(t *testing.T) {
	tests := []struct {
		name, send    string
		header, idle  time.Duration
		limit         time.Duration
		wantAnsweredN int
	}{
		{"a head that stops half way is cut off by the header timeout", "GET /slow HTTP/1.1\r\nHost:", 200 * time.Millisecond, time.Minute, 5 * time.Second, 0},
		{"an idle connection is closed by the idle timeout", "", time.Minute, 300 * time.Millisecond, 5 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr := startH1(t, echoHandler, func(s *Server) { s.headerTimeout, s.idleTimeout = tt.header, tt.idle })
			c := dialRaw(t, addr)
			c.warm()
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
}

func TestH1RawModeNoticesAClientThatLeaves(t *testing.T) {
	arrived, cancelled := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/warm" {
			return
		}
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
	c.warm()
	c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-arrived
	c.nc.Close()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was not cancelled within 5s of the client leaving")
	}
}

// TestH1ABytePipelinedDuringASlowRequestIsKept sends the next request while a slow one runs: the
// client watch peeks at it and must leave it for the connection.
func TestH1ABytePipelinedDuringASlowRequestIsKept(t *testing.T) {
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw mode %v", warm), func(t *testing.T) {
			_, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					time.Sleep(2 * watchDelay)
				}
				io.WriteString(w, r.URL.Path)
			}))
			c := dialRaw(t, addr)
			if warm {
				c.warm()
			}
			c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
			for _, want := range []string{"/slow", "/next"} {
				if _, body := c.read(http.MethodGet); body != want {
					t.Errorf("response = %q, want %q", body, want)
				}
			}
		})
	}
}

func TestH1OnlyRequestsThatAskToUpgradeAreHijacked(t *testing.T) {
	_, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/warm" {
			return
		}
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer nc.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		io.Copy(nc, brw)
	}))
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw mode %v", warm), func(t *testing.T) {
			c := dialRaw(t, addr)
			if warm {
				c.warm()
			}
			c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
			if res, body := c.read(http.MethodGet); res.StatusCode != http.StatusInternalServerError {
				t.Errorf("hijacking a plain request: %d %q, want a 500", res.StatusCode, body)
			}
			c.send("GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly")
			if res, _ := c.read(http.MethodGet); res.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("upgrade: %d, want 101", res.StatusCode)
			}
			c.send(" and late")
			got := make([]byte, len("early and late"))
			if _, err := io.ReadFull(c.br, got); err != nil || string(got) != "early and late" {
				t.Errorf("echo = %q, %v", got, err)
			}
		})
	}
}

func TestH1CloseEndsAConnectionWhoseHandlerHangs(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	srv, addr := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			<-hang
		}
	}))
	c := dialRaw(t, addr)
	c.warm()
	c.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a handler hangs")
	}
	c.within(5 * time.Second)
	if _, err := c.br.ReadByte(); err == nil || isTimeout(err) {
		t.Errorf("client read %v, want the connection closed", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("listener still accepts after Close")
	}
}
