package rollout

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// MetricQuerier runs a range query against a metrics system such as Prometheus
// (/api/v1/query_range) and returns the values of the single series it yields, oldest first.
type MetricQuerier interface {
	QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]float64, error)
}

// Aggregates and operators a MetricGate accepts.
var (
	metricAggregates = []string{"last", "avg", "max", "min"}
	metricOps        = []string{"<", "<=", ">", ">="}
)

// DefaultMetricStep is the resolution of a MetricGate's range query.
const DefaultMetricStep = 15 * time.Second

// MetricGate judges a business or system metric: the query is run over the analysis window, its
// values are aggregated, and the gate passes when "aggregate Op Threshold" holds, e.g. the average
// checkout success rate >= 0.98. A query error or an empty result is inconclusive, never a failure:
// a broken metrics system must not roll back a healthy modern.
type MetricGate struct {
	// Name identifies the gate in results ("metric:NAME"); required.
	Name string
	// Query is the PromQL expression; "$route" in it is replaced by the route's name. Required.
	Query string
	// Aggregate reduces the returned values: last, avg, max or min; "" means last.
	Aggregate string
	// Op compares the aggregate with Threshold: <, <=, > or >=; required.
	Op string
	// Threshold is the value compared with.
	Threshold float64
	// Step is the query resolution; 0 means DefaultMetricStep.
	Step time.Duration
}

func (g MetricGate) validate() error {
	if g.Name == "" || g.Query == "" {
		return fmt.Errorf("metric gate needs a name and a query")
	}
	if g.Aggregate != "" && !contains(metricAggregates, g.Aggregate) {
		return fmt.Errorf("metric gate %s: aggregate %q is not one of %s", g.Name, g.Aggregate, strings.Join(metricAggregates, ", "))
	}
	if !contains(metricOps, g.Op) {
		return fmt.Errorf("metric gate %s: op %q is not one of %s", g.Name, g.Op, strings.Join(metricOps, " "))
	}
	if g.Step < 0 {
		return fmt.Errorf("metric gate %s: step %v is negative", g.Name, g.Step)
	}
	return nil
}

// Evaluate runs the query for route over [from, to] and judges the result.
func (g MetricGate) Evaluate(ctx context.Context, q MetricQuerier, route string, from, to time.Time) Result {
	agg := g.Aggregate
	if agg == "" {
		agg = "last"
	}
	step := g.Step
	if step <= 0 {
		step = DefaultMetricStep
	}
	query := strings.ReplaceAll(g.Query, "$route", route)
	ev := &MetricEvidence{Query: query, Aggregate: agg}
	r := Result{Gate: "metric:" + g.Name, Evidence: Evidence{Metric: ev,
		Thresholds: map[string]float64{"threshold": g.Threshold}}}
	if q == nil {
		return r.with(Inconclusive, "no metrics source is configured")
	}
	values, err := q.QueryRange(ctx, query, from, to, step)
	if err != nil {
		return r.with(Inconclusive, "query failed: %v", err)
	}
	values = dropNaN(values)
	ev.Points = len(values)
	if len(values) == 0 {
		return r.with(Inconclusive, "the query returned no data")
	}
	ev.Value = aggregate(agg, values)
	if compare(ev.Value, g.Op, g.Threshold) {
		return r.with(Pass, "%s %g %s %g holds", agg, ev.Value, g.Op, g.Threshold)
	}
	return r.with(Fail, "%s %g is not %s %g", agg, ev.Value, g.Op, g.Threshold)
}

func dropNaN(v []float64) []float64 {
	out := v[:0:0]
	for _, x := range v {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

func aggregate(agg string, v []float64) float64 {
	switch agg {
	case "avg":
		var sum float64
		for _, x := range v {
			sum += x
		}
		return sum / float64(len(v))
	case "max":
		m := v[0]
		for _, x := range v {
			m = math.Max(m, x)
		}
		return m
	case "min":
		m := v[0]
		for _, x := range v {
			m = math.Min(m, x)
		}
		return m
	}
	return v[len(v)-1]
}

func compare(v float64, op string, threshold float64) bool {
	switch op {
	case "<":
		return v < threshold
	case "<=":
		return v <= threshold
	case ">":
		return v > threshold
	case ">=":
		return v >= threshold
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
