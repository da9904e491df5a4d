package stats

import "math"

// ExactCDF returns P(U <= u) for the Mann-Whitney statistic of samples of sizes m and n drawn from
// the same continuous distribution (so without ties), computed exactly.
//
// It uses the recursion on the largest of the m+n observations: with probability m/(m+n) it belongs
// to the first sample and beats all n values of the second, otherwise it belongs to the second and
// beats none of the first:
//
//	P_{m,n}(U=u) = m/(m+n) · P_{m-1,n}(U=u-n) + n/(m+n) · P_{m,n-1}(U=u)
//
// Working with probabilities rather than counts of arrangements keeps every term positive and within
// float64 range for any size. Time is O(m·n·m·n), memory O(n·m·n).
func ExactCDF(u float64, m, n int) float64 {
	if m <= 0 || n <= 0 {
		return 1
	}
	k := int(math.Floor(u))
	if k < 0 {
		return 0
	}
	if k >= m*n {
		return 1
	}
	dist := exactDistribution(m, n)
	var p float64
	for i := 0; i <= k; i++ {
		p += dist[i]
	}
	return math.Min(1, p)
}

// exactDistribution returns P(U=u) for u = 0..m*n.
func exactDistribution(m, n int) []float64 {
	// prev[j] is the distribution for sizes (i-1, j); cur[j] for (i, j).
	prev := make([][]float64, n+1)
	for j := range prev {
		prev[j] = []float64{1}
	}
	for i := 1; i <= m; i++ {
		cur := make([][]float64, n+1)
		cur[0] = []float64{1}
		for j := 1; j <= n; j++ {
			d := make([]float64, i*j+1)
			a := float64(i) / float64(i+j)
			b := float64(j) / float64(i+j)
			for u, p := range prev[j] {
				d[u+j] += a * p
			}
			for u, p := range cur[j-1] {
				d[u] += b * p
			}
			cur[j] = d
		}
		prev = cur
	}
	return prev[n]
}
