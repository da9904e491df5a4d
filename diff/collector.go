package diff

import (
	"cmp"
	"hash/maphash"
	"slices"
	"sort"
	"sync"
	"time"
)

// Observation is the outcome of one mirrored request, as the gateway's shadow workers report it.
type Observation struct {
	// Route is the route's name as in the config file.
	Route string
	// Endpoint is the method and path template, e.g. "GET /api/users/{id}".
	Endpoint string
	// Primary compares legacy (left) with modern (right). It is ignored when Skipped is set; a
	// Primary that was itself skipped (a body over the limit) is counted under its own reason.
	Primary Result
	// Noise compares two legacy answers to the same request; nil when no second legacy call was made.
	// A skipped Noise is not counted.
	Noise *Result
	// Skipped is why the request was not compared (queue_full, modern_timeout, modern_error,
	// legacy_error, ...); empty when it was.
	Skipped SkipReason
}

// Recorder receives observations. Record is called by shadow workers for every mirrored request and
// must return quickly.
type Recorder interface {
	Record(Observation)
}

// Defaults of CollectorOptions.
const (
	DefaultSamples       = 5
	DefaultMaxEndpoints  = 200
	DefaultMaxSignatures = 256

	DefaultSampleInterval = time.Second
)

// OverflowEndpoint collects the observations of a route's endpoints beyond MaxEndpoints, so that route
// totals and the diff rate stay complete when the per-endpoint detail cannot.
const OverflowEndpoint = "(other endpoints)"

// CollectorOptions configure a Collector. The zero value keeps 5 samples per field, 1000 fields per
// endpoint, 200 endpoints per route, uses the default noise thresholds and redacts with the built-in
// detectors.
type CollectorOptions struct {
	// Samples is how many sample pairs are kept per field; the newest replace the oldest. Zero means
	// DefaultSamples; negative keeps none.
	Samples int
	// SampleInterval is how long a field whose samples are all taken waits before its oldest sample
	// is replaced by a new one, so that samples stay recent while a busy field costs one redaction
	// per interval rather than one per request. Zero means DefaultSampleInterval (1s); negative
	// replaces a sample on every difference.
	SampleInterval time.Duration
	// MaxFields bounds the fields tracked per endpoint; differences in further fields are counted in
	// EndpointReport.DroppedFields. Zero means DefaultMaxFields.
	MaxFields int
	// MaxEndpoints bounds the endpoints tracked per route; further ones are counted together under
	// OverflowEndpoint. Zero means DefaultMaxEndpoints.
	MaxEndpoints int
	// MaxSignatures bounds the distinct sets of differing fields remembered per endpoint (see
	// Report.DefectRate); comparisons whose set does not fit are counted as defective. Zero means
	// DefaultMaxSignatures.
	MaxSignatures int
	// RelThreshold and AbsThreshold are Classify's thresholds. Zero means DefaultRelThreshold and
	// DefaultAbsThreshold.
	RelThreshold, AbsThreshold float64
	// Redactor returns the redactor applied to a route's samples before they are kept (and to
	// imported ones). Nil means the built-in detectors (NewRedactor(nil)) for every route; a function
	// that returns nil turns redaction off for that route (config redact.disabled), as
	// Comparer.Redactor does.
	Redactor func(route string) *Redactor
	// Now stamps samples and reports. Nil means time.Now.
	Now func() time.Time
}

// Collector aggregates observations per route and endpoint into what a Report shows: counts, fields
// with their verdicts, and redacted samples. It implements Recorder and is safe for concurrent use:
// routes are found under a read lock and each route has its own mutex, so workers of different
// routes never wait for one another. Memory is bounded by the options, whatever the traffic.
type Collector struct {
	o       CollectorOptions
	builtin *Redactor
	seed    maphash.Seed
	mu      sync.RWMutex
	routes  map[string]*routeStats
}

var _ Recorder = (*Collector)(nil)

// NewCollector returns an empty Collector.
func NewCollector(o CollectorOptions) *Collector {
	o.Samples = orDefault(o.Samples, DefaultSamples)
	o.SampleInterval = cmp.Or(o.SampleInterval, DefaultSampleInterval)
	o.MaxFields = orDefault(o.MaxFields, DefaultMaxFields)
	o.MaxEndpoints = orDefault(o.MaxEndpoints, DefaultMaxEndpoints)
	o.MaxSignatures = orDefault(o.MaxSignatures, DefaultMaxSignatures)
	o.RelThreshold = cmp.Or(o.RelThreshold, DefaultRelThreshold)
	o.AbsThreshold = cmp.Or(o.AbsThreshold, DefaultAbsThreshold)
	if o.Now == nil {
		o.Now = time.Now
	}
	builtin, _ := NewRedactor(nil) // no patterns, cannot fail
	return &Collector{o: o, builtin: builtin, seed: maphash.MakeSeed(), routes: map[string]*routeStats{}}
}

