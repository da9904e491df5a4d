package gateway

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/diff"
)

// This file is the shadow side of mirroring: a bounded queue of mirrored requests (filled by
// finishMirror in mirror.go) and the workers that send them to modern, and a second time to legacy
// when a route measures noise, compare the answers and record the outcome.
//
// Shadow requests go through the backends' round robin and skip upstreams that passive health
// marks down, but they are never retried and they never change an upstream's health or its
// ficus_upstream_errors_total: the client-facing health of modern must not be driven by traffic no
// client waits for (a modern slowed down by the shadow load would otherwise be ejected from a
// canary on the same backend), and shadow failures are counted as skips instead.

// shadowQueue is the gateway's queue of mirrored requests and its workers. Its size and worker count
// are fixed when the gateway is built; a Reload keeps them.
type shadowQueue struct {
	jobs chan *shadowJob
	quit chan struct{}
	// ctx is the parent of every shadow request; it is cancelled shadow.timeout after Close begins,
	// so that Close never waits longer than that for the queue to drain.
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closing atomic.Bool
}

func newShadowQueue(s *config.Shadow) *shadowQueue {
	size := s.Queue
	if size <= 0 {
		size = config.DefaultShadowQueue
	}
	q := &shadowQueue{jobs: make(chan *shadowJob, size), quit: make(chan struct{})}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	return q
}

func (q *shadowQueue) length() int { return len(q.jobs) }

// full reports whether the queue has no room left now; offer tells for sure.
func (q *shadowQueue) full() bool { return len(q.jobs) == cap(q.jobs) }

// start runs n workers calling run for each job.
func (q *shadowQueue) start(n int, run func(*shadowJob, *shadowBuffers)) {
	if n <= 0 {
		n = config.DefaultShadowWorkers
	}
	q.wg.Add(n)
	for range n {
		go q.work(run)
	}
}

// work runs jobs until the queue is closed, then runs those still queued and returns.
func (q *shadowQueue) work(run func(*shadowJob, *shadowBuffers)) {
	defer q.wg.Done()
	bufs := newShadowBuffers(q.ctx)
	for {
		select {
		case j := <-q.jobs:
			run(j, bufs)
		case <-q.quit:
			for {
				select {
				case j := <-q.jobs:
					run(j, bufs)
				default:
					return
				}
			}
		}
	}
}

// offer queues j without waiting; it returns why it could not.
func (q *shadowQueue) offer(j *shadowJob) diff.SkipReason {
	if q.closing.Load() {
		return skipShutdown
	}
	select {
	case q.jobs <- j:
		return ""
	default:
		return skipQueueFull
	}
}

// stop lets the workers finish the queued jobs and waits for them. Jobs still running timeout after
// stop began are cancelled (and skipped as shutdown), and so are those started after that. A job
// offered while stop runs may stay in the queue unsent.
func (q *shadowQueue) stop(timeout time.Duration) {
	if !q.closing.CompareAndSwap(false, true) {
		return
	}
	close(q.quit)
	t := time.AfterFunc(timeout, q.cancel)
	q.wg.Wait()
	t.Stop()
	q.cancel()
}

// shadowBuffers are what a worker reuses from job to job: the answers' bodies and headers, and
// what it sends requests with.
type shadowBuffers struct {
	modern, legacy             []byte
	modernHeader, legacyHeader http.Header
	// ctx is the worker's requests' context, which ends when the queue's does and carries each
	// request's deadline (see connContext); base carries it into req.
	ctx  *connContext
	base *http.Request
	req  http.Request
	url  url.URL
	head mirrorHead
}

func newShadowBuffers(parent context.Context) *shadowBuffers {
	b := &shadowBuffers{modernHeader: make(http.Header), legacyHeader: make(http.Header)}
	b.ctx, _ = newConnContext(parent) // ends with parent
	b.base = new(http.Request).WithContext(b.ctx)
	return b
}

// plainUpstreams reports whether every upstream of both sides takes the fast path (plain HTTP).
func (st *state) plainUpstreams() bool {
	for _, be := range st.backends {
		for _, u := range be.upstreams {
			if u.h1 == nil {
				return false
			}
		}
	}
	return true
}

// runShadow sends j to modern (and to legacy again when the route measures noise), compares the
// answers with legacy's and counts and records the outcome.
func (g *Gateway) runShadow(j *shadowJob, bufs *shadowBuffers) {
	defer j.release()
	st := g.cur.Load()
	s := j.route
	ob := diff.Observation{Route: s.name, Endpoint: s.endpoint(j.method, j.url.Path)}
	if j.header != nil {
		j.header[st.shadow.header] = shadowHeaderValue
	}
	modern, reason := g.shadowSend(st, ficus.SideModern, j, bufs)
	if j.header != nil {
		delete(j.header, st.shadow.header)
	}
	var legacy diff.Response
	if reason == "" && s.noise {
		var lr diff.SkipReason
		if legacy, lr = g.shadowSend(st, ficus.SideLegacy, j, bufs); lr != "" && lr != diff.SkipBodyTooLarge {
			reason = skipLegacyError
		} else if lr != "" {
			ob.Noise = &diff.Result{Skipped: lr}
		}
	}
	switch {
	case reason != "":
		ob.Skipped = reason
		s.stats.countSkip(reason)
	default:
		ob.Primary = s.comparer.Compare(j.legacy, modern)
		if s.noise && ob.Noise == nil {
			noise := s.comparer.Compare(j.legacy, legacy)
			ob.Noise = &noise
		}
		s.stats.countResult(&ob.Primary)
	}
	if g.recorder != nil {
		g.recorder.Record(ob)
	}
}

