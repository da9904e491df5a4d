package diff

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestClassify pins the formula: Defect when p - n > rel×n and p - n > abs, with p and n the primary
// and noise rates over total requests.
func TestClassify(t *testing.T) {
	tests := []struct {
		name                  string
		primary, noise, total int
		rel, abs              float64
		want                  Verdict
	}{
		{"a field that differs in every pair of both kinds is noise", 1000, 1000, 1000, 0.2, 0.0003, Noise},
		{"a field that never differs between legacies but in 5% of primary pairs is a defect", 50, 0, 1000, 0.2, 0.0003, Defect},
		{"a field that never differs anywhere is noise", 0, 0, 1000, 0.2, 0.0003, Noise},
		{"primary 20% above noise is not enough (p - n = rel×n exactly)", 600, 500, 1000, 0.2, 0.0003, Noise},
		{"primary more than 20% above noise is a defect", 601, 500, 1000, 0.2, 0.0003, Defect},
		{"primary below noise is noise", 300, 500, 1000, 0.2, 0.0003, Noise},
		{"3 in 10,000 without noise is not above the absolute threshold", 3, 0, 10_000, 0.2, 0.0003, Noise},
		{"4 in 10,000 without noise is above the absolute threshold", 4, 0, 10_000, 0.2, 0.0003, Defect},
		{"a large relative excess under the absolute threshold is noise", 2, 1, 10_000, 0.2, 0.0003, Noise},
		{"a large absolute excess under the relative threshold is noise", 900, 800, 1000, 0.2, 0.0003, Noise},
		{"with zero thresholds any excess is a defect", 2, 1, 1000, 0, 0, Defect},
		{"no requests is noise", 0, 0, 0, 0.2, 0.0003, Noise},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.primary, tt.noise, tt.total, tt.rel, tt.abs); got != tt.want {
				t.Errorf("Classify(%d, %d, %d, %v, %v) = %s, want %s", tt.primary, tt.noise, tt.total, tt.rel, tt.abs, got, tt.want)
			}
		})
	}
}

// TestTallyTellsTheRandomFieldFromTheBug runs the scenario noise cancellation exists for: the legacy
// puts a random value in one field (and in every element of a list), the modern has a real bug in 5%
// of requests, and only the bug is a defect.
func TestTallyTellsTheRandomFieldFromTheBug(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	legacy := func(id int) Response {
		return jsonResponse(fmt.Sprintf(`{"id":%d,"price":%d,"generated_at":%d,"lines":[{"sku":"a","trace":%d},{"sku":"b","trace":%d}]}`,
			id, id*10, rng.Int64(), rng.Int64(), rng.Int64()))
	}
	modern := func(id int) Response {
		price := id * 10
		if id%20 == 0 {
			price++ // the bug: 5% of answers
		}
		return jsonResponse(fmt.Sprintf(`{"id":%d,"price":%d.0,"generated_at":%d,"lines":[{"sku":"a","trace":%d},{"sku":"b","trace":%d}]}`,
			id, price, rng.Int64(), rng.Int64(), rng.Int64()))
	}
	c := mustCompile(t, Options{})
	var tally Tally
	for id := range 2000 {
		reference := legacy(id)
		tally.AddPrimary(c.Compare(reference, modern(id)))
		tally.AddNoise(c.Compare(reference, legacy(id)))
	}
	got := map[string]Verdict{}
	for _, v := range tally.Verdicts(DefaultRelThreshold, DefaultAbsThreshold) {
		got[v.Field] = v.Verdict
		t.Logf("%s %s primary %.3f noise %.3f", v.Verdict, v.Field, v.PrimaryRate, v.NoiseRate)
	}
	want := map[string]Verdict{"$.price": Defect, "$.generated_at": Noise, "$.lines[*].trace": Noise}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("verdicts %v, want %v", got, want)
	}
	if tally.Primary != 2000 || tally.NoiseRuns != 2000 {
		t.Fatalf("counted %d primary and %d noise comparisons", tally.Primary, tally.NoiseRuns)
	}
}

func TestTallyCountsAFieldOncePerComparisonAndBoundsFields(t *testing.T) {
	tally := Tally{MaxFields: 2}
	tally.AddPrimary(Result{Differences: []Difference{
		{Path: "$.items[1].x", Kind: KindValue}, {Path: "$.items[2].x", Kind: KindValue},
		{Path: "status", Kind: KindStatus}, {Path: "$.other", Kind: KindMissing},
	}})
	tally.AddPrimary(Result{Skipped: SkipBodyTooLarge})
	vs := tally.Verdicts(DefaultRelThreshold, DefaultAbsThreshold)
	if len(vs) != 2 || vs[0].Field != "$.items[*].x" || vs[0].Primary != 1 || vs[1].Field != "status" {
		t.Fatalf("verdicts %+v", vs)
	}
	if tally.DroppedFields != 1 || tally.Primary != 1 {
		t.Fatalf("dropped %d, primary %d", tally.DroppedFields, tally.Primary)
	}
}
