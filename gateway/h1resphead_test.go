package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestReadResponseAgreesWithNetHTTP reads each response, followed by a second one on the same
// connection, with readResponse and with http.ReadResponse: both must see the same.
func TestReadResponseAgreesWithNetHTTP(t *testing.T) {
	tests := []struct {
		name, method, response string
	}{
		{"a 200 with a Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"},
		{"repeated headers", "GET", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n"},
		{"a status without reason", "GET", "HTTP/1.1 201\r\nContent-Length: 1\r\n\r\nx"},
		{"a 404 with Connection: close", "GET", "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nno!"},
		{"HTTP/1.0 with keep-alive", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
		{"HTTP/1.0 without keep-alive", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{"a chunked body", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n"},
		{"a HEAD response", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"},
		{"a 204", "GET", "HTTP/1.1 204 No Content\r\n\r\n"},
		{"a 304 with a length", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"},
		{"a 100 before the response", "GET", "HTTP/1.1 100 Continue\r\n\r\n"},
		{"no length at all", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"},
		{"two equal lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"},
		{"whitespace around a value", "GET", "HTTP/1.1 200 OK\r\nX-A:  v \t\r\nContent-Length: 0\r\n\r\n"},
		{"a bare LF line ending", "GET", "HTTP/1.1 200 OK\r\nX-A: v\nContent-Length: 0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"
			if strings.Contains(tt.response, "close") || strings.HasPrefix(tt.response, "HTTP/1.0 200 OK\r\nContent-Length") {
				next = ""
			}
			br := bufio.NewReader(strings.NewReader(tt.response + next))
			_, _ = br.Peek(1) // as exchange does: the head is in the buffer
			fast := parseBufferedResponse(br, &http.Request{Method: tt.method}, &http.Response{Header: http.Header{}}, new(fixedBody), nil)
			if wantFast := strings.Contains(tt.response, "Content-Length: ") && !strings.Contains(tt.response, "Length: 2\r\nContent-Length") &&
				tt.method == "GET" && !strings.Contains(tt.response, " 304 "); fast != wantFast {
				t.Errorf("parsed here: %v, want %v", fast, wantFast)
			}
			got := readTwice(t, readResponse, tt.method, tt.response+next)
			want := readTwice(t, http.ReadResponse, tt.method, tt.response+next)
			if got != want {
				t.Errorf("readResponse saw\n%s\nhttp.ReadResponse saw\n%s", got, want)
			}
		})
	}
}

func readTwice(t *testing.T, read func(*bufio.Reader, *http.Request) (*http.Response, error), method, wire string) string {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(wire))
	req := &http.Request{Method: method}
	var b strings.Builder
	for range 2 {
		res, err := read(br, req)
		if err != nil {
			fmt.Fprintf(&b, "error %v\n", err != nil)
			break
		}
		body, err := io.ReadAll(res.Body)
		fmt.Fprintf(&b, "%s %d %q %v length %d close %v body %q %v trailer %v\n", res.Proto, res.StatusCode, res.Status,
			res.Header, res.ContentLength, res.Close, body, err, res.Trailer)
		if res.Close || br.Buffered() == 0 {
			break
		}
	}
	return b.String()
}

// TestParsingIntoTheClientHeaderAgreesWithCopying parses responses straight into a client's header
// that already holds the backend header: the result must be what copying the end-to-end headers of
// the response parsed into a map gives, and a response left to net/http must leave the client's
// header alone.
func TestParsingIntoTheClientHeaderAgreesWithCopying(t *testing.T) {
	tests := []struct{ name, response string }{
		{"usual headers", "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"},
		{"repeated headers", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-A: 1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n"},
		{"hop-by-hop headers and those Connection names", "HTTP/1.1 200 OK\r\nConnection: x-hop, close\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-End: 2\r\nContent-Length: 0\r\n\r\n"},
		{"the upstream's own backend header", "HTTP/1.1 200 OK\r\nX-Ficus-Backend: upstream\r\nX-Ficus-Backend: again\r\nContent-Length: 0\r\n\r\n"},
		{"chunked, left to net/http", "HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{"an invalid value, left to net/http", "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: a\x01b\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &http.Request{Method: http.MethodGet}
			br := bufio.NewReader(strings.NewReader(tt.response))
			_, _ = br.Peek(1)
			got := http.Header{"X-Ficus-Backend": {"legacy"}}
			res := &http.Response{Header: http.Header{}}
			parsed := parseBufferedResponse(br, req, res, new(fixedBody), got)
			want := http.Header{"X-Ficus-Backend": {"legacy"}}
			if parsed {
				mbr := bufio.NewReader(strings.NewReader(tt.response))
				_, _ = mbr.Peek(1)
				mapped, err := readResponse(mbr, req)
				if err != nil {
					t.Fatal(err)
				}
				copyEndToEnd(want, mapped.Header)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("client header = %v, want %v", got, want)
			}
		})
	}
}
