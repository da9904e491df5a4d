package config

import "testing"

func TestSummariesReadAsOneLine(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"an empty match is the catch-all", Match{}.String(), "* (catch-all)"},
		{"methods, host and a template", Match{Methods: []string{"GET", "PUT"}, Host: "api.example.com", Path: "/users/{id}"}.String(), "GET,PUT api.example.com/users/{id}"},
		{"a prefix gets a star", Match{PathPrefix: "/api/"}.String(), "/api/*"},
		{"headers are sorted", Match{Headers: map[string]string{"X-B": "2", "X-A": "*"}}.String(), "/* X-A:* X-B:2"},
		{"sticky falls back to the client IP", Sticky{}.String(), "client IP"},
		{"sticky prefers header then cookie", Sticky{Header: "X-User-Id", Cookie: "sid"}.String(), "header X-User-Id, then cookie sid, then client IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
