package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/gateway"
)

func init() { commands = append(commands, newConfigCmd) }

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with ficus config files",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Validate a config file without starting anything",
		Long: `check loads FILE as 'ficus serve' would: strict YAML (unknown keys are errors), defaults, every
rule, secrets referenced by token_env/token_file resolved. It prints every problem with its file and
line and exits 1, or prints a summary of the routes (and of the migration section) and exits 0.
A file holding only a migration: section, as 'ficus migrate' reads it, is checked as such.`,
		Example: `  ficus config check ficus.yaml
  ficus config check ficus.yaml --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return configCheck(g, args[0]) },
	})
	return cmd
}

type checkResult struct {
	File     string            `json:"file"`
	OK       bool              `json:"ok"`
	Problems []config.Problem  `json:"problems,omitempty"`
	Routes   []checkResultItem `json:"routes,omitempty"`
	// Migration summarises the migration section, passwords masked; nil when there is none.
	Migration *checkMigration `json:"migration,omitempty"`
}

type checkMigration struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Schema string `json:"schema"`
}

type checkResultItem struct {
	Name   string  `json:"name"`
	Match  string  `json:"match"`
	Stage  string  `json:"stage"`
	Weight float64 `json:"weight,omitempty"`
}

func configCheck(g *globals, path string) error {
	res := checkResult{File: path}
	cfg, err := config.Load(path)
	if err != nil {
		// A migration-only file fails Load for its missing routes; 'ficus migrate' reads it so.
		if mcfg, merr := config.LoadMigration(path); merr == nil && mcfg.Migration != nil && len(mcfg.Routes) == 0 {
			cfg, err = mcfg, nil
		}
	}
	if err == nil && len(cfg.Routes) > 0 {
		// The gateway compiles what the config package cannot judge alone (TLS material, templates).
		var gw *gateway.Gateway
		if gw, err = gateway.New(cfg, nil, gateway.Options{}); err == nil {
			gw.Close()
		}
	}
	if err != nil {
		var cerr *config.Error
		if errors.As(err, &cerr) {
			res.Problems = cerr.Problems
		} else {
			res.Problems = []config.Problem{{File: path, Message: err.Error()}}
		}
		return printCheck(g, res)
	}
	res.OK = true
	if m := cfg.Migration; m != nil {
		res.Migration = &checkMigration{Source: config.MaskURL(m.SourceURL), Target: config.MaskURL(m.TargetURL), Schema: m.Schema}
	}
	for _, r := range cfg.Routes {
		res.Routes = append(res.Routes, checkResultItem{Name: r.Name, Match: r.Match.String(), Stage: string(r.Stage), Weight: r.Weight})
	}
	return printCheck(g, res)
}

func printCheck(g *globals, res checkResult) error {
	if g.output == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else if res.OK {
		fmt.Fprintf(g.stdout, "%s: OK, %d routes\n", res.File, len(res.Routes))
		if m := res.Migration; m != nil {
			fmt.Fprintf(g.stdout, "  migration: %s -> %s (schema %s)\n", orNone(m.Source), orNone(m.Target), m.Schema)
		}
		for _, r := range res.Routes {
			stage := r.Stage
			if r.Stage == "canary" {
				stage = fmt.Sprintf("canary %g%%", r.Weight)
			}
			fmt.Fprintf(g.stdout, "  %-20s %-14s %s\n", r.Name, stage, r.Match)
		}
	} else {
		for _, p := range res.Problems {
			fmt.Fprintln(g.stderr, p.String())
		}
		fmt.Fprintf(g.stderr, "%s: %d problem(s)\n", res.File, len(res.Problems))
	}
	if !res.OK {
		return exitError{code: 1}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(from flags)"
	}
	return s
}
