package config

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// String formats d like time.Duration does ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes d as a string such as "1m30s", which UnmarshalYAML reads back.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration written with units ("5s", "1m30s"). A bare number is refused rather
// than guessed: "30" could mean seconds to one reader and nanoseconds to Go.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return fmt.Errorf("must be a duration such as 5s or 1m30s, not %s", describe(n))
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		return fmt.Errorf("duration %s has no unit; write e.g. %ss or %sms", n.Value, n.Value, n.Value)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration; write e.g. 5s, 1m30s or 250ms", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d as "1m30s", so that JSON (the admin API) shows durations as people write them.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration; write e.g. 5s, 1m30s or 250ms", b)
	}
	*d = Duration(v)
	return nil
}
