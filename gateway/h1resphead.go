package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// readResponse reads the head of an upstream's response to req. The usual response, a final
// status with a Content-Length whose head already sits in br's buffer, is parsed here (see
// parseBufferedResponse); anything else (1xx, chunked, a head still arriving, anything odd) is left
// to http.ReadResponse, before a byte of it is consumed, so the fast parse never accepts less than
// net/http would. The connections of the fast path parse into objects of their own instead
// (h1conn.readResponse).
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	res := &http.Response{Header: make(http.Header)}
	if parseBufferedResponse(br, req, res, new(fixedBody), nil) {
		return res, nil
	}
	return http.ReadResponse(br, req)
}

// maxFields bounds the header fields of a response parsed here; a response with more is left to
// http.ReadResponse.
const maxFields = 32

// parseBufferedResponse parses the usual response into res, with body as its Body. Its header
// goes into res.Header, which must be an empty or reusable map, or, when dst is not nil, straight
// into dst, the client's response header: only the end-to-end fields, replacing dst's values of the
// same names, as copyEndToEnd would copy them (res.Header is then dst). That spares building a
// map only to copy it. It allocates one string for the whole head and one slice for the header
// values, and reports false, consuming nothing and leaving dst as it was, for a response it leaves
// to http.ReadResponse.
func parseBufferedResponse(br *bufio.Reader, req *http.Request, res *http.Response, body *fixedBody, dst http.Header) bool {
	buf, _ := br.Peek(br.Buffered())
	var ends [maxFields + 1]int
	lines, end := headLines(buf, &ends)
	if lines == 0 {
		return false
	}
	h := res.Header
	*res = http.Response{Request: req, ProtoMajor: 1, ContentLength: -1, Header: h}
	head := string(buf[:end])
	if !parseStatusLine(lineAt(head, 0, ends[0]), res) {
		return false
	}
	n := lines - 1
	if dst == nil {
		clear(h)
	}
	var names [maxFields]string
	vals := make([]string, n)
	var fr framing
	for i := range n {
		name, value, ok := strings.Cut(lineAt(head, ends[i]+1, ends[i+1]), ":")
		if name, ok = canonicalToken(name, ok); !ok {
			return false
		}
		value = trimOWS(value)
		if !validFieldValue(value) {
			return false
		}
		vals[i] = value
		fr.note(name, value)
		if dst != nil {
			names[i] = name
		} else if prior, ok := h[name]; ok {
			h[name] = append(prior, value)
		} else {
			h[name] = vals[i : i+1 : i+1]
		}
	}
	if !fr.frame(res) {
		return false
	}
	if dst != nil {
		fr.copyEndToEnd(dst, names[:n], vals)
		res.Header = dst
	}
	_, _ = br.Discard(end + 2)
	*body = fixedBody{br: br, remain: res.ContentLength}
	res.Body = body
	return true
}

// headLines finds the lines of a response head in buf, ending with an empty line: the offset of
// each line's LF goes into ends, the status line's first. It returns how many lines there are
// before the empty line and where the empty line starts; no lines when buf holds no complete
// head, when the head has more than maxFields fields or does not end with CRLF CRLF (left to
// http.ReadResponse). Lines end with LF or CRLF.
func headLines(buf []byte, ends *[maxFields + 1]int) (lines, end int) {
	pos := 0
	for {
		i := bytes.IndexByte(buf[pos:], '\n')
		if i < 0 {
			return 0, 0
		}
		if i == 0 || i == 1 && buf[pos] == '\r' {
			if lines == 0 || i == 0 || buf[pos-2] != '\r' {
				return 0, 0
			}
			return lines, pos
		}
		if lines == len(ends) {
			return 0, 0
		}
		ends[lines] = pos + i
		lines++
		pos += i + 1
	}
}

// lineAt returns head[start:lf] without a CR before the LF at lf.
func lineAt(head string, start, lf int) string {
	if lf > start && head[lf-1] == '\r' {
		lf--
	}
	return head[start:lf]
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

// framing is what a response head says about its body and its connection, noted field by field.
type framing struct {
	length     string // the Content-Length
	lengths    int    // how many Content-Length fields
	chunked    bool   // a Transfer-Encoding was sent
	close      bool   // Connection: close
	keepAlive  bool   // Connection: keep-alive
	namesOther bool   // Connection names headers beyond hopHeaders
	conn       []string
}

func (f *framing) note(name, value string) {
	switch name {
	case "Content-Length":
		f.length = value
		f.lengths++
	case "Transfer-Encoding":
		f.chunked = true
	case "Connection":
		v := []string{value}
		f.close = f.close || hasToken(v, "close")
		f.keepAlive = f.keepAlive || hasToken(v, "keep-alive")
		if !namesOnlyHopHeaders(v) {
			f.namesOther = true
			f.conn = append(f.conn, value)
		}
	}
}

// frame takes a single valid Content-Length and no Transfer-Encoding, for a request that is not
// HEAD, and decides whether the connection stays open.
func (f *framing) frame(res *http.Response) bool {
	if f.chunked || f.lengths != 1 || res.Request.Method == http.MethodHead {
		return false
	}
	n, ok := parseContentLength(f.length)
	if !ok {
		return false
	}
	res.ContentLength = n
	if res.ProtoMinor == 0 {
		res.Close = !f.keepAlive
	} else {
		res.Close = f.close
	}
	return true
}

// copyEndToEnd sets the end-to-end fields among names and vals in dst: the first of a name replaces
// dst's values, the next ones are appended.
func (f *framing) copyEndToEnd(dst http.Header, names, vals []string) {
	for i, name := range names {
		if isHopHeader(name) || f.namesOther && connectionNames(f.conn, name) {
			continue
		}
		if slices.Contains(names[:i], name) {
			dst[name] = append(dst[name], vals[i])
		} else {
			dst[name] = vals[i : i+1 : i+1]
		}
	}
}

// connectionNames reports whether the Connection values conn name the header name.
func connectionNames(conn []string, name string) bool {
	for _, v := range conn {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if tok = strings.TrimSpace(tok); !commonConnectionToken(tok) && textproto.CanonicalMIMEHeaderKey(tok) == name {
				return true
			}
		}
	}
	return false
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
