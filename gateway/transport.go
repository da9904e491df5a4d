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
	"syscall"
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
	pool  *h1pool
	nc    net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	abort func() // set once: interrupts blocked reads and writes when the client goes away
	// abortOn is the client connection's context that abort is registered with; when nil, stop
	// unregisters it from the request's context instead (see watch).
	abortOn *connContext
	stop    func() bool
	// raw and sendStep send the request and wait for the answer in one step (see sendAndWait);
	// raw is nil when nc is not a socket.
	raw      syscall.RawConn
	sendStep func(uintptr) bool
	sent     bool
	sendErr  error
	recvErr  error
	inRaw    bool // inside sendAndWait's raw read, whose socket is fd
	fd       int
	// resv, hdr and bodyv are the response, its header and its body, reused from one exchange to
	// the next (see readResponse).
	resv   http.Response
	hdr    http.Header
	bodyv  fixedBody
	res    *http.Response
	body   io.ReadCloser
	eof    bool
	idleAt time.Duration // when the connection went idle, on the monotonic clock
	usedAt time.Duration // when the current exchange began, on the monotonic clock
	// deadline is the read deadline set on nc, zero for none; inHeader is set while the response
	// headers are awaited. limit is the request context's deadline, zero for none, which bounds
	// the body too. See armHeaderDeadline.
	deadline time.Time
	limit    time.Time
	inHeader bool
	// aborted is set by abort, so that lifting a deadline cannot undo an abort that raced with it.
	aborted atomic.Bool
}

// armHeaderDeadline bounds the wait for the response headers. Setting a deadline costs a trip
// through the runtime's timers, so a deadline that is still far enough away is kept: it is set
// to 9/8 of the timeout and renewed when less than the timeout is left, so the timeout fires
// between 1 and 1.125 times its value after the request, and almost never needs setting under load.
//
// A request whose context has a deadline (limit; a mirrored request's) gets that deadline when it
// comes first, for the headers and the body.
func (c *h1conn) armHeaderDeadline(limit time.Time) {
	c.inHeader, c.limit = true, limit
	now, timeout := monoTime(c.usedAt), c.pool.headerTimeout
	switch {
	case !limit.IsZero() && limit.Sub(now) < timeout:
		if !c.deadline.Equal(limit) {
			c.deadline = limit
			_ = c.nc.SetReadDeadline(limit)
		}
	case c.deadline.IsZero() || c.deadline.Sub(now) < timeout:
		c.deadline = now.Add(timeout + timeout/8)
		_ = c.nc.SetReadDeadline(c.deadline)
	}
}

// netReader is what the connection's bufio.Reader reads from: once the headers are in, a read that
// has to wait for the network lifts the header deadline first (down to the context's, if any), for
// a body may stream for as long as it likes. Small bodies arrive with their headers and never get
// here.
type netReader struct{ c *h1conn }

func (r netReader) Read(p []byte) (int, error) {
	c := r.c
	if c.inRaw {
		return recvNow(c.fd, p)
	}
	if !c.inHeader && !c.deadline.Equal(c.limit) {
		c.deadline = c.limit
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
// closed. The response, its Header included, is valid until then: the connection reuses it.
// Connect failures are *connectError, like the Transport's.
func (p *h1pool) roundTrip(req *http.Request) (*http.Response, error) {
	return p.do(req, nil, nil, nil)
}

// forward is roundTrip for a direct request, whose head is written from the client's request.
func (p *h1pool) forward(f *forwarding, up *upstream) (*http.Response, error) {
	return p.do(f.r, f, nil, up)
}

// mirror is roundTrip for a mirrored request, whose head m writes; req carries its method and
// context.
func (p *h1pool) mirror(req *http.Request, m *mirrorHead, up *upstream) (*http.Response, error) {
	return p.do(req, nil, m, up)
}

func (p *h1pool) do(req *http.Request, f *forwarding, m *mirrorHead, up *upstream) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		now := monoNow() // one clock read for the idle check, the deadline and the idle time
		c, reused, err := p.get(req.Context(), attempt >= maxStaleRetries, now)
		if err != nil {
			return nil, err
		}
		c.usedAt = now
		res, err := c.exchange(req, f, m, up)
		if err == nil {
			return res, nil
		}
		c.nc.Close()
		if !reused || !errors.Is(err, errStale) || req.Context().Err() != nil {
			return nil, err
		}
	}
}

