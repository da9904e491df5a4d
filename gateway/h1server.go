package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// Server is the proxy listener. On plain TCP it serves HTTP/1.x with its own connection loop
// (h1conn.go, and raw mode in h1raw.go for the requests after a connection's first), which reads
// requests and writes responses with far fewer allocations, goroutine hand-offs and system calls
// than net/http's server, and hands HTTP/2 with prior knowledge (h2c) over to a net/http server.
// With TLS configured, net/http serves everything and HTTP/2 is negotiated by ALPN. Either way the
// handler is the same http.Handler; on the loop, only a request with an Upgrade header can be
// hijacked.
type Server struct {
	handler http.Handler
	// std serves TLS listeners and the connections handed off by the loop.
	std     *http.Server
	tls     bool
	handoff *handoffListener
	baseCtx context.Context
	stopCtx context.CancelFunc

	// headerTimeout and idleTimeout are readHeaderTimeout and idleTimeout; tests shorten them.
	headerTimeout, idleTimeout time.Duration
	// recycle is set when the handler keeps nothing of a request but its strings once it returns
	// (see requestRecycler): a connection then reuses a bodiless request's memory for the next.
	recycle bool

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	handing   sync.Once
	shutting  atomic.Bool
}

// NewProxyServer returns the proxy listener's server for h; cfg says whether it speaks TLS
// (cfg.TLS, loaded here) and where it listens by default.
func NewProxyServer(cfg *config.Config, h http.Handler) (*Server, error) {
	std, err := NewServer(cfg, h)
	if err != nil {
		return nil, err
	}
	s := &Server{handler: h, std: std, tls: cfg.TLS != nil, handoff: newHandoffListener(),
		headerTimeout: readHeaderTimeout, idleTimeout: idleTimeout,
		listeners: make(map[net.Listener]struct{}), conns: make(map[*serverConn]struct{})}
	s.baseCtx, s.stopCtx = context.WithCancel(context.Background())
	_, s.recycle = h.(requestRecycler)
	return s, nil
}

// requestRecycler is implemented by handlers that keep nothing of a request once ServeHTTP
// returns, neither the request nor its URL, header map or header values, only strings (which are
// immutable): the connection may then reuse that memory for its next request. A handler that does
// not implement it gets new requests, as net/http gives.
type requestRecycler interface {
	recyclesRequests()
}

// Addr is the address to listen on: the config's, or DefaultListen.
func (s *Server) Addr() string { return s.std.Addr }

// Serve accepts connections on ln until Shutdown or Close, which make it return
// http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	if s.tls {
		return s.std.ServeTLS(ln, "", "")
	}
	if !s.track(ln) {
		ln.Close()
		return http.ErrServerClosed
	}
	defer s.untrackListener(ln)
	s.handing.Do(func() { go func() { _ = s.std.Serve(s.handoff) }() })
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shuttingDown() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				// Out of file descriptors and the like: wait for connections to close.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newServerConn(s, nc)
		if !s.trackConn(c) {
			c.close()
			continue
		}
		go c.serve()
	}
}

func (s *Server) shuttingDown() bool { return s.shutting.Load() }

func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown() {
		return false
	}
	s.listeners[ln] = struct{}{}
	return true
}

func (s *Server) untrackListener(ln net.Listener) {
	s.mu.Lock()
	delete(s.listeners, ln)
	s.mu.Unlock()
}

func (s *Server) trackConn(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// untrack forgets a connection that closed or is no longer the loop's (hijacked, handed off).
func (s *Server) untrack(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// stopAccepting marks the server as shutting down and closes its listeners.
func (s *Server) stopAccepting() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutting.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
}

// closeIdle closes the connections that wait for a request and reports how many remain.
func (s *Server) closeIdle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.state.CompareAndSwap(connIdle, connClosing) {
			c.nc.Close()
		}
	}
	return len(s.conns)
}

// Shutdown stops accepting, closes idle connections and waits until the requests in flight are
// answered (connections close after their response) or ctx ends, whose error it then returns.
// Hijacked connections (WebSocket) are not waited for.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAccepting()
	stdDone := make(chan error, 1)
	go func() { stdDone <- s.std.Shutdown(ctx) }()
	wait := time.Millisecond
	for s.closeIdle() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
			wait = min(2*wait, 100*time.Millisecond)
		}
	}
	s.stopCtx()
	return <-stdDone
}

// Close closes the listeners and every connection at once, requests in flight included: their
// contexts end, and their clients see the connection closed. A connection in raw mode (h1raw.go)
// keeps its file descriptor until its handler returns, since closing it waits for that: its socket
// is shut down at once and the descriptor closed in the background.
func (s *Server) Close() error {
	s.stopAccepting()
	s.stopCtx()
	s.mu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdownSocket()
		go c.nc.Close()
	}
	return s.std.Close()
}
