package gateway

import (
	"bufio"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// This file is what an upstream receives of a client's request: the hop-by-hop headers removed
// (but an upgrade kept, and "TE: trailers", which gRPC needs), and this hop added to
// X-Forwarded-For and Forwarded (appended, RFC 7239), X-Forwarded-Proto and X-Forwarded-Host
// (replaced). The client's own header is never changed. The upstream fast path writes the
// forwarded head straight from it (writeForwardedHead); everything else gets a prepared copy
// (upstreamHeader). Both give the same headers (TestForwardedHeadAgreesWithUpstreamHeader).

// hopHeaders apply to one connection only and are not forwarded, in either direction (RFC 9110
// section 7.6.1), besides the headers that Connection names.
var hopHeaders = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// isHopHeader reports whether k, a canonical name, is in hopHeaders.
func isHopHeader(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// Header values shared by every request that needs them; the Transport only reads them.
var (
	connectionUpgrade = []string{"Upgrade"}
	teTrailers        = []string{"trailers"}
)

// commonConnectionToken reports whether a Connection token is one of those that name no header
// to remove: "keep-alive" and "upgrade" are in hopHeaders already, and nobody sends a header
// called "close". Skipping them avoids canonicalising (allocating) their names.
func commonConnectionToken(tok string) bool {
	return tok == "" || strings.EqualFold(tok, "keep-alive") || strings.EqualFold(tok, "close") || strings.EqualFold(tok, "upgrade")
}

// removeHopHeaders deletes the hop-by-hop headers of h, including those its Connection header names.
func removeHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if tok = strings.TrimSpace(tok); !commonConnectionToken(tok) {
				delete(h, textproto.CanonicalMIMEHeaderKey(tok))
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// namesOnlyHopHeaders reports whether a Connection header names no header beyond hopHeaders.
func namesOnlyHopHeaders(conn []string) bool {
	for _, v := range conn {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if !commonConnectionToken(strings.TrimSpace(tok)) {
				return false
			}
		}
	}
	return true
}

// copyEndToEnd copies the headers of src that are not hop-by-hop into dst, replacing dst's values
// of the same names. The value slices are shared, not copied.
func copyEndToEnd(dst, src http.Header) {
	if conn := src["Connection"]; !namesOnlyHopHeaders(conn) {
		src = src.Clone()
		removeHopHeaders(src)
	}
	for k, vv := range src {
		if !isHopHeader(k) {
			dst[k] = vv
		}
	}
}

// forwarding is one client request on its way to an upstream of a backend.
type forwarding struct {
	r  *http.Request
	be *backend
	// ip is the client's address and proto the scheme it used, for the forwarding headers.
	ip, proto string
	// upgrade is the protocol the client asks to switch to; "" when none.
	upgrade string
	// te is set when the client accepts trailers ("TE: trailers").
	te bool
	// fast is set for a GET or HEAD without body or upgrade, which the upstream fast path carries;
	// direct besides when its head can be written from the client's header (writeForwardedHead):
	// its Connection header names no header to remove.
	fast, direct bool
	// out is the request for the Transport, built when first needed.
	out *outbound
	// dst is the client's response header, into which the fast path may parse the upstream's
	// end-to-end headers; headerCopied says it did.
	dst          http.Header
	headerCopied bool
}

// outbound is one forwarded request for the Transport. Allocating it as one object replaces
// separate allocations of the request, its URL and the forwarding header values.
type outbound struct {
	req  http.Request
	url  url.URL
	vals [4]string
}

func newForwarding(r *http.Request, be *backend) forwarding {
	h := r.Header
	f := forwarding{r: r, be: be, ip: clientIP(r.RemoteAddr), proto: "http"}
	if r.TLS != nil {
		f.proto = "https"
	}
	conn := h["Connection"]
	if len(conn) > 0 && hasToken(conn, "upgrade") {
		if v := h["Upgrade"]; len(v) > 0 {
			f.upgrade = v[0]
		}
	}
	if te := h["Te"]; len(te) > 0 {
		f.te = hasToken(te, "trailers")
	}
	f.fast = r.ContentLength == 0 && f.upgrade == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	f.direct = f.fast && namesOnlyHopHeaders(conn)
	return f
}

// retryBody keeps the client's body open across a failed connect. The Transport closes the body
// of a request it could not connect for; nothing was read from it, so the next upstream can be
// given the same body. The server closes the body itself once the handler returns.
type retryBody struct{ io.ReadCloser }

func (retryBody) Close() error { return nil }

// outbound returns the request to send through the Transport (or, for a fast request whose head
// cannot be written directly, the fast path): a copy of the client's with a prepared header.
func (f *forwarding) outbound() *http.Request {
	if f.out != nil {
		return &f.out.req
	}
	r, out := f.r, new(outbound)
	out.req = *r
	out.req.URL = &out.url
	out.req.RequestURI = ""
	// The client's wish to close its connection is not ours for the upstream's.
	out.req.Close = false
	switch {
	case r.ContentLength == 0:
		// A nil body lets the Transport retry an idempotent request on a stale keep-alive connection.
		out.req.Body = nil
	case len(f.be.upstreams) > 1:
		out.req.Body = retryBody{r.Body}
	}
	out.req.Header = cloneHeader(r.Header)
	prepareRequestHeader(out.req.Header, f, &out.vals)
	if f.be.host != "" {
		out.req.Host = f.be.host
	}
	f.out = out
	return &out.req
}

func cloneHeader(h http.Header) http.Header {
	if h == nil {
		return make(http.Header)
	}
	return h.Clone()
}

// upstreamHeader returns the header an upstream receives for r, as a new map.
func upstreamHeader(r *http.Request) http.Header {
	f := newForwarding(r, nil)
	h := cloneHeader(r.Header)
	prepareRequestHeader(h, &f, new([4]string))
	return h
}

// prepareRequestHeader turns h, a copy of the client's header, into the upstream's; vals holds the
// forwarding headers' values.
func prepareRequestHeader(h http.Header, f *forwarding, vals *[4]string) {
	r := f.r
	removeHopHeaders(h)
	if f.upgrade != "" {
		h["Connection"] = connectionUpgrade
		h["Upgrade"] = []string{f.upgrade}
	}
	if f.te {
		h["Te"] = teTrailers
	}
	vals[0] = f.ip
	if prior := h["X-Forwarded-For"]; len(prior) > 0 {
		vals[0] = strings.Join(prior, ", ") + ", " + f.ip
	}
	vals[1] = f.proto
	vals[2] = r.Host
	vals[3] = forwarded(f.ip, r.Host, f.proto)
	if prior := h["Forwarded"]; len(prior) > 0 {
		vals[3] = strings.Join(prior, ", ") + ", " + vals[3]
	}
	h["X-Forwarded-For"] = vals[0:1:1]
	h["X-Forwarded-Proto"] = vals[1:2:2]
	h["X-Forwarded-Host"] = vals[2:3:3]
	h["Forwarded"] = vals[3:4:4]
}

// writeForwardedHead writes the request line and header that forward f.r, a direct request, to up:
// the header prepareRequestHeader would make, written from the client's header as it is.
func writeForwardedHead(w *bufio.Writer, f *forwarding, up *upstream) {
	w.Write(appendForwardedHead(w.AvailableBuffer(), f, up))
}

// appendForwardedHead appends what writeForwardedHead writes. Appending to the writer's free buffer
// and writing once costs less than many small writes.
func appendForwardedHead(b []byte, f *forwarding, up *upstream) []byte {
	r := f.r
	var u url.URL
	up.target(&u, r.URL)
	b = appendRequestLine(b, r.Method, &u)
	b = append(b, "Host: "...)
	switch {
	case f.be.host != "":
		b = append(b, f.be.host...)
	case r.Host != "":
		b = append(b, r.Host...)
	default:
		b = append(b, up.host...)
	}
	b = append(b, "\r\n"...)
	b = appendForwardedFields(b, f, "")
	return append(b, "\r\n"...)
}

// appendForwardedFields appends the header fields of appendForwardedHead after Host, leaving out a
// field named skip.
func appendForwardedFields(b []byte, f *forwarding, skip string) []byte {
	r := f.r
	var priorFor, priorForwarded []string
	for k, vv := range r.Header {
		switch k {
		case "X-Forwarded-For":
			priorFor = vv
			continue
		case "Forwarded":
			priorForwarded = vv
			continue
		case "X-Forwarded-Proto", "X-Forwarded-Host", skip:
			continue
		}
		if !isHopHeader(k) {
			b = appendFields(b, k, vv)
		}
	}
	if f.te {
		b = append(b, "Te: trailers\r\n"...)
	}
	b = append(b, "X-Forwarded-For: "...)
	b = appendPrior(b, priorFor)
	b = append(b, f.ip...)
	b = append(b, "\r\nX-Forwarded-Proto: "...)
	b = append(b, f.proto...)
	b = append(b, "\r\nX-Forwarded-Host: "...)
	b = append(b, r.Host...)
	b = append(b, "\r\nForwarded: "...)
	b = appendPrior(b, priorForwarded)
	b = appendForwarded(b, f.ip, r.Host, f.proto)
	return append(b, "\r\n"...)
}

// appendPrior appends the values of a header that this hop appends to, each followed by ", ".
func appendPrior(b []byte, prior []string) []byte {
	for _, v := range prior {
		b = append(b, v...)
		b = append(b, ", "...)
	}
	return b
}

// appendFields appends one header line per value.
func appendFields(b []byte, k string, vv []string) []byte {
	for _, v := range vv {
		b = append(b, k...)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	return b
}

// appendRequestLine appends an origin-form request line for u.
func appendRequestLine(b []byte, method string, u *url.URL) []byte {
	b = append(b, method...)
	b = append(b, ' ')
	if p := u.EscapedPath(); p != "" {
		b = append(b, p...)
	} else {
		b = append(b, '/')
	}
	if u.RawQuery != "" || u.ForceQuery {
		b = append(b, '?')
		b = append(b, u.RawQuery...)
	}
	return append(b, " HTTP/1.1\r\n"...)
}

// forwarded renders this hop's Forwarded element.
func forwarded(ip, host, proto string) string {
	var buf [128]byte
	return string(appendForwarded(buf[:0], ip, host, proto))
}

// appendForwarded appends this hop's Forwarded element. A client's IPv6 address is bracketed and
// quoted, and a host with a port, which is not a token, is quoted (RFC 7239 section 6).
func appendForwarded(b []byte, ip, host, proto string) []byte {
	b = append(b, "for="...)
	if strings.IndexByte(ip, ':') >= 0 {
		b = append(b, `"[`...)
		b = append(b, ip...)
		b = append(b, `]"`...)
	} else {
		b = appendForwardedValue(b, ip)
	}
	b = append(b, ";host="...)
	b = appendForwardedValue(b, host)
	b = append(b, ";proto="...)
	return append(b, proto...)
}

// appendForwardedValue appends v as a token when it is one, else as a quoted string.
func appendForwardedValue(b []byte, v string) []byte {
	if isToken(v) {
		return append(b, v...)
	}
	b = append(b, '"')
	for v != "" {
		i := strings.IndexAny(v, `"\`)
		if i < 0 {
			b = append(b, v...)
			break
		}
		b = append(b, v[:i]...)
		b = append(b, '\\', v[i])
		v = v[i+1:]
	}
	return append(b, '"')
}

func isToken(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isTokenChar(v[i]) {
			return false
		}
	}
	return v != ""
}

func isTokenChar(c byte) bool { return tokenChars[c] }

// tokenChars are the bytes allowed in a token (RFC 9110 section 5.6.2).
var tokenChars = func() (t [256]bool) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = true
		case strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0:
			t[c] = true
		}
	}
	return t
}()
