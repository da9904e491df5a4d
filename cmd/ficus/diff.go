package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/diff"
)

func init() { commands = append(commands, newDiffCmd) }

// diffDefaultSamples is how many sample pairs per field the text report shows unless told otherwise.
const diffDefaultSamples = 3

func newDiffCmd(g *globals) *cobra.Command {
	f := &routeFlags{}
	samples := diffDefaultSamples
	cmd := &cobra.Command{
		Use:   "diff ROUTE",
		Short: "Show what the parallel run found: where modern answers differently from legacy",
		Long: `diff prints a route's parallel-run report from a running 'ficus serve': in stage shadow (and in
canary with mirror.in_canary) every mirrored request's legacy and modern answers are compared field by
field. The header gives the totals: requests compared, equal, different, skipped by reason, and the
defect rate — the share of compared requests with at least one field judged a defect, which is what a
rollout gates on. Then, per endpoint, the fields worst first:

  DEFECT  $.items[*].price  value  37 of 120 (30.8%)  noise 0

a field whose modern value differs clearly more often than two legacy answers differ from each other,
with redacted samples; then the fields marked NOISE, which differ between two legacy calls about as
often (timestamps, random ids: see mirror.noise). 'ficus diff reset ROUTE' starts counting afresh.

The admin API is found as for 'ficus route': --admin, else admin.listen of --config, else
$FICUS_ADMIN, else ` + routeDefaultAdmin + `; --token, else $FICUS_TOKEN.`,
		Example: `  ficus diff users
  ficus diff users --samples 0
  ficus diff users --output json | jq '.endpoints[].fields[] | select(.verdict == "defect")'
  FICUS_TOKEN=... ficus diff reset users`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			rep, err := c.Diff(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			if g.output == "json" {
				return printRouteJSON(g.stdout, rep)
			}
			return printDiffReport(g.stdout, rep, samples)
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.admin, "admin", "", "admin API URL (default admin.listen of --config, else $FICUS_ADMIN, else "+routeDefaultAdmin+")")
	pf.StringVar(&f.token, "token", "", "bearer token for the admin API (default $FICUS_TOKEN, which unlike this flag stays out of the process list)")
	pf.StringVarP(&f.config, "config", "c", "", "config file whose admin.listen locates the admin API")
	cmd.Flags().IntVar(&samples, "samples", diffDefaultSamples, "sample pairs shown per field, newest last (the server keeps shadow.samples)")
	cmd.AddCommand(newDiffResetCmd(g, f))
	return cmd
}

func newDiffResetCmd(g *globals, f *routeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reset ROUTE",
		Short: "Clear a route's parallel-run results",
		Long: `reset clears a route's results, so that the parallel run counts afresh — after a fix to modern
was deployed, say. It is recorded in the audit log with the counts it cleared. Needs an operator or
admin token.`,
		Example: `  ficus diff reset users`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			before, err := c.Diff(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			after, err := c.ResetDiff(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			if g.output == "json" {
				return printRouteJSON(g.stdout, after)
			}
			_, err = fmt.Fprintf(g.stdout, "%s: diff results reset (%d compared, %d defective, %d skipped cleared)\n",
				after.Route, before.Compared, before.Defective, diffSkipped(before.Skipped))
			return err
		},
	}
}

// printDiffReport writes the report for people: totals first, then each endpoint's fields, defects
// before noise, with at most samples sample pairs each.
func printDiffReport(w io.Writer, rep diff.Report, samples int) error {
	p := &diffPrinter{w: w}
	p.line("route %s: %s", rep.Route, diffCounts(rep.Counts))
	if rep.Compared == 0 && diffSkipped(rep.Skipped) == 0 {
		p.line("no results yet: the route's requests are compared in stage shadow (and in canary with mirror.in_canary)")
		return p.err
	}
	p.line("defect rate: %s (%d of %d compared requests differ in a field judged a defect)", diffPercent(rep.Defective, rep.Compared), rep.Defective, rep.Compared)
	p.line("skipped: %s", diffSkippedText(rep.Skipped))
	noise := "no legacy-vs-legacy comparisons (mirror.noise is off): every differing field counts as a defect"
	if rep.NoiseRuns > 0 {
		noise = fmt.Sprintf("%d legacy-vs-legacy comparisons; a field is a defect when it differs more than %s more often than that, and in more than %s of requests",
			rep.NoiseRuns, diffRatio(rep.Thresholds.Relative), diffRatio(rep.Thresholds.Absolute))
	}
	p.line("noise: %s", noise)
	p.line("since: %s, updated %s", diffTime(rep.Since), diffTime(rep.UpdatedAt))
	for _, ep := range rep.Endpoints {
		p.line("")
		p.endpoint(ep, samples)
	}
	return p.err
}

// diffPrinter keeps the first write error, so that printing reads as a list of lines.
type diffPrinter struct {
	w   io.Writer
	err error
}

func (p *diffPrinter) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *diffPrinter) endpoint(ep diff.EndpointReport, samples int) {
	p.line("%s: %s, defect rate %s", ep.Endpoint, diffCounts(ep.Counts), diffPercent(ep.Defective, ep.Compared))
	if n := diffSkipped(ep.Skipped); n > 0 {
		p.line("  skipped: %s", diffSkippedText(ep.Skipped))
	}
	if ep.DroppedFields > 0 || ep.Unclassified > 0 {
		p.line("  beyond the limits: %d differences in untracked fields, %d requests with untracked combinations (counted as defective)", ep.DroppedFields, ep.Unclassified)
	}
	// The columns are aligned by hand: sample lines between the fields would cut a tabwriter's blocks.
	fieldW, kindW, countW := 0, 0, 0
	for _, f := range ep.Fields {
		fieldW, kindW = max(fieldW, len(f.Field)), max(kindW, len(diffKinds(f.Kinds)))
		countW = max(countW, len(diffShare(f.Count, ep.Compared)))
	}
	for _, f := range ep.Fields {
		noise := strconv.Itoa(f.Noise)
		if ep.NoiseRuns > 0 {
			noise = diffShare(f.Noise, ep.NoiseRuns)
		}
		p.line("  %-6s  %-*s  %-*s  %-*s  noise %s", strings.ToUpper(string(f.Verdict)), fieldW, f.Field, kindW, diffKinds(f.Kinds),
			countW, diffShare(f.Count, ep.Compared), noise)
		for _, s := range f.Samples[max(0, len(f.Samples)-samples):] {
			p.line("      %s  legacy: %s  modern: %s", s.Path, diffValue(s.Left), diffValue(s.Right))
			if s.Note != "" {
				p.line("        (%s)", s.Note)
			}
		}
	}
}

