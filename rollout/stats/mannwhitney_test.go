package stats

import (
	"math"
	"testing"
)

// The expected values below are taken from published sources, never from this code; each case names
// its source and gives the values to the digits the source prints.

func TestMannWhitneyMatchesPublishedExamples(t *testing.T) {
	// Hollander & Wolfe (1973), p. 69: permeability constants of the human chorioamnion, the example
	// of R's ?wilcox.test. R prints, for wilcox.test(x, y, alternative = "greater"):
	// "W = 35, p-value = 0.1272" (exact distribution, no ties). The two-sided p is twice that.
	chorioX := []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46}
	chorioY := []float64{1.15, 0.88, 0.90, 0.74, 1.21}

	// R's ?wilcox.test: wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8))
	// prints "W = 127.5, p-value = 0.0001208" (normal approximation with continuity correction and the
	// tie-corrected variance: the data have ties). May's and August's ozone readings, NAs dropped.
	may := []float64{41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11, 14, 18, 14, 34, 6, 30, 11, 1, 11, 4, 32,
		23, 45, 115, 37}
	august := []float64{39, 9, 16, 78, 35, 66, 122, 89, 110, 44, 28, 65, 22, 59, 23, 31, 44, 21, 9, 45,
		168, 73, 76, 118, 84, 85}

	// Wikipedia, "Mann–Whitney U test", illustration of calculation methods: Aesop's tortoise and hare
	// race, finishing order T H H H H H T T T T T H. With the finishing positions as values,
	// U_T = 25 and U_H = 11; 11 is above the two-sided 5% critical value 5 for 6 and 6, so the
	// difference is not significant.
	tortoises := []float64{1, 7, 8, 9, 10, 11}
	hares := []float64{2, 3, 4, 5, 6, 12}

	tests := []struct {
		name      string
		x, y      []float64
		u1, u     float64
		p, pTol   float64
		exact     bool
		ties      bool
		minPAbove float64
	}{
		{name: "the chorioamnion example gives W 35 and one-sided p 0.1272", x: chorioX, y: chorioY,
			u1: 35, u: 15, p: 2 * 0.1272, pTol: 2 * 0.00005, exact: true},
		{name: "the airquality example with ties gives W 127.5 and p 0.0001208", x: may, y: august,
			u1: 127.5, u: 127.5, p: 0.0001208, pTol: 0.00000005, ties: true},
		{name: "the tortoise and hare race gives U_T 25 and U_H 11", x: tortoises, y: hares,
			u1: 25, u: 11, exact: true, minPAbove: 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := MannWhitney(tc.x, tc.y)
			if err != nil {
				t.Fatal(err)
			}
			if r.U1 != tc.u1 || r.U != tc.u {
				t.Errorf("U1, U = %v, %v; want %v, %v", r.U1, r.U, tc.u1, tc.u)
			}
			if r.Exact != tc.exact || r.Ties != tc.ties {
				t.Errorf("exact, ties = %v, %v; want %v, %v", r.Exact, r.Ties, tc.exact, tc.ties)
			}
			if tc.pTol > 0 && math.Abs(r.P-tc.p) > tc.pTol {
				t.Errorf("p = %.7g; want %.7g ± %g", r.P, tc.p, tc.pTol)
			}
			if r.P <= tc.minPAbove {
				t.Errorf("p = %.4g; want above %v", r.P, tc.minPAbove)
			}
		})
	}
}

func TestMannWhitneyIsSymmetric(t *testing.T) {
	x := []float64{3, 5, 5, 9, 12}
	y := []float64{1, 2, 5, 7}
	a, _ := MannWhitney(x, y)
	b, _ := MannWhitney(y, x)
	if a.U1+b.U1 != 20 || a.U != b.U || a.P != b.P || a.Z != -b.Z {
		t.Errorf("swapping the samples: %+v and %+v", a, b)
	}
}

