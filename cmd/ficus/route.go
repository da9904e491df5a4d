package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/config"
)

func init() { commands = append(commands, newRouteCmd) }

// routeDefaultAdmin is where the admin API listens when nothing says otherwise (config's default).
const routeDefaultAdmin = "http://" + config.DefaultAdminListen

// routeFlags locate the admin API and authenticate to it; every route subcommand shares them.
type routeFlags struct {
	admin, token, config string
}

func newRouteCmd(g *globals) *cobra.Command {
	f := &routeFlags{}
	cmd := &cobra.Command{
		Use:   "route",
		Short: "List, inspect, move and roll back routes of a running ficus",
		Long: `route talks to the admin API of a running 'ficus serve' to show each route's stage (legacy,
canary with a weight, modern) and to change it. A change applies to the very next request, is kept
across restarts and is recorded in the audit log under the token's name.

The API is found with --admin, else the admin.listen of --config FILE, else $FICUS_ADMIN, else
` + routeDefaultAdmin + `. Reads need a token only when the server has tokens configured;
changes always need an operator or admin token (--token, else $FICUS_TOKEN).`,
		Example: `  ficus route list
  ficus route get users
  FICUS_TOKEN=... ficus route set users --stage canary --weight 25
  ficus route rollback users --admin http://10.0.0.5:9090 --token "$OPS_TOKEN"
  ficus route list --config ficus.yaml --output json`,
		Args: cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.admin, "admin", "", "admin API URL (default admin.listen of --config, else $FICUS_ADMIN, else "+routeDefaultAdmin+")")
	pf.StringVar(&f.token, "token", "", "bearer token for the admin API (default $FICUS_TOKEN, which unlike this flag stays out of the process list)")
	pf.StringVarP(&f.config, "config", "c", "", "config file whose admin.listen locates the admin API")
	cmd.AddCommand(newRouteListCmd(g, f), newRouteGetCmd(g, f), newRouteSetCmd(g, f), newRouteRollbackCmd(g, f))
	return cmd
}

