package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"
)

// demo narrates the tour and holds what its steps share.
type demo struct {
	out    io.Writer
	bin    string // the ficus binary
	setup  setup
	client *http.Client
	keep   bool // everything stays up after the tour
	step   int
	// failing switches the modern shop's products endpoint to 500s (the bad rollout).
	failing *atomic.Bool
}

// steps is the number of numbered steps of the tour, for the "[n/N]" headings.
const steps = 10

func newDemo(out io.Writer, o options, s setup) *demo {
	return &demo{out: out, bin: o.ficus, setup: s, keep: o.keep, client: &http.Client{Timeout: 10 * time.Second}}
}

func (d *demo) intro() {
	s := d.setup
	fmt.Fprintf(d.out, `ficus demo: a parallel run that finds what the modern shop gets wrong, then moving the
"users" route of the shop from legacy to modern, and back

  legacy shop   %s  (examples/shop: one big handler, hand-built SQL)
  modern shop   %s  (examples/shop: router and repository; started with its price bug)
  ficus proxy   %s
  ficus admin   %s
  config        %s
  ficus log     %s

Each round sends GET /api/users/{id} through ficus as %d users (X-User-Id: %s ... %s)
and counts the %s header of the answers. CLI commands run %s
with FICUS_ADMIN and FICUS_TOKEN set.
`, s.legacyURL, s.modernURL, s.proxyURL(), s.adminURL(), s.configPath, s.logPath,
		users, userID(1), userID(users), backendHeader, d.bin)
}

func (d *demo) heading(title string) {
	d.step++
	fmt.Fprintf(d.out, "\n[%d/%d] %s\n", d.step, steps, title)
}

func (d *demo) ok(format string, args ...any) {
	fmt.Fprintf(d.out, "  ok: "+format+"\n", args...)
}

