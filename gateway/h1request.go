package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// requestError is a request the listener refuses before any handler sees it: it answers with the
// error's status and JSON body, then closes the connection.
type requestError struct {
	pe     *proxyError
	reason string
}

func (e *requestError) Error() string { return "bad request: " + e.reason }

func refuse(pe *proxyError, format string, args ...any) *requestError {
	return &requestError{pe: pe, reason: fmt.Sprintf(format, args...)}
}

// The answers of the listener itself, in the gateway's JSON error shape.
var (
	errBadRequest     = newProxyError(http.StatusBadRequest, "bad_request", "the request is not valid HTTP/1.1")
	errHeadTooLarge   = newProxyError(http.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "the request line and headers exceed 1 MiB")
	errBadVersion     = newProxyError(http.StatusHTTPVersionNotSupported, "version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served on this connection")
	errNotImplemented = newProxyError(http.StatusNotImplemented, "not_implemented", "the transfer encoding is not supported")
)

// readHead reads a request line and its header lines, up to and including the empty line, into
// buf and returns it. buf may hold the start of the head already, as returned with an error by an
// earlier call (errWouldBlock in raw mode), which this one continues. The head may not exceed max
// bytes. io.EOF means the connection closed cleanly before a request began.
func readHead(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	lineStart := bytes.LastIndexByte(buf, '\n') + 1
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > max {
			return buf, refuse(errHeadTooLarge, "head over %d bytes", max)
		}
		buf = append(buf, frag...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(buf) == 0:
			return buf, io.EOF
		case err == io.EOF:
			return buf, io.ErrUnexpectedEOF
		case err != nil:
			return buf, err
		}
		line := buf[lineStart:]
		if lineStart > 0 && (len(line) == 1 || len(line) == 2 && line[0] == '\r') {
			return buf, nil
		}
		lineStart = len(buf)
	}
}

// parsedHead is what the head of a request says, before the connection gives it a body and a
// context.
type parsedHead struct {
	req http.Request
	url url.URL
	// contentLength is the declared body length, -1 for chunked.
	contentLength int64
	chunked       bool
	expect100     bool
	// keepAlive is false when the client asked to close the connection after this request.
	keepAlive bool
	// header and vals are storage for req.Header and its values that parseHeaders reuses when
	// they are not nil (see serverConn.spare).
	header http.Header
	vals   []string
}

// maxRecycledHeaders bounds the header map and values kept for the next request.
const maxRecycledHeaders = 64

// recycle prepares p, whose request the handler is done with, for the next request: only its
// header storage is kept.
func (p *parsedHead) recycle() {
	h, vals := p.header, p.vals
	if len(h) > maxRecycledHeaders || cap(vals) > maxRecycledHeaders {
		h, vals = nil, nil
	}
	*p = parsedHead{header: h, vals: vals}
}

// parseHead parses head, as returned by readHead, into p. It accepts only what net/http's
// http.ReadRequest accepts too (FuzzParseRequest checks this), and refuses more: obs-fold, any
// whitespace around header names, conflicting framing headers. Header names are canonical, Host
// is moved to req.Host, and the strings share one allocation, head's.
func parseHead(head string, p *parsedHead) *requestError {
	line, rest, _ := cutLine(head)
	method, line, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || !isToken(method) || target == "" {
		return refuse(errBadRequest, "malformed request line")
	}
	r := &p.req
	r.Method, r.RequestURI, r.Proto = method, target, proto
	switch proto {
	case "HTTP/1.1":
		r.ProtoMajor, r.ProtoMinor = 1, 1
	case "HTTP/1.0":
		r.ProtoMajor, r.ProtoMinor = 1, 0
	default:
		if _, _, ok := http.ParseHTTPVersion(proto); ok {
			return refuse(errBadVersion, "unsupported version %q", proto)
		}
		return refuse(errBadRequest, "malformed version")
	}
	if err := parseTarget(target, &p.url); err != nil {
		return err
	}
	r.URL = &p.url
	if err := parseHeaders(rest, p); err != nil {
		return err
	}
	return checkFraming(p)
}

// cutLine splits s after its first line, dropping the line's CRLF or LF.
func cutLine(s string) (line, rest string, ok bool) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, "", false
	}
	line, rest = s[:i], s[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest, true
}

