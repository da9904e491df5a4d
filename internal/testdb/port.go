package testdb

import (
	"fmt"
	"net"
)

// startAttempts bounds the retries when another process takes a server's
// port between the moment it is picked and the moment the server binds it.
const startAttempts = 3

// pickPort returns a loopback port that was free a moment ago. A variable so
// that tests can hand out a port that is taken.
var pickPort = func() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portInUse reports whether something listens on the loopback port now.
func portInUse(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	l.Close()
	return false
}

// onFreePort calls start with a free port, and again with a new one when it
// fails while the port is taken by someone else: ports are picked by
// listening and closing, so another process may grab one in between. start
// must have stopped its server when it returns an error.
func onFreePort[T any](start func(port int) (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		port, err := pickPort()
		if err != nil {
			return zero, err
		}
		v, err := start(port)
		if err == nil || attempt == startAttempts || !portInUse(port) {
			return v, err
		}
	}
}
