package gateway

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// pendingMax is how much body of unknown length is held back before the headers go out: a handler
// that ends within it gets a Content-Length instead of chunks.
const pendingMax = 4 << 10

// response is the http.ResponseWriter of one request. It belongs to the connection and is reused;
// handlers must not touch it after they return, as the http.ResponseWriter contract says. It
// writes to the connection's buffered writer, which is flushed when the connection would otherwise
// wait for the client, so a small response costs one write.
type response struct {
	c      *serverConn
	req    *http.Request
	header http.Header

	status      int
	wroteHeader bool // a final status was set
	committed   bool // the head is in the writer
	// length is the Content-Length sent or to send, -1 when unknown.
	length  int64
	written int64
	chunked bool
	// bodyless: HEAD, 204 and 304 responses carry no body.
	bodyless   bool
	closeAfter bool
	hijacked   bool
	pending    []byte
	err        error
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
	_ http.Hijacker       = (*response)(nil)
)

func (w *response) reset(r *http.Request, keepAlive bool) {
	clear(w.header)
	*w = response{c: w.c, req: r, header: w.header, length: -1, closeAfter: !keepAlive, pending: w.pending[:0]}
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.wroteHeader || w.hijacked {
		return
	}
	if code < 100 || code > 999 {
		panic("gateway: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.writeInformational(code)
		return
	}
	w.wroteHeader, w.status = true, code
	w.bodyless = w.req.Method == http.MethodHead || code == http.StatusNoContent || code == http.StatusNotModified
	if cl := w.header["Content-Length"]; len(cl) > 0 {
		if n, ok := parseContentLength(cl[0]); ok {
			w.length = n
		}
	}
}

// writeInformational sends a 1xx response (103 Early Hints and the like) at once.
func (w *response) writeInformational(code int) {
	w.c.endContinue() // a 100 from the handler replaces ours
	bw := w.c.bw
	writeStatusLine(bw, code)
	for k, vv := range w.header {
		writeHeaderLines(bw, k, vv)
	}
	bw.WriteString("\r\n")
	w.err = bw.Flush()
}

func (w *response) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.hijacked:
		return 0, http.ErrHijacked
	case w.err != nil:
		return 0, w.err
	case w.bodyless && w.req.Method == http.MethodHead:
		return len(p), nil
	case w.bodyless:
		return 0, http.ErrBodyNotAllowed
	}
	if !w.committed && w.length < 0 && len(w.pending)+len(p) <= pendingMax {
		w.pending = append(w.pending, p...)
		return len(p), nil
	}
	if !w.committed {
		w.commit()
	}
	return w.writeBody(p)
}

func (w *response) writeBody(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	var tooLong bool
	if w.length >= 0 && w.written+int64(len(p)) > w.length {
		p, tooLong = p[:w.length-w.written], true
	}
	bw := w.c.bw
	if w.chunked && len(p) > 0 {
		var num [16]byte
		bw.Write(strconv.AppendInt(num[:0], int64(len(p)), 16))
		bw.WriteString("\r\n")
	}
	n, err := bw.Write(p)
	if w.chunked && len(p) > 0 {
		_, err = bw.WriteString("\r\n")
	}
	w.written += int64(n)
	if err != nil {
		w.err = err
		return n, err
	}
	if tooLong {
		w.closeAfter = true
		return n, http.ErrContentLength
	}
	return n, nil
}

// Flush sends the headers, and whatever body is buffered, to the client now.
func (w *response) Flush() {
	if w.hijacked {
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit()
	}
	if w.err == nil {
		w.err = w.c.bw.Flush()
	}
}

// Hijack hands the connection to the handler, for protocol upgrades: only a request that asks to
// upgrade (has an Upgrade header) can be hijacked, since others may be served in raw mode
// (h1raw.go), which holds the socket. Bytes the client sent after the request are in the returned
// reader.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if len(w.req.Header["Upgrade"]) == 0 {
		return nil, nil, errHijackWithoutUpgrade
	}
	if w.committed {
		if err := w.c.bw.Flush(); err != nil {
			return nil, nil, err
		}
	}
	w.hijacked = true
	w.c.hijack()
	return w.c.nc, bufio.NewReadWriter(w.c.br, w.c.bw), nil
}

