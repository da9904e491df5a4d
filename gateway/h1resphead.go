package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// readResponse reads the head of an upstream's response to req. The usual response, a final
// status with a Content-Length whose head already sits in br's buffer, is parsed here with one
// allocation for all its strings; anything else (1xx, chunked, a head still arriving, anything
// odd) is left to http.ReadResponse, before a byte of it is consumed, so the fast parse never
// accepts less than net/http would.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	if res := parseBufferedResponse(br, req); res != nil {
		return res, nil
	}
	return http.ReadResponse(br, req)
}

func parseBufferedResponse(br *bufio.Reader, req *http.Request) *http.Response {
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return nil
	}
	head := string(buf[:end+2])
	line, rest, _ := cutLine(head)
	res := &http.Response{Request: req, ProtoMajor: 1, ContentLength: -1}
	if !parseStatusLine(line, res) {
		return nil
	}
	n := strings.Count(rest, "\n")
	res.Header = make(http.Header, n)
	vals := make([]string, n)
	for i := 0; rest != ""; i++ {
		line, rest, _ = cutLine(rest)
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			return nil
		}
		value = strings.Trim(value, " \t")
		if !httpguts.ValidHeaderFieldValue(value) {
			return nil
		}
		name = canonicalHeader(name)
		vals[i] = value
		if prior, ok := res.Header[name]; ok {
			res.Header[name] = append(prior, value)
		} else {
			res.Header[name] = vals[i : i+1 : i+1]
		}
	}
	if !frameResponse(res) {
		return nil
	}
	_, _ = br.Discard(end + 4)
	res.Body = &fixedBody{br: br, remain: res.ContentLength}
	return res
}

// parseStatusLine accepts "HTTP/1.x NNN reason" with a final status that is not 204 or 304, whose
// body framing is then the Content-Length alone.
func parseStatusLine(line string, res *http.Response) bool {
	if len(line) < len("HTTP/1.1 200") || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return false
	}
	switch line[:8] {
	case "HTTP/1.1":
		res.ProtoMinor = 1
	case "HTTP/1.0":
	default:
		return false
	}
	code := 0
	for _, c := range []byte(line[9:12]) {
		if c < '0' || c > '9' {
			return false
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		return false
	}
	res.Proto, res.StatusCode, res.Status = line[:8], code, line[9:]
	return true
}

// frameResponse takes a single valid Content-Length and no Transfer-Encoding, for a request that
// is not HEAD, and decides whether the connection stays open.
func frameResponse(res *http.Response) bool {
	h := res.Header
	cl := h["Content-Length"]
	if _, te := h["Transfer-Encoding"]; te || len(cl) != 1 || res.Request.Method == http.MethodHead {
		return false
	}
	n, ok := parseContentLength(cl[0])
	if !ok {
		return false
	}
	res.ContentLength = n
	conn := h["Connection"]
	if res.ProtoMinor == 0 {
		res.Close = !hasToken(conn, "keep-alive")
	} else {
		res.Close = hasToken(conn, "close")
	}
	return true
}

// fixedBody is a response body of known length read off the connection's reader.
type fixedBody struct {
	br     *bufio.Reader
	remain int64
}

func (b *fixedBody) Read(p []byte) (int, error) {
	if b.remain <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.br.Read(p)
	b.remain -= int64(n)
	switch {
	case b.remain == 0:
		return n, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *fixedBody) Close() error { return nil }
