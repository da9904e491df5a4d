package admin

import (
	"context"
	"net/http"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/rollout"
)

// RolloutService runs routes' progressive rollouts (control.Rollouts implements it). Each command
// acts on behalf of actor and returns the rollout's status after it.
type RolloutService interface {
	// Status returns a route's rollout, or an ENotFound error for an unknown route.
	Status(ctx context.Context, route string) (control.RolloutStatus, error)
	// Start begins a rollout with plan, or the route's plan in the config when plan is nil.
	Start(ctx context.Context, actor, route string, plan *rollout.Plan) (control.RolloutStatus, error)
	Promote(ctx context.Context, actor, route string) (control.RolloutStatus, error)
	Pause(ctx context.Context, actor, route, reason string) (control.RolloutStatus, error)
	Resume(ctx context.Context, actor, route string) (control.RolloutStatus, error)
	Abort(ctx context.Context, actor, route, reason string) (control.RolloutStatus, error)
}

var _ RolloutService = (*control.Rollouts)(nil)

// errNoRollouts answers the rollout endpoints of a server built without a RolloutService.
var errNoRollouts = ficus.Errorf(ficus.EUnavailable, "rollouts are not available on this server")

// rolloutRequest is the optional body of the rollout commands.
type rolloutRequest struct {
	// Reason is recorded with a pause or an abort (and ignored by the other commands, whose events
	// say what happened on their own).
	Reason string `json:"reason"`
}

func (s *server) getRollout(w http.ResponseWriter, r *http.Request, _ string) error {
	if s.rollouts == nil {
		return errNoRollouts
	}
	st, err := s.rollouts.Status(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

// rolloutCommand returns the handler of POST /api/v1/routes/{name}/rollout/<command>.
func rolloutCommand(do func(rs RolloutService, ctx context.Context, actor, route, reason string) (control.RolloutStatus, error)) func(*server, http.ResponseWriter, *http.Request, string) error {
	return func(s *server, w http.ResponseWriter, r *http.Request, actor string) error {
		if s.rollouts == nil {
			return errNoRollouts
		}
		var req rolloutRequest
		if r.ContentLength != 0 {
			if err := decodeBody(w, r, &req); err != nil {
				return err
			}
		}
		st, err := do(s.rollouts, r.Context(), actor, r.PathValue("name"), req.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, st)
	}
}

var (
	startRollout = rolloutCommand(func(rs RolloutService, ctx context.Context, actor, route, _ string) (control.RolloutStatus, error) {
		return rs.Start(ctx, actor, route, nil)
	})
	promoteRollout = rolloutCommand(func(rs RolloutService, ctx context.Context, actor, route, _ string) (control.RolloutStatus, error) {
		return rs.Promote(ctx, actor, route)
	})
	pauseRollout = rolloutCommand(func(rs RolloutService, ctx context.Context, actor, route, reason string) (control.RolloutStatus, error) {
		return rs.Pause(ctx, actor, route, reason)
	})
	resumeRollout = rolloutCommand(func(rs RolloutService, ctx context.Context, actor, route, _ string) (control.RolloutStatus, error) {
		return rs.Resume(ctx, actor, route)
	})
	abortRollout = rolloutCommand(func(rs RolloutService, ctx context.Context, actor, route, reason string) (control.RolloutStatus, error) {
		return rs.Abort(ctx, actor, route, reason)
	})
)
