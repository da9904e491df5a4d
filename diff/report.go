package diff

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Report is what the parallel run has found for one route: a snapshot of a Collector, with every
// field judged. It is what the admin API serves and `ficus diff` prints.
type Report struct {
	// Route is the route's name.
	Route string `json:"route"`
	// Since is when the first observation since start-up or the last reset was recorded (persisted
	// results count as recorded); zero when there is none.
	Since time.Time `json:"since,omitzero"`
	// UpdatedAt is when the newest observation was recorded; zero when there is none.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Thresholds are the noise thresholds the verdicts were reached with.
	Thresholds Thresholds `json:"thresholds"`
	Counts
	// DefectRate is Defective / Compared; 0 when nothing was compared.
	DefectRate float64 `json:"defect_rate"`
	// Endpoints lists the route's endpoints, the most defective first.
	Endpoints []EndpointReport `json:"endpoints"`
}

// Thresholds are Classify's relative and absolute thresholds.
type Thresholds struct {
	Relative float64 `json:"relative"`
	Absolute float64 `json:"absolute"`
}

// Counts are the comparison counts of a route or an endpoint.
type Counts struct {
	// Compared counts the requests whose legacy and modern answers were compared.
	Compared int `json:"compared"`
	// Equal counts the compared requests without any difference; Different those with at least one
	// (noise included): Equal + Different = Compared.
	Equal     int `json:"equal"`
	Different int `json:"different"`
	// Defective counts the compared requests that differed in at least one field judged a defect (or
	// in a field whose verdict is unknown, see EndpointReport.Unclassified and DroppedFields). It is
	// what the rollout gates on: noise alone never makes a request defective.
	Defective int `json:"defective"`
	// Skipped counts the requests that were mirrored but not compared, by reason.
	Skipped map[SkipReason]int `json:"skipped"`
	// NoiseRuns counts the legacy-vs-legacy comparisons that measured noise.
	NoiseRuns int `json:"noise_runs"`
	// Truncated counts compared requests with more differences than a Result lists; fields only in
	// the unlisted ones are not counted.
	Truncated int `json:"truncated"`
}

// EndpointReport is one endpoint's part of a Report.
type EndpointReport struct {
	// Endpoint is the method and path template, or OverflowEndpoint.
	Endpoint string `json:"endpoint"`
	Counts
	// DefectRate is Defective / Compared; 0 when nothing was compared.
	DefectRate float64 `json:"defect_rate"`
	// DroppedFields counts differences in fields beyond the collector's MaxFields; a request with one
	// counts as defective, since the field's verdict is unknown.
	DroppedFields int `json:"dropped_fields"`
	// Unclassified counts differing requests whose set of differing fields could not be remembered
	// (beyond MaxSignatures); they count as defective.
	Unclassified int `json:"unclassified"`
	// Fields lists the fields that differed: defects first, most frequent first, then noise.
	Fields []FieldReport `json:"fields"`
}

// FieldReport is one field (a FieldKey) of an endpoint.
type FieldReport struct {
	// Field is the field key, array indices written [*].
	Field string `json:"field"`
	// Kinds lists the kinds of difference seen, in the order first seen.
	Kinds []Kind `json:"kinds"`
	// Verdict says whether the field's differences are a defect or noise.
	Verdict Verdict `json:"verdict"`
	// Count is the number of compared requests in which the field differed, Rate that over Compared.
	Count int     `json:"count"`
	Rate  float64 `json:"rate"`
	// Noise is the number of legacy-vs-legacy comparisons in which it differed, NoiseRate that over
	// NoiseRuns.
	Noise     int     `json:"noise"`
	NoiseRate float64 `json:"noise_rate"`
	// Samples are the newest redacted value pairs, oldest first.
	Samples []Sample `json:"samples"`
}

// Rate is a share of compared requests that carried a defect.
type Rate struct {
	Defective int `json:"defective"`
	Compared  int `json:"compared"`
}

// Value is Defective / Compared, or 0 when nothing was compared.
func (r Rate) Value() float64 { return rate(r.Defective, r.Compared) }

