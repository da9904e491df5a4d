package config

import (
	"fmt"
	"math"

	"github.com/ficus-dev/ficus/diff"
)

// The limits below keep a typo from exhausting memory (a queue of a billion requests) while leaving
// room for any real deployment.
const (
	maxShadowWorkers = 1024
	maxShadowQueue   = 1 << 20
	maxShadowBody    = 64 << 20
	maxShadowSamples = 100
)

func (k *checker) shadow(s *Shadow) {
	k.between("shadow.workers", s.Workers, 1, maxShadowWorkers)
	k.between("shadow.queue", s.Queue, 1, maxShadowQueue)
	k.positive("shadow.timeout", s.Timeout)
	if s.MaxBody < 1 || s.MaxBody > maxShadowBody {
		k.add("shadow.max_body", "%d is outside 1-%d bytes", s.MaxBody, maxShadowBody)
	}
	k.headerName("shadow.header", s.Header)
	k.between("shadow.samples", s.Samples, 0, maxShadowSamples)
}

func (k *checker) diff(d *Diff) {
	for i, h := range d.Headers {
		k.headerName(fmt.Sprintf("diff.headers[%d]", i), h)
	}
	for i, h := range d.IgnoreHeaders {
		k.headerName(fmt.Sprintf("diff.ignore_headers[%d]", i), h)
	}
	k.patterns("diff.ignore", d.Ignore)
	k.patterns("diff.unordered", d.Unordered)
	k.patterns("diff.redact.paths", d.Redact.Paths)
	if d.Text != "" {
		if _, err := diff.ParseTextMode(d.Text); err != nil {
			k.add("diff.text", "%q is not exact or a comma-separated list of newlines, trim, collapse", d.Text)
		}
	}
	if n := d.Noise.Relative; math.IsNaN(n) || n < 0 || n > 100 {
		k.add("diff.noise.relative", "%v is outside 0-100 (a fraction: 0.2 is 20%%)", n)
	}
	if n := d.Noise.Absolute; math.IsNaN(n) || n < 0 || n > 1 {
		k.add("diff.noise.absolute", "%v is outside 0-1 (a fraction of requests: 0.0003 is 0.03%%)", n)
	}
}

func (k *checker) mirror(p string, m *Mirror) {
	if m.Sample != nil {
		if v := *m.Sample; math.IsNaN(v) || v < 0 || v > 1 {
			k.add(p+".sample", "%v is outside 0-1 (the fraction of requests mirrored: 0.1 is 10%%)", v)
		}
	}
}

func (k *checker) routeDiff(p string, d *RouteDiff) {
	for i, h := range d.IgnoreHeaders {
		k.headerName(fmt.Sprintf("%s.ignore_headers[%d]", p, i), h)
	}
	k.patterns(p+".ignore", d.Ignore)
	k.patterns(p+".unordered", d.Unordered)
	k.patterns(p+".redact", d.Redact)
}

func (k *checker) patterns(p string, patterns []string) {
	for i, s := range patterns {
		if _, err := diff.ParsePattern(s); err != nil {
			k.add(fmt.Sprintf("%s[%d]", p, i), "%v", err)
		}
	}
}

func (k *checker) between(p string, v, lo, hi int) {
	if v < lo || v > hi {
		k.add(p, "%d is outside %d-%d", v, lo, hi)
	}
}
