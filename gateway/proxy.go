package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
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

// outbound is one forwarded request. Allocating it as one object replaces separate allocations of
// the request, its URL and the forwarding header values.
type outbound struct {
	req  http.Request
	url  url.URL
	vals [4]string
}

// retryBody keeps the client's body open across a failed connect. The Transport closes the body
// of a request it could not connect for; nothing was read from it, so the next upstream can be
// given the same body. The server closes the body itself once the handler returns.
type retryBody struct{ io.ReadCloser }

func (retryBody) Close() error { return nil }

// forward sends r to one of be's upstreams and streams the response back. The outbound request
// shares r's context, which the server cancels when the client goes away, and r's header map,
// which is edited in place: the handler owns the request and the server does not read its headers
// again, and cloning them would cost a map and a slice per header on every request.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, be *backend) exchange {
	out := new(outbound)
	out.req = *r
	out.req.URL = &out.url
	out.req.RequestURI = ""
	// The client's wish to close its connection is not ours for the upstream's.
	out.req.Close = false
	switch {
	case r.ContentLength == 0:
		// A nil body lets the Transport retry an idempotent request on a stale keep-alive connection.
		out.req.Body = nil
	case len(be.upstreams) > 1:
		out.req.Body = retryBody{r.Body}
	}
	upgrade := prepareRequestHeader(r, &out.vals)
	if be.host != "" {
		out.req.Host = be.host
	}

	fast := out.req.Body == nil && upgrade == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	res, up, err := send(be, &out.req, r.URL, fast)
	if err != nil {
		return g.failed(w, r, be, up, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSwitchingProtocols {
		return g.switchProtocols(w, res, be, up, upgrade)
	}
	return g.copyResponse(w, r, res, be, up)
}

// send sends req to one of be's upstreams, and to a second one when the first cannot be connected
// to: nothing was sent, so any request may be retried. src is the client's URL.
func send(be *backend, req *http.Request, src *url.URL, fast bool) (*http.Response, *upstream, error) {
	var up *upstream
	for attempt := 0; ; attempt++ {
		up = be.pick(up)
		up.target(req.URL, src)
		res, err := be.roundTrip(up, req, fast)
		if err == nil {
			be.succeeded(up)
			return res, up, nil
		}
		if req.Context().Err() != nil || !isConnectError(err) {
			return nil, up, err
		}
		be.connectFailed(up, err)
		up.errs[kindConnect].Inc()
		if attempt > 0 || len(be.upstreams) == 1 {
			return nil, up, err
		}
	}
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

// hopHeaders apply to one connection only and are not forwarded, in either direction (RFC 9110
// section 7.6.1), besides the headers that Connection names.
var hopHeaders = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// Header values shared by every request that needs them; the Transport only reads them.
var (
	connectionUpgrade = []string{"Upgrade"}
	teTrailers        = []string{"trailers"}
)

// removeHopHeaders deletes the hop-by-hop headers of h, including those its Connection header names.
func removeHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			tok = strings.TrimSpace(tok)
			// "keep-alive", "close" and "upgrade" are the common tokens: the first and last are in
			// hopHeaders already, and skipping them avoids canonicalising (allocating) their names.
			if tok == "" || strings.EqualFold(tok, "keep-alive") || strings.EqualFold(tok, "close") || strings.EqualFold(tok, "upgrade") {
				continue
			}
			delete(h, textproto.CanonicalMIMEHeaderKey(tok))
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// prepareRequestHeader turns r's header into the upstream request's: hop-by-hop headers go (but an
// upgrade is kept, and "Te: trailers" which gRPC needs), and X-Forwarded-For (appended),
// X-Forwarded-Proto, X-Forwarded-Host and Forwarded (appended, RFC 7239) are set. It returns the
// protocol the client asks to upgrade to, "" when none.
func prepareRequestHeader(r *http.Request, vals *[4]string) (upgrade string) {
	h := r.Header
	if hasToken(h["Connection"], "upgrade") {
		if v := h["Upgrade"]; len(v) > 0 {
			upgrade = v[0]
		}
	}
	te := hasToken(h["Te"], "trailers")
	removeHopHeaders(h)
	if upgrade != "" {
		h["Connection"] = connectionUpgrade
		h["Upgrade"] = []string{upgrade}
	}
	if te {
		h["Te"] = teTrailers
	}

	ip := clientIP(r.RemoteAddr)
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	vals[0] = ip
	if prior := h["X-Forwarded-For"]; len(prior) > 0 {
		vals[0] = strings.Join(prior, ", ") + ", " + ip
	}
	vals[1] = proto
	vals[2] = r.Host
	vals[3] = forwarded(ip, r.Host, proto)
	if prior := h["Forwarded"]; len(prior) > 0 {
		vals[3] = strings.Join(prior, ", ") + ", " + vals[3]
	}
	h["X-Forwarded-For"] = vals[0:1:1]
	h["X-Forwarded-Proto"] = vals[1:2:2]
	h["X-Forwarded-Host"] = vals[2:3:3]
	h["Forwarded"] = vals[3:4:4]
	return upgrade
}

// forwarded renders this hop's Forwarded element. A host with a port is not a token and is quoted;
// the common cases are built with a single allocation.
func forwarded(ip, host, proto string) string {
	if strings.IndexByte(ip, ':') < 0 && isToken(ip) {
		if isToken(host) {
			return "for=" + ip + ";host=" + host + ";proto=" + proto
		}
		if strings.IndexByte(host, '"') < 0 && strings.IndexByte(host, '\\') < 0 {
			return "for=" + ip + ";host=\"" + host + "\";proto=" + proto
		}
	}
	return "for=" + forwardedNode(ip) + ";host=" + forwardedValue(host) + ";proto=" + proto
}

func isToken(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isTokenChar(v[i]) {
			return false
		}
	}
	return v != ""
}

// forwardedNode renders a client address for Forwarded's for=: IPv6 addresses are bracketed and
// quoted (RFC 7239 section 6).
func forwardedNode(ip string) string {
	if strings.IndexByte(ip, ':') >= 0 {
		return `"[` + ip + `]"`
	}
	return forwardedValue(ip)
}

// forwardedValue returns v as a token when it is one, else as a quoted string.
func forwardedValue(v string) string {
	if isToken(v) {
		return v
	}
	return quote(v)
}

func quote(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
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

// copyResponse sends res to the client: headers without hop-by-hop ones, the body streamed through a
// pooled buffer (flushed after every read when it is an event stream or of unknown length, so
// that streams reach the client as they come), then the trailers.
func (g *Gateway) copyResponse(w http.ResponseWriter, r *http.Request, res *http.Response, be *backend, up *upstream) exchange {
	ex := exchange{status: res.StatusCode, upstream: up}
	removeHopHeaders(res.Header)
	dst := w.Header()
	for k, vv := range res.Header {
		dst[k] = vv
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
