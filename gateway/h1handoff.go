package gateway

import (
	"bufio"
	"net"
	"sync"
)

// handoffListener is the listener of the net/http server that takes over the connections the
// HTTP/1.1 loop does not serve itself (HTTP/2 with prior knowledge): Accept returns what deliver
// was given.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newHandoffListener() *handoffListener {
	return &handoffListener{addr: handoffAddr{}, conns: make(chan net.Conn), done: make(chan struct{})}
}

// deliver hands c to the net/http server, or closes it when that server is closed.
func (l *handoffListener) deliver(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

type handoffAddr struct{}

func (handoffAddr) Network() string { return "handoff" }
func (handoffAddr) String() string  { return "handoff" }

// replayConn is a connection whose first bytes were already read into br: reads return those
// first.
type replayConn struct {
	net.Conn
	br *bufio.Reader
}

func (c *replayConn) Read(p []byte) (int, error) {
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p)
		}
		c.br = nil
	}
	return c.Conn.Read(p)
}
