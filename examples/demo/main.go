// Command demo is the guided tour behind `make demo`: it starts the two sample shops in-process, runs a
// built ficus binary in front of them, and moves the "users" route from legacy to modern and back with
// the real CLI, measuring at every step which side served 200 distinct users. Every step checks what
// it promises, and the demo exits non-zero when a check fails, so it doubles as an end-to-end test.
//
//	go run ./examples/demo --ficus bin/ficus [--keep]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// options are the demo's flags.
type options struct {
	// ficus is the path of the ficus binary to run. Required.
	ficus string
	// keep leaves everything running after the tour until the context is done (Ctrl-C).
	keep bool
}

func main() {
	var o options
	flag.StringVar(&o.ficus, "ficus", "", "path of the built ficus binary (make build writes bin/ficus)")
	flag.BoolVar(&o.keep, "keep", false, "leave the shops and ficus running after the tour, until Ctrl-C")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "\ndemo failed:", err)
		os.Exit(1)
	}
}

// run performs the whole demo, writing its narration to out, and returns why it failed, if it did.
func run(ctx context.Context, o options, out io.Writer) error {
	if o.ficus == "" {
		return errors.New("--ficus is required: the path of a built ficus binary (make build writes bin/ficus)")
	}
	dir, err := os.MkdirTemp("", "ficus-demo-")
	if err != nil {
		return fmt.Errorf("make work dir: %w", err)
	}
	defer os.RemoveAll(dir)

	shops, err := startShops(ctx)
	if err != nil {
		return err
	}
	defer shops.stop()
	s, err := newSetup(dir, shops)
	if err != nil {
		return err
	}
	p, err := startFicus(o.ficus, s)
	if err != nil {
		return err
	}
	defer p.kill()
	d := newDemo(out, o, s)
	d.failing = &shops.failing
	defer d.client.CloseIdleConnections()
	d.intro()
	if err := p.waitReady(ctx, d.client, s.adminURL()+"/readyz"); err != nil {
		return err
	}
	if err := d.tour(ctx); err != nil {
		return p.explain(err)
	}
	if o.keep {
		d.keepRunning(ctx)
	}
	if err := p.stop(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nficus stopped gracefully. Demo passed.")
	return nil
}
