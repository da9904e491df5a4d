package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Buffer sizes of a client connection. Request heads are small; a head that does not fit is
// gathered line by line up to maxHeaderBytes. Reads and writes larger than a buffer bypass it.
const (
	readBufferSize  = 4 << 10
	writeBufferSize = 8 << 10
)

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}
)

// The states of a connection, as Shutdown sees them.
const (
	connActive  = iota // reading or serving a request
	connIdle           // waiting for the next request; Shutdown may close it
	connClosing        // closed by Shutdown
)

// Where a connection is in its request cycle; it decides what a read from the network must do
// about deadlines first (see clientReader).
const (
	phaseIdle = iota
	phaseHead
	phaseBody
)

// serverConn is one client connection served by the HTTP/1.1 loop.
type serverConn struct {
	srv        *Server
	nc         net.Conn
	br         *bufio.Reader
	bw         *bufio.Writer
	remoteAddr string
	// ctx is the context of every request on the connection; cancel ends it when the client
	// leaves (see clientWatch) or the connection closes.
	ctx    *connContext
	cancel context.CancelFunc
	base   *http.Request // carries ctx into each request by struct copy
	state  atomic.Int32
	w      response
	watch  clientWatch
	head   []byte

	phase    int
	deadline time.Time // the read deadline set on nc; zero for none
	headDue  bool      // the header timeout is set for the current request
	// continued tells whether "100 Continue" may still be sent for the current request.
	continued atomic.Int32
	cmu       sync.Mutex // serialises writing "100 Continue" with committing the response
	detached  bool       // hijacked or handed off: the connection is no longer ours
	// spare is the last request's memory, for the next one (see Server.recycle).
	spare *request
	rawState
}

// The states of continued.
const (
	continueNone = iota
	continuePending
	continueSent
	continueDone // not sent, and too late to send
)

func newServerConn(s *Server, nc net.Conn) *serverConn {
	c := &serverConn{srv: s, nc: nc, remoteAddr: nc.RemoteAddr().String()}
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(clientReader{c})
	c.bw = writerPool.Get().(*bufio.Writer)
	c.bw.Reset(clientWriter{c})
	c.ctx, c.cancel = newConnContext(s.baseCtx)
	c.base = new(http.Request).WithContext(c.ctx)
	c.w.c, c.w.header = c, make(http.Header)
	c.watch.c = c
	c.initRaw()
	return c
}

// clientReader is what the connection's reader reads from. Before waiting for the network it sends
// the responses still buffered, and it keeps the deadlines right for the phase: the idle timeout
// between requests, the header timeout once a request began, none while a body streams in.
// Setting a deadline costs a trip through the runtime's timers, so it is done only when needed.
type clientReader struct{ c *serverConn }

func (r clientReader) Read(p []byte) (int, error) {
	c := r.c
	if c.inRaw {
		return c.rawRead(p)
	}
	switch c.phase {
	case phaseIdle, phaseHead:
		if c.bw.Buffered() > 0 {
			if err := c.bw.Flush(); err != nil {
				return 0, err
			}
		}
		if c.phase == phaseHead && !c.headDue {
			c.headDue = true
			c.setDeadline(monoTime(monoNow() + c.srv.headerTimeout))
		}
	case phaseBody:
		if !c.deadline.IsZero() {
			c.setDeadline(time.Time{})
		}
	}
	return c.nc.Read(p)
}

func (c *serverConn) setDeadline(t time.Time) {
	c.deadline = t
	_ = c.nc.SetReadDeadline(t)
}

// armIdleDeadline bounds the wait for the next request. A deadline still at least idleTimeout
// away is kept; a new one is set 1/8 further, so that under load it is renewed rarely and the
// connection closes between 1 and 1.125 idle timeouts after its last request.
func (c *serverConn) armIdleDeadline() {
	now, idle := monoTime(monoNow()), c.srv.idleTimeout
	if c.deadline.IsZero() || c.deadline.Sub(now) < idle {
		c.setDeadline(now.Add(idle + idle/8))
	}
}

// serve runs the connection's request loop. The first request is served by the ordinary loop,
// which also recognises HTTP/2 with prior knowledge; later ones in raw mode (h1raw.go) where the
// connection can.
func (c *serverConn) serve() {
	defer c.close()
	for first := true; ; first = false {
		if !first && c.raw != nil {
			switch c.serveRaw() {
			case rawDone:
				return
			case rawPending:
				rq := c.pending
				c.pending = nil
				if !c.serveParsed(rq) {
					return
				}
				continue
			}
		}
		if !c.awaitRequest() {
			return
		}
		if first && c.isH2CPreface() {
			c.handOff()
			return
		}
		if !c.serveRequest() {
			return
		}
	}
}

// awaitRequest waits for the first byte of the next request; false means the connection is done.
func (c *serverConn) awaitRequest() bool {
	c.phase = phaseIdle
	if c.br.Buffered() == 0 {
		if c.bw.Buffered() > 0 && c.bw.Flush() != nil {
			return false
		}
		c.state.Store(connIdle)
		if c.srv.shuttingDown() {
			return false
		}
		c.armIdleDeadline()
		if _, err := c.br.Peek(1); err != nil {
			return false
		}
		if !c.state.CompareAndSwap(connIdle, connActive) {
			return false // Shutdown closed the connection as the request arrived
		}
	}
	c.phase, c.headDue = phaseHead, false
	return true
}

// h2cPreface starts an HTTP/2 connection with prior knowledge (RFC 9113 section 3.3).
const h2cPreface = "PRI * HTTP/2.0"

