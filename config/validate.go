package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/internal/pathtmpl"
)

// Validate fills the defaults of a Config built in code, resolves its secrets from the process
// environment and the files it names, normalises what has a canonical form (methods upper case, hosts
// lower case), and returns an *Error listing every problem, or nil. Problems carry no line.
func (c *Config) Validate() error {
	c.setDefaults()
	if problems := c.validate(os.LookupEnv); len(problems) > 0 {
		return errorOf(c.File, problems)
	}
	return nil
}

// checker collects problems; each check adds to it and goes on, so that one run reports everything.
type checker struct {
	problems []Problem
	env      func(string) (string, bool)
	// skipSecrets leaves secrets unresolved (their keys are still checked), for LoadForClient and
	// LoadMigration.
	skipSecrets bool
	// skipMigrationSecrets leaves the migration URLs' ${NAME} references unexpanded (their syntax is
	// still checked), for LoadForClient.
	skipMigrationSecrets bool
	// gatewayOptional lets backends and routes be absent, for LoadMigration; when either is present
	// both are checked as usual.
	gatewayOptional bool
}

func (k *checker) add(path, format string, args ...any) {
	k.problems = append(k.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// validate checks c and resolves its secrets. Paths in the problems are filled, lines are not: Parse
// knows them, Validate does not.
func (c *Config) validate(env func(string) (string, bool)) []Problem {
	return c.check(&checker{env: env})
}

func (c *Config) check(k *checker) []Problem {
	k.listeners(c)
	if c.Store == "" {
		k.add("store", "must not be empty; the default is %q", DefaultStore)
	}
	if c.BackendHeader != nil && *c.BackendHeader != "" && !isToken(*c.BackendHeader) {
		k.add("backend_header", "%q is not a valid header name", *c.BackendHeader)
	}
	if c.Override != nil {
		k.override(c.Override)
	}
	k.tokens(c.Admin.Tokens)
	k.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	k.oneOf("log.format", c.Log.Format, "text", "json")
	k.positive("shutdown_timeout", c.ShutdownTimeout)
	k.shadow(&c.Shadow)
	k.diff(&c.Diff)
	if !k.gatewayOptional || c.hasGateway() {
		k.backend("backends.legacy", &c.Backends.Legacy)
		k.backend("backends.modern", &c.Backends.Modern)
		k.routes(c.Routes)
	}
	k.rollouts(c)
	k.prometheus(c.Prometheus)
	k.webhooks(c.Notifications.Webhooks)
	k.migration(c.Migration)
	return k.problems
}

func (k *checker) listeners(c *Config) {
	if err := checkHostPort(c.Listen); err != nil {
		k.add("listen", "%v", err)
	}
	switch {
	case c.Admin.Listen == "":
		k.add("admin.listen", "is required: the admin API, metrics and health checks need their own listener")
	case checkHostPort(c.Admin.Listen) != nil:
		k.add("admin.listen", "%v", checkHostPort(c.Admin.Listen))
	case c.Admin.Listen == c.Listen && !strings.HasSuffix(c.Listen, ":0"):
		k.add("admin.listen", "%q is also the proxy's listen address; give the admin listener its own", c.Admin.Listen)
	}
	if c.TLS != nil {
		k.pair("tls", c.TLS.CertFile, c.TLS.KeyFile, true)
	}
}

// pair checks a certificate and its key: both set (or, unless required, neither) and readable.
func (k *checker) pair(p, cert, key string, required bool) {
	switch {
	case cert == "" && key == "" && required:
		k.add(p, "cert_file and key_file are required")
	case cert == "" && key != "":
		k.add(p, "key_file is set but cert_file is not; set both or neither")
	case cert != "" && key == "":
		k.add(p, "cert_file is set but key_file is not; set both or neither")
	}
	k.readable(p+".cert_file", cert)
	k.readable(p+".key_file", key)
}

// readable checks that a file named in the config can be opened; "" is not checked.
func (k *checker) readable(p, file string) {
	if file == "" {
		return
	}
	f, err := os.Open(file)
	if err != nil {
		k.add(p, "cannot read %q: %v", file, pathErr(err))
		return
	}
	f.Close()
}

// pathErr drops the operation and path that *fs.PathError repeats, since the message names the file.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (k *checker) oneOf(p, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	k.add(p, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

func (k *checker) positive(p string, d Duration) {
	if d <= 0 {
		k.add(p, "must be more than 0s, not %v", d)
	}
}

func (k *checker) backend(p string, b *Backend) {
	if len(b.URLs) == 0 {
		k.add(p+".urls", "at least one URL is required, e.g. http://127.0.0.1:8081")
	}
	seen := map[string]int{}
	for i, raw := range b.URLs {
		up := fmt.Sprintf("%s.urls[%d]", p, i)
		if err := checkUpstream(raw); err != nil {
			k.add(up, "%v", err)
		} else if j, dup := seen[raw]; dup {
			k.add(up, "%q is already listed as urls[%d]", raw, j)
		}
		seen[raw] = i
	}
	if b.Host != "" {
		if err := checkHostPort(b.Host); err != nil && !isHostName(b.Host) {
			k.add(p+".host", "%q is not a host name, with or without a port", b.Host)
		}
	}
	k.positive(p+".timeouts.connect", b.Timeouts.Connect)
	k.positive(p+".timeouts.response_header", b.Timeouts.ResponseHeader)
	k.positive(p+".timeouts.idle", b.Timeouts.Idle)
	if b.MaxIdleConns < 1 {
		k.add(p+".max_idle_conns", "must be at least 1, not %d", b.MaxIdleConns)
	}
	if b.Health.MaxFails < 1 {
		k.add(p+".health.max_fails", "must be at least 1, not %d", b.Health.MaxFails)
	}
	k.positive(p+".health.cooldown", b.Health.Cooldown)
	k.readable(p+".tls.ca_file", b.TLS.CAFile)
	k.pair(p+".tls", b.TLS.CertFile, b.TLS.KeyFile, false)
	if b.TLS.ServerName != "" && !isHostName(b.TLS.ServerName) {
		k.add(p+".tls.server_name", "%q is not a host name", b.TLS.ServerName)
	}
}

// checkUpstream checks an upstream URL: the request's path and query are appended to it, so it may
// carry a path prefix but nothing that could not be combined with them.
func checkUpstream(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q must start with http:// or https://", raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return fmt.Errorf("%q must not hold credentials (user:password@); set an Authorization header in the backend instead", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%q must not have a query or fragment: the request's own are sent", raw)
	}
	return nil
}

func (k *checker) routes(routes []Route) {
	if len(routes) == 0 {
		k.add("routes", "at least one route is required; a route with an empty match sends every request to its stage")
		return
	}
	names := map[string]int{}
	catchAll := -1
	for i := range routes {
		r := &routes[i]
		p := fmt.Sprintf("routes[%d]", i)
		switch j, dup := names[r.Name]; {
		case r.Name == "":
			k.add(p+".name", "is required")
		case !routeName.MatchString(r.Name):
			k.add(p+".name", "%q is not a valid route name: use up to 63 of a-z, 0-9, _ and -, starting with a letter or digit", r.Name)
		case dup:
			k.add(p+".name", "%q is already the name of routes[%d]%s", r.Name, j, onLine(routes[j].Line))
		default:
			names[r.Name] = i
		}
		k.stage(p, r)
		k.match(p+".match", &r.Match)
		k.headerName(p+".sticky.header", r.Sticky.Header)
		k.cookieName(p+".sticky.cookie", r.Sticky.Cookie)
		k.mirror(p+".mirror", &r.Mirror)
		k.routeDiff(p+".diff", &r.Diff)
		if catchAll < 0 && matchesAll(r.Match) {
			catchAll = i
		}
	}
	if catchAll >= 0 && catchAll < len(routes)-1 {
		a, b := routes[catchAll], routes[catchAll+1]
		k.add(fmt.Sprintf("routes[%d]", catchAll), "route %q%s matches every request, so route %q%s after it can never match; the catch-all must be the last route",
			a.Name, onLine(a.Line), b.Name, onLine(b.Line))
	}
}

func onLine(line int) string {
	if line == 0 {
		return ""
	}
	return fmt.Sprintf(" on line %d", line)
}

func (k *checker) stage(p string, r *Route) {
	w := r.Weight
	switch {
	case !r.Stage.Valid():
		k.add(p+".stage", "%q is not one of "+ficus.StageList, r.Stage)
	case math.IsNaN(w) || w < 0 || w > ficus.MaxWeight:
		k.add(p+".weight", "%v is outside 0-100", w)
	case math.Round(w*100)/100 != w:
		k.add(p+".weight", "%v has more than two decimals; the finest step is 0.01", w)
	case w != 0 && r.Stage != ficus.StageCanary:
		k.add(p+".weight", "a weight is only for stage canary; stage %s sends every client to %s (remove the weight or use stage canary)", r.Stage, sideOf(r.Stage))
	}
}

func sideOf(s ficus.Stage) ficus.Side {
	if s == ficus.StageModern {
		return ficus.SideModern
	}
	return ficus.SideLegacy
}

// matchesAll reports whether a route's match lets every request through: an empty match, or only the
// path prefix "/".
func matchesAll(m Match) bool {
	return m.Host == "" && m.Path == "" && (m.PathPrefix == "" || m.PathPrefix == "/") &&
		len(m.Methods) == 0 && len(m.Headers) == 0
}

func (k *checker) match(p string, m *Match) {
	if m.Path != "" && m.PathPrefix != "" {
		k.add(p, "path and path_prefix cannot both be set: path is an exact path or template, path_prefix a prefix")
	}
	if m.Path != "" && k.cleanPath(p+".path", m.Path) && strings.ContainsAny(m.Path, "{}") {
		if _, err := pathtmpl.Parse(m.Path); err != nil {
			k.add(p+".path", "%q is not a valid template: %v", m.Path, err)
		}
	}
	if m.PathPrefix != "" && k.cleanPath(p+".path_prefix", m.PathPrefix) && strings.ContainsAny(m.PathPrefix, "{}") {
		k.add(p+".path_prefix", "%q: templates ({name}) are only allowed in path, not in path_prefix", m.PathPrefix)
	}
	for i, meth := range m.Methods {
		if !isToken(meth) {
			k.add(fmt.Sprintf("%s.methods[%d]", p, i), "%q is not a valid HTTP method", meth)
			continue
		}
		m.Methods[i] = strings.ToUpper(meth)
		for _, prev := range m.Methods[:i] {
			if prev == m.Methods[i] {
				k.add(fmt.Sprintf("%s.methods[%d]", p, i), "%s is listed twice", m.Methods[i])
			}
		}
	}
	k.matchHeaders(p+".headers", m.Headers)
	k.host(p+".host", m)
}

// cleanPath checks that a match path starts with "/" and is clean: requests are matched on their
// cleaned path, so "/a//b" or "/a/./b" would never match anything.
func (k *checker) cleanPath(p, s string) bool {
	if !strings.HasPrefix(s, "/") {
		k.add(p, "%q must start with /", s)
		return false
	}
	clean := path.Clean(s)
	if strings.HasSuffix(s, "/") && clean != "/" {
		clean += "/"
	}
	if clean != s {
		k.add(p, "%q is not a clean path and would never match (requests are matched on their cleaned path); write %q", s, clean)
		return false
	}
	return true
}

func (k *checker) matchHeaders(p string, headers map[string]string) {
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		hp := fmt.Sprintf("%s[%q]", p, name)
		k.headerName(hp, name)
		if i > 0 && strings.EqualFold(names[i-1], name) {
			k.add(hp, "%q and %q are the same header (names are case-insensitive)", names[i-1], name)
		}
	}
}

func (k *checker) host(p string, m *Match) {
	if m.Host == "" {
		return
	}
	name, wildcard := strings.CutPrefix(m.Host, "*.")
	if !isHostName(name) || strings.Contains(name, ":") || wildcard && net.ParseIP(name) != nil {
		k.add(p, "%q is not a host name (without port) or *.suffix", m.Host)
		return
	}
	m.Host = strings.ToLower(m.Host)
}

func (k *checker) headerName(p, name string) {
	if name != "" && !isToken(name) {
		k.add(p, "%q is not a valid header name", name)
	}
}

func (k *checker) cookieName(p, name string) {
	if name != "" && !isToken(name) {
		k.add(p, "%q is not a valid cookie name", name)
	}
}
