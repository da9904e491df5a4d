package admin

import (
	"context"
	"net/http"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/diff"
)

// DiffService serves the parallel run's results (control.Diffs implements it).
type DiffService interface {
	// Report returns a route's results, or an ENotFound error for an unknown route.
	Report(ctx context.Context, route string) (diff.Report, error)
	// Reset clears a route's results on behalf of actor, audited, and returns the empty report.
	Reset(ctx context.Context, actor, route string) (diff.Report, error)
}

// errNoDiffs answers the diff endpoints of a server built without a DiffService.
var errNoDiffs = ficus.Errorf(ficus.EUnavailable, "the parallel run's results are not available on this server")

func (s *server) getDiff(w http.ResponseWriter, r *http.Request, _ string) error {
	if s.diffs == nil {
		return errNoDiffs
	}
	rep, err := s.diffs.Report(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *server) resetDiff(w http.ResponseWriter, r *http.Request, actor string) error {
	if s.diffs == nil {
		return errNoDiffs
	}
	rep, err := s.diffs.Reset(r.Context(), actor, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