// commit writes the status line and headers. The framing is the handler's Content-Length when it
// set one, else the length of the body when the handler already returned, else chunks (HTTP/1.1)
// or the end of the connection (HTTP/1.0).
func (w *response) commit() {
	w.committed = true
	w.c.endContinue()
	h, bw := w.header, w.c.bw
	if hasToken(h["Connection"], "close") || w.c.srv.shuttingDown() {
		w.closeAfter = true
	}
	switch {
	case w.bodyless || w.length >= 0:
	case w.req.ProtoMinor == 0:
		w.closeAfter = true
	default:
		w.chunked = true
	}
	// The head is appended to the writer's free buffer and written at once: many small writes to
	// the bufio.Writer cost more than the copying.
	b := appendStatusLine(bw.AvailableBuffer(), w.status)
	hasDate := false
	for k, vv := range h {
		switch k {
		case "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive", "Trailer":
			continue
		case "Date":
			hasDate = true
		}
		if strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		b = appendHeaderLines(b, k, vv)
	}
	if !hasDate {
		b = append(b, "Date: "...)
		b = append(b, httpDate()...)
		b = append(b, "\r\n"...)
	}
	switch {
	case w.length >= 0 && w.status != http.StatusNoContent:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.length, 10)
		b = append(b, "\r\n"...)
	case w.chunked:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
		if tr := h["Trailer"]; len(tr) > 0 {
			b = appendHeaderLines(b, "Trailer", tr)
		}
	}
	switch {
	case w.closeAfter:
		b = append(b, "Connection: close\r\n"...)
	case w.req.ProtoMinor == 0:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	_, w.err = bw.Write(b)
	if len(w.pending) > 0 {
		pending := w.pending
		w.pending = w.pending[:0]
		_, _ = w.writeBody(pending)
	}
}

// finish completes the response after the handler returned: the headers if none went out, the
// held-back body, the last chunk and trailers. It reports whether the connection may carry
// another request.
func (w *response) finish() bool {
	if w.hijacked {
		return false
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		if w.length < 0 && !w.bodyless {
			w.length = int64(len(w.pending))
		}
		w.commit()
	}
	if w.chunked && w.err == nil {
		bw := w.c.bw
		bw.WriteString("0\r\n")
		w.writeTrailers()
		_, w.err = bw.WriteString("\r\n")
	}
	if w.length >= 0 && w.written < w.length && !w.bodyless {
		w.closeAfter = true // the client waits for bytes that will never come
	}
	if w.closeAfter && w.err == nil {
		w.err = w.c.bw.Flush()
	}
	return !w.closeAfter && w.err == nil
}

// writeTrailers writes the trailers the handler declared in its Trailer header, and those it set
// with the http.TrailerPrefix.
func (w *response) writeTrailers() {
	bw := w.c.bw
	for _, decl := range w.header["Trailer"] {
		for decl != "" {
			var k string
			k, decl, _ = strings.Cut(decl, ",")
			k = canonicalHeader(strings.TrimSpace(k))
			if vv := w.header[k]; len(vv) > 0 && k != "" {
				writeHeaderLines(bw, k, vv)
			}
		}
	}
	for k, vv := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			writeHeaderLines(bw, name, vv)
		}
	}
}

// writeHeaderLines writes one header line per value (see appendHeaderLines).
func writeHeaderLines(bw *bufio.Writer, k string, vv []string) {
	bw.Write(appendHeaderLines(bw.AvailableBuffer(), k, vv))
}

// appendHeaderLines appends one header line per value. Invalid names are skipped and line breaks
// in values become spaces, as net/http does, so that a handler cannot split the response.
func appendHeaderLines(b []byte, k string, vv []string) []byte {
	if !isToken(k) { // as httpguts.ValidHeaderFieldName
		return b
	}
	for _, v := range vv {
		b = append(b, k...)
		b = append(b, ": "...)
		if strings.IndexByte(v, '\r') >= 0 || strings.IndexByte(v, '\n') >= 0 {
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		}
		if v != "" && !(plainEdge(v[0]) && plainEdge(v[len(v)-1])) {
			v = strings.TrimSpace(v)
		}
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	return b
}

// plainEdge reports whether a value starting or ending with c needs no trimming: c is ASCII and
// not white space. (Anything else is left to strings.TrimSpace.)
func plainEdge(c byte) bool { return c > ' ' && c < utf8.RuneSelf }

// statusLines holds the status lines of the common codes, ready to write.
var statusLines = func() map[int]string {
	m := make(map[int]string)
	for code := 100; code < 600; code++ {
		if text := http.StatusText(code); text != "" {
			m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
		}
	}
	return m
}()

func writeStatusLine(bw *bufio.Writer, code int) {
	bw.Write(appendStatusLine(bw.AvailableBuffer(), code))
}

func appendStatusLine(b []byte, code int) []byte {
	if code == http.StatusOK {
		return append(b, "HTTP/1.1 200 OK\r\n"...)
	}
	if line, ok := statusLines[code]; ok {
		return append(b, line...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, " status code "...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, "\r\n"...)
}

// cachedDate is the Date header value of the current second, formatted once per second. Whether
// the second is still current is told by the monotonic clock, which is cheaper to read.
type cachedDate struct {
	until time.Duration // the end of the second, on the monotonic clock
	text  []byte
}

var dateCache atomic.Pointer[cachedDate]

func httpDate() []byte {
	mono := monoNow()
	if d := dateCache.Load(); d != nil && mono < d.until {
		return d.text
	}
	now := time.Now()
	next := now.Truncate(time.Second).Add(time.Second)
	d := &cachedDate{until: mono + next.Sub(now), text: now.UTC().AppendFormat(nil, http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}