func newRouteListCmd(g *globals, f *routeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show every route with its stage and weight",
		Long: `list prints every route in config order: its stage, canary weight, match, sticky key, and who
changed it last and when ("-" when the state is the config file's).`,
		Example: `  ficus route list
  ficus route list --output json | jq '.routes[] | select(.stage == "canary")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			routes, err := c.Routes(cmd.Context())
			if err != nil {
				return f.explain(err)
			}
			if g.output == "json" {
				return printRouteJSON(g.stdout, map[string]any{"routes": routes})
			}
			return printRouteTable(g.stdout, routes)
		},
	}
}

func newRouteGetCmd(g *globals, f *routeFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "get ROUTE",
		Short:   "Show one route in detail",
		Example: `  ficus route get users`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.Route(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			if g.output == "json" {
				return printRouteJSON(g.stdout, st)
			}
			return printRouteDetail(g.stdout, st)
		},
	}
}

func newRouteSetCmd(g *globals, f *routeFlags) *cobra.Command {
	var stage string
	var weight float64
	cmd := &cobra.Command{
		Use:   "set ROUTE --stage STAGE [--weight PERCENT]",
		Short: "Move a route to a stage (and canary weight)",
		Long: `set changes a route's stage: legacy (every client to legacy), shadow (every client to legacy, and
requests mirrored to modern to compare the answers: see 'ficus diff'), canary (--weight percent of
clients, chosen by the route's sticky key, to modern) or modern (every client to modern). The weight may have
two decimals. Needs an operator or admin token.`,
		Example: `  ficus route set users --stage shadow
  ficus route set users --stage canary --weight 5
  ficus route set users --stage canary --weight 25
  ficus route set users --stage modern`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := routeStageFromFlags(args[0], stage, weight, cmd.Flags().Changed("weight"))
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			before, err := c.Route(cmd.Context(), st.Route)
			if err != nil {
				return f.explain(err)
			}
			after, err := c.SetStage(cmd.Context(), st)
			if err != nil {
				return f.explain(err)
			}
			return printRouteChange(g, before, after, "by")
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "legacy, shadow, canary or modern (required)")
	cmd.Flags().Float64Var(&weight, "weight", 0, "percent of clients sent to modern, 0-100 (required with --stage canary)")
	_ = cmd.MarkFlagRequired("stage")
	return cmd
}

// routeStageFromFlags checks the flags before anything is sent, so that a typo never reaches the server.
func routeStageFromFlags(route, stage string, weight float64, weightSet bool) (ficus.RouteState, error) {
	st := ficus.RouteState{Route: route, Stage: ficus.Stage(stage), Weight: weight}
	switch {
	case !st.Stage.Valid():
		return st, fmt.Errorf("--stage %q is not one of "+ficus.StageList, stage)
	case st.Stage == ficus.StageCanary && !weightSet:
		return st, errors.New("--weight is required with --stage canary: the percent of clients sent to modern")
	case st.Stage != ficus.StageCanary && weightSet:
		return st, fmt.Errorf("--weight only applies to --stage canary; %s implies its own weight", stage)
	}
	return st, nil
}

func newRouteRollbackCmd(g *globals, f *routeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "rollback ROUTE",
		Short: "Send every client of a route back to legacy at once",
		Long: `rollback moves a route to stage legacy in one atomic switch, effective for the next request,
whatever its stage and weight were. Needs an operator or admin token.`,
		Example: `  ficus route rollback users`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			before, err := c.Route(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			after, err := c.Rollback(cmd.Context(), args[0])
			if err != nil {
				return f.explain(err)
			}
			return printRouteChange(g, before, after, "rolled back by")
		},
	}
}

// client builds an admin API client from the flags and the environment.
func (f *routeFlags) client() (*admin.Client, error) {
	base, err := routeAdminURL(f.admin, os.Getenv("FICUS_ADMIN"), f.config)
	if err != nil {
		return nil, err
	}
	if f.token == "" {
		f.token = os.Getenv("FICUS_TOKEN")
	}
	return admin.NewClient(base, f.token, nil), nil
}

// explain adds what to do about a missing token to the server's message.
func (f *routeFlags) explain(err error) error {
	if ficus.ErrorCode(err) == ficus.EUnauthorized && f.token == "" {
		return fmt.Errorf("%w (pass --token or set FICUS_TOKEN)", err)
	}
	return err
}

// routeAdminURL picks the admin API's URL: the --admin flag, else the admin.listen of an explicitly
// given --config file, else $FICUS_ADMIN, else the default listener. An explicit file beats the
// environment so that a FICUS_ADMIN left in a shell cannot redirect a command aimed at another file. An address without a scheme gets http://.
func routeAdminURL(flag, env, configPath string) (string, error) {
	switch {
	case flag != "":
		return routeWithScheme(flag), nil
	case configPath != "":
		cfg, err := config.LoadForClient(configPath)
		if err != nil {
			return "", fmt.Errorf("find the admin API in %s: %w", configPath, err)
		}
		return "http://" + routeDialable(cfg.Admin.Listen), nil
	case env != "":
		return routeWithScheme(env), nil
	}
	return routeDefaultAdmin, nil
}

func routeWithScheme(u string) string {
	if strings.Contains(u, "://") {
		return u
	}
	return "http://" + u
}

// routeDialable turns a listen address into one a client can dial: a wildcard or empty host (":9090",
// "0.0.0.0:9090", "[::]:9090") listens on loopback too, so the client dials loopback.
func routeDialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

func printRouteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printRouteTable(w io.Writer, routes []ficus.RouteStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tSTAGE\tWEIGHT\tMATCH\tSTICKY\tUPDATED\tBY")
	for _, r := range routes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Route, r.Stage, routePercent(r.Weight), r.Match, r.Sticky,
			routeUpdatedAt(r.UpdatedAt), routeOrDash(r.UpdatedBy))
	}
	return tw.Flush()
}

func printRouteDetail(w io.Writer, r ficus.RouteStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "route:\t%s\n", r.Route)
	fmt.Fprintf(tw, "stage:\t%s\n", routeStageText(r.Stage, r.Weight))
	fmt.Fprintf(tw, "match:\t%s\n", r.Match)
	fmt.Fprintf(tw, "sticky:\t%s\n", r.Sticky)
	fmt.Fprintf(tw, "source:\t%s (config file: %s)\n", r.Source, routeStageText(r.ConfigStage, r.ConfigWeight))
	fmt.Fprintf(tw, "updated:\t%s by %s\n", routeUpdatedAt(r.UpdatedAt), routeOrDash(r.UpdatedBy))
	return tw.Flush()
}

// printRouteChange confirms a change in one line, e.g. "users: canary 10% → canary 25% (by ops)".
func printRouteChange(g *globals, before, after ficus.RouteStatus, how string) error {
	if g.output == "json" {
		return printRouteJSON(g.stdout, after)
	}
	_, err := fmt.Fprintf(g.stdout, "%s: %s → %s (%s %s)\n", after.Route,
		routeStageText(before.Stage, before.Weight), routeStageText(after.Stage, after.Weight), how, routeOrDash(after.UpdatedBy))
	return err
}

// routeStageText shows the weight only where it is a choice: "canary 25%", but "legacy" and "modern".
func routeStageText(s ficus.Stage, weight float64) string {
	if s == ficus.StageCanary {
		return string(s) + " " + routePercent(weight)
	}
	return string(s)
}

func routePercent(w float64) string { return strconv.FormatFloat(w, 'f', -1, 64) + "%" }

func routeUpdatedAt(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func routeOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
