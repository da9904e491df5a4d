package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/ficus-dev/ficus"
)

// Restore continues a persisted rollout after a restart at now. The current step keeps the time it
// had observed; the time ficus was down is not added (nothing was observed then). The verdict of the
// last analysis is dropped and the next analysis window starts at now, so the first judgement after
// a restart rests only on traffic seen after it: a rollout never promotes on stale data.
func (c *Controller) Restore(ctx context.Context, st State, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.st.Phase != "":
		return ficus.Errorf(ficus.EConflict, "rollout of %s is already under way", c.cfg.Route)
	case st.Route != c.cfg.Route:
		return ficus.Errorf(ficus.EInvalid, "restore rollout %s: the state is of route %q", c.cfg.Route, st.Route)
	case st.StepIndex < 0 || st.StepIndex > len(c.steps):
		return ficus.Errorf(ficus.EInvalid, "restore rollout %s: step %d is not in the plan of %d steps (was the plan changed?)",
			c.cfg.Route, st.StepIndex+1, len(c.steps))
	}
	c.st = st
	c.st.LastVerdict = ""
	c.lastTick, c.evalFrom = now, now
	if !c.st.Phase.Active() {
		return nil
	}
	c.emit(now, EventResumed, ActorRollout, fmt.Sprintf(
		"ficus restarted: continuing with %v observed in this step; judging only traffic from now on",
		c.st.Elapsed.Round(time.Second)), nil)
	return c.save(ctx)
}
