package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	migload "github.com/ficus-dev/ficus/migrate/load"
)

var progressT0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// progressShop is a run 10 seconds in, and the same run 5 seconds earlier.
func progressShop() (prev, cur progressFrame) {
	started := progressT0
	cur = progressFrame{at: started.Add(10 * time.Second), snap: migload.Snapshot{
		Phase: migload.PhaseData, Started: started, Rows: 950_000, RowsEstimate: 2_100_000, Bytes: 410_000_000, Rejected: 3,
		Tables: []migload.TableProgress{
			{Source: "customers", Target: "clients", State: migload.TableLoaded, Rows: 100_000, RowsEstimate: 98_000, Bytes: 10_000_000,
				Chunks: 1, ChunksDone: 1, Started: started, Finished: started.Add(2 * time.Second)},
			{Source: "orders", Target: "orders", State: migload.TableLoading, Rows: 850_000, RowsEstimate: 2_000_000, Bytes: 400_000_000,
				Rejected: 3, Chunks: 20, ChunksDone: 8, Started: started},
			{Source: "a_table_with_a_very_long_name_indeed_yes", Target: "a_table_with_a_very_long_name_indeed_yes", State: migload.TablePending, RowsEstimate: 2_000},
		},
	}}
	prev = progressFrame{at: started.Add(5 * time.Second), snap: migload.Snapshot{
		Phase: migload.PhaseData, Started: started, Rows: 500_000, RowsEstimate: 2_100_000, Bytes: 205_000_000,
		Tables: []migload.TableProgress{
			{Source: "customers", State: migload.TableLoaded, Rows: 100_000, RowsEstimate: 98_000, Bytes: 10_000_000},
			{Source: "orders", State: migload.TableLoading, Rows: 400_000, RowsEstimate: 2_000_000, Bytes: 195_000_000, Started: started},
			{Source: "a_table_with_a_very_long_name_indeed_yes", State: migload.TablePending, RowsEstimate: 2_000},
		},
	}}
	return prev, cur
}

func TestProgressRendering(t *testing.T) {
	prev, cur := progressShop()
	many := cur
	many.snap.Tables = nil
	for i := range 30 {
		state := migload.TablePending
		switch {
		case i < 10:
			state = migload.TableDone
		case i < 25:
			state = migload.TableLoading
		}
		many.snap.Tables = append(many.snap.Tables, migload.TableProgress{Source: "t" + string(rune('a'+i%26)) + strings.Repeat("x", i%3),
			State: state, Rows: int64(i) * 1000, RowsEstimate: 30_000, Started: progressT0})
	}
	at := func(f progressFrame, phase migload.Phase, err string) progressFrame {
		f.snap.Phase, f.snap.Error = phase, err
		return f
	}
	var out strings.Builder
	section := func(title string, lines ...string) {
		out.WriteString("== " + title + "\n" + strings.Join(lines, "\n") + "\n")
	}
	section("live display, rates over the last 5 seconds", progressLines(prev, cur)...)
	section("live display, first frame: rates since the start", progressLines(progressFrame{}, cur)...)
	section("live display with many tables: only those being copied", progressLines(progressFrame{}, many)...)
	section("plain lines, one per phase",
		progressPlainLine(prev, at(cur, migload.PhaseSchema, "")),
		progressPlainLine(prev, cur),
		progressPlainLine(progressFrame{}, cur),
		progressPlainLine(prev, at(cur, migload.PhaseIndexes, "")),
		progressPlainLine(prev, at(cur, migload.PhaseConstraints, "")),
		progressPlainLine(prev, at(cur, migload.PhaseDone, "")),
		progressPlainLine(prev, at(cur, migload.PhaseFailed, "copy orders: connection reset")),
	)
	migrateGolden(t, "progress", out.String())
}