func TestMannWhitneyOfIdenticalValuesIsNotSignificant(t *testing.T) {
	r, err := MannWhitney([]float64{4, 4, 4}, []float64{4, 4})
	if err != nil {
		t.Fatal(err)
	}
	if r.P != 1 || r.Z != 0 || r.U1 != 3 {
		t.Errorf("got %+v; want U1 3, z 0, p 1", r)
	}
}

func TestMannWhitneyRejectsAnEmptySample(t *testing.T) {
	if _, err := MannWhitney(nil, []float64{1}); err != ErrEmptySample {
		t.Errorf("err = %v; want ErrEmptySample", err)
	}
}

func TestExactCDFMatchesMannWhitney1947TableI(t *testing.T) {
	// Mann & Whitney (1947), "On a test of whether one of two random variables is stochastically larger
	// than the other", Table I: P(U <= u) for n = m = 3 and n = m = 4, printed to three decimals.
	tests := []struct {
		m, n int
		want []float64 // P(U <= 0), P(U <= 1), ...
	}{
		{3, 3, []float64{.050, .100, .200, .350, .500}},
		{4, 4, []float64{.014, .029, .057, .100, .171, .243, .343, .443, .557}},
	}
	for _, tc := range tests {
		for u, want := range tc.want {
			if got := ExactCDF(float64(u), tc.m, tc.n); math.Abs(got-want) > 0.0005 {
				t.Errorf("m=%d n=%d: P(U <= %d) = %.4f; want %.3f", tc.m, tc.n, u, got, want)
			}
		}
	}
}

func TestExactCDFAgreesWithCriticalValueTables(t *testing.T) {
	// Critical values of U for a two-sided test at α = 0.05 with equal sample sizes, as tabulated in
	// Siegel & Castellan, Nonparametric Statistics for the Behavioral Sciences (2nd ed.), Table J, and
	// reproduced in most introductory texts: the largest U with P(U <= U_crit) <= 0.025.
	critical := map[int]float64{5: 2, 6: 5, 7: 8, 8: 13, 9: 17, 10: 23, 20: 127}
	for n, c := range critical {
		if p := ExactCDF(c, n, n); p > 0.025 {
			t.Errorf("n=%d: P(U <= %v) = %.5f; want at most 0.025", n, c, p)
		}
		if p := ExactCDF(c+1, n, n); p <= 0.025 {
			t.Errorf("n=%d: P(U <= %v) = %.5f; want above 0.025", n, c+1, p)
		}
	}
}

func TestExactCDFIsADistribution(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {3, 7}, {12, 9}, {49, 49}} {
		m, n := size[0], size[1]
		if p := ExactCDF(float64(m*n), m, n); p != 1 {
			t.Errorf("m=%d n=%d: P(U <= mn) = %v; want 1", m, n, p)
		}
		// U is symmetric around mn/2: P(U <= k) + P(U <= mn-k-1) = 1.
		for _, k := range []int{0, m * n / 3, m * n / 2} {
			sum := ExactCDF(float64(k), m, n) + ExactCDF(float64(m*n-k-1), m, n)
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("m=%d n=%d k=%d: P(U <= k) + P(U <= mn-k-1) = %v; want 1", m, n, k, sum)
			}
		}
	}
}

func TestHodgesLehmann(t *testing.T) {
	// By hand: x = {10, 20}, y = {1, 2, 3}; the six differences are 9, 8, 7, 19, 18, 17, whose median
	// is (9+17)/2 = 13.
	if got := HodgesLehmann([]float64{10, 20}, []float64{1, 2, 3}); got != 13 {
		t.Errorf("HodgesLehmann = %v; want 13", got)
	}
	// R's ?wilcox.test, the chorioamnion example with conf.int = TRUE prints
	// "difference in location 0.305".
	x := []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46}
	y := []float64{1.15, 0.88, 0.90, 0.74, 1.21}
	if got := HodgesLehmann(x, y); math.Abs(got-0.305) > 0.0005 {
		t.Errorf("HodgesLehmann = %v; want 0.305", got)
	}
}
