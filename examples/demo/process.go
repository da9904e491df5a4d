package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

const (
	// readyTimeout bounds the wait for /readyz after start.
	readyTimeout = 30 * time.Second
	// stopTimeout bounds a graceful stop; the config's shutdown_timeout is 5s.
	stopTimeout = 15 * time.Second
)

// ficusProcess is `ficus serve` running as a child process, its output going to a log file.
type ficusProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed when the process has exited; waitErr is then set
	waitErr error
}

func startFicus(bin string, s setup) (*ficusProcess, error) {
	log, err := os.Create(s.logPath)
	if err != nil {
		return nil, fmt.Errorf("create ficus log: %w", err)
	}
	cmd := exec.Command(bin, "serve", "--config", s.configPath)
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start ficus: %w (build it with make build)", err)
	}
	p := &ficusProcess{cmd: cmd, logPath: s.logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	return p, nil
}

// waitReady polls url until it answers 200, ficus exits, or readyTimeout passes.
func (p *ficusProcess) waitReady(ctx context.Context, client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last := "no answer"
	for {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = res.Status
		}
		select {
		case <-p.exited:
			return fmt.Errorf("ficus serve exited during start-up (%v); its log:\n%s", p.waitErr, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("ficus not ready at %s after %v (last: %s); its log:\n%s", url, readyTimeout, last, p.logTail())
		case <-tick.C:
		}
	}
}

// stop asks ficus to shut down gracefully and reports whether it did so cleanly.
func (p *ficusProcess) stop() error {
	select {
	case <-p.exited:
		// Already gone, e.g. Ctrl-C in a terminal reaches the whole process group.
	default:
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("stop ficus: %w", err)
		}
		select {
		case <-p.exited:
		case <-time.After(stopTimeout):
			p.kill()
			return fmt.Errorf("stop ficus: still running %v after SIGTERM, killed; its log:\n%s", stopTimeout, p.logTail())
		}
	}
	if p.waitErr != nil {
		return fmt.Errorf("stop ficus: %w; its log:\n%s", p.waitErr, p.logTail())
	}
	return nil
}

// explain adds ficus's exit and log to err when ficus has died, which is then the likely cause.
func (p *ficusProcess) explain(err error) error {
	select {
	case <-p.exited:
		return fmt.Errorf("%w\nficus serve has exited (%v); its log:\n%s", err, p.waitErr, p.logTail())
	default:
		return err
	}
}

// kill ends ficus at once and waits for it; used when the demo fails half-way.
func (p *ficusProcess) kill() {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// logTail returns the last lines of ficus's log, indented, for error messages.
func (p *ficusProcess) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return "  (no log: " + err.Error() + ")"
	}
	lines := strings.Split(string(bytes.TrimSpace(data)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return indent(strings.Join(lines, "\n"))
}

// indent prefixes every line of s with four spaces.
func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (no output)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
