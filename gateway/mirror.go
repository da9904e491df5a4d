package gateway

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/diff"
	"github.com/ficus-dev/ficus/internal/pathtmpl"
)

// This file is the client's side of mirroring: which requests are mirrored, and how their legacy
// exchange is copied aside while it streams to the client. shadow.go sends the copies to modern and
// compares the answers.

// Reasons for which a mirrored request is not compared, besides diff.SkipBodyTooLarge. They are
// metric labels and end up in diff reports.
const (
	skipQueueFull         diff.SkipReason = "queue_full"         // the shadow queue was full
	skipModernTimeout     diff.SkipReason = "modern_timeout"     // modern did not answer within shadow.timeout
	skipModernError       diff.SkipReason = "modern_error"       // modern could not be reached or broke off
	skipLegacyError       diff.SkipReason = "legacy_error"       // legacy failed the client's request, or the second (noise) request
	skipClientClosed      diff.SkipReason = "client_closed"      // the client went away before the legacy answer was complete
	skipRequestIncomplete diff.SkipReason = "request_incomplete" // legacy answered without reading the whole request body
	skipShutdown          diff.SkipReason = "shutdown"           // the gateway was closing
)

// skipReasons are the reasons whose metric children are resolved when a table is installed.
var skipReasons = [...]diff.SkipReason{
	skipQueueFull, diff.SkipBodyTooLarge, skipModernTimeout, skipModernError, skipLegacyError,
	skipClientClosed, skipRequestIncomplete, skipShutdown,
}

const numSkipReasons = len(skipReasons)

// shadowSettings are the shadow section's values that a reload applies at once (the queue and worker
// counts only apply when a gateway is built).
type shadowSettings struct {
	timeout time.Duration
	maxBody int
	header  string // canonical
}

func newShadowSettings(s *config.Shadow) shadowSettings {
	st := shadowSettings{
		timeout: orDuration(s.Timeout, config.DefaultShadowTimeout),
		maxBody: s.MaxBody,
		header:  http.CanonicalHeaderKey(s.Header),
	}
	if st.maxBody <= 0 {
		st.maxBody = config.DefaultShadowMaxBody
	}
	if st.header == "" {
		st.header = config.DefaultShadowHeader
	}
	return st
}

// routeShadow is one route's compiled mirroring: which of its requests are mirrored, how the answers
// are compared and where they are counted. It does not depend on the route's stage, so SetState
// keeps it; it is rebuilt when a config is installed. A queued job keeps the routeShadow of the
// state that served it, so it is compared by the rules in force when the client was served.
type routeShadow struct {
	name     string
	sample   float64
	writes   bool
	inCanary bool
	noise    bool
	// template is the route's exact path or path template, naming its endpoints; "" when the route
	// matches a prefix or any path and endpoints are inferred from request paths.
	template string
	comparer *diff.Comparer
	stats    *shadowStats
}

// compileShadows compiles the mirroring of every route of t, indexed by Route.Index.
func compileShadows(cfg *config.Config, t *Table, stats []routeStats, maxBody int) ([]*routeShadow, error) {
	shadows := make([]*routeShadow, len(stats))
	for _, rt := range t.Routes() {
		c, err := diff.Compile(diffOptions(cfg, rt.Config, maxBody))
		if err != nil {
			return nil, fmt.Errorf("route %q: diff: %w", rt.Name, err)
		}
		rc := rt.Config
		sample := config.DefaultMirrorSample
		if rc.Mirror.Sample != nil {
			sample = *rc.Mirror.Sample
		}
		shadows[rt.Index] = &routeShadow{
			name:     rt.Name,
			sample:   sample,
			writes:   rc.Mirror.Writes,
			inCanary: rc.Mirror.InCanary,
			noise:    rc.Mirror.Noise,
			template: rc.Match.Path,
			comparer: c,
			stats:    &stats[rt.Index].shadow,
		}
	}
	return shadows, nil
}

