package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ficus-dev/ficus/verify"
)

// verifyProgress shows a verification's snapshots on stderr, like the migration's display: redrawn
// in place on a terminal, a plain line every plainEvery otherwise. verify.Run calls update from one
// goroutine and finish is called after it returns, so there is no locking.
type verifyProgress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time
	lastLine time.Time
	drawn    int
}

func newVerifyProgress(w io.Writer, now func() time.Time) *verifyProgress {
	_, tty := terminalWidth(w)
	return &verifyProgress{w: w, terminal: tty, now: now, lastLine: now()}
}

func (p *verifyProgress) interval() time.Duration {
	if p.terminal {
		return terminalInterval
	}
	return plainInterval
}

func (p *verifyProgress) update(s verify.Snapshot) {
	if p.terminal {
		p.draw(verifyProgressLines(s, p.now()))
		return
	}
	if now := p.now(); now.Sub(p.lastLine) >= plainEvery {
		fmt.Fprintln(p.w, verifyOverall(s, now))
		p.lastLine = now
	}
}

// finish clears the live display: the report follows.
func (p *verifyProgress) finish() {
	if p.terminal && p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

func (p *verifyProgress) draw(lines []string) { p.drawn = redraw(p.w, p.drawn, lines) }

// verifyProgressLines is the live display: the overall line, then the tables being compared (all
// of them when there are few).
func verifyProgressLines(s verify.Snapshot, now time.Time) []string {
	lines := []string{verifyOverall(s, now)}
	shown := s.Tables
	if len(shown) > progressMaxTables {
		shown = nil
		for _, t := range s.Tables {
			if (t.Phase == verify.PhaseComparing || t.Phase == verify.PhaseSearching) && len(shown) < progressMaxTables {
				shown = append(shown, t)
			}
		}
	}
	width := 0
	for _, t := range shown {
		width = max(width, len(progressName(t.Source)))
	}
	for _, t := range shown {
		lines = append(lines, verifyTableLine(t, width))
	}
	return lines
}

func verifyTableLine(t verify.TableProgress, width int) string {
	name := fmt.Sprintf("  %-*s ", width, progressName(t.Source))
	rows := max(t.SourceRows, t.TargetRows)
	pct := 0
	switch {
	case t.Phase == verify.PhaseDone || t.Phase == verify.PhaseSearching:
		pct = 100
	case t.Estimate > 0:
		pct = int(min(99, rows*100/t.Estimate))
	}
	line := fmt.Sprintf("%s%s %3d%%  %d/%d rows  %s", name, progressBar(pct), pct, rows, t.Estimate, t.Phase)
	if t.Phase == verify.PhaseDone {
		line = fmt.Sprintf("%s%s %3d%%  %d rows  %s", name, progressBar(100), 100, rows, t.Status)
	}
	if t.Differences > 0 {
		line += ", " + rowsDiffer(t.Differences)
	}
	return line
}

// verifyOverall is the run's line: tables done, rows hashed, differences so far.
func verifyOverall(s verify.Snapshot, now time.Time) string {
	var done, differ int
	var rows int64
	for _, t := range s.Tables {
		rows += max(t.SourceRows, t.TargetRows)
		if t.Phase == verify.PhaseDone {
			done++
		}
		if t.Status == verify.Different || t.Differences > 0 {
			differ++
		}
	}
	line := fmt.Sprintf("verify: %d/%d tables done, %d rows hashed in %s", done, len(s.Tables), rows, progressDuration(now.Sub(s.Started)))
	if differ > 0 {
		line += ", " + tablesDiffer(differ)
	}
	return line
}
