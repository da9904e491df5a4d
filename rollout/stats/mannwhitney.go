package stats

import (
	"errors"
	"math"
	"slices"
)

// ExactLimit is the sample size below which, on both sides and without ties, MannWhitney computes the
// exact distribution of U instead of the normal approximation. It is the rule R's wilcox.test uses,
// so that p-values can be compared with R's to every digit it prints.
const ExactLimit = 50

// ErrEmptySample is returned when either sample has no values.
var ErrEmptySample = errors.New("stats: empty sample")

// MannWhitneyResult is the outcome of a two-sided Mann-Whitney U test of samples x and y.
type MannWhitneyResult struct {
	// N1 and N2 are the sizes of x and y.
	N1 int `json:"n1"`
	N2 int `json:"n2"`
	// U1 is the statistic of the first sample: the number of pairs (x_i, y_j) with x_i > y_j, a tie
	// counting one half. It equals R's W for wilcox.test(x, y). U1 above N1*N2/2 means x tends to be
	// larger than y.
	U1 float64 `json:"u1"`
	// U is min(U1, N1*N2-U1), the value printed in tables of critical values.
	U float64 `json:"u"`
	// Z is the standardised U1 of the normal approximation, with the continuity correction and the
	// variance corrected for ties. It is computed even when P comes from the exact distribution.
	Z float64 `json:"z"`
	// P is the two-sided p-value.
	P float64 `json:"p"`
	// Exact reports that P comes from the exact distribution of U (no ties, both samples smaller than
	// ExactLimit); otherwise it comes from the normal approximation.
	Exact bool `json:"exact"`
	// Ties reports that some values occur more than once across both samples; they get average ranks.
	Ties bool `json:"ties"`
}

// MannWhitney tests whether x and y come from the same distribution against the two-sided
// alternative that one tends to be larger than the other.
func MannWhitney(x, y []float64) (MannWhitneyResult, error) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return MannWhitneyResult{}, ErrEmptySample
	}
	r1, tieTerm := rankSum(x, y)
	u1 := r1 - float64(n1*(n1+1))/2
	mn := float64(n1) * float64(n2)
	res := MannWhitneyResult{N1: n1, N2: n2, U1: u1, U: math.Min(u1, mn-u1), Ties: tieTerm > 0}
	res.Z = normalZ(u1, n1, n2, tieTerm)
	if !res.Ties && n1 < ExactLimit && n2 < ExactLimit {
		res.Exact = true
		res.P = math.Min(1, 2*ExactCDF(res.U, n1, n2))
		return res, nil
	}
	res.P = math.Erfc(math.Abs(res.Z) / math.Sqrt2)
	return res, nil
}

// rankSum returns the sum of the ranks of x in the combined sample, ties getting the average of the
// ranks they span, and the tie term Σ(t³-t) over groups of t equal values.
func rankSum(x, y []float64) (r1, tieTerm float64) {
	type obs struct {
		v     float64
		first bool
	}
	all := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int { return cmpFloat(a.v, b.v) })
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		// Positions i..j-1 hold ranks i+1..j; their average is (i+1+j)/2.
		rank := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if all[k].first {
				r1 += rank
			}
		}
		if t := float64(j - i); t > 1 {
			tieTerm += t*t*t - t
		}
		i = j
	}
	return r1, tieTerm
}

// normalZ standardises u1 with mean n1*n2/2 and the tie-corrected variance
// n1*n2/12 * ((N+1) - Σ(t³-t)/(N(N-1))), moving it half a unit towards the mean first (the
// continuity correction). It is 0 when every value is the same.
func normalZ(u1 float64, n1, n2 int, tieTerm float64) float64 {
	mn := float64(n1) * float64(n2)
	n := float64(n1 + n2)
	variance := mn / 12 * ((n + 1) - tieTerm/(n*(n-1)))
	if variance <= 0 {
		return 0
	}
	d := u1 - mn/2
	switch {
	case d > 0:
		d = math.Max(0, d-0.5)
	case d < 0:
		d = math.Min(0, d+0.5)
	}
	return d / math.Sqrt(variance)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