// routeStats is one route's aggregate; mu guards everything in it.
type routeStats struct {
	mu        sync.Mutex
	gen       uint64 // bumped by every change, so that a flusher knows what to save
	since     time.Time
	updated   time.Time
	endpoints map[string]*endpointStats
	// window counts the last seconds' comparisons for Window.
	window windowRing
}

// endpointStats counts one endpoint's comparisons.
//
// Whether a field's differences are defects or noise is only known in aggregate, at report time, so
// a comparison cannot be judged when it is recorded. Instead each differing comparison's set of
// differing fields (its signature) is counted; at report time a comparison is defective when its
// signature holds at least one field judged a defect. Signatures are identified by the sum of their
// fields' hashes, which needs no sorting and no allocation per comparison.
type endpointStats struct {
	compared, equal, different, noiseRuns, truncated int
	droppedFields, unclassified                      int
	skipped                                          map[SkipReason]int
	fields                                           map[string]*fieldStats
	signatures                                       map[uint64]*signature
	stamp                                            int           // numbers the comparisons, to count a field once in each
	scratch                                          []*fieldStats // the fields of the comparison being added
}

type fieldStats struct {
	key          string
	hash         uint64
	kinds        []Kind
	count, noise int
	samples      []Sample // a ring once full; next is where the newest goes
	next         int
	newest       time.Time // when the newest sample was taken
	seen         int       // stamp of the last comparison that counted this field: +n primary, -n noise
}

// signature is a set of fields that differed together, and how many comparisons it stands for.
type signature struct {
	fields    []*fieldStats
	untracked bool // a field beyond MaxFields differed too: its verdict is unknown, so it counts as a defect
	count     int
}

// Sample is one redacted pair of values of a field.
type Sample struct {
	// Path is the difference's full path (with array indices).
	Path string `json:"path"`
	// Left is legacy's value and Right modern's, redacted and truncated; empty for a side without one.
	Left  string `json:"left"`
	Right string `json:"right"`
	// Note is the difference's note, if any.
	Note string `json:"note,omitempty"`
	// At is when the comparison was recorded.
	At time.Time `json:"at"`
}

// Record adds an observation. It takes the route's lock only, and allocates only for endpoints,
// fields and signatures seen for the first time and for samples.
func (c *Collector) Record(ob Observation) {
	rs := c.route(ob.Route)
	now := c.o.Now()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.gen++
	if rs.since.IsZero() {
		rs.since = now
	}
	rs.updated = now
	ep := c.endpoint(rs, ob.Endpoint)
	reason := cmp.Or(ob.Skipped, ob.Primary.Skipped)
	if reason != "" {
		ep.skipped[reason]++
		return
	}
	ep.compared++
	if ob.Primary.Truncated > 0 {
		ep.truncated++
	}
	if len(ob.Primary.Differences) == 0 && ob.Primary.Truncated == 0 {
		ep.equal++
		rs.window.add(now, nil, false)
	} else {
		ep.different++
		sig := c.addPrimary(ob.Route, ep, ob.Primary.Differences, now)
		rs.window.add(now, sig, sig == nil)
	}
	if ob.Noise != nil && ob.Noise.Skipped == "" {
		ep.noiseRuns++
		ep.addNoise(c, ob.Noise.Differences)
	}
}

