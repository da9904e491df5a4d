package rollout

import (
	"context"
	"testing"
	"time"
)

func TestRunTicksUntilTheRolloutIsOver(t *testing.T) {
	h := newHarness(t, Plan{Interval: time.Second, Steps: []Step{weight(10), weight(50)}}, healthy)
	// Every reading of the clock is a second later, so Run's real ticks (every millisecond) walk the
	// rollout through its steps without the test waiting for wall-clock seconds.
	now := t0
	h.c.cfg.Now = func() time.Time { now = now.Add(time.Second); return now }
	h.start()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.c.Run(ctx, time.Millisecond, func(err error) { t.Error(err) }); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if h.phase() != PhaseCompleted {
		t.Errorf("phase %s; want completed", h.phase())
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	h := newHarness(t, Plan{Steps: []Step{weight(10)}}, healthy)
	h.start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.c.Run(ctx, time.Hour, nil); err != context.Canceled {
		t.Errorf("Run: %v; want context.Canceled", err)
	}
}
