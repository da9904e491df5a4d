package rollout

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestErrorRateGate(t *testing.T) {
	gate := ErrorRateGate{MaxRate: 0.05, MaxIncrease: 0.01, MinRequests: 100}
	side := func(req, errs int64) SideWindow { return SideWindow{Requests: req, Errors: errs} }
	tests := []struct {
		name           string
		legacy, modern SideWindow
		legacyIdle     bool
		want           Verdict
		reason         string
	}{
		{"modern as good as legacy passes", side(1000, 5), side(1000, 6), false, Pass, "modern error rate 0.60% (6/1000), legacy 0.50% (5/1000)"},
		{"modern above the absolute maximum fails", side(1000, 50), side(1000, 60), false, Fail, "modern error rate 6.00% (60/1000) is above the maximum 5.00%"},
		{"modern more than the allowed increase over legacy fails", side(1000, 5), side(1000, 25), false, Fail, "modern error rate 2.50% (25/1000) exceeds legacy's 0.50% (5/1000) by more than 1.00%"},
		{"too few modern requests is inconclusive", side(1000, 0), side(99, 50), false, Inconclusive, "modern served 99 requests, fewer than the 100 needed"},
		{"too few legacy requests is inconclusive", side(10, 0), side(1000, 0), false, Inconclusive, "legacy served 10 requests, fewer than the 100 needed"},
		{"an idle legacy at 100% leaves the absolute maximum only", side(0, 0), side(1000, 30), true, Pass, "modern error rate 3.00% (30/1000)"},
		{"an idle legacy does not excuse the absolute maximum", side(0, 0), side(1000, 60), true, Fail, "modern error rate 6.00% (60/1000) is above the maximum 5.00%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := gate.evaluate(Window{Legacy: tc.legacy, Modern: tc.modern}, tc.legacyIdle)
			if r.Verdict != tc.want || r.Reason != tc.reason {
				t.Errorf("got %s %q; want %s %q", r.Verdict, r.Reason, tc.want, tc.reason)
			}
			if r.Evidence.Modern == nil || r.Evidence.Modern.Requests != tc.modern.Requests {
				t.Errorf("evidence %+v lacks modern's counts", r.Evidence)
			}
		})
	}
}

func TestErrorRateGateDefaultsToHundredRequests(t *testing.T) {
	r := ErrorRateGate{MaxRate: 0.1}.Evaluate(Window{Modern: SideWindow{Requests: 99}})
	if r.Verdict != Inconclusive || r.Evidence.Thresholds["min_requests"] != DefaultMinRequests {
		t.Errorf("got %s with thresholds %v", r.Verdict, r.Evidence.Thresholds)
	}
}

// latencies returns n samples spread uniformly over centre ± 20 ms, reproducibly.
func latencies(seed uint64, n int, centre time.Duration) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = centre + time.Duration(rng.Int64N(int64(40*time.Millisecond))) - 20*time.Millisecond
	}
	return out
}

func TestLatencyGate(t *testing.T) {
	legacy := latencies(1, 500, 100*time.Millisecond)
	tests := []struct {
		name   string
		modern []time.Duration
		legacy []time.Duration
		want   Verdict
	}{
		{"a modern 50 ms slower fails", latencies(2, 500, 150*time.Millisecond), legacy, Fail},
		{"a modern with 1 ms more noise passes", latencies(3, 500, 101*time.Millisecond), legacy, Pass},
		{"a modern from the same distribution passes", latencies(4, 500, 100*time.Millisecond), legacy, Pass},
		{"a modern 50 ms faster passes", latencies(5, 500, 50*time.Millisecond), legacy, Pass},
		{"too few modern samples is inconclusive", latencies(6, 49, 150*time.Millisecond), legacy, Inconclusive},
		{"too few legacy samples is inconclusive", latencies(7, 500, 150*time.Millisecond), legacy[:10], Inconclusive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := LatencyGate{}.Evaluate(Window{Legacy: SideWindow{Latencies: tc.legacy}, Modern: SideWindow{Latencies: tc.modern}})
			if r.Verdict != tc.want {
				t.Fatalf("got %s: %s", r.Verdict, r.Reason)
			}
			if tc.want == Inconclusive {
				return
			}
			if r.Evidence.Latency == nil || r.Evidence.Latency.MannWhitney.N1 != len(tc.modern) {
				t.Fatalf("evidence %+v lacks the test", r.Evidence)
			}
		})
	}
}

func TestLatencyGateFailsOnlyWhenSignificantAndLarge(t *testing.T) {
	// Five samples each, 50% slower: large, but five samples cannot show it is not chance at the
	// 0.001 level (the smallest exact two-sided p for 5 and 5 is 2/252 ≈ 0.008).
	fast := []time.Duration{90, 95, 100, 105, 110}
	slow := []time.Duration{140, 145, 150, 155, 160}
	for i := range fast {
		fast[i] *= time.Millisecond
		slow[i] *= time.Millisecond
	}
	g := LatencyGate{MinSamples: 5, Alpha: 0.001}
	r := g.Evaluate(Window{Legacy: SideWindow{Latencies: fast}, Modern: SideWindow{Latencies: slow}})
	if r.Verdict != Pass || !strings.Contains(r.Reason, "not significant") {
		t.Errorf("got %s %q; want a pass for lack of significance", r.Verdict, r.Reason)
	}
	g.Alpha = 0.05
	r = g.Evaluate(Window{Legacy: SideWindow{Latencies: fast}, Modern: SideWindow{Latencies: slow}})
	if r.Verdict != Fail {
		t.Errorf("got %s %q; want a failure at alpha 0.05", r.Verdict, r.Reason)
	}
	if ev := r.Evidence.Latency; ev.ShiftMillis != 50 || ev.Effect != 0.5 {
		t.Errorf("shift %v ms, effect %v; want 50 ms and 0.5", ev.ShiftMillis, ev.Effect)
	}
}

