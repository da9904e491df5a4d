package config

import (
	"testing"
	"time"

	"github.com/ficus-dev/ficus/rollout"
)

func TestRolloutPlanConvertsEveryKey(t *testing.T) {
	c, err := parseFile(t, "testdata/complete.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Routes[0].Rollout.Plan()
	if err != nil {
		t.Fatal(err)
	}
	wantSteps := []rollout.Step{
		{Kind: rollout.StepShadow, For: 10 * time.Minute, MinRequests: 500},
		{Kind: rollout.StepWeight, Percent: 5},
		{Kind: rollout.StepPause, For: 5 * time.Minute},
		{Kind: rollout.StepAnalysis},
		{Kind: rollout.StepWeight, Percent: 50},
		{Kind: rollout.StepPause, Manual: true},
	}
	if len(p.Steps) != len(wantSteps) {
		t.Fatalf("steps %+v, want %+v", p.Steps, wantSteps)
	}
	for i := range wantSteps {
		if p.Steps[i] != wantSteps[i] {
			t.Errorf("step %d = %+v, want %+v", i+1, p.Steps[i], wantSteps[i])
		}
	}
	g := p.Gates
	checks := []struct {
		name      string
		got, want any
	}{
		{"strategy", p.Strategy, rollout.StrategyCanary},
		{"interval", p.Interval, time.Minute},
		{"failures_allowed", p.FailuresAllowed, 1},
		{"legacy_health", p.LegacyHealth.MaxErrorRate, 0.5},
		{"error_rate", *g.ErrorRate, rollout.ErrorRateGate{MaxRate: 0.01, MaxIncrease: 0.005, MinRequests: 200}},
		{"latency", *g.Latency, rollout.LatencyGate{MaxIncrease: 0.2, Alpha: 0.01, MinSamples: 80}},
		{"diff_rate", *g.DiffRate, rollout.DiffRateGate{MaxRate: 0.001, MinCompared: 150, InCanary: true}},
		{"metric", g.Metrics[0], rollout.MetricGate{Name: "checkout_ok", Query: `sum(rate(checkouts_ok{route="$route"}[1m]))`,
			Aggregate: "avg", Op: ">=", Threshold: 5, Step: 30 * time.Second}},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s = %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
	bg, err := c.Routes[1].Rollout.Plan()
	if err != nil || bg.Strategy != rollout.StrategyBlueGreen || bg.RollbackWindow != 15*time.Minute || bg.Interval != DefaultRolloutInterval {
		t.Errorf("blue-green plan %+v, %v", bg, err)
	}
}

func TestRolloutDefaults(t *testing.T) {
	yaml := `
backends:
  legacy: {urls: [http://127.0.0.1:8081]}
  modern: {urls: [http://127.0.0.1:8082]}
prometheus: {url: http://127.0.0.1:9091}
notifications:
  webhooks: [{url: http://127.0.0.1:9000/hook}]
routes:
  - name: api
    rollout:
      steps: [{weight: 5}, analysis]
`
	c, err := Parse("inline.yaml", []byte(yaml), lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	r, w := c.Routes[0].Rollout, c.Notifications.Webhooks[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"strategy", r.Strategy, "canary"},
		{"interval", r.Interval.D(), 30 * time.Second},
		{"auto_start", r.AutoStart, false},
		{"steps", len(r.Steps), 2},
		{"bare analysis", r.Steps[1].Kind, StepAnalysis},
		{"prometheus timeout", c.Prometheus.Timeout.D(), 5 * time.Second},
		{"webhook timeout", w.Timeout.D(), 5 * time.Second},
		{"webhook retries", *w.Retries, 3},
		{"webhook unsigned", w.Secret, ""},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}
