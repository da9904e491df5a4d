package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ficus-dev/ficus/verify"
)

// writeVerifyReport prints a table of the tables' verdicts, then each differing table's rows.
func writeVerifyReport(w io.Writer, res *verify.Result) error {
	var b strings.Builder
	if res.Source != "" || res.Target != "" {
		fmt.Fprintf(&b, "source: %s\ntarget: %s\n\n", res.Source, res.Target)
	}
	if res.Partial {
		fmt.Fprintf(&b, "PARTIAL: only %s of each table's segments were compared (--sample); rows outside them were not checked.\n\n",
			verifyPercent(res.Sample))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tSOURCE ROWS\tTARGET ROWS\tRESULT")
	for _, t := range res.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", verifyTableName(t), t.SourceRows, t.TargetRows, verifyVerdict(t))
	}
	tw.Flush()
	for _, t := range res.Tables {
		writeVerifyTable(&b, t)
	}
	b.WriteString("\n" + verifySummary(res) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func verifyTableName(t verify.TableResult) string {
	if t.Source == t.Target {
		return t.Source
	}
	return t.Source + " -> " + t.Target
}

func verifyVerdict(t verify.TableResult) string {
	switch t.Status {
	case verify.Failed:
		return "error: " + t.Error
	case verify.Identical:
		return "identical"
	}
	s := fmt.Sprintf("%s: %d missing, %d extra, %d changed", rowsDiffer(t.Differences()), verifyRowCount(t.Missing), verifyRowCount(t.Extra), len(t.Changed))
	if t.Unexplored.Segments > 0 {
		s += fmt.Sprintf(" (search stopped: %d more segments differ)", t.Unexplored.Segments)
	}
	return s
}

func verifyRowCount(rows []verify.Row) int {
	n := 0
	for _, r := range rows {
		n += r.Count
	}
	return n
}

// writeVerifyTable lists a differing table's rows: missing, extra, then changed with each
// column's values.
func writeVerifyTable(b *strings.Builder, t verify.TableResult) {
	if t.Status != verify.Different {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", verifyTableName(t))
	for _, r := range t.Missing {
		fmt.Fprintf(b, "  missing in target  %s%s%s\n", verifyKey(r.Key), verifyTimes(r.Count), verifyNote(r.Note))
	}
	for _, r := range t.Extra {
		fmt.Fprintf(b, "  extra in target    %s%s%s\n", verifyKey(r.Key), verifyTimes(r.Count), verifyNote(r.Note))
	}
	for _, r := range t.Changed {
		fmt.Fprintf(b, "  changed            %s\n", verifyKey(r.Key))
		for _, c := range r.Columns {
			fmt.Fprintf(b, "      %s: %s -> %s\n", c.Column, verifyValue(c.Source, c.Redacted), verifyValue(c.Target, c.Redacted))
		}
	}
	if u := t.Unexplored; u.Segments > 0 {
		fmt.Fprintf(b, "  ... and %d more differing segments not searched (%d source rows, %d target rows); raise --max-rows to list them\n",
			u.Segments, u.SourceRows, u.TargetRows)
	}
}

func verifyKey(vs []verify.Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Column + "=" + verifyValue(v.Value, v.Redacted)
	}
	return strings.Join(parts, " ")
}

func verifyValue(v *string, redacted bool) string {
	switch {
	case redacted:
		return "[redacted]"
	case v == nil:
		return "NULL"
	}
	return strconv.Quote(*v)
}

func verifyTimes(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (%d times)", n)
}

func verifyNote(s string) string {
	if s == "" {
		return ""
	}
	return "  (" + s + ")"
}

// verifySummary is the last line: the verdict over all tables.
func verifySummary(res *verify.Result) string {
	var differ, failed, rows int
	for _, t := range res.Tables {
		switch t.Status {
		case verify.Different:
			differ++
			rows += t.Differences()
		case verify.Failed:
			failed++
		}
	}
	took := progressDuration(res.Finished.Sub(res.Started))
	prefix := "verify"
	if res.Partial {
		prefix = "verify (PARTIAL, " + verifyPercent(res.Sample) + " sample)"
	}
	switch res.Status {
	case verify.Identical:
		if res.Partial {
			return fmt.Sprintf("%s: no difference in the sample of %s, in %s", prefix, tableCount(len(res.Tables)), took)
		}
		return fmt.Sprintf("%s: %s identical, in %s", prefix, tableCount(len(res.Tables)), took)
	case verify.Failed:
		return fmt.Sprintf("%s: %d of %d tables could not be compared, %d differ, in %s", prefix, failed, len(res.Tables), differ, took)
	}
	return fmt.Sprintf("%s: %d of %d tables differ (%s), in %s", prefix, differ, len(res.Tables), rowCount(rows), took)
}

// rowsDiffer is "1 row differs" or "N rows differ".
func rowsDiffer(n int) string {
	if n == 1 {
		return "1 row differs"
	}
	return strconv.Itoa(n) + " rows differ"
}

// tablesDiffer is "1 table differs" or "N tables differ".
func tablesDiffer(n int) string {
	if n == 1 {
		return "1 table differs"
	}
	return strconv.Itoa(n) + " tables differ"
}

// tableCount is "1 table" or "N tables".
func tableCount(n int) string {
	if n == 1 {
		return "1 table"
	}
	return strconv.Itoa(n) + " tables"
}

// rowCount is "1 row" or "N rows".
func rowCount(n int) string {
	if n == 1 {
		return "1 row"
	}
	return strconv.Itoa(n) + " rows"
}

func verifyPercent(f float64) string {
	return strconv.FormatFloat(f*100, 'g', 4, 64) + "%"
}
