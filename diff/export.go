package diff

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// exportVersion is the version of the document Export writes; Import refuses others, so that a newer
// ficus's results are never misread by an older one.
const exportVersion = 1

// exportDoc is the persisted form of a route's aggregate: everything a Report is computed from, not
// the Report itself, so that verdicts are recomputed with the thresholds of the day.
type exportDoc struct {
	Version   int              `json:"version"`
	Route     string           `json:"route"`
	Since     time.Time        `json:"since,omitzero"`
	UpdatedAt time.Time        `json:"updated_at,omitzero"`
	Endpoints []exportEndpoint `json:"endpoints"`
}

type exportEndpoint struct {
	Endpoint      string             `json:"endpoint"`
	Compared      int                `json:"compared"`
	Equal         int                `json:"equal"`
	Different     int                `json:"different"`
	NoiseRuns     int                `json:"noise_runs"`
	Truncated     int                `json:"truncated"`
	DroppedFields int                `json:"dropped_fields"`
	Unclassified  int                `json:"unclassified"`
	Skipped       map[SkipReason]int `json:"skipped"`
	Fields        []exportField      `json:"fields"`
	Signatures    []exportSignature  `json:"signatures"`
}

type exportField struct {
	Field   string   `json:"field"`
	Kinds   []Kind   `json:"kinds"`
	Count   int      `json:"count"`
	Noise   int      `json:"noise"`
	Samples []Sample `json:"samples"` // oldest first
}

type exportSignature struct {
	Fields    []string `json:"fields"`
	Untracked bool     `json:"untracked,omitempty"`
	Count     int      `json:"count"`
}

// Export returns route's aggregate as a versioned JSON document for Import, with its samples already
// redacted. Its size is bounded by the collector's limits.
func (c *Collector) Export(route string) ([]byte, error) {
	doc := exportDoc{Version: exportVersion, Route: route, Endpoints: []exportEndpoint{}}
	c.mu.RLock()
	rs := c.routes[route]
	c.mu.RUnlock()
	if rs != nil {
		rs.mu.Lock()
		doc.Since, doc.UpdatedAt = rs.since, rs.updated
		for name, ep := range rs.endpoints {
			doc.Endpoints = append(doc.Endpoints, ep.export(name))
		}
		rs.mu.Unlock()
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("export diff results of %s: %w", route, err)
	}
	return b, nil
}

func (ep *endpointStats) export(name string) exportEndpoint {
	out := exportEndpoint{
		Endpoint: name, Compared: ep.compared, Equal: ep.equal, Different: ep.different,
		NoiseRuns: ep.noiseRuns, Truncated: ep.truncated, DroppedFields: ep.droppedFields,
		Unclassified: ep.unclassified, Skipped: maps.Clone(ep.skipped),
		Fields: make([]exportField, 0, len(ep.fields)), Signatures: make([]exportSignature, 0, len(ep.signatures)),
	}
	for _, fs := range ep.fields {
		out.Fields = append(out.Fields, exportField{Field: fs.key, Kinds: slices.Clone(fs.kinds), Count: fs.count, Noise: fs.noise, Samples: fs.orderedSamples()})
	}
	for _, sig := range ep.signatures {
		es := exportSignature{Fields: make([]string, len(sig.fields)), Untracked: sig.untracked, Count: sig.count}
		for i, fs := range sig.fields {
			es.Fields[i] = fs.key
		}
		out.Signatures = append(out.Signatures, es)
	}
	return out
}

// Import replaces route's aggregate with a document from Export. The collector's limits apply to what
// is imported (the newest samples are kept) and samples are redacted again with the route's redactor,
// so that a document written under laxer settings cannot bring raw values back.
func (c *Collector) Import(route string, data []byte) error {
	var doc exportDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("import diff results of %s: %w", route, err)
	}
	if doc.Version != exportVersion {
		return fmt.Errorf("import diff results of %s: document version %d, this binary reads %d", route, doc.Version, exportVersion)
	}
	if doc.Route != route {
		return fmt.Errorf("import diff results of %s: the document is route %q's", route, doc.Route)
	}
	endpoints := map[string]*endpointStats{}
	for _, e := range doc.Endpoints {
		if len(endpoints) >= c.o.MaxEndpoints && e.Endpoint != OverflowEndpoint {
			continue
		}
		endpoints[e.Endpoint] = c.importEndpoint(route, e)
	}
	rs := c.route(route)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.gen++
	rs.since, rs.updated, rs.endpoints = doc.Since, doc.UpdatedAt, endpoints
	// Recent comparisons point at the replaced field stats; judged against the imported ones they would
	// count as clean, so the window starts afresh.
	rs.window = windowRing{}
	return nil
}

func (c *Collector) importEndpoint(route string, e exportEndpoint) *endpointStats {
	ep := &endpointStats{
		compared: e.Compared, equal: e.Equal, different: e.Different, noiseRuns: e.NoiseRuns,
		truncated: e.Truncated, droppedFields: e.DroppedFields, unclassified: e.Unclassified,
		skipped: map[SkipReason]int{}, fields: map[string]*fieldStats{}, signatures: map[uint64]*signature{},
	}
	maps.Copy(ep.skipped, e.Skipped)
	for _, f := range e.Fields {
		if len(f.Kinds) == 0 {
			continue
		}
		fs := ep.field(c, f.Field, f.Kinds[0])
		if fs == nil {
			continue
		}
		fs.kinds, fs.count, fs.noise = f.Kinds, f.Count, f.Noise
		if c.o.Samples > 0 {
			for _, s := range f.Samples[max(0, len(f.Samples)-c.o.Samples):] {
				c.sample(route, fs, Difference{Path: s.Path, Left: s.Left, Right: s.Right, Note: s.Note}, s.At)
			}
		}
	}
	for _, s := range e.Signatures {
		sig := &signature{untracked: s.Untracked, count: s.Count}
		var sum uint64
		for _, key := range s.Fields {
			fs := ep.fields[key]
			if fs == nil {
				sig.untracked = true // lost to MaxFields: its verdict is unknown
				continue
			}
			sig.fields = append(sig.fields, fs)
			sum += fs.hash
		}
		if sig.untracked {
			sum += untrackedHash
		}
		if old := ep.signatures[sum]; old != nil {
			old.count += sig.count
		} else if len(ep.signatures) < c.o.MaxSignatures {
			ep.signatures[sum] = sig
		} else {
			ep.unclassified += sig.count
		}
	}
	return ep
}
