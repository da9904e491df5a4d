package gateway

import (
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

func TestMatchConditions(t *testing.T) {
	tests := []struct {
		name    string
		match   config.Match
		method  string
		host    string
		target  string
		headers map[string]string
		want    bool
	}{
		{name: "an empty match catches everything", target: "/anything/at/all", want: true},

		{name: "a host matches case-insensitively", match: config.Match{Host: "API.example.com"}, host: "api.EXAMPLE.com", want: true},
		{name: "a host ignores the request's port", match: config.Match{Host: "api.example.com"}, host: "api.example.com:8443", want: true},
		{name: "a host ignores a trailing dot", match: config.Match{Host: "api.example.com"}, host: "api.example.com.", want: true},
		{name: "a different host does not match", match: config.Match{Host: "api.example.com"}, host: "www.example.com", want: false},
		{name: "a host is not a suffix match", match: config.Match{Host: "example.com"}, host: "evilexample.com", want: false},
		{name: "a wildcard matches a subdomain", match: config.Match{Host: "*.example.com"}, host: "a.example.com", want: true},
		{name: "a wildcard matches a deeper subdomain with a port", match: config.Match{Host: "*.example.com"}, host: "a.b.Example.com:80", want: true},
		{name: "a wildcard does not match the bare domain", match: config.Match{Host: "*.example.com"}, host: "example.com", want: false},
		{name: "a star without a dot is not a wildcard", match: config.Match{Host: "*example.com"}, host: "xexample.com", want: false},
		{name: "a wildcard does not match a longer name", match: config.Match{Host: "*.example.com"}, host: "aexample.com", want: false},
		{name: "an IPv6 host matches its bracketed literal with a port", match: config.Match{Host: "::1"}, host: "[::1]:8080", want: true},
		{name: "a bracketed IPv6 host in config matches", match: config.Match{Host: "[2001:db8::1]"}, host: "[2001:DB8::1]", want: true},
		{name: "an IPv6 host does not match another address", match: config.Match{Host: "::1"}, host: "[::2]:8080", want: false},

		{name: "an exact path matches itself", match: config.Match{Path: "/api/users"}, target: "/api/users", want: true},
		{name: "an exact path does not match with a trailing slash", match: config.Match{Path: "/api/users"}, target: "/api/users/", want: false},
		{name: "a path with a trailing slash needs it", match: config.Match{Path: "/api/users/"}, target: "/api/users", want: false},
		{name: "an exact path ignores the query", match: config.Match{Path: "/api/users"}, target: "/api/users?x=1", want: true},
		{name: "an exact path matches after dot segments are cleaned", match: config.Match{Path: "/api/users"}, target: "/api/./x/../users", want: true},
		{name: "a template matches one segment", match: config.Match{Path: "/users/{id}"}, target: "/users/42", want: true},
		{name: "a template does not match two segments", match: config.Match{Path: "/users/{id}"}, target: "/users/42/orders", want: false},
		{name: "a template does not match an empty segment", match: config.Match{Path: "/users/{id}"}, target: "/users/", want: false},
		{name: "an encoded slash separates segments", match: config.Match{Path: "/users/{id}"}, target: "/users/a%2Fb", want: false},
		{name: "a rest template matches the rest", match: config.Match{Path: "/static/{rest...}"}, target: "/static/css/site.css", want: true},
		{name: "a rest template needs one segment", match: config.Match{Path: "/static/{rest...}"}, target: "/static/", want: false},
		{name: "doubled slashes are cleaned before matching", match: config.Match{Path: "/users/{id}"}, target: "/users//42", want: true},

		{name: "a prefix matches itself", match: config.Match{PathPrefix: "/api"}, target: "/api", want: true},
		{name: "a prefix matches below itself", match: config.Match{PathPrefix: "/api"}, target: "/api/x/y", want: true},
		{name: "a prefix stops at a segment boundary", match: config.Match{PathPrefix: "/api"}, target: "/apix", want: false},
		{name: "a prefix with a trailing slash matches below it", match: config.Match{PathPrefix: "/api/"}, target: "/api/x", want: true},
		{name: "a prefix with a trailing slash needs the slash", match: config.Match{PathPrefix: "/api/"}, target: "/api", want: false},
		{name: "the root prefix matches everything", match: config.Match{PathPrefix: "/"}, target: "/x/y", want: true},
		{name: "a dot-dot cannot sneak into a prefix", match: config.Match{PathPrefix: "/api"}, target: "/api/../admin", want: false},
		{name: "an encoded dot-dot cannot sneak into a prefix", match: config.Match{PathPrefix: "/api"}, target: "/api%2F..%2Fadmin", want: false},
		{name: "a dot-dot cannot leave a prefix it stays in", match: config.Match{PathPrefix: "/api"}, target: "/api/v1/../v2", want: true},
		{name: "path and prefix must both hold", match: config.Match{Path: "/api/{x}", PathPrefix: "/api"}, target: "/api/1", want: true},

		{name: "a listed method matches", match: config.Match{Methods: []string{"GET", "PUT"}}, method: "PUT", want: true},
		{name: "methods in config are case-insensitive", match: config.Match{Methods: []string{"get"}}, method: "GET", want: true},
		{name: "an unlisted method does not match", match: config.Match{Methods: []string{"GET"}}, method: "POST", want: false},

		{name: "a header with the exact value matches", match: config.Match{Headers: map[string]string{"x-tenant": "acme"}}, headers: map[string]string{"X-Tenant": "acme"}, want: true},
		{name: "a header with another value does not match", match: config.Match{Headers: map[string]string{"X-Tenant": "acme"}}, headers: map[string]string{"X-Tenant": "Acme"}, want: false},
		{name: "a missing header does not match", match: config.Match{Headers: map[string]string{"X-Tenant": "acme"}}, want: false},
		{name: "a star requires presence only", match: config.Match{Headers: map[string]string{"X-Beta": "*"}}, headers: map[string]string{"X-Beta": ""}, want: true},
		{name: "a star does not match an absent header", match: config.Match{Headers: map[string]string{"X-Beta": "*"}}, want: false},
		{name: "every header must hold", match: config.Match{Headers: map[string]string{"A": "1", "B": "2"}}, headers: map[string]string{"A": "1"}, want: false},

		{name: "every condition must hold", match: config.Match{Host: "api.example.com", PathPrefix: "/v1", Methods: []string{"GET"}}, host: "api.example.com", method: "POST", target: "/v1/x", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := mustCompileTable(t, &config.Config{Routes: []config.Route{{Name: "r", Match: tt.match}}}, nil)
			r := newRouteRequest(tt.method, tt.target)
			if tt.host != "" {
				r.Host = tt.host
			}
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if _, got := table.Decide(r); got != tt.want {
				t.Errorf("%s %s (host %q): matched = %v, want %v", r.Method, tt.target, r.Host, got, tt.want)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	tests := map[string]string{
		"/":                 "/",
		"":                  "/",
		"/a/b":              "/a/b",
		"/a/b/":             "/a/b/",
		"/a//b":             "/a/b",
		"/a/./b/":           "/a/b/",
		"/a/../b":           "/b",
		"/../..":            "/",
		"/a/..":             "/",
		"/a/../":            "/",
		"/a/.":              "/a",
		"a/b":               "/a/b",
		"*":                 "/*",
		"/a/..b/":           "/a/..b/",
		"/api/../admin/x/.": "/admin/x",
	}
	for in, want := range tests {
		t.Run("cleaning "+in, func(t *testing.T) {
			if got := cleanPath(in); got != want {
				t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestCleanPathDoesNotAllocateForACleanPath(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { cleanPath("/api/users/42/") })
	if allocs != 0 {
		t.Errorf("cleanPath allocates %v times for a clean path, want 0", allocs)
	}
}

func TestFirstMatchingRouteWins(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{
		{Name: "user", Match: config.Match{Path: "/api/users/{id}"}},
		{Name: "api", Match: config.Match{PathPrefix: "/api"}},
		{Name: "user-shadowed", Match: config.Match{Path: "/api/users/{id}"}},
		{Name: "rest"},
	}}
	table := mustCompileTable(t, cfg, nil)
	for target, want := range map[string]string{"/api/users/1": "user", "/api/users": "api", "/home": "rest"} {
		d, ok := table.Decide(newRouteRequest("GET", target))
		if !ok || d.Route.Name != want {
			t.Errorf("%s went to %v (matched %v), want %s", target, d.Route, ok, want)
		}
	}
}

func TestNoMatchingRoute(t *testing.T) {
	table := mustCompileTable(t, &config.Config{Routes: []config.Route{{Name: "api", Match: config.Match{PathPrefix: "/api"}}}}, nil)
	if d, ok := table.Decide(newRouteRequest("GET", "/other")); ok {
		t.Errorf("Decide matched %q, want no match", d.Route.Name)
	}
	if _, ok := new(Table).Decide(newRouteRequest("GET", "/")); ok {
		t.Error("the zero Table matched a request")
	}
}

func mustCompileTable(t testing.TB, cfg *config.Config, states []ficus.RouteState) *Table {
	t.Helper()
	table, err := Compile(cfg, states)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return table
}

// newRouteRequest builds a server-side request as the proxy sees it; method "" means GET.
func newRouteRequest(method, target string) *http.Request {
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = "/"
	}
	return httptest.NewRequest(method, target, nil)
}

// FuzzCleanPath checks the allocation-free fast path against path.Clean: whatever the input, the
// result is what path.Clean gives (plus the kept trailing slash) and is itself clean.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "", "/a/../b/", "/./", "a//b", "/..", "/a/b/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		want := path.Clean("/" + p)
		if strings.HasSuffix(p, "/") && want != "/" {
			want += "/"
		}
		got := cleanPath(p)
		if got != want {
			t.Fatalf("cleanPath(%q) = %q, want %q", p, got, want)
		}
		if !isClean(got) || cleanPath(got) != got {
			t.Fatalf("cleanPath(%q) = %q is not clean itself", p, got)
		}
	})
}
