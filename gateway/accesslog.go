package gateway

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// accessLog writes one JSON object per request and line:
//
//	{"time":"2026-01-02T15:04:05.123456Z","method":"GET","host":"shop.example","path":"/api/users/42",
//	 "route":"users","side":"legacy","by":"stage","status":200,"bytes":1234,"duration_ms":1.92,
//	 "upstream":"http://10.0.0.5:8080","client_ip":"192.0.2.7"}
//
// Lines are rendered by hand into a reused buffer: encoding/json would reflect and allocate on
// every request. route, side and by are empty when no route matched; status 499 means the client
// went away before the response started.
type accessLog struct {
	mu  sync.Mutex // one line at a time; the writer need not be safe for concurrent use
	w   io.Writer
	buf []byte
}

func (a *accessLog) write(r *http.Request, start time.Time, elapsed time.Duration, d *Decision, ex *exchange) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.buf[:0]
	b = append(b, `{"time":"`...)
	b = start.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "method", r.Method)
	b = appendField(b, "host", r.Host)
	b = appendField(b, "path", r.URL.Path)
	var route, side, by, upstream string
	if d.Route != nil {
		route, side, by = d.Route.Name, string(d.Side), d.By.String()
	}
	if ex.upstream != nil {
		upstream = ex.upstream.name
	}
	b = appendField(b, "route", route)
	b = appendField(b, "side", side)
	b = appendField(b, "by", by)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(ex.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, ex.bytes, 10)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendFloat(b, float64(elapsed.Microseconds())/1000, 'f', -1, 64)
	b = appendField(b, "upstream", upstream)
	b = appendField(b, "client_ip", clientIP(r.RemoteAddr))
	b = append(b, "}\n"...)
	a.buf = b
	_, _ = a.w.Write(b) // an access log that cannot be written must not fail the request
}

// appendField appends ,"key":"value" with value escaped as a JSON string.
func appendField(b []byte, key, value string) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return appendJSONString(b, value)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted for JSON; invalid UTF-8 becomes U+FFFD so that every line
// stays valid JSON whatever a client puts in its request line.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
