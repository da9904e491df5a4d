// Package config owns ficus's YAML configuration file: its types, the defaults (set in one place,
// defaults.go), strict loading (unknown keys are errors) and validation whose errors name the file,
// the line and the allowed values. It knows nothing about how the values are used.
package config

import (
	"time"

	"github.com/ficus-dev/ficus"
)

// Config is the whole configuration file.
type Config struct {
	// Listen is the address of the proxy listener. Default "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// TLS, when set, makes the proxy listener serve HTTPS (HTTP/2 negotiated by ALPN). Nil: plain
	// HTTP/1.1 and h2c.
	TLS *ServerTLS `yaml:"tls"`
	// Admin configures the admin listener (API, metrics, health).
	Admin Admin `yaml:"admin"`
	// Store is where ficus keeps its state: a SQLite file path (default "ficus.db"), relative paths
	// being relative to the config file's directory.
	Store string `yaml:"store"`
	// BackendHeader names the response header that tells which side served a request. Default
	// "X-Ficus-Backend"; the empty string disables it.
	BackendHeader *string `yaml:"backend_header"`
	// Override lets testers force a side. Nil (the default) disables it.
	Override *Override `yaml:"override"`
	// Log configures structured logging and the access log.
	Log Log `yaml:"log"`
	// ShutdownTimeout bounds how long a graceful shutdown waits for in-flight requests. Default 30s.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// Shadow configures the parallel run (stage shadow, and canary with shadow.in_canary): how mirrored
	// requests are queued and sent. The zero value means the defaults.
	Shadow Shadow `yaml:"shadow"`
	// Diff configures how legacy and modern answers are compared, for every route; a route's own diff
	// section adds to it.
	Diff Diff `yaml:"diff"`
	// Backends are the two sides.
	Backends Backends `yaml:"backends"`
	// Routes are matched in file order; the first match wins.
	Routes []Route `yaml:"routes"`
	// Prometheus is queried by the rollouts' metric gates. Nil: no metric gate may be configured.
	Prometheus *Prometheus `yaml:"prometheus"`
	// Notifications says who is told about rollouts' transitions. The zero value tells no one.
	Notifications Notifications `yaml:"notifications"`
	// Migration is the database migration run by 'ficus migrate' (see migration.go). Nil: the file
	// has none.
	Migration *Migration `yaml:"migration"`

	// File is the path the config was loaded from ("" when built in code). Not part of the YAML.
	File string `yaml:"-"`
}

// ServerTLS is a certificate for a listener.
type ServerTLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Admin configures the admin listener.
type Admin struct {
	// Listen is the admin listener's address. Default "127.0.0.1:9090"; "" is not allowed.
	Listen string `yaml:"listen"`
	// Tokens are the bearer tokens accepted by the admin API. With none, the API is read-only for
	// everyone on the admin listener.
	Tokens []Token `yaml:"tokens"`
}

// Role is what a token may do.
type Role string

// Roles, each including the ones before it.
const (
	RoleViewer   Role = "viewer"   // read
	RoleOperator Role = "operator" // change stages, roll back
	RoleAdmin    Role = "admin"    // everything
)

// Roles lists the valid roles.
var Roles = []Role{RoleViewer, RoleOperator, RoleAdmin}

// Token is one admin API bearer token. Exactly one of TokenEnv and TokenFile is set; secrets are never
// written in the config file itself.
type Token struct {
	// Name identifies the token in the audit log.
	Name string `yaml:"name"`
	// Role is viewer, operator or admin.
	Role Role `yaml:"role"`
	// TokenEnv names an environment variable holding the token.
	TokenEnv string `yaml:"token_env"`
	// TokenFile names a file holding the token (surrounding whitespace is trimmed).
	TokenFile string `yaml:"token_file"`

	// Secret is the resolved token value, filled by Load. Not part of the YAML.
	Secret string `yaml:"-"`
}

// Override lets a request force a side with a header or a cookie whose value is "SIDE:SECRET", e.g.
// "X-Ficus-Override: modern:s3cret". A wrong secret is ignored (and counted).
type Override struct {
	// Header is the request header. Default "X-Ficus-Override".
	Header string `yaml:"header"`
	// Cookie is the cookie name. Default "ficus_override".
	Cookie string `yaml:"cookie"`
	// SecretEnv or SecretFile holds the secret; exactly one is required.
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`

	// Secret is the resolved secret, filled by Load. Not part of the YAML.
	Secret string `yaml:"-"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is text or json. Default text.
	Format string `yaml:"format"`
	// Access enables an access log line per proxied request, written as JSON. Default false.
	Access bool `yaml:"access"`
	// AccessFile is where the access log goes; "" or "-" means standard output.
	AccessFile string `yaml:"access_file"`
}

