package stats

import "slices"

// HodgesLehmann returns the Hodges-Lehmann estimate of the shift of x relative to y: the median of
// the n1·n2 differences x_i - y_j. It is the "difference in location" R's wilcox.test(x, y,
// conf.int = TRUE) reports in the exact case, and it is robust against the long tails latencies have.
// It returns 0 when either sample is empty.
//
// It holds every difference in memory, so callers bound the samples (rollout's reservoirs do):
// two samples of 1,000 make a million differences.
func HodgesLehmann(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	diffs := make([]float64, 0, len(x)*len(y))
	for _, a := range x {
		for _, b := range y {
			diffs = append(diffs, a-b)
		}
	}
	return Median(diffs)
}

// Median returns the median of v (the mean of the two middle values when len(v) is even), or 0 for
// an empty v. It sorts v in place.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	mid := len(v) / 2
	if len(v)%2 == 1 {
		return v[mid]
	}
	return (v[mid-1] + v[mid]) / 2
}
