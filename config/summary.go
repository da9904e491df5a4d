package config

import (
	"maps"
	"slices"
	"strings"
)

// String describes the match conditions in one line for people, e.g.
// "GET,PUT api.example.com/api/users/{id} X-Tenant:acme"; an empty match is "* (catch-all)".
func (m Match) String() string {
	if m.Host == "" && m.Path == "" && m.PathPrefix == "" && len(m.Methods) == 0 && len(m.Headers) == 0 {
		return "* (catch-all)"
	}
	var b strings.Builder
	if len(m.Methods) > 0 {
		b.WriteString(strings.Join(m.Methods, ",") + " ")
	}
	b.WriteString(m.Host)
	switch {
	case m.Path != "":
		b.WriteString(m.Path)
	case m.PathPrefix != "":
		b.WriteString(strings.TrimSuffix(m.PathPrefix, "/") + "/*")
	default:
		b.WriteString("/*")
	}
	for _, name := range slices.Sorted(maps.Keys(m.Headers)) {
		b.WriteString(" " + name + ":" + m.Headers[name])
	}
	return b.String()
}

// String says which key assigns a canary client, in order of preference, e.g.
// "header X-User-Id, then cookie sid, then client IP".
func (s Sticky) String() string {
	var b strings.Builder
	if s.Header != "" {
		b.WriteString("header " + s.Header + ", then ")
	}
	if s.Cookie != "" {
		b.WriteString("cookie " + s.Cookie + ", then ")
	}
	b.WriteString("client IP")
	return b.String()
}