// Backends are the two sides.
type Backends struct {
	Legacy Backend `yaml:"legacy"`
	Modern Backend `yaml:"modern"`
}

// Side returns the backend of a side.
func (b *Backends) Side(s ficus.Side) *Backend {
	if s == ficus.SideModern {
		return &b.Modern
	}
	return &b.Legacy
}

// Backend is one side: one or more upstream URLs, balanced round robin with passive health checks.
type Backend struct {
	// URLs are the upstreams, http:// or https://, with an optional path prefix that is prepended to
	// the request path. At least one.
	URLs []string `yaml:"urls"`
	// Host, when set, is sent as the Host header instead of the client's.
	Host string `yaml:"host"`
	// Timeouts bound each upstream request.
	Timeouts Timeouts `yaml:"timeouts"`
	// TLS configures https:// upstreams.
	TLS UpstreamTLS `yaml:"tls"`
	// MaxIdleConns is the keep-alive pool size per upstream. Default 512.
	MaxIdleConns int `yaml:"max_idle_conns"`
	// Health configures passive health checking.
	Health Health `yaml:"health"`
}

// Timeouts bound upstream requests. A zero duration means the default; there is no "no timeout".
type Timeouts struct {
	// Connect bounds dialing (and the TLS handshake). Default 5s.
	Connect Duration `yaml:"connect"`
	// ResponseHeader bounds the wait for the response headers after the request is written. Default 60s.
	ResponseHeader Duration `yaml:"response_header"`
	// Idle is how long an idle keep-alive connection is kept. Default 90s.
	Idle Duration `yaml:"idle"`
}

