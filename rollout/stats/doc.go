// Package stats holds the statistics behind rollout's latency gate: the two-sided Mann-Whitney U
// test (Wilcoxon rank-sum test) and the Hodges-Lehmann estimate of the shift between two samples.
//
// It is pure arithmetic on float64 samples: it knows nothing of latencies, routes or gates, so that
// the numbers can be checked against published tables and R's wilcox.test on their own.
package stats
