package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/rollout"
)

func init() { commands = append(commands, newRolloutCmd) }

func newRolloutCmd(g *globals) *cobra.Command {
	f := &routeFlags{}
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Run a route's progressive rollout: status, start, promote, pause, resume, abort",
		Long: `rollout talks to the admin API of a running 'ficus serve' to run a route's rollout plan (the
route's rollout section in the config): its steps move clients from legacy to modern, and at every
analysis window the gates compare modern with legacy — error rate, latency (Mann-Whitney U test and
effect size), diff rate, Prometheus metrics — to promote, pause for too little data, or roll back on
their own. Every transition and judgement is in the audit log with its evidence; 'status' shows the
timeline.

The admin API is found as for 'ficus route': --admin, else admin.listen of --config, else
$FICUS_ADMIN, else ` + routeDefaultAdmin + `; --token, else $FICUS_TOKEN. Commands other than
status need an operator or admin token.`,
		Example: `  ficus rollout status users
  FICUS_TOKEN=... ficus rollout start users
  ficus rollout pause users --reason "checking the dashboards"
  ficus rollout resume users
  ficus rollout promote users
  ficus rollout abort users --reason "wrong build"
  ficus rollout status users --output json | jq '.history[] | select(.kind == "failed")'`,
		Args: cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.admin, "admin", "", "admin API URL (default admin.listen of --config, else $FICUS_ADMIN, else "+routeDefaultAdmin+")")
	pf.StringVar(&f.token, "token", "", "bearer token for the admin API (default $FICUS_TOKEN, which unlike this flag stays out of the process list)")
	pf.StringVarP(&f.config, "config", "c", "", "config file whose admin.listen locates the admin API")
	cmd.AddCommand(newRolloutStatusCmd(g, f))
	for _, c := range rolloutCommands {
		cmd.AddCommand(newRolloutCommandCmd(g, f, c))
	}
	return cmd
}

// rolloutCommand describes one command that changes a rollout.
type rolloutCommand struct {
	name, short, long string
	// reason says whether the command records a --reason.
	reason bool
}

var rolloutCommands = []rolloutCommand{
	{"start", "Start a route's rollout with its plan in the config", `start begins the route's rollout at its first step. A rollout under way is refused; a finished one
is replaced (its events stay in the audit log).`, false},
	{"promote", "End the current step now, whatever the gates say", `promote ends the current step and enters the next one (after the last, every client goes to
modern). It ends a hold and a pause for too little data; a pause by an operator stays until resume.`, false},
	{"pause", "Stop promotion until resume", `pause stops promotion. The gates keep running and a failing gate still rolls back; the step's
observed time stands still.`, true},
	{"resume", "End a pause", `resume ends a pause; the next step still needs a passing analysis.`, false},
	{"abort", "Send every client back to legacy and end the rollout", `abort rolls the route back to legacy at once and ends the rollout, without waiting for legacy's
health check (the event records what it found).`, true},
}

