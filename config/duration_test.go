package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDurationUnmarshalYAML(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       time.Duration
		wantErr    string
	}{
		{"seconds are read", `5s`, 5 * time.Second, ""},
		{"compound durations are read", `1m30s`, 90 * time.Second, ""},
		{"milliseconds are read", `"250ms"`, 250 * time.Millisecond, ""},
		{"a bare integer asks for a unit", `30`, 0, "duration 30 has no unit; write e.g. 30s or 30ms"},
		{"a bare float asks for a unit", `1.5`, 0, "has no unit"},
		{"words are refused", `ten seconds`, 0, `"ten seconds" is not a duration`},
		{"a list is refused", `[5s]`, 0, "must be a duration such as 5s or 1m30s, not a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Duration
			err := yaml.Unmarshal([]byte(tc.yaml), &d)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || d.D() != tc.want {
				t.Fatalf("got %v, %v; want %v", d.D(), err, tc.want)
			}
		})
	}
}

func TestDurationRoundTrips(t *testing.T) {
	in := struct{ D Duration }{Duration(90 * time.Second)}
	y, err := yaml.Marshal(in)
	if err != nil || strings.TrimSpace(string(y)) != "d: 1m30s" {
		t.Fatalf("yaml: %q, %v", y, err)
	}
	j, err := json.Marshal(in)
	if err != nil || string(j) != `{"D":"1m30s"}` {
		t.Fatalf("json: %s, %v", j, err)
	}
	var back struct{ D Duration }
	if err := json.Unmarshal(j, &back); err != nil || back != in {
		t.Fatalf("json round trip: %v, %v", back, err)
	}
}
