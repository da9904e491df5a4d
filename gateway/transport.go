package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// Defaults of config.Backend fields whose zero value means "the default" (see config.go).
const (
	defaultConnectTimeout        = 5 * time.Second
	defaultResponseHeaderTimeout = 60 * time.Second
	defaultIdleTimeout           = 90 * time.Second
	defaultMaxIdleConns          = 512
	defaultMaxFails              = 1
	defaultCooldown              = 10 * time.Second
)

func orDuration(d config.Duration, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d.D()
}

// connectError marks a failure to establish a connection to an upstream: nothing of the request was
// sent, so the request may be retried on another upstream and the failure counts against the
// upstream's health. The Transport returns dial errors unwrapped, so errors.As finds it.
type connectError struct{ err error }

func (e *connectError) Error() string { return "connect: " + e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// isConnectError reports whether err is a failure to connect to an upstream.
func isConnectError(err error) bool {
	var ce *connectError
	return errors.As(err, &ce)
}

// newTransport builds the keep-alive pool of one backend. It speaks HTTP/1.1 only to upstreams, like
// nginx: it is what every upstream understands, it carries WebSocket upgrades, and a pool of
// MaxIdleConns connections per upstream beats one multiplexed connection on loopback and LANs.
// Compression is not negotiated: the client's Accept-Encoding is forwarded as is and bodies pass
// through untouched.
func newTransport(b *config.Backend) (*http.Transport, error) {
	tlsCfg, err := upstreamTLSConfig(&b.TLS)
	if err != nil {
		return nil, err
	}
	connect := orDuration(b.Timeouts.Connect, defaultConnectTimeout)
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	idle := b.MaxIdleConns
	if idle <= 0 {
		idle = defaultMaxIdleConns
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, &connectError{err: err}
			}
			return c, nil
		},
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   connect,
		ResponseHeaderTimeout: orDuration(b.Timeouts.ResponseHeader, defaultResponseHeaderTimeout),
		IdleConnTimeout:       orDuration(b.Timeouts.Idle, defaultIdleTimeout),
		MaxIdleConnsPerHost:   idle,
		DisableCompression:    true,
		Protocols:             &protocols,
		// 32 KiB instead of 4 KiB: fewer syscalls for large bodies, and still small per connection.
		WriteBufferSize: 32 << 10,
		ReadBufferSize:  32 << 10,
	}, nil
}

// upstreamTLSConfig builds the TLS client config of a backend; nil means the Transport's defaults
// (system roots, server name from the URL).
func upstreamTLSConfig(t *config.UpstreamTLS) (*tls.Config, error) {
	if *t == (config.UpstreamTLS{}) {
		return nil, nil
	}
	cfg := &tls.Config{
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // documented as for tests only
		MinVersion:         tls.VersionTLS12,
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("upstream tls: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("upstream tls: no certificate found in %s", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("upstream tls: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// h1pool is the fast path to one plain-HTTP upstream, for the requests that dominate proxy traffic:
// GET and HEAD without a body and without an upgrade. It writes the request and reads the response
// on the handler's own goroutine, where http.Transport hands every exchange to two goroutines per
// connection over channels; on loopback that handoff costs about as much as the proxying itself.
// Everything else (bodies, upgrades, TLS) goes through the backend's http.Transport.
type h1pool struct {
	addr          string
	dialer        *net.Dialer
	idle          chan *h1conn
	idleTimeout   time.Duration
	headerTimeout time.Duration
	closed        atomic.Bool
}

func newH1Pool(host string, b *config.Backend) *h1pool {
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "80")
	}
	size := b.MaxIdleConns
	if size <= 0 {
		size = defaultMaxIdleConns
	}
	return &h1pool{
		addr:          host,
		dialer:        &net.Dialer{Timeout: orDuration(b.Timeouts.Connect, defaultConnectTimeout), KeepAlive: 30 * time.Second},
		idle:          make(chan *h1conn, size),
		idleTimeout:   orDuration(b.Timeouts.Idle, defaultIdleTimeout),
		headerTimeout: orDuration(b.Timeouts.ResponseHeader, defaultResponseHeaderTimeout),
	}
}

// h1conn is one keep-alive connection. While it serves a request it is also that response's body,
// so that a response costs no wrapper allocation.
type h1conn struct {
	pool   *h1pool
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	abort  func()      // set once: interrupts blocked reads and writes when the client goes away
	stop   func() bool // unregisters abort; false when abort already ran
	res    *http.Response
	body   io.ReadCloser
	eof    bool
	idleAt time.Time
	// deadline is the read deadline set on nc, zero for none; inHeader is set while the response
	// headers are awaited. See armHeaderDeadline.
	deadline time.Time
	inHeader bool
	// aborted is set by abort, so that lifting a deadline cannot undo an abort that raced with it.
	aborted atomic.Bool
}

// armHeaderDeadline bounds the wait for the response headers. Setting a deadline costs a trip
// through the runtime's timers, so a deadline that is still far enough away is kept: it is set
// to 9/8 of the timeout and renewed when less than the timeout is left, so the timeout fires
// between 1 and 1.125 times its value after the request, and almost never needs setting under load.
func (c *h1conn) armHeaderDeadline() {
	c.inHeader = true
	now, timeout := time.Now(), c.pool.headerTimeout
	if c.deadline.IsZero() || c.deadline.Sub(now) < timeout {
		c.deadline = now.Add(timeout + timeout/8)
		_ = c.nc.SetReadDeadline(c.deadline)
	}
}

// netReader is what the connection's bufio.Reader reads from: once the headers are in, a read that
// has to wait for the network lifts the header deadline first, for a body may stream for as long as
// it likes. Small bodies arrive with their headers and never get here.
type netReader struct{ c *h1conn }

func (r netReader) Read(p []byte) (int, error) {
	c := r.c
	if !c.inHeader && !c.deadline.IsZero() {
		c.deadline = time.Time{}
		_ = c.nc.SetReadDeadline(c.deadline)
		if c.aborted.Load() {
			_ = c.nc.SetDeadline(aLongTimeAgo)
		}
	}
	return c.nc.Read(p)
}

// errStale marks a reused connection that the upstream had closed before our request reached it:
// the request can be sent again on another connection.
var errStale = errors.New("keep-alive connection closed by the upstream")

// maxStaleRetries bounds retries on reused connections; the last attempt always dials, so that an
// upstream restart that killed every pooled connection costs no request.
const maxStaleRetries = 2

// roundTrip sends req, a GET or HEAD without body, and returns the response whose Body must be
// closed. Connect failures are *connectError, like the Transport's.
func (p *h1pool) roundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(req.Context(), attempt >= maxStaleRetries)
		if err != nil {
			return nil, err
		}
		res, err := c.exchange(req)
		if err == nil {
			return res, nil
		}
		c.nc.Close()
		if !reused || !errors.Is(err, errStale) || req.Context().Err() != nil {
			return nil, err
		}
	}
}