var shadowHeaderValue = []string{"1"}

// shadowSend sends j to one of side's upstreams, without retry, and reads the answer into the
// worker's buffers for side. The returned reason says why there is no answer to compare.
func (g *Gateway) shadowSend(st *state, side ficus.Side, j *shadowJob, bufs *shadowBuffers) (diff.Response, diff.SkipReason) {
	be := st.backends[sideIndex(side)]
	buf, into := &bufs.modern, bufs.modernHeader
	if side == ficus.SideLegacy {
		buf, into = &bufs.legacy, bufs.legacyHeader
	}
	start := g.now()
	up := be.pick(nil)
	var ctx context.Context
	var res *http.Response
	var err error
	if up.h1 != nil && j.header == nil {
		ctx, res, err = sendMirrored(st, be, side, up, j, bufs)
		defer func() { bufs.ctx.deadline = time.Time{} }()
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(bufs.ctx, st.shadow.timeout)
		defer cancel()
		res, err = sendThroughTransport(ctx, be, up, j)
	}
	if err != nil {
		reason := g.shadowFailure(ctx, side, err)
		g.observeShadow(st, side, j, start, 0, reason)
		return diff.Response{}, reason
	}
	defer res.Body.Close()
	body, over, err := readLimited(res.Body, *buf, st.shadow.maxBody)
	*buf = body
	if err != nil {
		reason := g.shadowFailure(ctx, side, err)
		g.observeShadow(st, side, j, start, 0, reason)
		return diff.Response{}, reason
	}
	if side == ficus.SideModern {
		j.route.stats.latency[sideIndex(side)].Observe(g.now().Sub(start).Seconds())
		g.observeShadow(st, side, j, start, res.StatusCode, "")
	}
	if over {
		return diff.Response{}, diff.SkipBodyTooLarge
	}
	// The fast path reuses the header once the body is closed; the comparison comes later.
	clear(into)
	maps.Copy(into, res.Header)
	return diff.Response{Status: res.StatusCode, Header: into, Body: body}, ""
}

// sendMirrored sends j, a GET or HEAD without body, over up's fast path, with the worker's
// context and a deadline shadow.timeout away; it returns the request's context.
func sendMirrored(st *state, be *backend, side ficus.Side, up *upstream, j *shadowJob, bufs *shadowBuffers) (context.Context, *http.Response, error) {
	bufs.ctx.deadline = monoTime(monoNow() + st.shadow.timeout)
	req := &bufs.req
	*req = *bufs.base
	req.Method, req.Host, req.URL = j.method, j.host, &bufs.url
	bufs.url = j.url
	bufs.head = mirrorHead{j: j, host: be.host}
	if side == ficus.SideModern {
		bufs.head.shadowHeader = st.shadow.header
	}
	res, err := up.h1.mirror(req, &bufs.head, up)
	return bufs.ctx, res, err
}

// sendThroughTransport sends j with its header map through be's Transport, or up's fast path for
// a GET or HEAD without body.
func sendThroughTransport(ctx context.Context, be *backend, up *upstream, j *shadowJob) (*http.Response, error) {
	u := j.url
	req := (&http.Request{
		Method: j.method,
		URL:    &u,
		Header: j.header,
		Host:   j.host,
		Proto:  "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}).WithContext(ctx)
	if be.host != "" {
		req.Host = be.host
	}
	if j.req != nil {
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(j.req.body)), int64(len(j.req.body))
	}
	up.target(req.URL, &j.url)
	fast := req.Body == nil && (j.method == http.MethodGet || j.method == http.MethodHead)
	return be.roundTrip(up, req, fast)
}

// observeShadow counts a finished shadow request to modern in the route's rollout ring while the
// route is in stage shadow, where these are modern's only traffic: a failure (reason set) or a 5xx is
// an error, and its latency (up to the timeout) is sampled. In a mirroring canary modern's own
// clients are what counts, so mirrored requests are left out there; so are requests cut short by
// Close and the second calls to legacy that measure noise.
func (g *Gateway) observeShadow(st *state, side ficus.Side, j *shadowJob, start time.Time, status int, reason diff.SkipReason) {
	if side != ficus.SideModern || reason == skipShutdown {
		return
	}
	rt := st.table.Route(j.route.name)
	if rt == nil || rt.State.Stage != ficus.StageShadow {
		return
	}
	end := g.now()
	st.windows[rt.Index].sides[sideIndex(side)].add(end, end.Sub(start), reason != "" || status >= 500, true)
}

// shadowFailure names the skip reason of a failed shadow request; ctx is the request's.
func (g *Gateway) shadowFailure(ctx context.Context, side ficus.Side, err error) diff.SkipReason {
	switch {
	case g.shadow.ctx.Err() != nil:
		return skipShutdown
	case side == ficus.SideLegacy:
		return skipLegacyError
	case ctx.Err() != nil || isTimeout(err):
		return skipModernTimeout
	}
	return skipModernError
}

// readLimited reads r to the end into buf (reusing its storage) unless it holds more than limit
// bytes, in which case it stops and reports over.
func readLimited(r io.Reader, buf []byte, limit int) (body []byte, over bool, err error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 4<<10), limit+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case len(buf) > limit:
			return buf[:0], true, nil
		case err == io.EOF:
			return buf, false, nil
		case err != nil:
			return buf[:0], false, err
		}
	}
}