func TestProgressDuration(t *testing.T) {
	cases := map[time.Duration]string{
		0: "0s", 1400 * time.Millisecond: "1s", 59 * time.Second: "59s", 65 * time.Second: "1m05s",
		time.Hour + 2*time.Minute + 40*time.Second: "1h03m", 49 * time.Hour: "49h00m",
	}
	for d, want := range cases {
		if got := progressDuration(d); got != want {
			t.Errorf("progressDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestProgressPrinterWritesAPlainLineEveryTenSecondsAndAtEachPhase(t *testing.T) {
	var out bytes.Buffer
	now := progressT0
	p := newProgressPrinter(&out, func() time.Time { return now })
	if p.terminal || p.interval() != plainInterval {
		t.Fatalf("a buffer was taken for a terminal")
	}
	snap := migload.Snapshot{Phase: migload.PhaseSchema, Started: progressT0, RowsEstimate: 1000}
	for i := range 25 {
		if i == 1 {
			snap.Phase = migload.PhaseData
		}
		snap.Rows, snap.Bytes = int64(i*40), int64(i*40_000_000)
		p.update(snap)
		now = now.Add(time.Second)
	}
	snap.Phase = migload.PhaseDone
	p.update(snap)
	migrateGolden(t, "progress-plain", out.String())
}

func TestProgressPrinterRedrawsATerminalInPlace(t *testing.T) {
	var out bytes.Buffer
	now := progressT0
	p := &progressPrinter{w: &out, terminal: true, now: func() time.Time { return now }, window: terminalWindow}
	prev, cur := progressShop()
	p.update(prev.snap)
	now = now.Add(5 * time.Second)
	p.update(cur.snap)
	got := strings.ReplaceAll(out.String(), "\x1b", "ESC")
	migrateGolden(t, "progress-terminal", got)
	if !strings.Contains(got, "ESC[4AESC[J") {
		t.Errorf("the second frame does not move up over the first's 4 lines:\n%s", got)
	}
}

func TestRunSummary(t *testing.T) {
	_, cur := progressShop()
	cur.snap.Phase = migload.PhaseDone
	cur.snap.Tables[1].State, cur.snap.Tables[1].Finished, cur.snap.Tables[1].RejectFile =
		migload.TableDone, progressT0.Add(20*time.Second), "rejects/orders.rejects.jsonl"
	cur.snap.Tables = cur.snap.Tables[:2]
	var out strings.Builder
	for _, sum := range []migload.Summary{
		{Snapshot: cur.snap, Duration: 21 * time.Second},
		{Snapshot: cur.snap, Duration: 21 * time.Second, Resumed: true},
		{Snapshot: cur.snap, Noop: true},
	} {
		if err := printRunSummary(&out, &sum); err != nil {
			t.Fatal(err)
		}
		out.WriteString("--\n")
	}
	migrateGolden(t, "run-summary", out.String())
}

func TestStatusText(t *testing.T) {
	_, cur := progressShop()
	var out strings.Builder
	printStatus(&out, "postgres://app:xxxxx@pg/shop", &migload.Snapshot{})
	printStatus(&out, "postgres://app:xxxxx@pg/shop", &cur.snap)
	failed := cur.snap
	failed.Phase, failed.Error, failed.Finished = migload.PhaseFailed, "copy orders: connection reset", progressT0.Add(90*time.Second)
	printStatus(&out, "postgres://app:xxxxx@pg/shop", &failed)
	migrateGolden(t, "status", out.String())
}

func TestMigrateRunFlagErrors(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"run without a source", []string{"migrate", "run", "--target", "postgres://h/db"}, "no source database"},
		{"run without a target", []string{"migrate", "run", "--source", "mysql://h/db"}, "no target database: give --target URL, or --config FILE with migration.target"},
		{"a bad --on-error", []string{"migrate", "run", "--source", "mysql://h/db", "--target", "postgres://h/db", "--on-error", "ignore"}, `--on-error "ignore" is not one of stop, skip`},
		{"no workers", []string{"migrate", "run", "--source", "mysql://h/db", "--target", "postgres://h/db", "--workers", "0"}, "--workers 0: must be at least 1"},
		{"no rows per chunk", []string{"migrate", "run", "--source", "mysql://h/db", "--target", "postgres://h/db", "--chunk-rows", "-5"}, "--chunk-rows -5: must be at least 1"},
		{"a bad --output", []string{"migrate", "run", "--output", "yaml"}, `--output "yaml" is not one of text, json`},
		{"status without a target", []string{"migrate", "status"}, "no target database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runMigrate(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
}