func (c *serverConn) isH2CPreface() bool {
	b, _ := c.br.Peek(min(c.br.Buffered(), len(h2cPreface)))
	if !bytes.HasPrefix([]byte(h2cPreface), b) {
		return false
	}
	b, err := c.br.Peek(len(h2cPreface))
	return err == nil && string(b) == h2cPreface
}

// handOff gives the connection, with the bytes already read, to the net/http server.
func (c *serverConn) handOff() {
	c.detached = true
	c.setDeadline(time.Time{})
	c.srv.untrack(c)
	c.srv.handoff.deliver(&replayConn{Conn: c.nc, br: c.br})
}

// hijack gives the connection to the handler.
func (c *serverConn) hijack() {
	c.watch.stop()
	c.detached = true
	c.setDeadline(time.Time{})
	c.srv.untrack(c)
}

// request is one request's allocation: the request, its URL and its body in one object.
type request struct {
	head parsedHead
	body requestBody
}

// serveRequest reads one request, runs the handler and completes the response. It reports whether
// the connection can carry another request.
func (c *serverConn) serveRequest() bool {
	head, err := readHead(c.br, c.head[:0], maxHeaderBytes)
	c.keepHeadBuffer(head)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			c.refuse(re)
		}
		return false
	}
	rq, ok := c.parseRequest(head)
	return ok && c.serveParsed(rq)
}

// keepHeadBuffer keeps a head's buffer for the next one, unless it grew large.
func (c *serverConn) keepHeadBuffer(head []byte) {
	if cap(head) <= 64<<10 {
		c.head = head[:0]
	}
}

// parseRequest parses a head into a request; false means it was refused and the connection is
// done.
func (c *serverConn) parseRequest(head []byte) (*request, bool) {
	rq := c.spare
	if rq == nil {
		rq = new(request)
	}
	c.spare = nil
	rq.head.req = *c.base
	if re := parseHead(string(head), &rq.head); re != nil {
		c.refuse(re)
		return nil, false
	}
	if c.headDue {
		c.setDeadline(time.Time{})
	}
	return rq, true
}

// serveParsed serves a parsed request; it reports whether the connection can carry another.
func (c *serverConn) serveParsed(rq *request) bool {
	r := &rq.head.req
	r.RemoteAddr = c.remoteAddr
	hasBody := rq.head.contentLength != 0
	if hasBody {
		rq.body.init(c, rq.head.contentLength, rq.head.chunked)
		r.Body = &rq.body
		if rq.head.expect100 {
			c.continued.Store(continuePending)
		}
	} else {
		r.Body = http.NoBody
	}
	c.phase = phaseBody
	c.w.reset(r, rq.head.keepAlive)
	c.watch.start()
	if !hasBody {
		c.watch.arm()
	}
	panicked := c.runHandler(r)
	c.watch.stop()
	if c.detached {
		return false
	}
	keep := !panicked && c.w.finish()
	if hasBody {
		// A client told nothing (no 100 Continue, no final response before its body) may or may
		// not send the body: the connection cannot be reused.
		unsent := rq.head.expect100 && c.continued.Load() != continueSent
		keep = keep && !unsent && rq.body.finish()
	}
	c.continued.Store(continueNone)
	if !hasBody && c.srv.recycle {
		// Nothing but the handler saw this request: a body would have been shared with the
		// Transport, which may read it after the handler returned.
		rq.head.recycle()
		c.spare = rq
	}
	return keep && c.ctx.Err() == nil
}

// runHandler calls the handler; it reports a panic, after which the connection is closed.
// http.ErrAbortHandler is how the gateway breaks a response off and is not logged.
func (c *serverConn) runHandler(r *http.Request) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			panicked = true
			if v != http.ErrAbortHandler {
				buf := make([]byte, 16<<10)
				buf = buf[:runtime.Stack(buf, false)]
				slog.Error("proxy handler panicked", "remote", c.remoteAddr, "panic", v, "stack", string(buf))
			}
		}
	}()
	c.srv.handler.ServeHTTP(&c.w, r)
	return false
}

// sendContinue answers "Expect: 100-continue" when the handler first reads the body, unless the
// response has begun.
func (c *serverConn) sendContinue() {
	if c.continued.Load() != continuePending {
		return
	}
	c.cmu.Lock()
	defer c.cmu.Unlock()
	if !c.continued.CompareAndSwap(continuePending, continueSent) {
		return
	}
	c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	_ = c.bw.Flush()
}

// endContinue makes sure no "100 Continue" is sent from now on, waiting for one being written.
func (c *serverConn) endContinue() {
	if c.continued.Load() == continuePending {
		c.cmu.Lock()
		c.continued.Store(continueDone)
		c.cmu.Unlock()
	}
}

// refuse answers a request the loop cannot serve and leaves the connection to be closed.
func (c *serverConn) refuse(re *requestError) {
	bw := c.bw
	writeStatusLine(bw, re.pe.status)
	bw.WriteString("Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: ")
	bw.WriteString(re.pe.length[0])
	bw.WriteString("\r\n\r\n")
	bw.Write(re.pe.body)
	_ = bw.Flush()
}

// close ends the connection and recycles its buffers, unless the connection was hijacked or
// handed off.
func (c *serverConn) close() {
	c.cancel()
	if c.detached {
		return
	}
	c.srv.untrack(c)
	_ = c.bw.Flush()
	closeWrite(c.nc)
	_ = c.nc.Close()
	c.br.Reset(nil)
	readerPool.Put(c.br)
	c.bw.Reset(nil)
	writerPool.Put(c.bw)
}

// closeWrite half-closes a TCP connection before closing it, so that the client reads the
// response before a reset caused by its unread pipelined requests.
func closeWrite(nc net.Conn) {
	if tc, ok := nc.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
}
