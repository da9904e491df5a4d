package rollout

import (
	"context"
	"time"
)

// Run calls Tick every period (1 s when 0) until ctx ends or the rollout is over, passing Tick's
// errors to onError (which may be nil); a failed Tick is retried at the next one. It is the only
// place the package waits.
func (c *Controller) Run(ctx context.Context, every time.Duration, onError func(error)) error {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := c.Tick(ctx); err != nil && onError != nil {
			onError(err)
		}
		if !c.Done() {
			continue
		}
		return nil
	}
}

// Done reports whether the rollout is over: completed, rolled back or aborted.
func (c *Controller) Done() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.Phase != "" && !c.st.Phase.Active()
}
