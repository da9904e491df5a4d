package gateway

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"sync"
)

// maxDrainBytes bounds how much of a body the handler left unread is read and discarded to keep the
// connection; a longer rest closes it instead, as net/http does.
const maxDrainBytes = 256 << 10

// requestBody is a request's body as handlers read it: Content-Length bytes, or chunks, off the
// connection's reader. The http.Transport reads request bodies on a goroutine of its own, which may
// still read when the handler has returned, so reads and the server's closing are serialised.
type requestBody struct {
	mu      sync.Mutex
	c       *serverConn
	br      *bufio.Reader
	remain  int64     // Content-Length bytes left to read; unused when chunked
	chunked io.Reader // nil unless the body is chunked
	eof     bool
	closed  bool
	err     error
}

func (b *requestBody) init(c *serverConn, length int64, chunked bool) {
	b.c, b.br, b.remain = c, c.br, length
	if chunked {
		b.chunked = httputil.NewChunkedReader(c.br)
	}
}

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, http.ErrBodyReadAfterClose
	case b.err != nil:
		return 0, b.err
	case b.eof:
		return 0, io.EOF
	}
	b.c.sendContinue()
	n, err := b.read(p)
	if err == io.EOF {
		b.eof = true
		b.c.watch.arm() // nothing more to read: a read now can only tell that the client left
	} else if err != nil {
		b.err = err
	}
	return n, err
}

func (b *requestBody) read(p []byte) (int, error) {
	if b.chunked != nil {
		n, err := b.chunked.Read(p)
		if err == io.EOF {
			err = skipTrailers(b.br)
			if err == nil {
				err = io.EOF
			}
		} else if err == nil && n == 0 {
			err = io.ErrNoProgress
		}
		return n, unexpected(err)
	}
	if b.remain <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.br.Read(p)
	b.remain -= int64(n)
	switch {
	case b.remain == 0:
		return n, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// unexpected turns an EOF in the middle of a chunked body into ErrUnexpectedEOF.
func unexpected(err error) error {
	if err != nil && err != io.EOF && errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// skipTrailers reads the trailer section of a chunked body up to its empty line; ficus does not
// forward request trailers.
func skipTrailers(br *bufio.Reader) error {
	total := 0
	for {
		line, err := br.ReadSlice('\n')
		total += len(line)
		if total > maxHeaderBytes {
			return errors.New("request trailers too large")
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return unexpected(err)
		}
		if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
			return nil
		}
	}
}

// Close is the handler's close; it stops further reads. The server reads what is left itself.
func (b *requestBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// finish ends the body after the handler returned and reports whether the connection can carry
// another request: the body was read to its end, or the rest was short enough to discard.
func (b *requestBody) finish() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if b.eof {
		return true
	}
	if b.err != nil {
		return false
	}
	if b.chunked == nil && b.remain > maxDrainBytes {
		return false
	}
	n, err := io.CopyN(io.Discard, readerFunc(b.read), maxDrainBytes+1)
	b.eof = err == io.EOF
	return b.eof && n <= maxDrainBytes
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