// get returns an idle connection younger than the idle timeout, or a new one (always when fresh).
func (p *h1pool) get(ctx context.Context, fresh bool) (*h1conn, bool, error) {
	for !fresh {
		select {
		case c := <-p.idle:
			if time.Since(c.idleAt) < p.idleTimeout {
				return c, true, nil
			}
			c.nc.Close()
			continue
		default:
		}
		break
	}
	c, err := p.dial(ctx)
	return c, false, err
}

func (p *h1pool) dial(ctx context.Context) (*h1conn, error) {
	nc, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, &connectError{err: err}
	}
	c := &h1conn{pool: p, nc: nc, bw: bufio.NewWriterSize(nc, 8<<10)}
	c.br = bufio.NewReaderSize(netReader{c}, 16<<10)
	c.abort = func() {
		c.aborted.Store(true)
		_ = c.nc.SetDeadline(aLongTimeAgo)
	}
	return c, nil
}

var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req and reads the response headers, skipping 1xx responses.
func (c *h1conn) exchange(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c.stop = context.AfterFunc(ctx, c.abort)
	fail := func(err error) (*http.Response, error) {
		c.stop()
		return nil, err
	}
	writeRequest(c.bw, req)
	if err := c.bw.Flush(); err != nil {
		return fail(fmt.Errorf("%w: %w", errStale, err))
	}
	c.armHeaderDeadline()
	if err := ctx.Err(); err != nil { // cancelled before the deadline above could be overwritten
		return fail(err)
	}
	if _, err := c.br.Peek(1); err != nil {
		if isTimeout(err) {
			return fail(err)
		}
		return fail(fmt.Errorf("%w: %w", errStale, err))
	}
	var res *http.Response
	for {
		var err error
		if res, err = readResponse(c.br, req); err != nil {
			return fail(err)
		}
		if res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	c.inHeader = false
	c.res, c.body, c.eof = res, res.Body, false
	res.Body = c
	return res, nil
}

// writeRequest writes req's request line and headers; it has no body.
func writeRequest(w *bufio.Writer, req *http.Request) {
	w.WriteString(req.Method)
	w.WriteByte(' ')
	if p := req.URL.EscapedPath(); p != "" {
		w.WriteString(p)
	} else {
		w.WriteByte('/')
	}
	if req.URL.RawQuery != "" || req.URL.ForceQuery {
		w.WriteByte('?')
		w.WriteString(req.URL.RawQuery)
	}
	w.WriteString(" HTTP/1.1\r\nHost: ")
	if req.Host != "" {
		w.WriteString(req.Host)
	} else {
		w.WriteString(req.URL.Host)
	}
	w.WriteString("\r\n")
	for k, vv := range req.Header {
		for _, v := range vv {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")
}

// Read reads the response body, noting its end: only a body read to the end leaves the connection
// ready for the next request.
func (c *h1conn) Read(p []byte) (int, error) {
	n, err := c.body.Read(p)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// Close ends the exchange: the connection goes back to the pool when the body was read to the end,
// the upstream keeps it open and the client did not abort, and is closed otherwise. Closing a
// partly read body does not drain it: it may be endless.
func (c *h1conn) Close() error {
	aborted := !c.stop()
	if !c.eof || aborted || c.res.Close {
		return c.nc.Close()
	}
	_ = c.body.Close()
	c.res, c.body = nil, nil
	c.pool.put(c)
	return nil
}

func (p *h1pool) put(c *h1conn) {
	if p.closed.Load() {
		c.nc.Close()
		return
	}
	c.idleAt = time.Now()
	select {
	case p.idle <- c:
	default:
		c.nc.Close()
	}
}

// closeIdle closes the idle connections; with final, connections returned later are closed too.
func (p *h1pool) closeIdle(final bool) {
	if final {
		p.closed.Store(true)
	}
	for {
		select {
		case c := <-p.idle:
			c.nc.Close()
		default:
			return
		}
	}
}

// expire closes the idle connections older than the idle timeout; the backend calls it
// periodically so that an upstream that gets no traffic does not keep connections forever.
func (p *h1pool) expire() {
	for range len(p.idle) {
		select {
		case c := <-p.idle:
			if time.Since(c.idleAt) >= p.idleTimeout {
				c.nc.Close()
				continue
			}
			select {
			case p.idle <- c:
			default:
				c.nc.Close()
			}
		default:
			return
		}
	}
}
