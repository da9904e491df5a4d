package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/diff"
)

// DefaultFlushEvery is how often Diffs.Run saves the routes whose results changed.
const DefaultFlushEvery = 2 * time.Second

// finalFlushTimeout bounds the flush Run does once its context is done, so that shutdown cannot hang
// on a stuck store.
const finalFlushTimeout = 5 * time.Second

// DiffsOptions tune Diffs. The zero value is ready to use.
type DiffsOptions struct {
	// Now is the clock for audit entries; nil means time.Now.
	Now func() time.Time
	// FlushEvery is how often Run saves changed results; zero means DefaultFlushEvery. Results recorded
	// since the last flush are lost if the process dies without Run's final flush (kill -9).
	FlushEvery time.Duration
	// RouteExists tells the routes of the config; Report and Reset of any other name are ENotFound
	// errors. Nil means every name exists.
	RouteExists func(name string) bool
	// Logger receives persisted documents that cannot be loaded and flushes that fail while Run goes
	// on. Nil: nothing is logged.
	Logger *slog.Logger
}

// Diffs keeps the parallel run's results: the Collector aggregates what the shadow workers record,
// and Diffs loads it from the store at start, saves what changed periodically, serves reports and
// resets a route's results with an audit entry.
type Diffs struct {
	store ficus.DiffStore
	c     *diff.Collector
	o     DiffsOptions

	mu      sync.Mutex        // serialises flushes and resets, so a flush cannot bring back what a reset deleted
	flushed map[string]uint64 // the collector generation last saved, by route
}

// NewDiffs loads the persisted results into collector and returns Diffs over them. A document that
// cannot be loaded (written by a newer ficus, or damaged) is logged and left out; the route's next
// flush replaces it. Call it before the gateway records, as loading replaces a route's results.
func NewDiffs(ctx context.Context, store ficus.DiffStore, collector *diff.Collector, o DiffsOptions) (*Diffs, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = DefaultFlushEvery
	}
	if o.RouteExists == nil {
		o.RouteExists = func(string) bool { return true }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Diffs{store: store, c: collector, o: o, flushed: map[string]uint64{}}
	docs, err := store.DiffReports(ctx)
	if err != nil {
		return nil, fmt.Errorf("load diff results: %w", err)
	}
	for route, doc := range docs {
		if err := collector.Import(route, doc); err != nil {
			o.Logger.Warn("diff results left out", "route", route, "err", err)
			continue
		}
		d.flushed[route] = collector.Generation(route)
	}
	return d, nil
}

// Run saves changed results every FlushEvery until ctx is done, then once more. A failed periodic
// flush is logged and retried at the next tick; the final flush's error is returned.
func (d *Diffs) Run(ctx context.Context) error {
	t := time.NewTicker(d.o.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := d.Flush(ctx); err != nil {
				d.o.Logger.Error("flush diff results", "err", err)
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
			defer cancel()
			return d.Flush(fctx)
		}
	}
}

// Flush saves the results of every route that changed since its last save.
func (d *Diffs) Flush(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, route := range d.c.Routes() {
		gen := d.c.Generation(route)
		if gen == d.flushed[route] {
			continue
		}
		doc, err := d.c.Export(route)
		if err == nil {
			err = d.store.SaveDiffReport(ctx, route, doc)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d.flushed[route] = gen
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("flush diff results: %w", err)
	}
	return nil
}

// Report returns route's results with every field judged.
func (d *Diffs) Report(ctx context.Context, route string) (diff.Report, error) {
	if !d.o.RouteExists(route) {
		return diff.Report{}, ficus.Errorf(ficus.ENotFound, "route %q does not exist", route)
	}
	return d.c.Report(route), nil
}

// Reset clears route's results, in the store and in memory, on behalf of actor, and returns the
// (empty) report. It is always audited ("diff.reset", with the counts that were cleared), even when
// there was nothing to clear: an operator throwing away evidence is a decision worth recording.
func (d *Diffs) Reset(ctx context.Context, actor, route string) (diff.Report, error) {
	if !d.o.RouteExists(route) {
		return diff.Report{}, ficus.Errorf(ficus.ENotFound, "route %q does not exist", route)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	entry := ficus.AuditEntry{
		Time:   d.o.Now().UTC().Truncate(time.Microsecond),
		Actor:  actor,
		Action: "diff.reset",
		Target: "route/" + route,
		Before: countsJSON(d.c.Report(route)),
	}
	if _, err := d.store.DeleteDiffReport(ctx, route, entry); err != nil {
		return diff.Report{}, fmt.Errorf("reset diff results of %s: %w", route, err)
	}
	d.c.Reset(route)
	d.flushed[route] = d.c.Generation(route)
	return d.c.Report(route), nil
}

// countsJSON is the audit form of a report: its totals, not its samples (which could be large and are
// the very thing being thrown away).
func countsJSON(r diff.Report) json.RawMessage {
	b, _ := json.Marshal(struct {
		diff.Counts
		DefectRate float64 `json:"defect_rate"`
	}{r.Counts, r.DefectRate})
	return b
}
