package config

import (
	"reflect"

	"gopkg.in/yaml.v3"
)

// decodeStep reads one rollout step: a mapping with exactly one key (shadow, weight, pause), or the
// bare word analysis. The generic walk cannot express "one of several keys" or "a string or a
// mapping", so steps get their own path, with the same file:line problems.
func (d *decoder) decodeStep(n *yaml.Node, s *RolloutStep, path string) {
	n = deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n) && n.Value == StepAnalysis:
		s.Kind = StepAnalysis
	case n.Kind == yaml.ScalarNode && !isNull(n) && (n.Value == StepShadow || n.Value == StepWeight || n.Value == StepPause):
		d.fail(n, path, "step %s needs a value, e.g. %s", n.Value, stepExample(n.Value))
	case n.Kind == yaml.MappingNode && len(n.Content) == 2:
		d.decodeStepKey(n.Content[0], n.Content[1], s, path)
	case n.Kind == yaml.MappingNode && len(n.Content) > 2:
		d.fail(n.Content[2], path, "a step has one key, but this one also has %s; put each step in its own list item",
			describe(n.Content[2]))
	default:
		d.fail(n, path, "a step must be one of shadow: {...}, weight: N, pause: DURATION|manual or analysis, not %s", describe(n))
	}
}

func (d *decoder) decodeStepKey(key, value *yaml.Node, s *RolloutStep, path string) {
	sub := join(path, key.Value)
	d.lines[sub] = key.Line
	switch key.Value {
	case StepShadow:
		s.Kind = StepShadow
		var sh struct {
			For         Duration `yaml:"for"`
			MinRequests int      `yaml:"min_requests"`
		}
		d.decode(value, reflect.ValueOf(&sh).Elem(), sub)
		s.For, s.MinRequests = sh.For, sh.MinRequests
	case StepWeight:
		s.Kind = StepWeight
		d.decode(value, reflect.ValueOf(&s.Percent).Elem(), sub)
	case StepPause:
		s.Kind = StepPause
		if v := deref(value); v.Kind == yaml.ScalarNode && v.Value == "manual" {
			s.Manual = true
			return
		}
		if err := s.For.UnmarshalYAML(deref(value)); err != nil {
			d.fail(value, sub, "must be a duration such as 5m or the word manual, not %s", describe(value))
		}
	case StepAnalysis:
		d.fail(key, sub, "analysis takes no value; write it as a bare list item: - analysis")
	default:
		d.fail(key, path, "unknown step %s; a step is one of shadow, weight, pause, analysis", describe(key))
	}
}

func stepExample(kind string) string {
	switch kind {
	case StepShadow:
		return "shadow: {for: 10m, min_requests: 500}"
	case StepWeight:
		return "weight: 5"
	}
	return "pause: 5m or pause: manual"
}
