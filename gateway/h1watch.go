package gateway

import (
	"sync"
	"time"
)

// watchDelay is how long a handler runs before the connection starts watching for the client
// going away. net/http reads in the background during every request, which costs a goroutine
// wake-up, a read and a deadline change per request; proxied requests mostly end within a few
// milliseconds, so only those that wait on a slow upstream pay for the watch, and a client that
// leaves is noticed within watchDelay.
const watchDelay = 200 * time.Millisecond

// The states of a clientWatch.
const (
	watchOff     = iota
	watchArmed   // the timer runs
	watchReading // a read on the connection waits for EOF (the client left) or a byte (pipelining)
	watchDone    // the read returned; its result waits for stop
)

// clientWatch cancels the connection's context when the client closes its connection while a
// handler runs, so that the gateway gives up on the upstream exchange. It is armed once the
// request has no body left to read (an unread body is read by the handler, which sees the EOF
// itself) and stopped when the handler returns.
type clientWatch struct {
	c        *serverConn
	mu       sync.Mutex
	enabled  bool // the handler runs
	state    int
	stopping bool
	timer    *time.Timer
	done     chan struct{}
}

// start enables arming for one request.
func (w *clientWatch) start() {
	w.mu.Lock()
	w.enabled = true
	w.mu.Unlock()
}

// arm starts the timer; it may be called from any goroutine.
func (w *clientWatch) arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.enabled || w.state != watchOff {
		return
	}
	w.state = watchArmed
	if w.timer == nil {
		w.done = make(chan struct{}, 1)
		w.timer = time.AfterFunc(watchDelay, w.read)
		return
	}
	w.timer.Reset(watchDelay)
}

// read runs on the timer's goroutine: it waits for the client to send or to leave.
func (w *clientWatch) read() {
	c := w.c
	w.mu.Lock()
	if w.state != watchArmed {
		w.mu.Unlock()
		return
	}
	w.state = watchReading
	// The idle deadline left from before the request must not end the watch of a long request.
	_ = c.nc.SetReadDeadline(time.Time{})
	w.mu.Unlock()

	var b [1]byte
	n, err := c.nc.Read(b[:])

	w.mu.Lock()
	if n == 1 {
		c.stash, c.stashed = b[0], true
	} else if err != nil && !w.stopping {
		c.cancel()
	}
	w.state = watchDone
	w.mu.Unlock()
	w.done <- struct{}{}
}

// stop ends the watch when the handler returns or hijacks the connection, waiting for a read in
// progress to give up. Afterwards the connection's read deadline is unknown.
func (w *clientWatch) stop() {
	w.mu.Lock()
	w.enabled = false
	switch w.state {
	case watchOff:
		w.mu.Unlock()
		return
	case watchArmed:
		w.timer.Stop() // a read that fires anyway finds the state off and returns
		w.state = watchOff
		w.mu.Unlock()
		return
	case watchReading:
		w.stopping = true
		_ = w.c.nc.SetReadDeadline(aLongTimeAgo)
	}
	w.mu.Unlock()
	<-w.done
	w.mu.Lock()
	w.state, w.stopping = watchOff, false
	w.mu.Unlock()
	w.c.deadline = aLongTimeAgo
}
