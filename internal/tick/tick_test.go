package tick

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestEveryCallsAtTheIntervalAndOnceMoreAtStop(t *testing.T) {
	var n atomic.Int32
	stop := Every(5*time.Millisecond, func() { n.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n.Load() < 3 {
		t.Fatalf("%d calls in 5 s at a 5 ms interval", n.Load())
	}
	stop()
	after := n.Load()
	time.Sleep(30 * time.Millisecond)
	if got := n.Load(); got != after {
		t.Errorf("%d calls after stop returned, want none", got-after)
	}
}

func TestStopBeforeTheFirstTickCallsOnce(t *testing.T) {
	var n atomic.Int32
	Every(time.Hour, func() { n.Add(1) })()
	if got := n.Load(); got != 1 {
		t.Errorf("%d calls, want the final one only", got)
	}
}