// get returns an idle connection younger than the idle timeout at now, or a new one (always when
// fresh).
func (p *h1pool) get(ctx context.Context, fresh bool, now time.Duration) (*h1conn, bool, error) {
	for !fresh {
		select {
		case c := <-p.idle:
			if now-c.idleAt < p.idleTimeout {
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
	c := &h1conn{pool: p, nc: nc}
	c.bw = bufio.NewWriterSize(upstreamWriter{c}, 8<<10)
	c.br = bufio.NewReaderSize(netReader{c}, 16<<10)
	c.abort = func() {
		c.aborted.Store(true)
		_ = c.nc.SetDeadline(aLongTimeAgo)
	}
	if sc, ok := nc.(syscall.Conn); ok {
		if c.raw, err = sc.SyscallConn(); err != nil {
			c.raw = nil
		}
	}
	c.sendStep = c.step
	return c, nil
}

// watch makes the end of ctx abort the exchange until unwatch. The client connection's own
// context takes the registration without allocating; any other goes through context.AfterFunc.
func (c *h1conn) watch(ctx context.Context) {
	if cc, ok := ctx.(*connContext); ok && cc.register(c.abort) {
		c.abortOn = cc
		return
	}
	c.abortOn = nil
	c.stop = context.AfterFunc(ctx, c.abort)
}

// unwatch undoes watch; it returns false when the abort already ran.
func (c *h1conn) unwatch() bool {
	if c.abortOn != nil {
		return c.abortOn.unregister()
	}
	return c.stop()
}

// sendAndWait writes the buffered request and waits until the upstream's answer can be read,
// without reading. A plain write followed by a read costs a read that fails with EAGAIN before the
// goroutine parks, since the answer cannot be there yet; here the write happens inside a raw read
// whose first step reads nothing. That is safe because the raw read forgets an earlier readiness
// before its first step, and nothing the upstream sends before it has our request is expected: an
// upstream that closed the idle connection answers the write with a reset, which wakes the wait.
// sendErr tells a failed write (the request was not sent) from a failed wait.
func (c *h1conn) sendAndWait() error {
	if c.raw == nil || c.br.Buffered() > 0 {
		if c.sendErr = c.bw.Flush(); c.sendErr != nil {
			return c.sendErr
		}
		_, err := c.br.Peek(1)
		return err
	}
	c.sent, c.sendErr, c.recvErr = false, nil, nil
	err := c.raw.Read(c.sendStep)
	c.inRaw = false
	if c.sendErr != nil {
		return c.sendErr
	}
	if err == nil {
		err = c.recvErr
	}
	return err
}

// step is the raw read's step: the first call sends the request and asks to wait for readability,
// the next ones read the first bytes of the answer, or ask to wait again when there are none yet.
// Inside the raw read the connection reads and writes the socket itself (sockio.go).
func (c *h1conn) step(fd uintptr) bool {
	c.inRaw, c.fd = true, int(fd)
	if !c.sent {
		c.sent = true
		c.sendErr = c.bw.Flush()
		return c.sendErr != nil
	}
	_, err := c.br.Peek(1)
	if err == errWouldBlock {
		return false
	}
	c.recvErr = err
	return true
}

// upstreamWriter is what the connection's writer writes to: inside sendAndWait's raw read, the
// socket itself.
type upstreamWriter struct{ c *h1conn }

func (w upstreamWriter) Write(p []byte) (int, error) {
	if w.c.inRaw {
		return sendNow(w.c.fd, w.c.nc, p)
	}
	return w.c.nc.Write(p)
}

var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req's head (or, when f or m is not nil, the head they write for up) and reads the
// response headers, skipping 1xx responses.
func (c *h1conn) exchange(req *http.Request, f *forwarding, m *mirrorHead, up *upstream) (*http.Response, error) {
	ctx := req.Context()
	c.watch(ctx)
	fail := func(err error) (*http.Response, error) {
		c.unwatch()
		return nil, err
	}
	switch {
	case f != nil:
		writeForwardedHead(c.bw, f, up)
	case m != nil:
		c.bw.Write(m.appendHead(c.bw.AvailableBuffer(), up))
	default:
		writeRequest(c.bw, req)
	}
	limit, _ := ctx.Deadline()
	c.armHeaderDeadline(limit)
	if err := ctx.Err(); err != nil { // cancelled before the deadline above could be overwritten
		return fail(err)
	}
	if err := c.sendAndWait(); err != nil {
		if c.sendErr == nil && isTimeout(err) {
			return fail(err)
		}
		return fail(fmt.Errorf("%w: %w", errStale, err))
	}
	var res *http.Response
	for {
		var err error
		if res, err = c.readResponse(req, f); err != nil {
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

// readResponse reads the head of a response to req. The usual response is parsed into the
// connection's own response and body, and its header into the connection's own map or, for a
// direct request f, into the client's response header (see parseBufferedResponse); anything else
// is left to http.ReadResponse.
func (c *h1conn) readResponse(req *http.Request, f *forwarding) (*http.Response, error) {
	var dst http.Header
	if f != nil {
		dst = f.dst
	}
	if c.hdr == nil {
		c.hdr = make(http.Header)
	}
	c.resv.Header = c.hdr
	if parseBufferedResponse(c.br, req, &c.resv, &c.bodyv, dst) {
		if f != nil {
			f.headerCopied = dst != nil
		}
		return &c.resv, nil
	}
	return http.ReadResponse(c.br, req)
}

// writeRequest writes req's request line and headers; it has no body.
func writeRequest(w *bufio.Writer, req *http.Request) {
	b := appendRequestLine(w.AvailableBuffer(), req.Method, req.URL)
	b = append(b, "Host: "...)
	if req.Host != "" {
		b = append(b, req.Host...)
	} else {
		b = append(b, req.URL.Host...)
	}
	b = append(b, "\r\n"...)
	for k, vv := range req.Header {
		b = appendFields(b, k, vv)
	}
	w.Write(append(b, "\r\n"...))
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
	aborted := !c.unwatch()
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
	// The exchange's start stands for the end of its use: a little early, which only makes the
	// connection expire a little early, and it spares a clock read.
	c.idleAt = c.usedAt
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
			if monoNow()-c.idleAt >= p.idleTimeout {
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