// diffOptions merges the global diff section with a route's own.
func diffOptions(cfg *config.Config, rc *config.Route, maxBody int) diff.Options {
	d := &cfg.Diff
	text, _ := diff.ParseTextMode(d.Text) // validated with the config; a bad one compares bytes
	return diff.Options{
		Headers:          d.Headers,
		IgnoreHeaders:    concat(d.IgnoreHeaders, rc.Diff.IgnoreHeaders),
		IgnorePaths:      concat(d.Ignore, rc.Diff.Ignore),
		UnorderedPaths:   concat(d.Unordered, rc.Diff.Unordered),
		Text:             text,
		MaxBodyBytes:     int64(maxBody),
		RedactPaths:      concat(d.Redact.Paths, rc.Diff.Redact),
		DisableRedaction: d.Redact.Disabled,
	}
}

func concat(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	return append(slices.Clip(a), b...)
}

// wants reports whether r, decided as d, is mirrored: its route is in stage shadow (or canary with
// mirror.in_canary and r served by legacy), it was not forced by an override, it is no upgrade, its
// method is safe (or mirror.writes is on) and it is sampled in.
func (s *routeShadow) wants(d *Decision, r *http.Request) bool {
	switch d.Route.State.Stage {
	case ficus.StageShadow:
	case ficus.StageCanary:
		if !s.inCanary || d.Side != ficus.SideLegacy {
			return false
		}
	default:
		return false
	}
	if d.By == ByOverride || len(r.Header["Upgrade"]) > 0 {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	case http.MethodConnect:
		return false
	default:
		if !s.writes {
			return false
		}
	}
	return s.sample >= 1 || (s.sample > 0 && rand.Float64() < s.sample)
}

// endpoint names the endpoint a request belongs to: the method and the route's path template, or
// the template inferred from the path.
func (s *routeShadow) endpoint(method, path string) string {
	if s.template != "" {
		return method + " " + s.template
	}
	return method + " " + pathtmpl.Infer(cleanPath(path))
}

// maxPooledBody bounds the body buffers that go back to the pool, so that a burst of large bodies
// does not stay in memory.
const maxPooledBody = 64 << 10

// shadowJob is one mirrored request, from the client's exchange with legacy to the comparison. It is
// pooled: its buffers and the legacy header's map are reused.
type shadowJob struct {
	route  *routeShadow
	method string
	url    url.URL // path and query only
	host   string
	// fields are the header fields legacy received, after Host, as the upstream fast path writes
	// them (see mirrorHead); header is the same as a map, built only for a request that may go
	// through a Transport.
	fields []byte
	header http.Header
	resp   responseCapture
	req    *requestCapture // nil when the request has no body
	legacy diff.Response
}

var jobPool = sync.Pool{New: func() any { return new(shadowJob) }}

// maxPooledFields bounds the header fields and header maps that go back to the pool.
const maxPooledFields = 64

func (j *shadowJob) release() {
	body, fields, legacyHeader := j.resp.body[:0], j.fields[:0], j.legacy.Header
	if cap(body) > maxPooledBody {
		body = nil
	}
	if cap(fields) > maxPooledBody {
		fields = nil
	}
	if len(legacyHeader) > maxPooledFields {
		legacyHeader = nil
	}
	*j = shadowJob{fields: fields}
	j.resp.body, j.legacy.Header = body, legacyHeader
	jobPool.Put(j)
}

// mirrorHead writes the head of a mirrored request for the upstream fast path: the request line
// pointed at the upstream, Host, the fields legacy received and, for modern, the shadow header.
type mirrorHead struct {
	j *shadowJob
	// host replaces the client's Host when not empty (the backend's host).
	host string
	// shadowHeader is the canonical name of the header that marks a request to modern as a
	// shadow; "" for the second request to legacy.
	shadowHeader string
}

func (m *mirrorHead) appendHead(b []byte, up *upstream) []byte {
	j := m.j
	var u url.URL
	up.target(&u, &j.url)
	b = appendRequestLine(b, j.method, &u)
	b = append(b, "Host: "...)
	switch {
	case m.host != "":
		b = append(b, m.host...)
	case j.host != "":
		b = append(b, j.host...)
	default:
		b = append(b, up.host...)
	}
	b = append(b, "\r\n"...)
	b = append(b, j.fields...)
	if m.shadowHeader != "" {
		b = append(b, m.shadowHeader...)
		b = append(b, ": 1\r\n"...)
	}
	return append(b, "\r\n"...)
}

// responseCapture passes the legacy response to the client and keeps its status and the first
// limit bytes of its body.
type responseCapture struct {
	http.ResponseWriter
	status int
	body   []byte
	limit  int
	over   bool
}

