package config

import (
	"fmt"
	"math"
	"net/url"

	"github.com/ficus-dev/ficus/rollout"
)

// maxWebhookRetries keeps a typo from retrying a dead endpoint for hours.
const maxWebhookRetries = 10

func (k *checker) rollouts(c *Config) {
	for i := range c.Routes {
		r := &c.Routes[i]
		if r.Rollout == nil {
			continue
		}
		p := fmt.Sprintf("routes[%d].rollout", i)
		ro := r.Rollout
		k.oneOf(p+".strategy", ro.Strategy, string(rollout.StrategyCanary), string(rollout.StrategyBlueGreen))
		if ro.Strategy == string(rollout.StrategyCanary) && ro.RollbackWindow != 0 {
			k.add(p+".rollback_window", "is only for strategy blue_green; a canary completes after its last step")
		}
		if len(ro.Gates.Metrics) > 0 && c.Prometheus == nil {
			k.add(p+".gates.metrics", "metric gates query Prometheus: set prometheus.url at the top level")
		}
		if d := ro.Gates.DiffRate; d != nil && d.InCanary && !r.Mirror.InCanary {
			k.add(p+".gates.diff_rate.in_canary", "needs the route's mirror.in_canary: without it a canary makes no comparisons")
		}
		nan := false
		for j, s := range ro.Steps {
			if math.IsNaN(s.Percent) {
				k.add(fmt.Sprintf("%s.steps[%d].weight", p, j), "must be a number from 0 to 100, not NaN")
				nan = true
			}
		}
		if !nan && (ro.Strategy == string(rollout.StrategyCanary) || ro.Strategy == string(rollout.StrategyBlueGreen)) {
			k.plan(p, ro)
		}
	}
}

// plan validates a rollout with the rollout package's own rules, and puts the problem on the step or
// key it is about by validating the parts one at a time.
func (k *checker) plan(p string, r *Rollout) {
	full := r.plan()
	err := full.Validate()
	if err == nil {
		return
	}
	k.add(planPath(p, full), "%v", err)
}

func planPath(p string, full rollout.Plan) string {
	if len(full.Steps) == 0 {
		return p + ".steps"
	}
	for i := range full.Steps {
		if (rollout.Plan{Strategy: full.Strategy, Steps: full.Steps[:i+1]}).Validate() != nil {
			return fmt.Sprintf("%s.steps[%d]", p, i)
		}
	}
	base := rollout.Plan{Strategy: full.Strategy, Steps: full.Steps}
	parts := []struct {
		path string
		set  func(*rollout.Plan)
	}{
		{"failures_allowed", func(q *rollout.Plan) { q.FailuresAllowed = full.FailuresAllowed }},
		{"interval", func(q *rollout.Plan) { q.Interval = full.Interval }},
		{"rollback_window", func(q *rollout.Plan) { q.RollbackWindow = full.RollbackWindow }},
		{"legacy_health.max_error_rate", func(q *rollout.Plan) { q.LegacyHealth = full.LegacyHealth }},
		{"gates.error_rate", func(q *rollout.Plan) { q.Gates.ErrorRate = full.Gates.ErrorRate }},
		{"gates.latency", func(q *rollout.Plan) { q.Gates.Latency = full.Gates.Latency }},
		{"gates.diff_rate", func(q *rollout.Plan) { q.Gates.DiffRate = full.Gates.DiffRate }},
	}
	for i := range full.Gates.Metrics {
		parts = append(parts, struct {
			path string
			set  func(*rollout.Plan)
		}{fmt.Sprintf("gates.metrics[%d]", i), func(q *rollout.Plan) { q.Gates.Metrics = full.Gates.Metrics[:i+1] }})
	}
	for _, part := range parts {
		q := base
		part.set(&q)
		if q.Validate() != nil {
			return p + "." + part.path
		}
	}
	return p
}

func (k *checker) prometheus(pr *Prometheus) {
	if pr == nil {
		return
	}
	if err := checkHTTPURL(pr.URL); err != nil {
		k.add("prometheus.url", "%v", err)
	}
	k.positive("prometheus.timeout", pr.Timeout)
}

func (k *checker) webhooks(hooks []Webhook) {
	for i := range hooks {
		w := &hooks[i]
		p := fmt.Sprintf("notifications.webhooks[%d]", i)
		if err := checkHTTPURL(w.URL); err != nil {
			k.add(p+".url", "%v", err)
		}
		if w.SecretEnv != "" || w.SecretFile != "" {
			w.Secret = k.secret(p, "secret", w.SecretEnv, w.SecretFile)
		}
		seen := map[string]bool{}
		for j, e := range w.Events {
			ep := fmt.Sprintf("%s.events[%d]", p, j)
			switch {
			case !contains(WebhookEvents, e):
				k.oneOf(ep, e, WebhookEvents...)
			case seen[e]:
				k.add(ep, "%s is listed twice", e)
			}
			seen[e] = true
		}
		k.positive(p+".timeout", w.Timeout)
		if w.Retries != nil {
			k.between(p+".retries", *w.Retries, 0, maxWebhookRetries)
		}
	}
}

// checkHTTPURL checks the URL of a service ficus calls (Prometheus, a webhook).
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return fmt.Errorf("is required, e.g. http://127.0.0.1:9090")
	case err != nil:
		return fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q must start with http:// or https://", raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
