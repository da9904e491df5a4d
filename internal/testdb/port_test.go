package testdb

import (
	"errors"
	"net"
	"testing"
)

// holdPort listens on a free loopback port until the test ends, standing in
// for another process that takes a port after it was picked.
func holdPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// pickTakenPortFirst makes the next pick return taken, and counts picks.
func pickTakenPortFirst(t *testing.T, taken int) *int {
	t.Helper()
	real := pickPort
	t.Cleanup(func() { pickPort = real })
	picks := new(int)
	pickPort = func() (int, error) {
		*picks++
		if *picks == 1 {
			return taken, nil
		}
		return real()
	}
	return picks
}

func TestServersRetryOnAnotherPortWhenTheirsIsTaken(t *testing.T) {
	for _, engine := range []struct {
		name  string
		start func(t *testing.T) (port int)
	}{
		{"PostgreSQL", func(t *testing.T) int { return StartPostgres(t).Port }},
		{"MariaDB", func(t *testing.T) int { return StartMariaDB(t).Port }},
	} {
		t.Run(engine.name+" starts on a second port", func(t *testing.T) {
			taken := holdPort(t)
			picks := pickTakenPortFirst(t, taken)
			if port := engine.start(t); port == taken {
				t.Errorf("server reports the taken port %d", port)
			}
			if *picks != 2 {
				t.Errorf("picked %d ports, want 2", *picks)
			}
		})
	}
}

func TestOnFreePort(t *testing.T) {
	failure := errors.New("server failed")
	for _, tc := range []struct {
		name         string
		portTaken    bool
		wantAttempts int
	}{
		{"gives up at once when the server fails on a free port", false, 1},
		{"tries three ports when each is taken", true, startAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			taken := holdPort(t)
			real := pickPort
			t.Cleanup(func() { pickPort = real })
			pickPort = func() (int, error) {
				if tc.portTaken {
					return taken, nil
				}
				return real()
			}
			attempts := 0
			_, err := onFreePort(func(int) (struct{}, error) { attempts++; return struct{}{}, failure })
			if !errors.Is(err, failure) {
				t.Errorf("err = %v, want %v", err, failure)
			}
			if attempts != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", attempts, tc.wantAttempts)
			}
		})
	}
}
