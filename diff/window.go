package diff

import (
	"slices"
	"time"

	"github.com/ficus-dev/ficus"
)

// WindowSpan is how far back Collector.Window can look: comparisons are also counted per second in a
// ring of this many seconds per route.
const WindowSpan = 10 * time.Minute

const windowSeconds = int64(WindowSpan / time.Second)

// windowRing counts a route's comparisons per second over the last WindowSpan, for Window. Its
// buckets keep the signature of every differing comparison rather than a defect count, because a
// field's verdict is only known in aggregate at query time (see endpointStats).
type windowRing struct {
	buckets [windowSeconds]diffBucket
}

// diffBucket is one second's comparisons.
type diffBucket struct {
	sec      int64 // the Unix second counted; a bucket holding another second is stale
	compared int
	// defective counts comparisons known to be defective whatever the verdicts: a signature beyond
	// MaxSignatures, or one with an untracked field.
	defective int
	sigs      map[*signature]int
}

// add counts one comparison finished at now; sig is its signature, nil when its fields were all
// equal, and unknown is set when it is defective whatever the verdicts.
func (w *windowRing) add(now time.Time, sig *signature, unknown bool) {
	sec := now.Unix()
	b := &w.buckets[mod(sec, windowSeconds)]
	if b.sec != sec {
		b.sec, b.compared, b.defective = sec, 0, 0
		clear(b.sigs)
	}
	b.compared++
	switch {
	case unknown:
		b.defective++
	case sig != nil:
		if b.sigs == nil {
			b.sigs = map[*signature]int{}
		}
		b.sigs[sig]++
	}
}

func mod(a, n int64) int64 { return (a%n + n) % n }

// Window counts route's comparisons that finished in [from, to), cut at whole seconds: a comparison
// counts when the second it finished in starts in [from, to) with both truncated to the second, so
// that consecutive windows count every comparison once. A to in the future is clamped to now; a
// from older than WindowSpan is an EInvalid *ficus.Error.
//
// Defective is judged with the verdicts as they are now, not as they were when each comparison was
// recorded: a comparison counts as defective when one of the fields that differed in it is judged a
// defect by the route's whole aggregate (as Report does), or its fields are unknown. Since the
// aggregate grows over time, an old window may be judged differently later; a rollout always asks
// for the window that just ended, which is the same judgement Report gives at that time. A Reset
// forgets the windows too.
func (c *Collector) Window(route string, from, to time.Time) (Rate, error) {
	now := c.o.Now()
	if to.After(now) {
		to = now
	}
	first, end := from.Unix(), to.Unix()
	if first <= now.Unix()-windowSeconds {
		return Rate{}, ficus.Errorf(ficus.EInvalid, "diff window from %s is older than the %s kept", from.Format(time.RFC3339), WindowSpan)
	}
	c.mu.RLock()
	rs := c.routes[route]
	c.mu.RUnlock()
	if rs == nil || first >= end {
		return Rate{}, nil
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var r Rate
	var defects map[*fieldStats]bool
	for sec := first; sec < end; sec++ {
		b := &rs.window.buckets[mod(sec, windowSeconds)]
		if b.sec != sec {
			continue
		}
		r.Compared += b.compared
		r.Defective += b.defective
		if len(b.sigs) > 0 && defects == nil {
			defects = c.defectFields(rs)
		}
		for sig, n := range b.sigs {
			if sig.untracked || slices.ContainsFunc(sig.fields, func(fs *fieldStats) bool { return defects[fs] }) {
				r.Defective += n
			}
		}
	}
	return r, nil
}

// defectFields returns the fields of all the route's endpoints that are judged defects now.
// Callers hold rs.mu.
func (c *Collector) defectFields(rs *routeStats) map[*fieldStats]bool {
	out := map[*fieldStats]bool{}
	for _, ep := range rs.endpoints {
		for _, fs := range ep.fields {
			if c.verdict(ep, fs) == Defect {
				out[fs] = true
			}
		}
	}
	return out
}

// verdict judges one field of ep, as endpointReport does.
func (c *Collector) verdict(ep *endpointStats, fs *fieldStats) Verdict {
	if ep.compared == 0 {
		return Noise
	}
	return classifyRates(rate(fs.count, ep.compared), rate(fs.noise, ep.noiseRuns), c.o.RelThreshold, c.o.AbsThreshold)
}
