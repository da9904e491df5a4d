package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/verify"
)

func verifySnapshot(srcRows int64, phase verify.Phase) verify.Snapshot {
	return verify.Snapshot{Started: progressT0, Tables: []verify.TableProgress{
		{Source: "customers", Target: "clients", Phase: verify.PhaseDone, SourceRows: 100, TargetRows: 101, Estimate: 100, Differences: 1, Status: verify.Different},
		{Source: "orders", Target: "orders", Phase: phase, SourceRows: srcRows, TargetRows: srcRows - 10, Estimate: 2000},
		{Source: "tags", Target: "tags", Phase: verify.PhasePending, Estimate: 6},
	}}
}

// Not on a terminal: one plain line every ten seconds, no control sequences.
func TestVerifyProgressPlainLines(t *testing.T) {
	var out bytes.Buffer
	now := progressT0
	p := newVerifyProgress(&out, func() time.Time { return now })
	if p.terminal || p.interval() != plainInterval {
		t.Fatal("a buffer was taken for a terminal")
	}
	for i := range 25 {
		now = now.Add(time.Second)
		p.update(verifySnapshot(int64(i*80), verify.PhaseComparing))
	}
	p.finish()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"verify: 1/3 tables done, 821 rows hashed in 10s, 1 table differs",
		"verify: 1/3 tables done, 1621 rows hashed in 20s, 1 table differs",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("plain progress:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("control sequences in plain output: %q", out.String())
	}
}

// On a terminal: every table's line, redrawn in place, and cleared for the report.
func TestVerifyProgressTerminal(t *testing.T) {
	var out bytes.Buffer
	now := progressT0.Add(3 * time.Second)
	p := &verifyProgress{w: &out, terminal: true, now: func() time.Time { return now }}
	p.update(verifySnapshot(1000, verify.PhaseComparing))
	p.update(verifySnapshot(2000, verify.PhaseSearching))
	p.finish()
	got := strings.ReplaceAll(out.String(), "\x1b", "ESC")
	for _, want := range []string{
		"verify: 1/3 tables done, 1101 rows hashed in 3s, 1 table differs",
		"customers ", "100%  101 rows  different, 1 row differs",
		"orders    ", " 50%  1000/2000 rows  comparing",
		"100%  2000/2000 rows  searching",
		"tags      ", "  0%  0/6 rows  pending",
		"ESC[4AESC[J", // the second frame over the first's 4 lines
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the display lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "ESC[4AESC[J") {
		t.Errorf("finish does not clear the display:\n%s", got)
	}
}
