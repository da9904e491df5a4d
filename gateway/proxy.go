package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// exchange is the outcome of forwarding one request, for metrics and the access log.
type exchange struct {
	// status is the status sent to the client, or statusClientClosed.
	status int
	// clientClosed is set when the client went away before the response started.
	clientClosed bool
	// bytes counts the response body bytes written to the client.
	bytes int64
	// upstream served the request; nil when none was reached.
	upstream *upstream
	// abort asks ServeHTTP to break the client connection: the upstream body broke off after the
	// headers were sent.
	abort bool
	// noResponse is set when the upstream gave no response and the gateway answered with an error.
	noResponse bool
	// complete is set when the whole response body (and its trailers) reached the client.
	complete bool
}

// forward sends r to one of be's upstreams and streams the response back. The upstream request
// shares r's context, which the server cancels when the client goes away; r's header is left as it
// is (see forwarding.go).
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, be *backend) exchange {
	f := newForwarding(r, be)
	f.dst = w.Header()
	res, up, err := f.send()
	if err != nil {
		return g.failed(w, r, be, up, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSwitchingProtocols {
		return g.switchProtocols(w, res, be, up, f.upgrade)
	}
	return g.copyResponse(w, r, res, be, up, f.headerCopied)
}

// send sends the request to one of the backend's upstreams, and to a second one when the first
// cannot be connected to: nothing was sent, so any request may be retried.
func (f *forwarding) send() (*http.Response, *upstream, error) {
	be := f.be
	var up *upstream
	for attempt := 0; ; attempt++ {
		up = be.pick(up)
		res, err := f.roundTrip(up)
		if err == nil {
			be.succeeded(up)
			return res, up, nil
		}
		if f.r.Context().Err() != nil || !isConnectError(err) {
			return nil, up, err
		}
		be.connectFailed(up, err)
		up.errs[kindConnect].Inc()
		if attempt > 0 || len(be.upstreams) == 1 {
			return nil, up, err
		}
	}
}

// roundTrip sends the request to up: a direct request over up's fast path when it has one,
// anything else as a prepared copy.
func (f *forwarding) roundTrip(up *upstream) (*http.Response, error) {
	if f.direct && up.h1 != nil {
		return up.h1.forward(f, up)
	}
	req := f.outbound()
	up.target(req.URL, f.r.URL)
	return f.be.roundTrip(up, req, f.fast)
}

// failed answers a request that got no response from up: 504 after a timeout, 502 otherwise, and
// nothing when the client went away, which is the client's doing and not counted against up.
func (g *Gateway) failed(w http.ResponseWriter, r *http.Request, be *backend, up *upstream, err error) exchange {
	if r.Context().Err() != nil {
		g.log.Debug("client went away", "side", be.side, "upstream", up.name, "method", r.Method, "path", r.URL.Path)
		return exchange{status: statusClientClosed, clientClosed: true, upstream: up}
	}
	kind := classify(err)
	if kind != kindConnect { // connect failures were counted as they happened
		up.errs[kind].Inc()
	}
	g.log.Warn("upstream failed", "side", be.side, "upstream", up.name, "kind", kind.String(), "method", r.Method, "path", r.URL.Path, "error", err)
	pe := errUnavailable
	if isTimeout(err) {
		pe = errTimeout
	}
	pe.write(w)
	return exchange{status: pe.status, upstream: up, noResponse: true}
}

// classify sorts a RoundTrip error into an errorKind.
func classify(err error) errorKind {
	switch {
	case isConnectError(err):
		return kindConnect
	case isTimeout(err):
		return kindTimeout
	}
	return kindProtocol
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// hasToken reports whether a comma-separated header holds token, case-insensitively.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(tok), token) {
				return true
			}
		}
	}
	return false
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyResponse sends res to the client: headers without hop-by-hop ones (already in w's header
// when headerCopied, see parseBufferedResponse), the body streamed through a pooled buffer (flushed after every read when it is an event stream or of unknown length, so
// that streams reach the client as they come), then the trailers.
func (g *Gateway) copyResponse(w http.ResponseWriter, r *http.Request, res *http.Response, be *backend, up *upstream, headerCopied bool) exchange {
	ex := exchange{status: res.StatusCode, upstream: up}
	dst := w.Header()
	if !headerCopied {
		copyEndToEnd(dst, res.Header)
	}
	if len(res.Trailer) > 0 {
		keys := make([]string, 0, len(res.Trailer))
		for k := range res.Trailer {
			keys = append(keys, k)
		}
		dst["Trailer"] = []string{strings.Join(keys, ", ")}
	}
	w.WriteHeader(res.StatusCode)

	stream := res.ContentLength == -1 || isEventStream(res.Header)
	var flusher http.Flusher
	if stream {
		flusher = asFlusher(w)
		if flusher != nil {
			flusher.Flush() // an event stream's client wants the headers before the first event
		}
	}
	bp := copyBufPool.Get().(*[]byte)
	n, readErr, writeErr := copyBody(w, res.Body, *bp, flusher)
	copyBufPool.Put(bp)
	ex.bytes = n
	switch {
	case writeErr != nil, readErr != nil && r.Context().Err() != nil:
		return ex // the client went away; nothing more to send
	case readErr != nil:
		up.errs[kindBody].Inc()
		g.log.Warn("upstream body broke off", "side", be.side, "upstream", up.name, "method", r.Method, "path", r.URL.Path, "error", readErr)
		ex.abort = true
		return ex
	}
	for k, vv := range res.Trailer {
		dst[http.TrailerPrefix+k] = vv
	}
	ex.complete = true
	return ex
}

// copyBody copies body to w until EOF, flushing after each write when flusher is not nil. readErr
// is the body's error other than EOF, writeErr the client's.
func copyBody(w io.Writer, body io.Reader, buf []byte, flusher http.Flusher) (n int64, readErr, writeErr error) {
	for {
		nr, er := body.Read(buf)
		if nr > 0 {
			nw, ew := w.Write(buf[:nr])
			n += int64(nw)
			if ew != nil {
				return n, nil, ew
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if er == io.EOF {
			return n, nil, nil
		}
		if er != nil {
			return n, er, nil
		}
	}
}

func asFlusher(w http.ResponseWriter) http.Flusher {
	for {
		switch t := w.(type) {
		case http.Flusher:
			return t
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
}

func isEventStream(h http.Header) bool {
	ct := h["Content-Type"]
	if len(ct) == 0 {
		return false
	}
	mt, _, _ := strings.Cut(ct[0], ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/event-stream")
}

// switchProtocols completes an upgrade (WebSocket and the like): it sends the upstream's 101 to the
// client over the hijacked connection and then copies bytes both ways until either side closes.
func (g *Gateway) switchProtocols(w http.ResponseWriter, res *http.Response, be *backend, up *upstream, upgrade string) exchange {
	fail := func(msg string, err error) exchange {
		up.errs[kindProtocol].Inc()
		g.log.Warn(msg, "side", be.side, "upstream", up.name, "error", err)
		errUnavailable.write(w)
		return exchange{status: errUnavailable.status, upstream: up}
	}
	got := res.Header.Get("Upgrade")
	if upgrade == "" || !strings.EqualFold(got, upgrade) {
		return fail("upstream switched protocols unasked", fmt.Errorf("asked %q, got %q", upgrade, got))
	}
	back, ok := res.Body.(io.ReadWriteCloser)
	if !ok {
		return fail("upstream switched protocols", errors.New("101 response body is not writable"))
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fail("cannot hijack the client connection for an upgrade", err)
	}
	defer conn.Close()
	removeHopHeaders(res.Header)
	h := w.Header()
	for k, vv := range res.Header {
		h[k] = vv
	}
	h["Connection"] = connectionUpgrade
	h["Upgrade"] = []string{got}
	res.Header, res.Body = h, nil
	if err := res.Write(brw); err != nil {
		return exchange{status: statusClientClosed, clientClosed: true, upstream: up}
	}
	if err := brw.Flush(); err != nil {
		return exchange{status: statusClientClosed, clientClosed: true, upstream: up}
	}
	// Bytes the client sent after its request may sit in the server's read buffer already.
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Peek(n)
		if _, err := back.Write(early); err != nil {
			return exchange{status: http.StatusSwitchingProtocols, upstream: up}
		}
	}
	down := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(conn, back)
		down <- n
	}()
	_, _ = io.Copy(back, conn)
	// The client is done sending: closing both ends ends the other direction too.
	back.Close()
	conn.Close()
	return exchange{status: http.StatusSwitchingProtocols, bytes: <-down, upstream: up}
}