func diffCounts(c diff.Counts) string {
	return fmt.Sprintf("%d compared, %d equal, %d different, %d defective, %d skipped", c.Compared, c.Equal, c.Different, c.Defective, diffSkipped(c.Skipped))
}

func diffSkipped(m map[diff.SkipReason]int) int {
	n := 0
	for _, k := range m {
		n += k
	}
	return n
}

// diffSkippedText lists the reasons, most frequent first: "queue_full 3, modern_timeout 1".
func diffSkippedText(m map[diff.SkipReason]int) string {
	if diffSkipped(m) == 0 {
		return "none"
	}
	reasons := slices.SortedFunc(maps.Keys(m), func(a, b diff.SkipReason) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		parts = append(parts, fmt.Sprintf("%s %d", r, m[r]))
	}
	return strings.Join(parts, ", ")
}

func diffKinds(kinds []diff.Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

// diffShare is "37 of 120 (30.8%)".
func diffShare(n, total int) string {
	return fmt.Sprintf("%d of %d (%s)", n, total, diffPercent(n, total))
}

func diffPercent(n, total int) string {
	if total <= 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 1, 64) + "%"
}

// diffRatio shows a threshold as a percentage with no more digits than it has: 20%, 0.03%.
func diffRatio(r float64) string {
	return strconv.FormatFloat(math.Round(r*1e8)/1e6, 'f', -1, 64) + "%"
}

// diffValue shows a side's value; a side without one is "(none)" rather than an empty gap.
func diffValue(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

func diffTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
