package admin

import (
	"net/http"

	"github.com/ficus-dev/ficus"
)

type statusBody struct {
	Status string `json:"status"`
}

// healthz says the process is up and serving; it checks nothing else, so that a slow dependency
// never gets a live process restarted.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request, _ string) error {
	return writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

// readyz says whether ficus should receive traffic, as judged by Options.Ready.
func (s *server) readyz(w http.ResponseWriter, _ *http.Request, _ string) error {
	if s.ready != nil {
		if err := s.ready(); err != nil {
			return ficus.Errorf(ficus.EUnavailable, "not ready: %v", err)
		}
	}
	return writeJSON(w, http.StatusOK, statusBody{Status: "ready"})
}

func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request, _ string) error {
	if s.metrics == nil {
		return ficus.Errorf(ficus.ENotFound, "metrics are not enabled")
	}
	s.metrics.ServeHTTP(w, r)
	return nil
}
