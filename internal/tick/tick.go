// Package tick calls a function at a fixed interval until told to stop: the progress reports of
// long runs (a migration, a verification).
package tick

import (
	"sync"
	"time"
)

// Every calls fn every interval, from a goroutine of its own, until stop is called. stop waits for
// that goroutine, then calls fn once more from the caller's goroutine, so that the last call sees
// the final state. fn is never called twice at once.
func Every(interval time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fn()
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		fn()
	}
}
