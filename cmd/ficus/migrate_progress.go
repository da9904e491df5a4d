package main

import (
	"fmt"
	"strings"
	"time"

	migload "github.com/ficus-dev/ficus/migrate/load"
)

// The progress of a run, rendered from two snapshots: rates are what changed between them. These are
// pure functions; progressPrinter (migrate_terminal.go) decides when to call them and where the lines go.

// progressFrame is a snapshot and when it was taken.
type progressFrame struct {
	at   time.Time
	snap migload.Snapshot
}

// progressMaxTables bounds the table lines of the live display; the other tables are counted.
const progressMaxTables = 12

// progressBarWidth is the number of cells of a table's bar.
const progressBarWidth = 20

// progressLines renders the live display: an overall line, then one line per table (every table
// when there are few, else the ones being copied), then a line counting the tables not shown.
// prev is an earlier frame to measure rates against; its zero value measures from the run's start.
func progressLines(prev, cur progressFrame) []string {
	s := cur.snap
	lines := []string{progressOverall(prev, cur, true)}
	shown, hidden := s.Tables, []migload.TableProgress(nil)
	if len(shown) > progressMaxTables {
		shown = nil
		for _, t := range s.Tables {
			if t.State == migload.TableLoading && len(shown) < progressMaxTables {
				shown = append(shown, t)
			} else {
				hidden = append(hidden, t)
			}
		}
	}
	width := 0
	for _, t := range shown {
		width = max(width, len(progressName(t.Source)))
	}
	for _, t := range shown {
		lines = append(lines, progressTableLine(prev, cur, t, width))
	}
	if len(hidden) > 0 {
		lines = append(lines, fmt.Sprintf("  and %d more tables: %s", len(hidden), progressStates(hidden)))
	}
	return lines
}

// progressPlainLine renders one line for a log, e.g.
// "migrate: data 45% 950000/2100000 rows 41 MB/s eta 12s".
func progressPlainLine(prev, cur progressFrame) string {
	return progressOverall(prev, cur, false)
}

// progressOverall is the run's line; fine adds a decimal to the rate and the table counts.
func progressOverall(prev, cur progressFrame, fine bool) string {
	s := cur.snap
	var b strings.Builder
	b.WriteString("migrate: " + string(s.Phase))
	switch s.Phase {
	case migload.PhaseSchema:
		b.WriteString(" (creating types and tables)")
	case migload.PhaseData:
		done, d := progressDelta(prev, cur, progressCount{s.Rows, s.Bytes}, progressCount{prev.snap.Rows, prev.snap.Bytes}, s.Started)
		fmt.Fprintf(&b, " %s %d/%d rows %s eta %s", progressPercent(s.Rows, s.RowsEstimate, false),
			s.Rows, s.RowsEstimate, progressRate(done.bytes, d, fine), progressETA(s.RowsEstimate-s.Rows, done.rows, d))
	case migload.PhaseIndexes:
		fmt.Fprintf(&b, " %d rows loaded; building keys and indexes", s.Rows)
	case migload.PhaseConstraints:
		fmt.Fprintf(&b, " %d rows loaded; adding foreign keys, sequences and triggers", s.Rows)
	case migload.PhaseDone:
		fmt.Fprintf(&b, " %d rows", s.Rows)
		if !s.Finished.IsZero() {
			b.WriteString(" in " + progressDuration(s.Finished.Sub(s.Started)))
		}
	case migload.PhaseFailed:
		fmt.Fprintf(&b, " %d rows loaded: %s", s.Rows, s.Error)
	}
	if s.Rejected > 0 {
		fmt.Fprintf(&b, ", %d rejected", s.Rejected)
	}
	if fine && len(s.Tables) > 0 {
		b.WriteString(" | tables: " + progressStates(s.Tables))
	}
	return b.String()
}

