package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/config"
	migload "github.com/ficus-dev/ficus/migrate/load"
)

func init() { migrateCommands = append(migrateCommands, newMigrateStatusCmd) }

func newMigrateStatusCmd(g *globals) *cobra.Command {
	f := &migrateFlags{}
	cmd := &cobra.Command{
		Use:   "status [--config FILE | --target URL]",
		Short: "Show where a migration is: its phase and each table's rows, chunks and rejects",
		Long: `status reads the migration's state from the target database (schema ficus_migrate), so it works
from another terminal while 'ficus migrate run' is going, and after a crash: the phase (schema,
data, indexes, constraints, done or failed), when the run started and finished, the error that
ended the last attempt, and per table its state (pending, loading, loaded, done), rows copied of
the source's estimate, chunks done and rows rejected.

A run that shows a phase other than done or failed with no 'ficus migrate run' going was
interrupted; running it again resumes it.`,
		Example: `  ficus migrate status --config migration.yaml
  ficus migrate status --target postgres://app@pg/shop --output json | jq '.tables[] | select(.state != "done")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := f.settings(cmd)
			if err != nil {
				return err
			}
			if m.TargetURL == "" {
				return errNoTarget
			}
			snap, err := migload.Status(cmd.Context(), m.TargetURL)
			if err != nil {
				return redact(fmt.Errorf("migrate status: %w", err), m.TargetURL)
			}
			if g.output == "json" {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(snap)
			}
			return printStatus(g.stdout, config.MaskURL(m.TargetURL), snap)
		},
	}
	f.register(cmd, false)
	return cmd
}

// printStatus writes the run's phase and times, then a line per table.
func printStatus(w io.Writer, target string, s *migload.Snapshot) error {
	if s.Phase == "" {
		_, err := fmt.Fprintf(w, "no migration has run into %s\n", target)
		return err
	}
	p := &statusPrinter{w: w}
	p.line("target:   %s", target)
	p.line("phase:    %s", s.Phase)
	p.line("started:  %s", statusTime(s.Started))
	if !s.Finished.IsZero() {
		p.line("finished: %s (took %s)", statusTime(s.Finished), progressDuration(s.Finished.Sub(s.Started)))
	}
	if s.Error != "" {
		p.line("error:    %s", s.Error)
	}
	p.line("rows:     %d of about %d (%s), %s MB, %d rejected", s.Rows, s.RowsEstimate,
		progressPercent(s.Rows, s.RowsEstimate, s.Phase == migload.PhaseDone), runMB(s.Bytes), s.Rejected)
	if p.err != nil || len(s.Tables) == 0 {
		return p.err
	}
	p.line("")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tTARGET\tSTATE\tROWS\tESTIMATE\t%\tCHUNKS\tREJECTED")
	for _, t := range s.Tables {
		complete := t.State == migload.TableLoaded || t.State == migload.TableDone
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%d/%d\t%s\n", t.Source, t.Target, t.State, t.Rows, t.RowsEstimate,
			progressPercent(t.Rows, t.RowsEstimate, complete), t.ChunksDone, t.Chunks, runRejected(t.Rejected, t.RejectFile))
	}
	return tw.Flush()
}

// statusPrinter keeps the first write error, so that printing reads as a list of lines.
type statusPrinter struct {
	w   io.Writer
	err error
}

func (p *statusPrinter) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func statusTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
