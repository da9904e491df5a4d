// Package admin is ficus's admin HTTP API: health and readiness, metrics, the /api/v1 REST endpoints
// that read and change routes, read and reset the parallel run's diff results, run rollouts and read
// the audit log and the last data verification, bearer-token authentication with roles, the mapping
// of domain errors to HTTP statuses, the embedded OpenAPI document, and a Go client for it.
//
// It owns no state: route states come from a ficus.RouteService, diff results from a DiffService and
// audit entries from a ficus.AuditLog, all wired in cmd/ficus. It does not listen; New returns an
// http.Handler.
package admin

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// Options configure the admin API.
type Options struct {
	// Routes reads and changes route states. Required.
	Routes ficus.RouteService
	// Audit is read by GET /api/v1/audit. Required.
	Audit ficus.AuditLog
	// Diffs serves GET and DELETE /api/v1/routes/{name}/diff. Nil: they answer 503 unavailable, for
	// servers wired without the parallel run.
	Diffs DiffService
	// Rollouts serves GET /api/v1/routes/{name}/rollout and the rollout commands. Nil: they answer
	// 503 unavailable, for servers wired without rollouts.
	Rollouts RolloutService
	// Verify serves GET /api/v1/migration/verify, the last data verification. Nil: it answers 503
	// unavailable, for servers whose config has no migration target.
	Verify VerifyService
	// Tokens are the accepted bearer tokens, with their secrets resolved in Token.Secret. With none,
	// reads are open to anyone who reaches the listener and every change is refused: no token, no
	// mutation. A token with an empty Secret never matches.
	Tokens []config.Token
	// Metrics is served at GET /metrics. Nil: /metrics answers 404.
	Metrics http.Handler
	// Ready is asked by GET /readyz: nil error means 200, an error means 503 with its text. Nil:
	// always ready.
	Ready func() error
	// Logger receives internal errors with their details (clients get a generic message). Nil:
	// nothing is logged.
	Logger *slog.Logger
}

// server holds what the handlers need; it is immutable once New returns.
type server struct {
	routes   ficus.RouteService
	audit    ficus.AuditLog
	diffs    DiffService
	rollouts RolloutService
	verify   VerifyService
	auth     authenticator
	metrics  http.Handler
	ready    func() error
	log      *slog.Logger
}

// New returns the admin API handler. It panics when Options.Routes or Options.Audit is nil, a wiring
// mistake that no request could recover from.
func New(o Options) http.Handler {
	if o.Routes == nil || o.Audit == nil {
		panic("admin: Options.Routes and Options.Audit are required")
	}
	s := &server{
		routes:   o.Routes,
		audit:    o.Audit,
		diffs:    o.Diffs,
		rollouts: o.Rollouts,
		verify:   o.Verify,
		auth:     newAuthenticator(o.Tokens),
		metrics:  o.Metrics,
		ready:    o.Ready,
		log:      o.Logger,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s.mux()
}

// mux registers each path once, without a method, so that a wrong method gets a JSON 405 from
// dispatch instead of ServeMux's plain-text one; "/" answers every unknown path with a JSON 404.
func (s *server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	byPath := map[string][]endpoint{}
	var paths []string
	for _, ep := range endpoints {
		if _, seen := byPath[ep.path]; !seen {
			paths = append(paths, ep.path)
		}
		byPath[ep.path] = append(byPath[ep.path], ep)
	}
	for _, p := range paths {
		mux.Handle(p, s.dispatch(byPath[p]))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, ficus.Errorf(ficus.ENotFound, "no such endpoint: %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	})
	return mux
}

// dispatch picks the endpoint of the request's method among those sharing one path, authorizes the
// caller and runs the handler; any error becomes a JSON error response.
func (s *server) dispatch(eps []endpoint) http.Handler {
	allow := allowedMethods(eps)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, ok := findEndpoint(eps, r.Method)
		if !ok {
			w.Header().Set("Allow", allow)
			s.fail(w, r, ficus.Errorf(eMethodNotAllowed, "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
			return
		}
		actor, err := s.auth.authorize(r, ep.role)
		if err == nil {
			err = ep.handle(s, w, r, actor)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// findEndpoint returns the endpoint for method; HEAD is served by the GET endpoint (net/http drops
// the body), so that monitoring probes using HEAD work.
func findEndpoint(eps []endpoint, method string) (endpoint, bool) {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, ep := range eps {
		if ep.method == method {
			return ep, true
		}
	}
	return endpoint{}, false
}

func allowedMethods(eps []endpoint) string {
	var ms []string
	for _, ep := range eps {
		ms = append(ms, ep.method)
		if ep.method == http.MethodGet {
			ms = append(ms, http.MethodHead)
		}
	}
	return strings.Join(ms, ", ")
}