func (c *responseCapture) WriteHeader(code int) {
	if code >= 200 && c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *responseCapture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(p)
	if !c.over {
		if len(c.body)+n > c.limit {
			c.over, c.body = true, c.body[:0]
		} else {
			c.body = append(c.body, p[:n]...)
		}
	}
	return n, err
}

// Unwrap lets http.ResponseController and asFlusher reach the server's writer.
func (c *responseCapture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// requestCapture passes the request body to legacy and keeps its first limit bytes. It is not
// pooled: the Transport may still hold it after the exchange.
type requestCapture struct {
	io.ReadCloser
	body  []byte
	limit int
	read  int64
	over  bool
	eof   bool
}

// complete reports whether the whole body went through, given the request's Content-Length (-1
// when unknown).
func (c *requestCapture) complete(length int64) bool {
	return c.eof || (length > 0 && c.read == length)
}

func (c *requestCapture) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.read += int64(n)
	if !c.over {
		if len(c.body)+n > c.limit {
			c.over, c.body = true, nil
		} else {
			c.body = append(c.body, p[:n]...)
		}
	}
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// startMirror prepares the capture of r's exchange with legacy and returns the job and the writer
// the exchange must use. r's body, if any, is replaced by a capturing reader.
func startMirror(w http.ResponseWriter, r *http.Request, s *routeShadow, set *shadowSettings) (*shadowJob, http.ResponseWriter) {
	j := jobPool.Get().(*shadowJob)
	j.route = s
	j.resp.ResponseWriter, j.resp.limit = w, set.maxBody
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		j.req = &requestCapture{ReadCloser: r.Body, limit: set.maxBody}
		r.Body = j.req
	}
	return j, &j.resp
}

// finishMirror runs once the client has its legacy answer: it queues the job, or counts why the
// request cannot be compared. It never blocks.
func (g *Gateway) finishMirror(j *shadowJob, r *http.Request, st *state, ex *exchange, elapsed time.Duration) {
	s := j.route
	if reason := legacyOutcome(j, r, ex); reason != "" {
		j.release()
		g.skip(s, r.Method, r.URL.Path, reason)
		return
	}
	s.stats.latency[sideIndex(ficus.SideLegacy)].Observe(elapsed.Seconds())
	j.method, j.host = r.Method, r.Host
	j.url = url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	// The header as legacy received it: hop-by-hop and override headers gone, forwarding ones
	// added, and no shadow header of the client's.
	f := newForwarding(r, nil)
	if f.direct {
		j.fields = appendForwardedFields(j.fields[:0], &f, st.shadow.header)
	}
	if !f.direct || !st.plainUpstreams() {
		j.header = upstreamHeader(r)
		delete(j.header, st.shadow.header)
	}
	// The legacy answer's header is copied: the writer's map is the connection's, reused for the
	// next request. The value slices are shared, since nothing writes into them.
	h := j.legacy.Header
	if h == nil {
		h = make(http.Header)
	} else {
		clear(h)
	}
	for k, vv := range j.resp.ResponseWriter.Header() {
		if k != st.backendHeader {
			h[k] = vv
		}
	}
	j.legacy = diff.Response{Status: j.resp.status, Header: h, Body: j.resp.body}
	j.resp.ResponseWriter = nil
	if reason := g.shadow.offer(j); reason != "" {
		j.release()
		g.skip(s, r.Method, r.URL.Path, reason)
	}
}

// legacyOutcome says why the legacy exchange cannot be compared; "" when it can.
func legacyOutcome(j *shadowJob, r *http.Request, ex *exchange) diff.SkipReason {
	switch {
	case ex.noResponse, ex.abort:
		return skipLegacyError
	case ex.clientClosed, !ex.complete:
		return skipClientClosed
	case j.resp.over, j.req != nil && j.req.over:
		return diff.SkipBodyTooLarge
	case j.req != nil && !j.req.complete(r.ContentLength):
		return skipRequestIncomplete
	}
	return ""
}

// skip counts and records a mirrored request that is not compared.
func (g *Gateway) skip(s *routeShadow, method, path string, reason diff.SkipReason) {
	s.stats.countSkip(reason)
	if g.recorder != nil {
		g.recorder.Record(diff.Observation{Route: s.name, Endpoint: s.endpoint(method, path), Skipped: reason})
	}
}