// ficus runs the ficus CLI with args, printing the command line and its output; a non-zero exit is an
// error.
func (d *demo) ficus(ctx context.Context, args ...string) (string, error) {
	fmt.Fprintf(d.out, "  $ ficus %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Env = d.setup.env()
	out, err := cmd.CombinedOutput()
	fmt.Fprintln(d.out, indent(string(out)))
	if err != nil {
		return string(out), fmt.Errorf("ficus %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// tour runs the numbered steps in order; each checks what it shows.
func (d *demo) tour(ctx context.Context) error {
	if err := d.allLegacy(ctx); err != nil {
		return err
	}
	if err := d.parallelRun(ctx); err != nil {
		return err
	}
	atTen, err := d.canary(ctx, 10, "a sticky tenth of the users moves to modern")
	if err != nil {
		return err
	}
	for _, step := range []func(context.Context) error{
		func(ctx context.Context) error { return d.widen(ctx, atTen) },
		d.cutover, d.rollback, d.automatedRollout, d.automatedRollback, d.record, d.whereToLook,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) allLegacy(ctx context.Context) error {
	d.heading("Stage legacy: ficus passes every request through to legacy")
	t, err := d.round(ctx)
	if err != nil {
		return err
	}
	d.printTally(t)
	if len(t.modern) > 0 {
		return fmt.Errorf("in stage legacy %d users were served by modern, want none", len(t.modern))
	}
	d.ok("every user served by legacy")
	return nil
}

// canary moves the users route to a canary at weight, measures, and checks the share on modern.
func (d *demo) canary(ctx context.Context, weight float64, title string) (tally, error) {
	d.heading(fmt.Sprintf("Canary at %v%%: %s", weight, title))
	if _, err := d.ficus(ctx, "route", "set", "users", "--stage", "canary", "--weight", fmt.Sprint(weight)); err != nil {
		return tally{}, err
	}
	t, err := d.round(ctx)
	if err != nil {
		return t, err
	}
	d.printTally(t)
	if err := checkShare(t, weight); err != nil {
		return t, err
	}
	d.ok("%.1f%% of users on modern (want %v ± %v)", t.modernShare(), weight, tolerance)
	return t, nil
}

// widen raises the canary to 50% and checks that every user modern served at 10% still goes there.
func (d *demo) widen(ctx context.Context, atTen tally) error {
	t, err := d.canary(ctx, 50, "more users move, and those already on modern stay there")
	if err != nil {
		return err
	}
	if err := checkSticky(atTen, t); err != nil {
		return err
	}
	d.ok("all %d users that were on modern at 10%% are still on modern", len(atTen.modern))
	return nil
}

func (d *demo) cutover(ctx context.Context) error {
	d.heading("Stage modern: every user goes to modern; other routes stay where they are")
	if _, err := d.ficus(ctx, "route", "set", "users", "--stage", "modern"); err != nil {
		return err
	}
	t, err := d.round(ctx)
	if err != nil {
		return err
	}
	d.printTally(t)
	if len(t.legacy) > 0 {
		return fmt.Errorf("in stage modern %d users were served by legacy, want none", len(t.legacy))
	}
	side, err := d.get(ctx, "/api/orders/1", userID(1))
	if err != nil {
		return err
	}
	if side != "legacy" {
		return fmt.Errorf("GET /api/orders/1 (route orders, stage legacy) was served by %q, want legacy", side)
	}
	d.ok("every user served by modern; GET /api/orders/1 (route orders) still served by legacy")
	return nil
}

func (d *demo) rollback(ctx context.Context) error {
	d.heading("Rollback: one atomic switch, effective for the very next request")
	if _, err := d.ficus(ctx, "route", "rollback", "users"); err != nil {
		return err
	}
	t, err := d.round(ctx)
	if err != nil {
		return err
	}
	d.printTally(t)
	if len(t.modern) > 0 {
		return fmt.Errorf("after rollback %d users were served by modern, want none", len(t.modern))
	}
	d.ok("every user back on legacy")
	return nil
}

// record shows the routes and the audit log, and verifies the log's hash chain.
func (d *demo) record(ctx context.Context) error {
	d.heading("The record: route states and the tamper-evident audit log")
	for _, args := range [][]string{
		{"route", "list"},
		{"audit", "list", "--config", d.setup.configPath},
		{"audit", "verify", "--config", d.setup.configPath},
	} {
		if _, err := d.ficus(ctx, args...); err != nil {
			return err
		}
	}
	d.ok("every change is in the audit log, and its hash chain verifies")
	return nil
}

// whereToLook lists what a user can open, checking that each answers.
func (d *demo) whereToLook(ctx context.Context) error {
	d.heading("Where to look")
	admin := d.setup.adminURL()
	for _, l := range []struct{ what, url string }{
		{"routes (API) ", admin + "/api/v1/routes"},
		{"audit (API)  ", admin + "/api/v1/audit"},
		{"OpenAPI      ", admin + "/api/v1/openapi.json"},
		{"metrics      ", admin + "/metrics"},
	} {
		if err := d.checkAdmin(ctx, l.url); err != nil {
			return err
		}
		fmt.Fprintf(d.out, "  %s %s\n", l.what, l.url)
	}
	fmt.Fprintf(d.out, "  store         %s (SQLite: run-time route states and the audit log)\n", d.setup.storePath)
	fmt.Fprintf(d.out, "  ficus log     %s\n", d.setup.logPath)
	fmt.Fprintln(d.out, "  (the API wants the operator token as a bearer token)")
	if !d.keep {
		fmt.Fprintln(d.out, "  These files are deleted when the demo ends; run it with --keep to explore.")
	}
	return nil
}

// checkAdmin GETs an admin URL with the operator token and fails unless it answers 200.
func (d *demo) checkAdmin(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	req.Header.Set("Authorization", "Bearer "+d.setup.token)
	res, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s, want 200 OK", url, res.Status)
	}
	return nil
}

// keepRunning waits for Ctrl-C, telling the user what to try meanwhile.
func (d *demo) keepRunning(ctx context.Context) {
	s := d.setup
	fmt.Fprintf(d.out, `
Everything is still running. Try:
  curl -si -H 'X-User-Id: alice' %s/api/users/1 | grep -i x-ficus-backend
  FICUS_ADMIN=%s FICUS_TOKEN=%s %s route set users --stage canary --weight 30
  curl -s -H 'Authorization: Bearer %s' %s/api/v1/routes
Press Ctrl-C to stop.
`, s.proxyURL(), s.adminURL(), s.token, d.bin, s.token, s.adminURL())
	<-ctx.Done()
}
