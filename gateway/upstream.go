package gateway

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/http/httpguts"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// backend is one side: its upstreams, balanced round robin, and the keep-alive pool they share. It is
// immutable once built except for the counters and health marks inside, which are atomics, so the
// hot path reads it without a lock. A Reload that leaves a side's config unchanged keeps its backend,
// with its warm connections and health marks.
type backend struct {
	side      ficus.Side
	cfg       config.Backend
	transport *http.Transport
	upstreams []*upstream
	// host replaces the client's Host header when not empty.
	host string
	// headerValue is the backend header's value, shared by every response: the server only reads it.
	headerValue []string
	next        atomic.Uint64
	maxFails    int32
	cooldown    time.Duration
	now         func() time.Time
	log         *slog.Logger
	// done stops the expiry of idle fast-path connections when the backend is closed.
	done      chan struct{}
	closeOnce sync.Once
}

// upstream is one URL of a backend with its passive health.
type upstream struct {
	// name is the URL as configured; it labels metrics and the access log.
	name   string
	scheme string
	host   string
	// prefix and rawPrefix are the URL's path without its trailing slash, decoded and escaped.
	prefix    string
	rawPrefix string
	// fails counts consecutive failed connects; downUntil is when a down upstream may be tried again
	// (Unix nanoseconds), 0 while it is up.
	fails     atomic.Int32
	downUntil atomic.Int64
	up        prometheus.Gauge
	errs      [numErrorKinds]prometheus.Counter
	// h1 is the fast path for plain-HTTP upstreams; nil for https.
	h1 *h1pool
}

func newBackend(side ficus.Side, cfg *config.Backend, m *metrics, now func() time.Time, log *slog.Logger) (*backend, error) {
	if len(cfg.URLs) == 0 {
		return nil, fmt.Errorf("backend %s: no upstream URL", side)
	}
	if cfg.Host != "" && !httpguts.ValidHostHeader(cfg.Host) {
		// The fast path writes the Host header as is; a newline in it would inject headers.
		return nil, fmt.Errorf("backend %s: host %q is not a valid Host header", side, cfg.Host)
	}
	tr, err := newTransport(cfg)
	if err != nil {
		return nil, fmt.Errorf("backend %s: %w", side, err)
	}
	b := &backend{
		side:        side,
		cfg:         *cfg,
		transport:   tr,
		host:        cfg.Host,
		headerValue: []string{string(side)},
		maxFails:    int32(cfg.Health.MaxFails),
		cooldown:    orDuration(cfg.Health.Cooldown, defaultCooldown),
		now:         now,
		log:         log,
		done:        make(chan struct{}),
	}
	if b.maxFails <= 0 {
		b.maxFails = defaultMaxFails
	}
	for _, raw := range cfg.URLs {
		u, err := parseUpstream(raw)
		if err != nil {
			return nil, fmt.Errorf("backend %s: %w", side, err)
		}
		u.up = m.upstreamUp.WithLabelValues(string(side), u.name)
		u.up.Set(1)
		for k := range u.errs {
			u.errs[k] = m.upstreamErrors.WithLabelValues(string(side), u.name, errorKind(k).String())
		}
		if u.scheme == "http" {
			u.h1 = newH1Pool(u.host, cfg)
		}
		b.upstreams = append(b.upstreams, u)
	}
	go b.expireIdle(orDuration(cfg.Timeouts.Idle, defaultIdleTimeout))
	return b, nil
}

// expireIdle closes fast-path connections idle for longer than the idle timeout, checking twice per
// timeout, until the backend is closed.
func (b *backend) expireIdle(idle time.Duration) {
	t := time.NewTicker(max(idle/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-t.C:
			for _, u := range b.upstreams {
				if u.h1 != nil {
					u.h1.expire()
				}
			}
		}
	}
}

// roundTrip sends req to u: GET and HEAD requests without a body or upgrade (fast) take the
// upstream's fast path when it has one, the rest the backend's Transport.
func (b *backend) roundTrip(u *upstream, req *http.Request, fast bool) (*http.Response, error) {
	if fast && u.h1 != nil {
		return u.h1.roundTrip(req)
	}
	return b.transport.RoundTrip(req)
}

func parseUpstream(raw string) (*upstream, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q: want http://host[:port][/prefix] or https://...", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("upstream %q: no user, query or fragment allowed", raw)
	}
	return &upstream{
		name:      raw,
		scheme:    u.Scheme,
		host:      u.Host,
		prefix:    strings.TrimSuffix(u.Path, "/"),
		rawPrefix: strings.TrimSuffix(u.EscapedPath(), "/"),
	}, nil
}

// pick returns the next upstream in round-robin order that is not down, skipping skip (the upstream
// a retry comes from). When every candidate is down it still returns one: a request that may
// succeed beats a certain error.
func (b *backend) pick(skip *upstream) *upstream {
	n := uint64(len(b.upstreams))
	if n == 1 {
		return b.upstreams[0]
	}
	start := b.next.Add(1)
	var now int64 // read the clock only when some upstream is down
	var fallback *upstream
	for i := range n {
		u := b.upstreams[(start+i)%n]
		if u == skip {
			continue
		}
		if fallback == nil {
			fallback = u
		}
		until := u.downUntil.Load()
		if until == 0 {
			return u
		}
		if now == 0 {
			now = b.now().UnixNano()
		}
		if now >= until {
			return u
		}
	}
	return fallback
}

// connectFailed counts a failed connect and marks the upstream down after MaxFails in a row.
func (b *backend) connectFailed(u *upstream, err error) {
	if u.fails.Add(1) < b.maxFails {
		return
	}
	until := b.now().Add(b.cooldown).UnixNano()
	if u.downUntil.Swap(until) == 0 {
		u.up.Set(0)
		b.log.Warn("upstream down", "side", b.side, "upstream", u.name, "cooldown", b.cooldown, "error", err)
	}
}

// succeeded clears the upstream's failures. It only reads on the common path, so that healthy
// upstreams do not bounce a shared cache line between cores.
func (b *backend) succeeded(u *upstream) {
	if u.fails.Load() != 0 {
		u.fails.Store(0)
	}
	if u.downUntil.Load() != 0 && u.downUntil.Swap(0) != 0 {
		u.up.Set(1)
		b.log.Info("upstream up", "side", b.side, "upstream", u.name)
	}
}

// target points dst at the upstream for a request whose URL is src, prepending the path prefix.
func (u *upstream) target(dst, src *url.URL) {
	dst.Scheme = u.scheme
	dst.Host = u.host
	dst.RawQuery = src.RawQuery
	dst.ForceQuery = src.ForceQuery
	if u.prefix == "" {
		dst.Path, dst.RawPath = src.Path, src.RawPath
		return
	}
	dst.Path = u.prefix + src.Path
	dst.RawPath = ""
	if src.RawPath != "" || u.rawPrefix != u.prefix {
		dst.RawPath = u.rawPrefix + src.EscapedPath()
	}
}

// close closes the idle connections and stops background work. Requests in flight finish; the
// connections they release afterwards are closed rather than pooled.
func (b *backend) close() {
	b.closeOnce.Do(func() { close(b.done) })
	b.transport.CloseIdleConnections()
	for _, u := range b.upstreams {
		if u.h1 != nil {
			u.h1.closeIdle(true)
		}
	}
}
