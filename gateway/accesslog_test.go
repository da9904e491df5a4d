package gateway

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// syncBuffer is an io.Writer safe to read while the gateway writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSuffix(s.b.String(), "\n"), "\n")
}

func TestAccessLogHasOneJSONLinePerRequest(t *testing.T) {
	up := newSideServer(t, "hello")
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	cfg.Routes = []config.Route{{Name: "api", Match: config.Match{PathPrefix: "/api"}}}
	var buf syncBuffer
	clock := &fakeClock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	_, ts := startGateway(t, cfg, Options{AccessLog: &buf, Now: clock.Now})
	get(t, ts.Client(), ts.URL+"/api/users/42?x=1")
	get(t, ts.Client(), ts.URL+"/nowhere/\"quoted\"")

	lines := buf.Lines()
	if len(lines) != 2 {
		t.Fatalf("%d access log lines, want 2:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	type entry struct {
		Time       string  `json:"time"`
		Method     string  `json:"method"`
		Host       string  `json:"host"`
		Path       string  `json:"path"`
		Route      string  `json:"route"`
		Side       string  `json:"side"`
		By         string  `json:"by"`
		Status     int     `json:"status"`
		Bytes      int64   `json:"bytes"`
		DurationMS float64 `json:"duration_ms"`
		Upstream   string  `json:"upstream"`
		ClientIP   string  `json:"client_ip"`
	}
	host := strings.TrimPrefix(ts.URL, "http://")
	want := []entry{
		{Time: "2026-03-04T05:06:07Z", Method: "GET", Host: host, Path: "/api/users/42", Route: "api", Side: "legacy", By: "stage", Status: 200, Bytes: 5, Upstream: up.URL, ClientIP: "127.0.0.1"},
		{Time: "2026-03-04T05:06:07Z", Method: "GET", Host: host, Path: `/nowhere/"quoted"`, Status: 404, ClientIP: "127.0.0.1"},
	}
	for i, line := range lines {
		var got entry
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("line %d is not the expected JSON: %v\n%s", i+1, err, line)
		}
		if got != want[i] {
			t.Errorf("line %d = %+v\nwant %+v", i+1, got, want[i])
		}
	}
}

func TestAppendJSONStringEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       `"plain"`,
		`q"b\`:        `"q\"b\\"`,
		"ctl\x01\n":   `"ctl\u0001\u000a"`,
		"bad\xffutf8": `"bad\ufffdutf8"`,
		"héllo, 世界":   `"héllo, 世界"`,
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%s is not valid JSON: %v", got, err)
		}
	}
}
