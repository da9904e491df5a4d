package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/diff"
)

// shadowRounds is how many times the parallel run requests each product and order: enough answers for
// the noise verdicts to settle.
const shadowRounds = 4

// parallelRun puts the catalog and orders routes in stage shadow, sends traffic, and checks that ficus
// found the modern shop's price bug and recognised generated_at as noise.
func (d *demo) parallelRun(ctx context.Context) error {
	d.heading("Parallel run: catalog and orders in stage shadow, every answer compared")
	for _, route := range []string{"catalog", "orders"} {
		if _, err := d.ficus(ctx, "route", "set", route, "--stage", "shadow"); err != nil {
			return err
		}
	}
	sent := 0
	for range shadowRounds {
		for id := 1; id <= 20; id++ {
			for _, path := range []string{fmt.Sprintf("/api/products/%d", id), fmt.Sprintf("/api/orders/%d", id)} {
				side, err := d.get(ctx, path, userID(id))
				if err != nil {
					return err
				}
				if side != "legacy" {
					return fmt.Errorf("in stage shadow GET %s was served by %s, want legacy", path, side)
				}
				sent++
			}
		}
	}
	fmt.Fprintf(d.out, "  sent %d requests; every one was served by legacy and mirrored to modern\n", sent)
	client := admin.NewClient(d.setup.adminURL(), d.setup.token, d.client)
	want := shadowRounds * 20
	catalog, err := d.waitCompared(ctx, client, "catalog", want)
	if err != nil {
		return err
	}
	orders, err := d.waitCompared(ctx, client, "orders", want)
	if err != nil {
		return err
	}
	for _, route := range []string{"catalog", "orders"} {
		if _, err := d.ficus(ctx, "diff", route, "--samples", "1"); err != nil {
			return err
		}
	}
	if f := field(catalog, "$.price_cents"); f == nil || f.Verdict != diff.Defect {
		return fmt.Errorf("the catalog report does not name $.price_cents as a defect: %+v", catalog.Endpoints)
	}
	if f := field(orders, "$.generated_at"); f == nil || f.Verdict != diff.Noise {
		return fmt.Errorf("the orders report does not call $.generated_at noise: %+v", orders.Endpoints)
	}
	if orders.Defective != 0 {
		return fmt.Errorf("the orders report counts %d defective answers, want none", orders.Defective)
	}
	d.ok("the price bug is a defect in %.0f%% of catalog answers; generated_at is noise, so orders has no defect", 100*catalog.DefectRate)
	for _, route := range []string{"catalog", "orders"} {
		if _, err := d.ficus(ctx, "route", "set", route, "--stage", "legacy"); err != nil {
			return err
		}
	}
	return nil
}

// waitCompared polls a route's diff report until at least n answers were compared: mirrored requests
// run off the clients' path, so the last ones finish a moment after their clients got answers.
func (d *demo) waitCompared(ctx context.Context, c *admin.Client, route string, n int) (diff.Report, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := c.Diff(ctx, route)
		if err != nil {
			return r, err
		}
		if r.Compared >= n {
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("route %s: %d answers compared after 15s, want %d (skipped: %v)", route, r.Compared, n, r.Skipped)
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// field finds a field of any endpoint of a report.
func field(r diff.Report, name string) *diff.FieldReport {
	for _, e := range r.Endpoints {
		for i := range e.Fields {
			if e.Fields[i].Field == name {
				return &e.Fields[i]
			}
		}
	}
	return nil
}