// UpstreamTLS configures TLS to upstreams.
type UpstreamTLS struct {
	// CAFile is a PEM bundle of CAs to trust instead of the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate (both or neither).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked against the upstream's certificate.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify disables certificate checks. For tests only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Health configures passive health checking: an upstream whose connection attempts fail MaxFails times
// in a row is skipped for Cooldown.
type Health struct {
	// MaxFails is the number of consecutive failed connects that mark an upstream down. Default 1.
	MaxFails int `yaml:"max_fails"`
	// Cooldown is how long a down upstream is skipped. Default 10s.
	Cooldown Duration `yaml:"cooldown"`
}

// Route sends matching requests to a side according to its stage.
type Route struct {
	// Name identifies the route in the API, CLI, metrics and audit log. Unique; [a-z0-9_-]+.
	Name string `yaml:"name"`
	// Match selects requests. An empty match catches every request and must be the last route.
	Match Match `yaml:"match"`
	// Stage is the initial stage: legacy (default), canary or modern.
	Stage ficus.Stage `yaml:"stage"`
	// Weight is the initial canary weight, 0-100. Only meaningful in stage canary.
	Weight float64 `yaml:"weight"`
	// Sticky chooses the key that assigns a client to a side in stage canary.
	Sticky Sticky `yaml:"sticky"`
	// Mirror says which requests of the route are shadowed to modern and compared. The zero value
	// mirrors every GET, HEAD and OPTIONS request in stage shadow.
	Mirror Mirror `yaml:"mirror"`
	// Diff adds route-specific comparison rules to the global ones.
	Diff RouteDiff `yaml:"diff"`
	// Rollout is the route's progressive rollout plan. Nil: the route has no plan in the file (one can
	// still be given when starting a rollout through the API).
	Rollout *Rollout `yaml:"rollout"`

	// Line is the line of the route in the file, for error messages. Not part of the YAML.
	Line int `yaml:"-"`
}

// Match selects requests. Every condition that is set must hold.
type Match struct {
	// Host matches the request's host (without port), case-insensitive; a leading "*." matches any
	// subdomain.
	Host string `yaml:"host"`
	// Path is an exact path, or a template when it contains braces: "/api/users/{id}" matches one
	// segment, "/static/{rest...}" matches the rest of the path (a final segment only).
	Path string `yaml:"path"`
	// PathPrefix matches paths starting with it at a segment boundary ("/api" matches "/api" and
	// "/api/x", not "/apix"); "/" matches everything.
	PathPrefix string `yaml:"path_prefix"`
	// Methods, when not empty, lists the accepted methods.
	Methods []string `yaml:"methods"`
	// Headers maps header names to the exact value they must have; the value "*" only requires
	// presence.
	Headers map[string]string `yaml:"headers"`
}

// Sticky chooses the canary assignment key: the header when the request has it, else the cookie, else
// the client IP.
type Sticky struct {
	// Header names a request header such as X-User-Id.
	Header string `yaml:"header"`
	// Cookie names a cookie such as session_id.
	Cookie string `yaml:"cookie"`
}

// Shadow configures the mirroring machinery shared by every route.
type Shadow struct {
	// Workers is the number of goroutines sending mirrored requests. Default 8.
	Workers int `yaml:"workers"`
	// Queue is how many mirrored requests may wait for a worker; when it is full a request is not
	// mirrored and the skip is counted (reason queue_full). Default 1024.
	Queue int `yaml:"queue"`
	// Timeout bounds each mirrored request to modern (and the second legacy request). Default 5s.
	Timeout Duration `yaml:"timeout"`
	// MaxBody is the largest response body, in bytes, that is kept for comparison; larger bodies are
	// still served in full but the comparison is skipped (reason body_too_large). Default 1048576.
	MaxBody int `yaml:"max_body"`
	// Header is added to every mirrored request (value "1") so that modern can tell a shadow request.
	// Default "X-Ficus-Shadow".
	Header string `yaml:"header"`
	// Samples is how many sample pairs are kept per field. Default 5.
	Samples int `yaml:"samples"`
}

// Diff is the comparison configuration shared by every route.
type Diff struct {
	// Headers lists the response headers compared. Empty: Content-Type, Cache-Control, Expires,
	// Location, Vary, Content-Language.
	Headers []string `yaml:"headers"`
	// IgnoreHeaders are left out of Headers.
	IgnoreHeaders []string `yaml:"ignore_headers"`
	// Ignore lists JSON path patterns whose differences are dropped: $.a.b, $.items[*].updated_at,
	// $..etag, $['odd key'].
	Ignore []string `yaml:"ignore"`
	// Unordered lists JSON path patterns of arrays compared without regard to order.
	Unordered []string `yaml:"unordered"`
	// Text is how non-JSON bodies are normalised before comparing: "exact" (default) or a
	// comma-separated list of newlines, trim, collapse.
	Text string `yaml:"text"`
	// Noise sets the thresholds above which a field that also differs between two legacy answers still
	// counts as a defect.
	Noise Noise `yaml:"noise"`
	// Redact configures what is removed from samples before they are stored or shown.
	Redact Redact `yaml:"redact"`
}

// Noise holds the noise-cancellation thresholds: a field counts as a defect only when its
// legacy-vs-modern difference rate exceeds its legacy-vs-legacy rate by more than Relative (as a
// fraction of the noise rate) and by more than Absolute (as a fraction of requests).
type Noise struct {
	// Relative is the relative threshold. Default 0.2 (20%).
	Relative float64 `yaml:"relative"`
	// Absolute is the absolute threshold. Default 0.0003 (0.03% of requests).
	Absolute float64 `yaml:"absolute"`
}

// Redact configures redaction of samples.
type Redact struct {
	// Disabled turns off redaction (the built-in detectors for e-mail addresses, card numbers, bearer
	// tokens and API keys, and Paths). Authorization, Cookie and Set-Cookie are never stored regardless.
	// Default false: redaction is on.
	Disabled bool `yaml:"disabled"`
	// Paths are JSON path patterns whose values are always redacted.
	Paths []string `yaml:"paths"`
}

// Mirror says which requests of a route are shadowed.
type Mirror struct {
	// Sample is the fraction (0-1) of eligible requests that are mirrored. Default 1.
	Sample *float64 `yaml:"sample"`
	// Writes also mirrors methods other than GET, HEAD and OPTIONS. Dangerous: modern then performs
	// every write a second time; only enable it when modern writes to a scratch database. Default false.
	Writes bool `yaml:"writes"`
	// InCanary keeps mirroring the requests that a canary still serves from legacy, so the diff rate is
	// measured all the way to 100%. Default false.
	InCanary bool `yaml:"in_canary"`
	// Noise sends each mirrored request to legacy a second time and compares the two legacy answers,
	// so that fields that differ between any two calls (timestamps, random ids) are reported as noise
	// rather than defects. Doubles the mirrored load on legacy. Default false.
	Noise bool `yaml:"noise"`
}

// RouteDiff adds route-specific comparison rules to the global Diff.
type RouteDiff struct {
	// Ignore adds JSON path patterns whose differences are dropped.
	Ignore []string `yaml:"ignore"`
	// IgnoreHeaders adds headers left out of the comparison.
	IgnoreHeaders []string `yaml:"ignore_headers"`
	// Unordered adds JSON path patterns of arrays compared without regard to order.
	Unordered []string `yaml:"unordered"`
	// Redact adds JSON path patterns whose values are always redacted.
	Redact []string `yaml:"redact"`
}

// Duration is a time.Duration written as "5s", "1m30s" in YAML.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
