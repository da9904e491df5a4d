package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/verify"
)

// VerifyService serves GET /api/v1/migration/verify: the last data verification of the
// migration's target (verify.Results implements it).
type VerifyService interface {
	// Last returns the last verification recorded in the target, or verify.ErrNoResult.
	Last(ctx context.Context) (*verify.Result, error)
}

var _ VerifyService = verify.Results{}

// errNoVerify answers the endpoint on a server whose config has no migration target.
var errNoVerify = ficus.Errorf(ficus.EUnavailable, "this server's config has no migration target to read verifications from")

func (s *server) getVerify(w http.ResponseWriter, r *http.Request, _ string) error {
	if s.verify == nil {
		return errNoVerify
	}
	res, err := s.verify.Last(r.Context())
	switch {
	case errors.Is(err, verify.ErrNoResult):
		return ficus.Errorf(ficus.ENotFound, "no verification has been recorded in the migration target: run 'ficus verify'")
	case err != nil:
		// The target is a dependency: its failure is a 503, with the details in the log only.
		s.log.Error("admin API: read the last verification", "err", err)
		return ficus.Errorf(ficus.EUnavailable, "the migration target cannot be read; the server log says why")
	}
	return writeJSON(w, http.StatusOK, res)
}
