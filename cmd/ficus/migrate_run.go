package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/config"
	migload "github.com/ficus-dev/ficus/migrate/load"
)

func init() { migrateCommands = append(migrateCommands, newMigrateRunCmd) }

// migrateRunFlags are run's own flags; each overrides its key of the migration section.
type migrateRunFlags struct {
	migrateFlags
	workers, chunkRows int
	onError, rejectDir string
	restart            bool
}

func newMigrateRunCmd(g *globals) *cobra.Command {
	f := &migrateRunFlags{}
	cmd := &cobra.Command{
		Use:   "run [--config FILE | --source URL --target URL]",
		Short: "Convert the schema and copy every row into PostgreSQL, exactly once",
		Long: `run creates the plan's types and tables in the target, copies the rows with COPY (several tables
at once, large tables split into primary-key ranges copied in parallel), then builds primary keys,
indexes and foreign keys, resets identity sequences and adds the triggers that emulate ON UPDATE
CURRENT_TIMESTAMP.

Exactly once: every chunk's rows and its checkpoint commit in one target transaction, so a run that
is interrupted at any point (Ctrl-C, kill -9, a lost connection) continues where it stopped when
started again, with no row lost or doubled. A run started after one that finished does nothing;
--restart drops what the earlier run created (its tables and state) and loads again. The state lives
in the target's ficus_migrate schema: 'ficus migrate status' reads it from anywhere.

A value that cannot be converted stops the run (--on-error stop, the default; the chunk is not
committed, so a rerun after a fix redoes it) or, with --on-error skip, goes to the table's reject file
(REJECT_DIR/TABLE.rejects.jsonl, with its key, column and reason) while the rest loads.

While it runs, a terminal shows a live display (per table: rows, MB/s, ETA; and the overall phase);
anything else gets a plain line every 10 seconds. At the end a summary per table is printed;
--output json prints it as JSON. The exit status is 0 only when the run finished.`,
		Example: `  ficus migrate run --source 'mysql://app:${MYSQL_PASSWORD}@legacy-db/shop' --target postgres://app@pg/shop
  ficus migrate run --config migration.yaml --workers 8
  ficus migrate run --config migration.yaml --on-error skip --reject-dir /var/tmp/rejects
  ficus migrate run --config migration.yaml --restart
  ficus migrate run --config migration.yaml --output json > summary.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := f.settings(cmd)
			if err != nil {
				return err
			}
			return migrateRun(cmd.Context(), g, m, f.restart)
		},
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	// The defaults are left out of the flags so that a flag not given leaves the file's value.
	fl.IntVar(&f.workers, "workers", 0, fmt.Sprintf("chunks copied (and indexes built) at once (default migration.workers, else %d)", config.DefaultMigrationWorkers))
	fl.IntVar(&f.chunkRows, "chunk-rows", 0, fmt.Sprintf("rows per chunk of a large table (default migration.chunk_rows, else %d)", config.DefaultMigrationChunkRows))
	fl.StringVar(&f.onError, "on-error", "", "a row that cannot be converted: stop the run, or skip it to the reject file (default migration.on_error, else stop)")
	fl.StringVar(&f.rejectDir, "reject-dir", "", "directory of the reject files (default migration.reject_dir, else rejects)")
	fl.BoolVar(&f.restart, "restart", false, "drop what an earlier run created and load everything again")
	return cmd
}

// settings applies run's flags over the section, checking them as the config checks its keys.
func (f *migrateRunFlags) settings(cmd *cobra.Command) (*config.Migration, error) {
	m, err := f.migrateFlags.settings(cmd)
	if err != nil {
		return nil, err
	}
	fl := cmd.Flags()
	switch {
	case fl.Changed("workers") && f.workers < 1:
		return nil, fmt.Errorf("--workers %d: must be at least 1", f.workers)
	case fl.Changed("chunk-rows") && f.chunkRows < 1:
		return nil, fmt.Errorf("--chunk-rows %d: must be at least 1", f.chunkRows)
	case fl.Changed("on-error") && !slices.Contains(config.MigrationOnError, f.onError):
		return nil, fmt.Errorf("--on-error %q is not one of stop, skip", f.onError)
	case fl.Changed("reject-dir") && f.rejectDir == "":
		return nil, errors.New("--reject-dir must not be empty")
	}
	if fl.Changed("workers") {
		m.Workers = f.workers
	}
	if fl.Changed("chunk-rows") {
		m.ChunkRows = f.chunkRows
	}
	if fl.Changed("on-error") {
		m.OnError = f.onError
	}
	if fl.Changed("reject-dir") {
		m.RejectDir = f.rejectDir
	}
	return m, nil
}

func migrateRun(ctx context.Context, g *globals, m *config.Migration, restart bool) error {
	if m.TargetURL == "" {
		return errNoTarget
	}
	if m.Schema == migload.StateSchema {
		return fmt.Errorf("migration.schema %q holds ficus's own migration state; choose another schema", m.Schema)
	}
	src, plan, err := readPlan(ctx, m)
	if err != nil {
		return err
	}
	defer src.Close()
	progress := newProgressPrinter(g.stderr, time.Now)
	sum, err := migload.Run(ctx, migload.Options{
		Source: src, Plan: plan, Target: m.TargetURL,
		Workers: m.Workers, ChunkRows: m.ChunkRows, OnError: migload.OnError(m.OnError), Restart: restart,
		RejectDir: m.RejectDir, Filters: m.Filters(),
		Progress: progress.update, Interval: progress.interval(),
	})
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w; run the same command again to resume where it stopped", err)
		}
		return redact(fmt.Errorf("migrate: %w", err), m.SourceURL, m.TargetURL)
	}
	if g.output == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	return printRunSummary(g.stdout, sum)
}

// printRunSummary writes a line per table and the totals.
func printRunSummary(w io.Writer, sum *migload.Summary) error {
	if sum.Noop {
		_, err := fmt.Fprintln(w, "migrate: already complete, nothing to do (use --restart to load again)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tTARGET\tROWS\tMB\tROWS/S\tREJECTED")
	for _, t := range sum.Tables {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.Source, t.Target, t.Rows, runMB(t.Bytes),
			runRate(t.Rows, t.Finished.Sub(t.Started)), runRejected(t.Rejected, t.RejectFile))
	}
	fmt.Fprintf(tw, "TOTAL\t\t%d\t%s\t%s\t%d\n", sum.Rows, runMB(sum.Bytes), runRate(sum.Rows, sum.Duration), sum.Rejected)
	if err := tw.Flush(); err != nil {
		return err
	}
	line := fmt.Sprintf("migrate: done in %s", progressDuration(sum.Duration))
	if sum.Resumed {
		line += " (resumed an interrupted run)"
	}
	if sum.Rejected > 0 {
		line += fmt.Sprintf("; %d rows rejected: see the reject files", sum.Rejected)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func runMB(bytes int64) string { return fmt.Sprintf("%.1f", float64(bytes)/1e6) }

func runRate(rows int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(rows)/d.Seconds())
}

func runRejected(n int64, file string) string {
	if n == 0 || file == "" {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%s)", n, filepath.Clean(file))
}
