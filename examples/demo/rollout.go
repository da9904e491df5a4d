package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/rollout"
)

// traffic sends requests through ficus as rotating users until stopped, and counts the answers by the
// side that served them and whether they failed.
type traffic struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	ok       [2]atomic.Int64 // legacy, modern
	failed   [2]atomic.Int64
	unserved atomic.Int64 // failed without a side (ficus's own errors)
}

func (d *demo) startTraffic(ctx context.Context, path func(i int) string) *traffic {
	t := &traffic{stop: make(chan struct{})}
	for w := range 4 {
		t.wg.Go(func() {
			for i := w; ; i += 4 {
				select {
				case <-t.stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.setup.proxyURL()+path(i), nil)
				req.Header.Set("X-User-Id", userID(1+i%users))
				res, err := d.client.Do(req)
				if err != nil {
					t.unserved.Add(1)
					continue
				}
				res.Body.Close()
				side := 0
				switch res.Header.Get(backendHeader) {
				case "modern":
					side = 1
				case "legacy":
				default:
					t.unserved.Add(1)
					continue
				}
				if res.StatusCode >= 500 {
					t.failed[side].Add(1)
				} else {
					t.ok[side].Add(1)
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	return t
}

func (t *traffic) end() {
	close(t.stop)
	t.wg.Wait()
}

// waitRollout polls a route's rollout until done reports true, or fails after a minute.
func (d *demo) waitRollout(ctx context.Context, c *admin.Client, route string, done func(control.RolloutStatus) bool) (control.RolloutStatus, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := c.Rollout(ctx, route)
		if err != nil {
			return st, err
		}
		if done(st) {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("rollout of %s: still %s at step %d after a minute", route, st.Phase, st.StepIndex+1)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// automatedRollout lets ficus move users from legacy to every client on modern by itself, judging
// every step.
func (d *demo) automatedRollout(ctx context.Context) error {
	d.heading("Automated rollout: users goes to 100% on its own, judged at every step")
	t := d.startTraffic(ctx, func(i int) string { return fmt.Sprintf("/api/users/%d", 1+i%50) })
	if _, err := d.ficus(ctx, "rollout", "start", "users"); err != nil {
		t.end()
		return err
	}
	client := admin.NewClient(d.setup.adminURL(), d.setup.token, d.client)
	st, err := d.waitRollout(ctx, client, "users", func(st control.RolloutStatus) bool { return st.Phase != rollout.PhaseRunning })
	t.end()
	if err != nil {
		return err
	}
	if _, err := d.ficus(ctx, "rollout", "status", "users"); err != nil {
		return err
	}
	if st.Phase != rollout.PhaseCompleted {
		return fmt.Errorf("the users rollout ended %s, want completed", st.Phase)
	}
	failed := t.failed[0].Load() + t.failed[1].Load() + t.unserved.Load()
	if failed != 0 {
		return fmt.Errorf("%d requests failed during the users rollout, want none", failed)
	}
	d.ok("completed: %d requests on the way (%d by legacy, %d by modern), none failed",
		t.ok[0].Load()+t.ok[1].Load(), t.ok[0].Load(), t.ok[1].Load())
	return nil
}

// automatedRollback starts a rollout of catalog, breaks the modern shop once 20% of users are on it,
// and lets ficus roll back on its own.
func (d *demo) automatedRollback(ctx context.Context) error {
	d.heading("Automated rollback: catalog's modern starts failing at 20%, ficus rolls it back by itself")
	t := d.startTraffic(ctx, func(i int) string { return fmt.Sprintf("/api/products/%d", 1+i%20) })
	defer d.failing.Store(false)
	if _, err := d.ficus(ctx, "rollout", "start", "catalog"); err != nil {
		t.end()
		return err
	}
	client := admin.NewClient(d.setup.adminURL(), d.setup.token, d.client)
	if _, err := d.waitRollout(ctx, client, "catalog", func(st control.RolloutStatus) bool {
		return st.Applied || st.Phase != rollout.PhaseRunning
	}); err != nil {
		t.end()
		return err
	}
	d.failing.Store(true)
	fmt.Fprintln(d.out, "  the modern shop now answers 500 on /api/products/{id} (its fault switch is on)")
	st, err := d.waitRollout(ctx, client, "catalog", func(st control.RolloutStatus) bool { return st.Phase != rollout.PhaseRunning })
	t.end()
	if err != nil {
		return err
	}
	if _, err := d.ficus(ctx, "rollout", "status", "catalog"); err != nil {
		return err
	}
	if st.Phase != rollout.PhaseRolledBack {
		return fmt.Errorf("the catalog rollout ended %s, want rolled_back", st.Phase)
	}
	if n := t.failed[0].Load() + t.unserved.Load(); n != 0 {
		return fmt.Errorf("%d requests failed that modern did not serve, want none", n)
	}
	for i := 1; i <= users; i++ {
		side, err := d.get(ctx, fmt.Sprintf("/api/products/%d", 1+i%20), userID(i))
		if err != nil {
			return err
		}
		if side != "legacy" {
			return fmt.Errorf("after the rollback %s was served by %s, want legacy", userID(i), side)
		}
	}
	d.ok("rolled back on its own: %d requests failed, all of them served by the broken modern; all %d users on legacy again",
		t.failed[1].Load(), users)
	return nil
}