func newRolloutStatusCmd(g *globals, f *routeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "status ROUTE",
		Short: "Show a route's rollout: plan, current step, latest analysis and timeline",
		Long: `status prints the route's rollout: its phase and current step, the steps of its plan, the latest
analysis gate by gate with its evidence (e.g. "modern 5xx 2.10% vs legacy 0.10% (n=412/398)",
"latency +54ms (+41.7%, p<0.0001, U=3582, n=60/60)"), and the timeline of events, oldest first, each
judgement with its evidence.`,
		Example: `  ficus rollout status users
  ficus rollout status users --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.Rollout(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			if g.output == "json" {
				return printRouteJSON(g.stdout, st)
			}
			return printRolloutStatus(g.stdout, st)
		},
	}
}

func newRolloutCommandCmd(g *globals, f *routeFlags, rc rolloutCommand) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     rc.name + " ROUTE",
		Short:   rc.short,
		Long:    rc.long + " Needs an operator or admin token.",
		Example: "  ficus rollout " + rc.name + " users",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.RolloutCommand(cmd.Context(), args[0], rc.name, reason)
			if err != nil {
				return f.explain(err)
			}
			if g.output == "json" {
				return printRouteJSON(g.stdout, st)
			}
			_, err = fmt.Fprintf(g.stdout, "%s: %s\n", st.Route, rolloutSummary(st))
			return err
		},
	}
	if rc.reason {
		cmd.Flags().StringVar(&reason, "reason", "", "why, recorded in the audit log")
	}
	return cmd
}

// rolloutSteps returns the steps the rollout carries out: the plan's, plus a blue-green cutover.
func rolloutSteps(st control.RolloutStatus) []string {
	var out []string
	for _, s := range st.Steps {
		out = append(out, s.String())
	}
	if st.Strategy == rollout.StrategyBlueGreen {
		out = append(out, "all clients on modern for the rollback window")
	}
	return out
}

// rolloutSummary is the rollout in one line: "running, step 2 of 3 (weight 50%), 40s observed".
func rolloutSummary(st control.RolloutStatus) string {
	steps := rolloutSteps(st)
	switch {
	case st.Phase == "":
		if len(steps) == 0 {
			return "no rollout, and no rollout plan in the config"
		}
		return fmt.Sprintf("not started; %s plan of %d steps", st.Strategy, len(steps))
	case !st.Phase.Active():
		return fmt.Sprintf("%s at %s", st.Phase, rolloutTime(st.FinishedAt))
	}
	s := fmt.Sprintf("%s, step %d of %d", st.Phase, st.StepIndex+1, len(steps))
	if st.StepIndex < len(steps) {
		s += " (" + steps[st.StepIndex] + ")"
	}
	s += fmt.Sprintf(", %v observed", st.Elapsed.Round(time.Second))
	if st.Paused {
		s += fmt.Sprintf(", paused by %s: %s", st.PausedBy, st.PauseReason)
	}
	if st.HeldReason != "" {
		s += ", held: " + st.HeldReason
	}
	return s
}

// printRolloutStatus writes the rollout for people: summary, steps, latest analysis, timeline.
func printRolloutStatus(w io.Writer, st control.RolloutStatus) error {
	p := &diffPrinter{w: w}
	p.line("route %s: %s", st.Route, rolloutSummary(st))
	if st.Phase != "" {
		p.line("started %s by %s", rolloutTime(st.StartedAt), st.StartedBy)
	}
	if steps := rolloutSteps(st); len(steps) > 0 {
		p.line("")
		p.line("steps (%s):", st.Strategy)
		for i, s := range steps {
			p.line("  %d. %s%s", i+1, s, rolloutStepMark(st, i))
		}
	}
	if a := st.LastAnalysis; a != nil {
		p.line("")
		p.line("last analysis, %s to %s: %s", rolloutTime(a.From), a.To.UTC().Format("15:04:05"), a.Verdict)
		printRolloutAnalysis(p, a, "  ")
	}
	if p.err != nil || len(st.History) == 0 {
		return p.err
	}
	p.line("")
	p.line("timeline:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TIME\tEVENT\tSTEP\tACTOR\tREASON")
	for _, ev := range st.History {
		step := "-"
		if ev.Step > 0 {
			step = fmt.Sprint(ev.Step)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", rolloutTime(ev.Time), ev.Kind, step, ev.Actor, ev.Reason)
		if ev.Evidence != nil && ev.Kind != rollout.EventPromoted {
			for _, r := range ev.Evidence.Results {
				fmt.Fprintf(tw, "  \t\t\t\t  %s %s: %s\n", r.Gate, r.Verdict, rolloutEvidence(r))
			}
		}
	}
	return tw.Flush()
}

func rolloutStepMark(st control.RolloutStatus, i int) string {
	switch {
	case st.Phase == "":
		return ""
	case i < st.StepIndex || st.Phase == rollout.PhaseCompleted:
		return "  done"
	case i == st.StepIndex && st.Phase.Active():
		return "  ← current"
	case i == st.StepIndex:
		return "  ← " + string(st.Phase) + " here"
	}
	return ""
}

func printRolloutAnalysis(p *diffPrinter, a *rollout.Analysis, indent string) {
	for _, r := range a.Results {
		p.line("%s%-12s %-12s %s", indent, r.Gate, r.Verdict, rolloutEvidence(r))
	}
	for _, s := range a.Skipped {
		p.line("%sskipped: %s", indent, s)
	}
	if len(a.Results) == 0 {
		p.line("%s%s", indent, a.Reason)
	}
}

// rolloutEvidence gives a gate result's deciding numbers in a few words; the reason when there are
// none (too little data, a failed query).
func rolloutEvidence(r rollout.Result) string {
	e := r.Evidence
	switch {
	case r.Verdict == rollout.Inconclusive:
		return r.Reason
	case e.Latency != nil:
		mw := e.Latency.MannWhitney
		return fmt.Sprintf("latency %s (%+.1f%%, p%s, U=%g, n=%d/%d)", rolloutMillis(e.Latency.ShiftMillis),
			e.Latency.Effect*100, rolloutP(mw.P), mw.U1, mw.N1, mw.N2)
	case e.Modern != nil && e.Legacy != nil:
		return fmt.Sprintf("modern 5xx %s vs legacy %s (n=%d/%d)", rolloutPct(e.Modern.ErrorRate),
			rolloutPct(e.Legacy.ErrorRate), e.Modern.Requests, e.Legacy.Requests)
	case e.Modern != nil:
		return fmt.Sprintf("modern 5xx %s (n=%d)", rolloutPct(e.Modern.ErrorRate), e.Modern.Requests)
	case e.Diff != nil:
		return fmt.Sprintf("%d of %d compared requests differ (%s)", e.Diff.Defects, e.Diff.Compared, rolloutPct(e.Diff.Rate))
	case e.Metric != nil:
		return fmt.Sprintf("%s %g over %d points", e.Metric.Aggregate, e.Metric.Value, e.Metric.Points)
	}
	return r.Reason
}

func rolloutPct(rate float64) string { return fmt.Sprintf("%.2f%%", rate*100) }

// rolloutMillis shows a latency shift with its sign: "+54ms", "-3.5ms".
func rolloutMillis(ms float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%+.1f", ms), "0"), ".") + "ms"
}

// rolloutP shows a p-value with its relation: "=0.0123", and "<0.0001" below that.
func rolloutP(p float64) string {
	if p < 0.0001 && !math.IsNaN(p) {
		return "<0.0001"
	}
	return fmt.Sprintf("=%.4f", p)
}

func rolloutTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
