package diff

import (
	"cmp"
	"slices"
)

// Verdict is what a field's differences amount to once noise is taken into account.
type Verdict string

const (
	// Defect: the candidate differs from the reference clearly more often than the reference differs
	// from itself.
	Defect Verdict = "defect"
	// Noise: the field differs about as often between two calls to the reference, so its differences
	// say nothing about the candidate (timestamps, random ids); or it does not differ enough to matter.
	Noise Verdict = "noise"
)

// Default thresholds of Classify.
const (
	DefaultRelThreshold = 0.20   // primary must exceed noise by more than 20% of the noise rate
	DefaultAbsThreshold = 0.0003 // and by more than 0.03% of requests
)

// Classify decides whether a field's differences are a defect or noise.
//
// Over total requests, primary counts those where the field differed between the reference and the
// candidate (legacy vs modern) and noise those where it differed between two calls to the reference
// (legacy vs legacy). With the rates p = primary/total and n = noise/total, the field is a Defect when
//
//	p - n > relThreshold × n   and   p - n > absThreshold
//
// and Noise otherwise. The first condition asks the candidate to differ noticeably more often than
// the reference does on its own (with the default 0.2, more than 1.2 times as often); the second keeps
// a handful of differences in a large volume from counting (with the default 0.0003, more than 3
// requests in 10,000). A field that never differs between two reference calls (n = 0) is a defect as
// soon as it differs in more than absThreshold of requests; a field that differs in every pair of both
// kinds (p = n = 1) is noise. total ≤ 0 gives Noise: there is nothing to judge.
func Classify(primary, noise, total int, relThreshold, absThreshold float64) Verdict {
	if total <= 0 {
		return Noise
	}
	// The relative test is multiplied by total, so that whole counts compare exactly (600 vs 500 at
	// 20% is not a defect); the absolute one divides once, as the threshold is written as a rate.
	if excess := primary - noise; float64(excess) > relThreshold*float64(noise) && float64(excess)/float64(total) > absThreshold {
		return Defect
	}
	return Noise
}

func classifyRates(p, n, rel, abs float64) Verdict {
	if excess := p - n; excess > rel*n && excess > abs {
		return Defect
	}
	return Noise
}

// FieldCount is what a Tally knows about one field.
type FieldCount struct {
	// Field is the field key (FieldKey of the differences' paths).
	Field string `json:"field"`
	// Kind is the kind of the field's first primary difference (or first noise difference when it
	// has no primary one).
	Kind Kind `json:"kind"`
	// Primary counts the primary comparisons (reference vs candidate) in which the field differed.
	Primary int `json:"primary"`
	// Noise counts the noise comparisons (reference vs reference) in which the field differed.
	Noise int `json:"noise"`
}

// FieldVerdict is a field's counts with its classification.
type FieldVerdict struct {
	FieldCount
	Verdict Verdict `json:"verdict"`
	// PrimaryRate and NoiseRate are the counts divided by the number of comparisons of each kind.
	PrimaryRate float64 `json:"primary_rate"`
	NoiseRate   float64 `json:"noise_rate"`
}

// DefaultMaxFields bounds the fields a Tally tracks when its MaxFields is zero.
const DefaultMaxFields = 1000

// Tally accumulates, per field, how often the candidate differed from the reference and how often the
// reference differed from itself, over a stream of comparisons (one endpoint's, typically). A field is
// counted at most once per comparison, however many of its array elements differ. Only the
// differences a Result lists are counted, not those in Result.Truncated, so keep MaxDifferences
// comfortably above the number of fields an endpoint returns. A Tally is not safe for concurrent use;
// the zero value is ready to use.
type Tally struct {
	// MaxFields bounds the number of fields tracked, so that documents keyed by ids cannot grow a Tally
	// without end; differences in further fields are counted in DroppedFields. Zero means
	// DefaultMaxFields.
	MaxFields int

	// Primary and NoiseRuns count the comparisons added of each kind.
	Primary, NoiseRuns int
	// DroppedFields counts differences in fields beyond MaxFields.
	DroppedFields int

	fields map[string]*FieldCount
	seen   map[string]bool // fields already counted in the comparison being added
}

// AddPrimary adds a reference-vs-candidate comparison. Skipped results are not counted.
func (t *Tally) AddPrimary(r Result) { t.add(r, true) }

// AddNoise adds a reference-vs-reference comparison. Skipped results are not counted.
func (t *Tally) AddNoise(r Result) { t.add(r, false) }

func (t *Tally) add(r Result, primary bool) {
	if r.Skipped != "" {
		return
	}
	if primary {
		t.Primary++
	} else {
		t.NoiseRuns++
	}
	if t.fields == nil {
		t.fields, t.seen = map[string]*FieldCount{}, map[string]bool{}
	}
	clear(t.seen)
	for _, d := range r.Differences {
		key := FieldKey(d.Path)
		if t.seen[key] {
			continue
		}
		t.seen[key] = true
		fc := t.fields[key]
		if fc == nil {
			if len(t.fields) >= cmp.Or(t.MaxFields, DefaultMaxFields) {
				t.DroppedFields++
				continue
			}
			fc = &FieldCount{Field: key, Kind: d.Kind}
			t.fields[key] = fc
		}
		if primary {
			if fc.Primary == 0 && fc.Noise > 0 {
				fc.Kind = d.Kind
			}
			fc.Primary++
		} else {
			fc.Noise++
		}
	}
}

// Verdicts classifies every field with Classify's formula, using each kind's own number of
// comparisons as its total (noise may be sampled less often than primary comparisons; with no noise
// comparisons at all, the noise rate is 0). Defects come first, then by primary rate, highest first,
// then by field.
func (t *Tally) Verdicts(relThreshold, absThreshold float64) []FieldVerdict {
	out := make([]FieldVerdict, 0, len(t.fields))
	for _, fc := range t.fields {
		v := FieldVerdict{FieldCount: *fc, PrimaryRate: rate(fc.Primary, t.Primary), NoiseRate: rate(fc.Noise, t.NoiseRuns)}
		v.Verdict = Noise
		if t.Primary > 0 {
			v.Verdict = classifyRates(v.PrimaryRate, v.NoiseRate, relThreshold, absThreshold)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b FieldVerdict) int {
		return cmp.Or(
			cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict)),
			cmp.Compare(b.PrimaryRate, a.PrimaryRate),
			cmp.Compare(a.Field, b.Field))
	})
	return out
}

func verdictRank(v Verdict) int {
	if v == Defect {
		return 0
	}
	return 1
}

func rate(n, total int) float64 {
	if total <= 0 {
		return 0
	}
	return float64(n) / float64(total)
}
