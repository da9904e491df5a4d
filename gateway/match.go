package gateway

import (
	"fmt"
	"maps"
	"net/http"
	"net/textproto"
	"path"
	"slices"
	"strings"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/internal/pathtmpl"
)

// matcher is a route's compiled match conditions. Every condition that is set must hold; the zero
// matcher matches every request.
type matcher struct {
	host     string // lower case, without brackets or trailing dot; "" = any host
	wildcard bool   // host holds ".suffix" and matches any subdomain of it
	path     *pathtmpl.Template
	prefix   string // "" = no prefix condition (a configured "/" also matches everything)
	methods  []string
	headers  []headerCond
}

type headerCond struct {
	name  string // canonical, so r.Header can be indexed without allocating
	value string
	any   bool // the config value was "*": the header only has to be present
}

func compileMatch(m config.Match) (matcher, error) {
	var c matcher
	if m.Host != "" {
		c.host = normalizeHost(strings.ToLower(m.Host))
		if strings.HasPrefix(c.host, "*.") {
			c.host, c.wildcard = c.host[1:], true // keep the dot: "*.example.com" must not match "xexample.com"
		}
	}
	if m.Path != "" {
		t, err := pathtmpl.Parse(m.Path)
		if err != nil {
			return c, fmt.Errorf("path %q: %w", m.Path, err)
		}
		c.path = t
	}
	if m.PathPrefix != "" {
		if !strings.HasPrefix(m.PathPrefix, "/") {
			return c, fmt.Errorf("path_prefix %q must start with \"/\"", m.PathPrefix)
		}
		if m.PathPrefix != "/" {
			c.prefix = m.PathPrefix
		}
	}
	for _, meth := range m.Methods {
		c.methods = append(c.methods, strings.ToUpper(meth))
	}
	for _, name := range slices.Sorted(maps.Keys(m.Headers)) {
		value := m.Headers[name]
		c.headers = append(c.headers, headerCond{
			name: textproto.CanonicalMIMEHeaderKey(name), value: value, any: value == "*",
		})
	}
	return c, nil
}

// matches reports whether r, whose host (port stripped) and cleaned path the caller computed once
// for all routes, meets every condition.
func (c *matcher) matches(r *http.Request, host, cleanPath string) bool {
	// The path is the most selective condition and the cheapest to reject, so it goes first.
	return c.matchPath(cleanPath) && c.matchHost(host) && c.matchMethod(r.Method) && c.matchHeaders(r.Header)
}

func (c *matcher) matchHost(host string) bool {
	switch {
	case c.host == "":
		return true
	case c.wildcard:
		return len(host) > len(c.host) && equalFoldLower(host[len(host)-len(c.host):], c.host)
	default:
		return equalFoldLower(host, c.host)
	}
}

// equalFoldLower compares s with the lower-case lower, trying the common exact case first because
// strings.EqualFold is several times slower.
func equalFoldLower(s, lower string) bool {
	return s == lower || strings.EqualFold(s, lower)
}

func (c *matcher) matchPath(p string) bool {
	if c.path != nil && !c.path.Match(p) {
		return false
	}
	if c.prefix == "" {
		return true
	}
	// A segment boundary: "/api" matches "/api" and "/api/x" but not "/apix"; "/api/" already ends
	// at one.
	n := len(c.prefix)
	return strings.HasPrefix(p, c.prefix) && (len(p) == n || p[n] == '/' || c.prefix[n-1] == '/')
}

func (c *matcher) matchMethod(method string) bool {
	if len(c.methods) == 0 {
		return true
	}
	for _, m := range c.methods {
		if m == method {
			return true
		}
	}
	return false
}

func (c *matcher) matchHeaders(h http.Header) bool {
	for _, cond := range c.headers {
		if !headerHolds(h[cond.name], cond) {
			return false
		}
	}
	return true
}

func headerHolds(values []string, cond headerCond) bool {
	if cond.any {
		return len(values) > 0
	}
	for _, v := range values {
		if v == cond.value {
			return true
		}
	}
	return false
}

// requestHost returns the request's host without port, brackets or trailing dot.
func requestHost(r *http.Request) string {
	h := r.Host
	if h == "" && r.URL != nil {
		h = r.URL.Host
	}
	return normalizeHost(stripPort(h))
}

// stripPort removes a ":port" suffix; a bracketed IPv6 literal loses its brackets, and an
// unbracketed one (several colons, invalid in a Host header) is returned unchanged.
func stripPort(h string) string {
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end > 0 {
			return h[1:end]
		}
		return h
	}
	if i := strings.IndexByte(h, ':'); i >= 0 && strings.LastIndexByte(h, ':') == i {
		return h[:i]
	}
	return h
}

// normalizeHost drops IPv6 brackets (in config values) and one trailing dot, so that
// "example.com." and "example.com" are the same host.
func normalizeHost(h string) string {
	if len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	return strings.TrimSuffix(h, ".")
}

// cleanPath returns p with path.Clean semantics, keeping a trailing slash, so that "/api/../admin"
// is matched as "/admin" and cannot reach the /api route. An already clean path, the common case,
// is returned without allocating.
func cleanPath(p string) string {
	if isClean(p) {
		return p
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// isClean reports whether cleanPath would return p unchanged: it starts with "/" and has no empty
// segment (except a final one, the trailing slash) and no "." or ".." segment.
func isClean(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		seg := p[start:i]
		if seg == "." || seg == ".." || (seg == "" && i < len(p)) {
			return false
		}
		start = i + 1
	}
	return true
}
