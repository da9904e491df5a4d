package gateway

import (
	"context"
	"sync"
	"time"
)

// connContext is the context of the requests of one client connection, or of one shadow worker's
// requests: an ordinary cancellable context that also runs one registered function when it ends.
// The upstream fast path registers the function that breaks off its exchange there, which costs
// neither the allocations nor the locking of the parent's children that context.AfterFunc costs on
// every exchange. A connection (or worker) sends one request at a time, so one slot is enough; a
// second registration is refused and the caller falls back to context.AfterFunc.
//
// A shadow worker also sets a deadline for each request, which the fast path applies to its reads:
// a cheaper timeout than a context.WithTimeout per request. Passing the deadline does not end the
// context; the reads fail with a timeout instead.
type connContext struct {
	context.Context
	mu    sync.Mutex
	f     func()
	ended bool
	// deadline is the current request's deadline, zero for none; only the goroutine that sends the
	// requests sets and reads it.
	deadline time.Time
}

// Deadline returns the current request's deadline, or the parent's.
func (cc *connContext) Deadline() (time.Time, bool) {
	if !cc.deadline.IsZero() {
		return cc.deadline, true
	}
	return cc.Context.Deadline()
}

// newConnContext returns a connContext that ends with parent or when cancel is called.
func newConnContext(parent context.Context) (*connContext, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	cc := &connContext{Context: ctx}
	context.AfterFunc(ctx, cc.end)
	return cc, cancel
}

func (cc *connContext) end() {
	cc.mu.Lock()
	f := cc.f
	cc.f, cc.ended = nil, true
	cc.mu.Unlock()
	if f != nil {
		f()
	}
}

// register arranges for f to run when the context ends. It returns false, and does not register f,
// when the context has ended or another function is registered.
func (cc *connContext) register(f func()) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.ended || cc.f != nil {
		return false
	}
	cc.f = f
	return true
}

// unregister removes the registered function. It returns false when the context has ended, in
// which case the function ran or is running, like the stop function of context.AfterFunc.
func (cc *connContext) unregister() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.f = nil
	return !cc.ended
}
