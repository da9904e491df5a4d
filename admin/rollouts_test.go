package admin_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/rollout"
)

// rollouts is an in-memory admin.RolloutService for tests of the HTTP layer; the real one
// (control.Rollouts over the gateway and SQLite) is tested end to end in package control.
type rollouts struct {
	mu                     sync.Mutex
	phase                  rollout.Phase
	lastActor, lastReason  string
	lastCommand, lastRoute string
}

var _ admin.RolloutService = (*rollouts)(nil)

func (r *rollouts) status(route string) (control.RolloutStatus, error) {
	if route != "users" {
		return control.RolloutStatus{}, ficus.Errorf(ficus.ENotFound, "route %q does not exist", route)
	}
	return control.RolloutStatus{State: rollout.State{Route: route, Phase: r.phase}, Strategy: rollout.StrategyCanary,
		Steps: []rollout.Step{{Kind: rollout.StepWeight, Percent: 5}}}, nil
}

func (r *rollouts) Status(ctx context.Context, route string) (control.RolloutStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status(route)
}

func (r *rollouts) command(name, actor, route, reason string, next rollout.Phase) (control.RolloutStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.status(route); err != nil {
		return control.RolloutStatus{}, err
	}
	if name == "start" && r.phase.Active() {
		return control.RolloutStatus{}, ficus.Errorf(ficus.EConflict, "a rollout of %s is already under way", route)
	}
	if name != "start" && !r.phase.Active() {
		return control.RolloutStatus{}, ficus.Errorf(ficus.EConflict, "rollout of %s has not started", route)
	}
	r.lastCommand, r.lastActor, r.lastRoute, r.lastReason, r.phase = name, actor, route, reason, next
	return r.status(route)
}

func (r *rollouts) Start(ctx context.Context, actor, route string, plan *rollout.Plan) (control.RolloutStatus, error) {
	return r.command("start", actor, route, "", rollout.PhaseRunning)
}

func (r *rollouts) Promote(ctx context.Context, actor, route string) (control.RolloutStatus, error) {
	return r.command("promote", actor, route, "", rollout.PhaseRunning)
}

func (r *rollouts) Pause(ctx context.Context, actor, route, reason string) (control.RolloutStatus, error) {
	return r.command("pause", actor, route, reason, rollout.PhaseRunning)
}

func (r *rollouts) Resume(ctx context.Context, actor, route string) (control.RolloutStatus, error) {
	return r.command("resume", actor, route, "", rollout.PhaseRunning)
}

func (r *rollouts) Abort(ctx context.Context, actor, route, reason string) (control.RolloutStatus, error) {
	return r.command("abort", actor, route, reason, rollout.PhaseAborted)
}

func TestRolloutEndpoints(t *testing.T) {
	rs := &rollouts{}
	f := newFixture(t, admin.Options{Tokens: testTokens, Rollouts: rs})
	base := "/api/v1/routes/users/rollout"
	steps := []struct {
		name        string
		method      string
		path        string
		token, body string
		status      int
		phase       rollout.Phase
		command     string
		reason      string
	}{
		{"a viewer reads a rollout that never started", "GET", base, viewerToken, "", 200, "", "", ""},
		{"a viewer may not start one", "POST", base + "/start", viewerToken, "", 403, "", "", ""},
		{"an operator starts it without a body", "POST", base + "/start", operatorToken, "", 200, rollout.PhaseRunning, "start", ""},
		{"a second start is a conflict", "POST", base + "/start", operatorToken, "", 409, rollout.PhaseRunning, "start", ""},
		{"a pause passes its reason on", "POST", base + "/pause", operatorToken, `{"reason":"checking dashboards"}`, 200, rollout.PhaseRunning, "pause", "checking dashboards"},
		{"an unknown field in the body is refused", "POST", base + "/pause", operatorToken, `{"why":"x"}`, 400, rollout.PhaseRunning, "pause", "checking dashboards"},
		{"resume", "POST", base + "/resume", operatorToken, `{}`, 200, rollout.PhaseRunning, "resume", ""},
		{"promote", "POST", base + "/promote", operatorToken, "", 200, rollout.PhaseRunning, "promote", ""},
		{"abort passes its reason on", "POST", base + "/abort", operatorToken, `{"reason":"bad build"}`, 200, rollout.PhaseAborted, "abort", "bad build"},
		{"a command after the end is a conflict", "POST", base + "/promote", operatorToken, "", 409, rollout.PhaseAborted, "abort", "bad build"},
		{"an unknown route is not found", "GET", "/api/v1/routes/nope/rollout", viewerToken, "", 404, rollout.PhaseAborted, "abort", "bad build"},
		{"GET on a command is not allowed", "GET", base + "/start", operatorToken, "", 405, rollout.PhaseAborted, "abort", "bad build"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			res := f.call(t, s.method, s.path, s.token, s.body)
			if res.status != s.status {
				t.Fatalf("status %d, want %d: %s", res.status, s.status, res.body)
			}
			if s.status == 200 {
				var st control.RolloutStatus
				res.decode(t, &st)
				if st.Phase != s.phase || st.Route != "users" || len(st.Steps) != 1 {
					t.Errorf("status %+v", st)
				}
			}
			rs.mu.Lock()
			defer rs.mu.Unlock()
			if rs.lastCommand != s.command || rs.lastReason != s.reason || (s.command != "" && rs.lastActor != "ops") {
				t.Errorf("service got %s by %q with reason %q; want %s by ops with %q", rs.lastCommand, rs.lastActor, rs.lastReason, s.command, s.reason)
			}
		})
	}
}

func TestRolloutEndpointsWithoutRolloutsAreUnavailable(t *testing.T) {
	f := newFixture(t, admin.Options{Tokens: testTokens})
	for _, path := range []string{"/api/v1/routes/users/rollout", "/api/v1/routes/users/rollout/start"} {
		method := http.MethodGet
		if path != "/api/v1/routes/users/rollout" {
			method = http.MethodPost
		}
		res := f.call(t, method, path, operatorToken, "")
		if code, _ := res.apiError(t); res.status != 503 || code != ficus.EUnavailable {
			t.Errorf("%s %s: %d %s, want 503 unavailable", method, path, res.status, code)
		}
	}
}

func TestClientRunsRollouts(t *testing.T) {
	rs := &rollouts{}
	f := newFixture(t, admin.Options{Tokens: testTokens, Rollouts: rs})
	c := admin.NewClient(f.srv.URL, operatorToken, f.srv.Client())
	ctx := t.Context()
	if st, err := c.RolloutCommand(ctx, "users", "start", ""); err != nil || st.Phase != rollout.PhaseRunning {
		t.Fatalf("start: %+v, %v", st.State, err)
	}
	if st, err := c.RolloutCommand(ctx, "users", "abort", "bad build"); err != nil || st.Phase != rollout.PhaseAborted || rs.lastReason != "bad build" {
		t.Fatalf("abort: %+v, %v (reason %q)", st.State, err, rs.lastReason)
	}
	if st, err := c.Rollout(ctx, "users"); err != nil || st.Phase != rollout.PhaseAborted {
		t.Fatalf("status: %+v, %v", st.State, err)
	}
	if _, err := c.RolloutCommand(ctx, "users", "promote", ""); ficus.ErrorCode(err) != ficus.EConflict {
		t.Errorf("promote after abort: %v, want a conflict", err)
	}
}
