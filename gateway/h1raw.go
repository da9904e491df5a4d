package gateway

import (
	"errors"
	"syscall"
)

// Raw mode serves the requests of a connection, after its first, inside one raw read
// (syscall.RawConn.Read) that lasts as long as requests without a body keep coming. The ordinary
// loop reads the next request right after writing a response, which costs a read that fails with
// EAGAIN before the goroutine parks: the client cannot have answered yet. A raw read lets the
// connection wait for readability without reading first, but only while it lasts: each new read
// forgets readiness noticed before it began. So the loop stays inside it, and after a response
// waits first and reads second. Readiness noticed while a request is served is kept, so a request
// that arrived meanwhile is not missed; a read that filled the buffer is followed by another read
// before any wait, since the socket may hold more.
//
// Inside the raw read the connection holds the socket's read lock, so nothing else may read it:
// requests with a body (read by the handler or the Transport) and upgrades (hijacked) leave raw
// mode and are served by the ordinary loop.

var (
	// errWouldBlock is what the connection's reader returns in raw mode when the socket has nothing.
	errWouldBlock = errors.New("gateway: read would block")
	// errHijackWithoutUpgrade refuses to hijack the connection of a request that does not ask to
	// upgrade: it may be served in raw mode, whose raw read holds the socket.
	errHijackWithoutUpgrade = errors.New("gateway: only a request with an Upgrade header can be hijacked")
)

// The outcomes of serveRaw.
const (
	rawDone    = iota // the connection is done
	rawPending        // c.pending is a parsed request for the ordinary loop
)

// The steps of the raw loop.
const (
	rawIdle = iota // between requests
	rawHead        // reading a request's head
)

// rawState is a connection's raw mode.
type rawState struct {
	raw    syscall.RawConn // nil when the connection is not a socket
	stepFn func(uintptr) bool
	inRaw  bool
	fd     int
	// unread is set when the socket may hold bytes not read yet: the raw read just began or
	// waited, or the last read filled the buffer.
	unread  bool
	step    int
	outcome int
	pending *request
}

func (c *serverConn) initRaw() {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	c.raw, c.stepFn = raw, c.rawStep
}

// shutdownSocket shuts the connection's socket down in both directions, which ends the client's
// connection and any wait on it without waiting for a raw read to end, unlike closing it.
func (c *serverConn) shutdownSocket() {
	if c.raw != nil {
		_ = c.raw.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
	}
}

// serveRaw serves requests in raw mode until one needs the ordinary loop or the connection is
// done.
func (c *serverConn) serveRaw() int {
	c.inRaw, c.unread, c.step, c.outcome = true, true, rawIdle, rawDone
	err := c.raw.Read(c.stepFn)
	c.inRaw = false
	if err != nil {
		return rawDone
	}
	return c.outcome
}

// rawStep is the raw read's step: it serves what it can and returns false to wait for
// readability, true to leave raw mode with c.outcome.
func (c *serverConn) rawStep(fd uintptr) bool {
	c.fd = int(fd)
	for {
		if c.br.Buffered() == 0 && !c.unread {
			if !c.rawWait() {
				c.outcome = rawDone
				return true
			}
			c.unread = true // the wake-up is for bytes to read
			return false
		}
		switch c.step {
		case rawIdle:
			if c.br.Buffered() == 0 {
				if _, err := c.br.Peek(1); err != nil {
					if err == errWouldBlock {
						continue
					}
					return true
				}
			}
			if c.state.Load() != connActive && !c.state.CompareAndSwap(connIdle, connActive) {
				return true // Shutdown closed the connection as the request arrived
			}
			c.phase, c.headDue, c.step, c.head = phaseHead, false, rawHead, c.head[:0]
		case rawHead:
			head, err := readHead(c.br, c.head, maxHeaderBytes)
			c.head = head
			if err == errWouldBlock {
				continue
			}
			done := c.rawServe(head, err)
			c.step = rawIdle
			c.keepHeadBuffer(c.head)
			if done {
				return true
			}
		}
	}
}

// rawWait prepares to wait for readability: it sends the responses written so far and sets the
// deadline of the wait. It reports false when the connection is done.
func (c *serverConn) rawWait() bool {
	if c.bw.Buffered() > 0 && c.bw.Flush() != nil {
		return false
	}
	if c.step == rawHead {
		if !c.headDue {
			c.headDue = true
			c.setDeadline(monoTime(monoNow() + c.srv.headerTimeout))
		}
		return true
	}
	c.phase = phaseIdle
	c.state.Store(connIdle)
	if c.srv.shuttingDown() {
		return false
	}
	c.armIdleDeadline()
	return true
}

// rawServe serves a request whose head was read (or failed with err); it reports whether raw mode
// ends, with c.outcome.
func (c *serverConn) rawServe(head []byte, err error) bool {
	c.outcome = rawDone
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			c.refuse(re)
		}
		return true
	}
	rq, ok := c.parseRequest(head)
	if !ok {
		return true
	}
	if rq.head.contentLength != 0 || len(rq.head.req.Header["Upgrade"]) > 0 {
		c.pending, c.outcome = rq, rawPending
		return true
	}
	return !c.serveParsed(rq)
}

// rawRead reads from the socket without waiting.
func (c *serverConn) rawRead(p []byte) (int, error) {
	n, err := recvNow(c.fd, p)
	if err == errWouldBlock {
		c.unread = false
	} else if err == nil {
		c.unread = n == len(p)
	}
	return n, err
}

// clientWriter is what the connection's writer writes to: in raw mode the socket itself.
type clientWriter struct{ c *serverConn }

func (w clientWriter) Write(p []byte) (int, error) {
	if w.c.inRaw {
		return sendNow(w.c.fd, w.c.nc, p)
	}
	return w.c.nc.Write(p)
}