func TestDiffRateGate(t *testing.T) {
	tests := []struct {
		name     string
		gate     DiffRateGate
		cmp, def int64
		want     Verdict
		reason   string
	}{
		{"few defects pass", DiffRateGate{MaxRate: 0.01}, 1000, 10, Pass, "10 of 1000 compared requests differ (1.00%)"},
		{"more defects than allowed fail", DiffRateGate{MaxRate: 0.01}, 1000, 11, Fail, "11 of 1000 compared requests differ (1.10%), above the maximum 1.00%"},
		{"a zero maximum allows no defect", DiffRateGate{}, 1000, 1, Fail, "1 of 1000 compared requests differ (0.10%), above the maximum 0.00%"},
		{"too few comparisons are inconclusive", DiffRateGate{MinCompared: 500}, 499, 0, Inconclusive, "499 requests compared, fewer than the 500 needed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.gate.Evaluate(Window{Diff: DiffWindow{Compared: tc.cmp, Defects: tc.def}})
			if r.Verdict != tc.want || r.Reason != tc.reason {
				t.Errorf("got %s %q; want %s %q", r.Verdict, r.Reason, tc.want, tc.reason)
			}
		})
	}
}

type querier struct {
	values []float64
	err    error
	query  string
	step   time.Duration
}

func (q *querier) QueryRange(_ context.Context, query string, start, end time.Time, step time.Duration) ([]float64, error) {
	q.query, q.step = query, step
	return q.values, q.err
}

func TestMetricGate(t *testing.T) {
	tests := []struct {
		name   string
		gate   MetricGate
		q      querier
		want   Verdict
		reason string
	}{
		{"the last value below the threshold passes", MetricGate{Op: "<", Threshold: 5}, querier{values: []float64{9, 4}}, Pass, "last 4 < 5 holds"},
		{"the average at the threshold passes <=", MetricGate{Aggregate: "avg", Op: "<=", Threshold: 5}, querier{values: []float64{4, 6}}, Pass, "avg 5 <= 5 holds"},
		{"the maximum above the threshold fails <", MetricGate{Aggregate: "max", Op: "<", Threshold: 5}, querier{values: []float64{4, 6}}, Fail, "max 6 is not < 5"},
		{"the minimum below the threshold fails >=", MetricGate{Aggregate: "min", Op: ">=", Threshold: 0.98}, querier{values: []float64{0.99, 0.97}}, Fail, "min 0.97 is not >= 0.98"},
		{"above the threshold passes >", MetricGate{Op: ">", Threshold: 1}, querier{values: []float64{2}}, Pass, "last 2 > 1 holds"},
		{"a query error is inconclusive", MetricGate{Op: ">", Threshold: 1}, querier{err: errors.New("connection refused")}, Inconclusive, "query failed: connection refused"},
		{"no data is inconclusive", MetricGate{Op: ">", Threshold: 1}, querier{}, Inconclusive, "the query returned no data"},
		{"only NaN is no data", MetricGate{Op: ">", Threshold: 1}, querier{values: []float64{math.NaN()}}, Inconclusive, "the query returned no data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.gate.Name, tc.gate.Query = "orders", `sum(rate(orders_total{route="$route"}[1m]))`
			r := tc.gate.Evaluate(context.Background(), &tc.q, "users", t0, t0.Add(time.Minute))
			if r.Verdict != tc.want || r.Reason != tc.reason {
				t.Errorf("got %s %q; want %s %q", r.Verdict, r.Reason, tc.want, tc.reason)
			}
			if tc.q.query != `sum(rate(orders_total{route="users"}[1m]))` || tc.q.step != DefaultMetricStep {
				t.Errorf("queried %q at step %v", tc.q.query, tc.q.step)
			}
			if r.Gate != "metric:orders" {
				t.Errorf("gate %q", r.Gate)
			}
		})
	}
}

func TestAnalysisVerdict(t *testing.T) {
	r := func(v Verdict) Result { return Result{Gate: string(v), Verdict: v, Reason: "because"} }
	tests := []struct {
		name    string
		results []Result
		want    Verdict
	}{
		{"any failure fails", []Result{r(Pass), r(Inconclusive), r(Fail)}, Fail},
		{"an inconclusive gate makes it inconclusive", []Result{r(Pass), r(Inconclusive)}, Inconclusive},
		{"all passing passes", []Result{r(Pass), r(Pass)}, Pass},
		{"no gates pass", nil, Pass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Analysis{Results: tc.results}
			a.combine()
			if a.Verdict != tc.want {
				t.Errorf("got %s; want %s", a.Verdict, tc.want)
			}
		})
	}
}

func TestAnalysisOfABrokenObserverIsInconclusive(t *testing.T) {
	a := allGates.analyse(context.Background(), Window{}, errors.New("metrics gone"), nil, "users", t0, t0, scope{shadow: true})
	if a.Verdict != Inconclusive || len(a.Results) != 3 {
		t.Errorf("got %s with %d results: %s", a.Verdict, len(a.Results), a.Reason)
	}
}

func TestAnalysisSkipsGatesThatDoNotApply(t *testing.T) {
	a := allGates.analyse(context.Background(), Window{Modern: good.side(rand.New(rand.NewPCG(1, 1)))}, nil, nil,
		"users", t0, t0, scope{legacyIdle: true})
	if a.Verdict != Pass || len(a.Results) != 1 || len(a.Skipped) != 2 {
		t.Errorf("got %s, results %v, skipped %v", a.Verdict, a.Results, a.Skipped)
	}
}
