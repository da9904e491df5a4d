package gateway

import (
	"os"
	"sync"
	"syscall"
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
	watchOff      = iota
	watchArmed    // the timer runs
	watchWatching // a peek at a duplicate of the socket waits for the client to send or leave
	watchDone     // the peek returned; its result waits for stop
)

// clientWatch cancels the connection's context when the client closes its connection while a
// handler runs, so that the gateway gives up on the upstream exchange. It is armed once the
// request has no body left to read (an unread body is read by the handler, which sees the EOF
// itself) and stopped when the handler returns.
//
// It peeks, and never reads: a byte the client sends early (a pipelined request) stays in the
// socket for the connection. And it peeks at a duplicate of the socket, which the runtime's poller
// watches on its own, since in raw mode (h1raw.go) the connection holds the socket's read lock
// while the handler runs. That costs a dup and a poller registration, for slow requests only.
//
// Setting and stopping a timer for every request would cost more than the rest of the watch: the
// timer is set once and left running, and when it fires for a request that was armed less than
// watchDelay ago (a later one than it was set for) it is set again for the rest of the delay.
type clientWatch struct {
	c        *serverConn
	mu       sync.Mutex
	enabled  bool // the handler runs
	state    int
	stopping bool
	timer    *time.Timer
	pending  bool          // the timer is set
	armedAt  time.Duration // when the current request was armed, on the monotonic clock
	dup      *os.File      // the socket's duplicate while watching; nil before it exists
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
	if !w.enabled || w.state != watchOff || w.c.raw == nil {
		return
	}
	w.state, w.armedAt = watchArmed, monoNow()
	switch {
	case w.timer == nil:
		w.done = make(chan struct{}, 1)
		w.timer = time.AfterFunc(watchDelay, w.fire)
	case !w.pending:
		w.timer.Reset(watchDelay)
	}
	w.pending = true
}

// fire runs on the timer's goroutine: it starts watching when the request it finds armed has been
// armed for watchDelay, and otherwise sets the timer for the rest of that request's delay.
func (w *clientWatch) fire() {
	w.mu.Lock()
	w.pending = false
	if w.state != watchArmed {
		w.mu.Unlock()
		return
	}
	if rest := watchDelay - (monoNow() - w.armedAt); rest > 0 {
		w.pending = true
		w.timer.Reset(rest)
		w.mu.Unlock()
		return
	}
	w.state = watchWatching
	w.mu.Unlock()
	w.watch()
}

// watch waits, on the timer's goroutine, until the client sends a byte, leaves, or stop ends the
// wait; it cancels the connection's context when the client left.
func (w *clientWatch) watch() {
	dup, err := dupSocket(w.c.raw)
	w.mu.Lock()
	watching := err == nil && !w.stopping
	if watching {
		w.dup = dup
	}
	w.mu.Unlock()
	left := watching && peekForDeparture(dup)
	if dup != nil {
		dup.Close()
	}
	w.mu.Lock()
	if left && !w.stopping {
		w.c.cancel()
	}
	w.state, w.dup = watchDone, nil
	w.mu.Unlock()
	w.done <- struct{}{}
}

// stop ends the watch when the handler returns or hijacks the connection, waiting for a peek in
// progress to give up.
func (w *clientWatch) stop() {
	w.mu.Lock()
	w.enabled = false
	switch w.state {
	case watchOff:
		w.mu.Unlock()
		return
	case watchArmed:
		w.state = watchOff // the timer is left set; when it fires, it finds the state off
		w.mu.Unlock()
		return
	}
	w.stopping = true
	if w.dup != nil {
		_ = w.dup.SetReadDeadline(aLongTimeAgo)
	}
	w.mu.Unlock()
	<-w.done
	w.mu.Lock()
	w.state, w.stopping = watchOff, false
	w.mu.Unlock()
}

// dupSocket returns a duplicate of the socket behind raw. The socket is non-blocking, and so is its
// duplicate, which os.NewFile then registers with the runtime's poller.
func dupSocket(raw syscall.RawConn) (*os.File, error) {
	var fd uintptr
	var errno syscall.Errno
	if err := raw.Control(func(s uintptr) {
		fd, _, errno = syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if errno != 0 {
		return nil, errno
	}
	return os.NewFile(fd, "client"), nil
}

// peekForDeparture waits until the socket behind f has something to tell: it reports true when the
// client closed or reset the connection, false when it sent a byte or the wait was ended.
func peekForDeparture(f *os.File) bool {
	raw, err := f.SyscallConn()
	if err != nil {
		return false
	}
	left := false
	var b [1]byte
	_ = raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EINTR:
			return false
		case err != nil || n == 0:
			left = true
		}
		return true
	})
	return left
}
