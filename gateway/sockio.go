package gateway

import (
	"io"
	"net"
	"os"
	"syscall"
)

// The loops that hold a socket's raw read (raw mode in h1raw.go, sendAndWait in transport.go) read
// and write the socket themselves. They use recvfrom and sendmsg, which go straight to the socket,
// where read and write go through the file layer first: a little less work on every request.

// recvNow reads what the socket fd holds without waiting; errWouldBlock means nothing.
func recvNow(fd int, p []byte) (int, error) {
	for {
		n, _, err := syscall.Recvfrom(fd, p, 0)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, errWouldBlock
		case err != nil:
			return 0, os.NewSyscallError("recvfrom", err)
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// sendNow writes p to the socket fd, and what the socket cannot take at once through nc's own
// Write, which waits until it can.
func sendNow(fd int, nc net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.SendmsgN(fd, p[n:], nil, nil, syscall.MSG_NOSIGNAL)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			k, err := nc.Write(p[n:])
			return n + k, err
		case err != nil:
			return n, os.NewSyscallError("sendmsg", err)
		}
		n += m
	}
	return n, nil
}