// progressTableLine is one table's line of the live display.
func progressTableLine(prev, cur progressFrame, t migload.TableProgress, width int) string {
	name := fmt.Sprintf("  %-*s ", width, progressName(t.Source))
	complete := t.State == migload.TableLoaded || t.State == migload.TableDone
	switch {
	case t.State == migload.TablePending:
		return name + progressBar(0) + "  pending"
	case complete:
		return fmt.Sprintf("%s%s  %s %d rows", name, progressBar(100), t.State, t.Rows)
	}
	var before migload.TableProgress
	for _, p := range prev.snap.Tables {
		if p.Source == t.Source {
			before = p
		}
	}
	started := t.Started
	if started.IsZero() {
		started = cur.snap.Started
	}
	done, d := progressDelta(prev, cur, progressCount{t.Rows, t.Bytes}, progressCount{before.Rows, before.Bytes}, started)
	line := fmt.Sprintf("%s%s %4s  %d/%d  %s  eta %s", name, progressBar(progressFraction(t.Rows, t.RowsEstimate)),
		progressPercent(t.Rows, t.RowsEstimate, false), t.Rows, t.RowsEstimate, progressRate(done.bytes, d, true),
		progressETA(t.RowsEstimate-t.Rows, done.rows, d))
	if t.Rejected > 0 {
		line += fmt.Sprintf("  %d rejected", t.Rejected)
	}
	return line
}

// progressCount is rows and bytes copied.
type progressCount struct{ rows, bytes int64 }

// progressDelta returns what was copied, and over how long: from before (in prev) to now (in cur)
// when there is a previous frame, else from nothing at started.
func progressDelta(prev, cur progressFrame, now, before progressCount, started time.Time) (progressCount, time.Duration) {
	if !prev.at.IsZero() && prev.at.Before(cur.at) {
		return progressCount{now.rows - before.rows, now.bytes - before.bytes}, cur.at.Sub(prev.at)
	}
	if started.IsZero() || !started.Before(cur.at) {
		return progressCount{}, 0
	}
	return now, cur.at.Sub(started)
}

// progressStates counts tables by state: "2 done, 1 loading, 3 pending".
func progressStates(tables []migload.TableProgress) string {
	counts := map[migload.TableState]int{}
	for _, t := range tables {
		counts[t.State]++
	}
	var parts []string
	for _, st := range []migload.TableState{migload.TableDone, migload.TableLoaded, migload.TableLoading, migload.TablePending} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	return strings.Join(parts, ", ")
}

// progressFraction is rows of estimate in percent, 0-99: estimates are approximate, so only a
// finished table shows 100.
func progressFraction(rows, estimate int64) int {
	if estimate <= 0 || rows <= 0 {
		return 0
	}
	return int(min(99, rows*100/estimate))
}

func progressPercent(rows, estimate int64, complete bool) string {
	switch {
	case complete:
		return "100%"
	case estimate <= 0:
		return "-"
	}
	return fmt.Sprintf("%d%%", progressFraction(rows, estimate))
}

func progressBar(percent int) string {
	n := percent * progressBarWidth / 100
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", progressBarWidth-n) + "]"
}

// progressRate is the COPY throughput in MB/s (10^6 bytes).
func progressRate(bytes int64, d time.Duration, fine bool) string {
	if d <= 0 {
		return "- MB/s"
	}
	mb := float64(bytes) / 1e6 / d.Seconds()
	if fine {
		return fmt.Sprintf("%.1f MB/s", mb)
	}
	return fmt.Sprintf("%.0f MB/s", mb)
}

// progressETA is how long the remaining rows take at the rate rows/d; "-" when unknown.
func progressETA(remaining, rows int64, d time.Duration) string {
	if remaining <= 0 || rows <= 0 || d <= 0 {
		return "-"
	}
	return progressDuration(time.Duration(float64(remaining) / float64(rows) * float64(d)))
}

// progressDuration is a short duration: 12s, 3m05s, 1h02m.
func progressDuration(d time.Duration) string {
	switch d = d.Round(time.Second); {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// progressName shortens a long table name to keep the bars aligned.
func progressName(name string) string {
	const most = 30
	if r := []rune(name); len(r) > most {
		return string(r[:most-1]) + "~"
	}
	return name
}
