package rollout

import (
	"context"
	"errors"
	"fmt"

	"github.com/ficus-dev/ficus"
)

// Promote ends the current step on behalf of actor, whatever the gates say, and enters the next one
// (after the last, every client goes to modern). It ends a hold and an inconclusive pause; an
// operator's pause stays until Resume.
func (c *Controller) Promote(ctx context.Context, actor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.active(); err != nil {
		return err
	}
	now := c.cfg.Now()
	c.account(now)
	c.st.Phase, c.st.HeldReason, c.st.RollbackPending = PhaseRunning, "", ""
	what := "the switch to modern"
	if c.st.StepIndex < len(c.steps) {
		what = fmt.Sprintf("step %d (%s)", c.st.StepIndex+1, c.steps[c.st.StepIndex])
	}
	c.emit(now, EventPromoted, actor, what+" promoted by "+actor, nil)
	err := c.enter(ctx, now, min(c.st.StepIndex+1, len(c.steps)), actor)
	return errors.Join(err, c.save(ctx))
}

// Pause stops promotion on behalf of actor until Resume. Gates keep running while paused, and a
// failing gate still rolls back: a pause is never a way to keep a broken modern serving. The step's
// observed time stands still.
func (c *Controller) Pause(ctx context.Context, actor, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.active(); err != nil {
		return err
	}
	now := c.cfg.Now()
	c.account(now)
	c.st.Paused, c.st.PausedBy, c.st.PauseReason = true, actor, reason
	c.emit(now, EventPaused, actor, fmt.Sprintf("paused by %s: %s", actor, reason), nil)
	return c.save(ctx)
}

// Resume ends a pause on behalf of actor. The next step still needs a passing analysis.
func (c *Controller) Resume(ctx context.Context, actor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.active(); err != nil {
		return err
	}
	if !c.st.Paused {
		return ficus.Errorf(ficus.EConflict, "rollout of %s is not paused", c.cfg.Route)
	}
	now := c.cfg.Now()
	c.account(now)
	c.st.Paused, c.st.PausedBy, c.st.PauseReason = false, "", ""
	c.emit(now, EventResumed, actor, "resumed by "+actor, nil)
	return c.save(ctx)
}

// Abort rolls the route back to legacy on behalf of actor and ends the rollout. Unlike an automatic
// rollback it does not wait for legacy to be healthy: the operator decides, and the event says what
// the health check found.
func (c *Controller) Abort(ctx context.Context, actor, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.active(); err != nil {
		return err
	}
	now := c.cfg.Now()
	st := ficus.RouteState{Route: c.cfg.Route, Stage: ficus.StageLegacy}
	if err := c.cfg.Actuator.SetState(ctx, actor, st); err != nil {
		return fmt.Errorf("abort rollout %s: %w", c.cfg.Route, err)
	}
	msg := fmt.Sprintf("aborted by %s, every client is back on legacy: %s", actor, reason)
	if ok, why := c.cfg.Actuator.LegacyHealthy(ctx); !ok {
		msg += "; legacy reported unhealthy: " + why
	}
	c.st.RollbackPending = ""
	c.emit(now, EventAborted, actor, msg, nil)
	c.st.Phase, c.st.FinishedAt = PhaseAborted, now
	return c.save(ctx)
}

func (c *Controller) active() error {
	switch c.st.Phase {
	case PhaseRunning, PhaseHeld:
		return nil
	case "":
		return ficus.Errorf(ficus.EConflict, "rollout of %s has not started", c.cfg.Route)
	}
	return ficus.Errorf(ficus.EConflict, "rollout of %s is over (%s)", c.cfg.Route, c.st.Phase)
}