// parseTarget parses a request target into u. Origin-form paths made only of characters that need
// no escaping, the common case, are taken as they are; anything else goes through
// url.ParseRequestURI, like net/http does.
func parseTarget(target string, u *url.URL) *requestError {
	if target[0] == '/' {
		path, query, hasQuery := strings.Cut(target, "?")
		if plainPath(path) && plainQuery(query) {
			*u = url.URL{Path: path, RawQuery: query, ForceQuery: hasQuery && query == ""}
			return nil
		}
	}
	if target[0] != '/' && !strings.Contains(target, "://") && target != "*" {
		// Authority-form (CONNECT host:port) tunnels through a forward proxy; ficus is not one.
		return refuse(errBadRequest, "request target %q is not origin- or absolute-form", target)
	}
	parsed, err := url.ParseRequestURI(target)
	if err != nil {
		return refuse(errBadRequest, "malformed request target")
	}
	*u = *parsed
	return nil
}

// plainPath reports whether path holds only characters that url.URL keeps unescaped in a path, so
// that Path is path and RawPath is empty, as url.ParseRequestURI would have it. (url.URL escapes
// the sub-delimiters !'()* in paths.)
func plainPath(path string) bool {
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~$&+,;=:@/", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// plainQuery reports whether a raw query holds no byte that url.Parse would refuse (controls) or
// that could not have reached us (space), and no fragment marker.
func plainQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}

// parseHeaders parses header lines, ending with an empty line, into p.req.Header. The values of
// all headers share one backing array.
func parseHeaders(s string, p *parsedHead) *requestError {
	n := strings.Count(s, "\n") - 1
	if n < 0 {
		return refuse(errBadRequest, "missing end of headers")
	}
	h, vals := p.header, p.vals
	if h == nil {
		h = make(http.Header, n)
		p.header = h
	} else {
		clear(h)
	}
	if cap(vals) < n {
		vals = make([]string, n)
		p.vals = vals
	} else {
		vals = vals[:n]
	}
	var hosts int
	for i := 0; ; i++ {
		line, rest, ok := cutLine(s)
		if !ok {
			return refuse(errBadRequest, "missing end of headers")
		}
		s = rest
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return refuse(errBadRequest, "obsolete line folding")
		}
		name, value, ok := strings.Cut(line, ":")
		if name, ok = canonicalToken(name, ok); !ok {
			return refuse(errBadRequest, "invalid header name")
		}
		value = trimOWS(value)
		if !validFieldValue(value) {
			return refuse(errBadRequest, "invalid value of header %s", name)
		}
		if name == "Host" {
			hosts++
			p.req.Host = value
			continue
		}
		vals[i] = value
		if prior, ok := h[name]; ok {
			h[name] = append(prior, value)
		} else {
			h[name] = vals[i : i+1 : i+1]
		}
	}
	p.req.Header = h
	return checkHost(p, hosts)
}

func checkHost(p *parsedHead, hosts int) *requestError {
	r := &p.req
	switch {
	case hosts > 1:
		return refuse(errBadRequest, "more than one Host header")
	case hosts == 0 && r.ProtoMinor == 1:
		return refuse(errBadRequest, "missing Host header")
	case hosts == 1 && !httpguts.ValidHostHeader(r.Host):
		return refuse(errBadRequest, "malformed Host header")
	}
	if r.URL.Host != "" { // absolute-form wins over the Host header (RFC 9112 section 3.2.2)
		r.Host = r.URL.Host
	}
	// As net/http: an HTTP/1.0 cache's "Pragma: no-cache" means "Cache-Control: no-cache".
	if pr, ok := r.Header["Pragma"]; ok && len(pr) > 0 && pr[0] == "no-cache" {
		if _, ok := r.Header["Cache-Control"]; !ok {
			r.Header["Cache-Control"] = []string{"no-cache"}
		}
	}
	return nil
}

// checkFraming decides how the body is framed and whether the connection stays open, refusing the
// ambiguous framings that request smuggling relies on.
func checkFraming(p *parsedHead) *requestError {
	h := p.req.Header
	te, hasTE := h["Transfer-Encoding"]
	cl, hasCL := h["Content-Length"]
	switch {
	case hasTE && hasCL:
		return refuse(errBadRequest, "both Transfer-Encoding and Content-Length")
	case hasTE:
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") || p.req.ProtoMinor == 0 {
			return refuse(errNotImplemented, "transfer encoding %q", te)
		}
		p.chunked, p.contentLength = true, -1
		p.req.TransferEncoding = []string{"chunked"}
		delete(h, "Transfer-Encoding")
	case hasCL:
		n, ok := parseContentLength(cl[0])
		for _, v := range cl[1:] {
			if v != cl[0] {
				return refuse(errBadRequest, "differing Content-Length headers")
			}
		}
		if !ok {
			return refuse(errBadRequest, "malformed Content-Length")
		}
		p.contentLength = n
		if len(cl) > 1 {
			h["Content-Length"] = cl[:1]
		}
	default:
		p.contentLength = 0
	}
	p.req.ContentLength = p.contentLength
	conn := h["Connection"]
	if p.req.ProtoMinor == 0 {
		p.keepAlive = hasToken(conn, "keep-alive")
	} else {
		p.keepAlive = !hasToken(conn, "close")
	}
	p.req.Close = !p.keepAlive
	p.expect100 = p.req.ProtoMinor == 1 && hasToken(h["Expect"], "100-continue")
	return nil
}

