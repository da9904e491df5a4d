package diff

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
)

// Response is one side's answer as received.
type Response struct {
	// Status is the status code; 0 compares equal only to 0.
	Status int
	// Header holds the response headers; nil means none.
	Header http.Header
	// Body is the body as received, still encoded as Content-Encoding says; nil means empty.
	Body []byte
}

// errTooLarge reports a body over the limit once decoded; the comparison is skipped, not failed.
var errTooLarge = errors.New("body too large")

// maxEncodings bounds how many stacked encodings ("gzip, br") are undone.
const maxEncodings = 4

// decodeBody undoes the Content-Encoding of r, reading at most limit decoded bytes, so that a small
// compressed bomb cannot expand past the limit.
func decodeBody(r Response, limit int64) ([]byte, error) {
	codings := contentCodings(r.Header)
	if len(codings) == 0 {
		return r.Body, nil
	}
	if len(codings) > maxEncodings {
		return nil, fmt.Errorf("more than %d content encodings", maxEncodings)
	}
	body := r.Body
	for i := len(codings) - 1; i >= 0; i-- {
		var err error
		if body, err = decodeOne(codings[i], body, limit); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// contentCodings lists the codings applied to the body, in the order they were applied, without
// "identity".
func contentCodings(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c != "" && c != "identity" {
				out = append(out, c)
			}
		}
	}
	return out
}

func decodeOne(coding string, body []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	var err error
	switch coding {
	case "gzip", "x-gzip":
		rd, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		rd, err = deflateReader(body)
	case "br":
		rd = brotli.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", coding)
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", coding, err)
	}
	out, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", coding, err)
	}
	if int64(len(out)) > limit {
		return nil, errTooLarge
	}
	return out, nil
}

// deflateReader reads HTTP "deflate", which is zlib-wrapped by the standard, but which some servers
// send as a raw deflate stream; the zlib header tells them apart.
func deflateReader(body []byte) (io.Reader, error) {
	br := bufio.NewReader(bytes.NewReader(body))
	hdr, _ := br.Peek(2)
	if len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}