func (c *Collector) route(name string) *routeStats {
	c.mu.RLock()
	rs := c.routes[name]
	c.mu.RUnlock()
	if rs != nil {
		return rs
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs = c.routes[name]; rs == nil {
		rs = &routeStats{endpoints: map[string]*endpointStats{}}
		c.routes[name] = rs
	}
	return rs
}

// endpoint returns the endpoint's stats, folding endpoints beyond MaxEndpoints into OverflowEndpoint.
func (c *Collector) endpoint(rs *routeStats, name string) *endpointStats {
	ep := rs.endpoints[name]
	if ep != nil {
		return ep
	}
	if len(rs.endpoints) >= c.o.MaxEndpoints {
		name = OverflowEndpoint
		if ep = rs.endpoints[name]; ep != nil {
			return ep
		}
	}
	ep = &endpointStats{skipped: map[SkipReason]int{}, fields: map[string]*fieldStats{}, signatures: map[uint64]*signature{}}
	rs.endpoints[name] = ep
	return ep
}

// field returns the stats of key, creating them when there is room; nil when there is none.
func (ep *endpointStats) field(c *Collector, key string, kind Kind) *fieldStats {
	fs := ep.fields[key]
	if fs != nil {
		return fs
	}
	if len(ep.fields) >= c.o.MaxFields {
		ep.droppedFields++
		return nil
	}
	fs = &fieldStats{key: key, hash: maphash.String(c.seed, key) | 1, kinds: []Kind{kind}}
	ep.fields[key] = fs
	return fs
}

// untrackedHash stands for "some untracked field" in a signature's hash.
const untrackedHash = 0x9e3779b97f4a7c15

// addPrimary counts a differing comparison and returns its signature; nil when the signature did not
// fit in MaxSignatures (the comparison is unclassified).
func (c *Collector) addPrimary(route string, ep *endpointStats, diffs []Difference, now time.Time) *signature {
	ep.stamp++
	var sum uint64
	untracked := false
	if len(diffs) == 0 { // all of them unlisted (Result.Truncated): which fields, and their verdicts, are unknown
		untracked, sum = true, untrackedHash
	}
	for _, d := range diffs {
		fs := ep.field(c, FieldKey(d.Path), d.Kind)
		if fs == nil {
			if !untracked {
				untracked, sum = true, sum+untrackedHash
			}
			continue
		}
		if fs.seen == ep.stamp {
			continue
		}
		fs.seen = ep.stamp
		fs.count++
		if !slices.Contains(fs.kinds, d.Kind) {
			fs.kinds = append(fs.kinds, d.Kind)
		}
		c.sample(route, fs, d, now)
		sum += fs.hash
		ep.scratch = append(ep.scratch, fs)
	}
	fields := ep.scratch
	ep.scratch = ep.scratch[:0]
	if sig := ep.signatures[sum]; sig != nil {
		sig.count++
		return sig
	}
	if len(ep.signatures) < c.o.MaxSignatures {
		sig := &signature{fields: slices.Clone(fields), untracked: untracked, count: 1}
		ep.signatures[sum] = sig
		return sig
	}
	ep.unclassified++
	return nil
}

func (ep *endpointStats) addNoise(c *Collector, diffs []Difference) {
	ep.stamp++
	for _, d := range diffs {
		fs := ep.field(c, FieldKey(d.Path), d.Kind)
		if fs == nil || fs.seen == -ep.stamp {
			continue
		}
		fs.seen = -ep.stamp
		fs.noise++
	}
}

// sample keeps d as the field's newest sample, redacted first: raw values are never stored.
func (c *Collector) sample(route string, fs *fieldStats, d Difference, now time.Time) {
	full := len(fs.samples) >= c.o.Samples
	if c.o.Samples <= 0 || full && now.Sub(fs.newest) < c.o.SampleInterval {
		return
	}
	fs.newest = now
	if r := c.redactor(route); r != nil {
		d = r.Difference(d)
	}
	s := Sample{Path: d.Path, Left: d.Left, Right: d.Right, Note: d.Note, At: now}
	if !full {
		fs.samples = append(fs.samples, s)
		return
	}
	fs.samples[fs.next] = s
	fs.next = (fs.next + 1) % len(fs.samples)
}

func (c *Collector) redactor(route string) *Redactor {
	if c.o.Redactor == nil {
		return c.builtin
	}
	return c.o.Redactor(route)
}

// Reset forgets everything recorded for route.
func (c *Collector) Reset(route string) {
	rs := c.route(route)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.gen++
	rs.since, rs.updated = time.Time{}, time.Time{}
	rs.endpoints = map[string]*endpointStats{}
	rs.window = windowRing{}
}

// Routes lists, sorted, the routes that were recorded, imported or reset.
func (c *Collector) Routes() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.routes))
	for name := range c.routes {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Generation is a counter that changes whenever route's aggregate changes (a record, a reset, an
// import), so that a flusher saves only what changed. It is 0 for a route never seen.
func (c *Collector) Generation(route string) uint64 {
	c.mu.RLock()
	rs := c.routes[route]
	c.mu.RUnlock()
	if rs == nil {
		return 0
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.gen
}