// parseContentLength parses a Content-Length value: digits only, no sign, no overflow.
func parseContentLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// commonHeaders maps the usual header names, in any case, to their canonical form, so that they are
// canonicalised without allocating.
var commonHeaders = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization",
		"Cache-Control", "Connection", "Content-Length", "Content-Type", "Cookie", "Expect", "Forwarded",
		"Host", "If-Modified-Since", "If-None-Match", "Keep-Alive", "Origin", "Pragma", "Range",
		"Referer", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions",
		"Sec-Websocket-Protocol", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "User-Agent",
		"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id",
		"X-User-Id", "Traceparent", "Tracestate",
	} {
		m[k] = k
		m[strings.ToLower(k)] = k
	}
	return m
}()

// trimOWS removes the optional whitespace (spaces and tabs) around a header value.
func trimOWS(v string) string {
	for v != "" && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for v != "" && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// canonicalToken checks in one pass that name is a token, as header names must be, and returns it
// in canonical form (see canonicalHeader). ok passes on a prior check's result, so that a caller
// can hand over strings.Cut's.
func canonicalToken(name string, ok bool) (string, bool) {
	if !ok || name == "" {
		return name, false
	}
	// Branch-free, one table look-up a byte: all must be token bytes, and none may be a lowercase
	// letter where an uppercase one belongs (first and after '-') or the reverse.
	all, wrongCase, unwanted := uint8(nameToken), uint8(0), uint8(nameLower)
	for i := 0; i < len(name); i++ {
		k := nameBytes[name[i]]
		all &= k
		wrongCase |= k & unwanted
		unwanted = nameNext[name[i]]
	}
	if all&nameToken == 0 {
		return name, false
	}
	if wrongCase == 0 {
		return name, true
	}
	if c, ok := commonHeaders[name]; ok {
		return c, true
	}
	return canonicalizeSlow(name), true
}

// The classes of header name bytes, for canonicalToken.
const (
	nameToken = 1 << iota
	nameLower
	nameUpper
)

var (
	// nameBytes classifies each byte: nameToken for a token byte, plus nameLower or nameUpper for a
	// letter.
	nameBytes [256]uint8
	// nameNext is the letter case that may not follow each byte: lowercase after '-', uppercase
	// after anything else.
	nameNext [256]uint8
)

func init() {
	for c := range 256 {
		if tokenChars[c] {
			nameBytes[c] = nameToken
		}
		switch {
		case 'a' <= c && c <= 'z':
			nameBytes[c] |= nameLower
		case 'A' <= c && c <= 'Z':
			nameBytes[c] |= nameUpper
		}
		nameNext[c] = nameUpper
	}
	nameNext['-'] = nameLower
}

// validFieldValue reports whether v holds no control character other than tab, as
// httpguts.ValidHeaderFieldValue, eight bytes at a time.
func validFieldValue(v string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(v) >= 8 {
		x := uint64(v[0]) | uint64(v[1])<<8 | uint64(v[2])<<16 | uint64(v[3])<<24 |
			uint64(v[4])<<32 | uint64(v[5])<<40 | uint64(v[6])<<48 | uint64(v[7])<<56
		// A byte below 0x20, or 0x7f (DEL, which is 0x80 after adding one): check those bytewise.
		below := (x - 0x20*ones) &^ x
		del := (x + ones) &^ x
		if (below|del)&highs != 0 {
			break
		}
		v = v[8:]
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// canonicalHeader returns name in canonical form (as textproto.CanonicalMIMEHeaderKey), without
// allocating for names that already are canonical or are common.
func canonicalHeader(name string) string {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			if c, ok := commonHeaders[name]; ok {
				return c
			}
			return canonicalizeSlow(name)
		}
		upper = c == '-'
	}
	return name
}

func canonicalizeSlow(name string) string {
	b := []byte(name)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
	return string(b)
}