// Report returns a snapshot of route's results. A route never seen gives an empty report.
func (c *Collector) Report(route string) Report {
	rep := Report{
		Route:      route,
		Thresholds: Thresholds{c.o.RelThreshold, c.o.AbsThreshold},
		Counts:     Counts{Skipped: map[SkipReason]int{}},
		Endpoints:  []EndpointReport{},
	}
	c.mu.RLock()
	rs := c.routes[route]
	c.mu.RUnlock()
	if rs == nil {
		return rep
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rep.Since, rep.UpdatedAt = rs.since, rs.updated
	for name, ep := range rs.endpoints {
		er := c.endpointReport(name, ep)
		rep.Counts.add(er.Counts)
		rep.Endpoints = append(rep.Endpoints, er)
	}
	rep.DefectRate = rate(rep.Defective, rep.Compared)
	slices.SortFunc(rep.Endpoints, func(a, b EndpointReport) int {
		return cmp.Or(cmp.Compare(b.Defective, a.Defective), cmp.Compare(b.Different, a.Different), cmp.Compare(a.Endpoint, b.Endpoint))
	})
	return rep
}

// DiffRate is the share of route's compared requests that carried at least one defect: "non-noise
// differences per compared request", what a rollout gates on.
func (c *Collector) DiffRate(route string) Rate {
	rep := c.Report(route)
	return Rate{Defective: rep.Defective, Compared: rep.Compared}
}

// EndpointDiffRate is DiffRate for one endpoint of route.
func (c *Collector) EndpointDiffRate(route, endpoint string) Rate {
	for _, ep := range c.Report(route).Endpoints {
		if ep.Endpoint == endpoint {
			return Rate{Defective: ep.Defective, Compared: ep.Compared}
		}
	}
	return Rate{}
}

func (n *Counts) add(o Counts) {
	n.Compared += o.Compared
	n.Equal += o.Equal
	n.Different += o.Different
	n.Defective += o.Defective
	n.NoiseRuns += o.NoiseRuns
	n.Truncated += o.Truncated
	for r, k := range o.Skipped {
		n.Skipped[r] += k
	}
}

func (c *Collector) endpointReport(name string, ep *endpointStats) EndpointReport {
	er := EndpointReport{
		Endpoint: name,
		Counts: Counts{
			Compared: ep.compared, Equal: ep.equal, Different: ep.different, NoiseRuns: ep.noiseRuns,
			Truncated: ep.truncated, Skipped: maps.Clone(ep.skipped),
		},
		DroppedFields: ep.droppedFields,
		Unclassified:  ep.unclassified,
		Fields:        make([]FieldReport, 0, len(ep.fields)),
	}
	defects := make(map[*fieldStats]bool, len(ep.fields))
	for _, fs := range ep.fields {
		fr := FieldReport{
			Field: fs.key, Kinds: slices.Clone(fs.kinds), Count: fs.count, Noise: fs.noise,
			Rate: rate(fs.count, ep.compared), NoiseRate: rate(fs.noise, ep.noiseRuns), Verdict: Noise,
			Samples: fs.orderedSamples(),
		}
		if ep.compared > 0 {
			fr.Verdict = classifyRates(fr.Rate, fr.NoiseRate, c.o.RelThreshold, c.o.AbsThreshold)
		}
		defects[fs] = fr.Verdict == Defect
		er.Fields = append(er.Fields, fr)
	}
	er.Defective = ep.unclassified
	for _, sig := range ep.signatures {
		if sig.untracked || slices.ContainsFunc(sig.fields, func(fs *fieldStats) bool { return defects[fs] }) {
			er.Defective += sig.count
		}
	}
	er.DefectRate = rate(er.Defective, er.Compared)
	slices.SortFunc(er.Fields, compareFields)
	return er
}

// compareFields orders defects before noise, then the most frequent first.
func compareFields(a, b FieldReport) int {
	return cmp.Or(
		cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict)),
		cmp.Compare(b.Count, a.Count),
		cmp.Compare(b.Noise, a.Noise),
		cmp.Compare(a.Field, b.Field))
}

// orderedSamples returns the ring's samples oldest first.
func (fs *fieldStats) orderedSamples() []Sample {
	out := make([]Sample, 0, len(fs.samples))
	out = append(out, fs.samples[fs.next:]...)
	return append(out, fs.samples[:fs.next]...)
}
