package main

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/migrate"
)

func init() { migrateCommands = append(migrateCommands, newMigratePlanCmd) }

func newMigratePlanCmd(g *globals) *cobra.Command {
	f := &migrateFlags{}
	var ddlOnly, columnsOnly bool
	cmd := &cobra.Command{
		Use:   "plan [--config FILE | --source URL]",
		Short: "Show what every table and column becomes in PostgreSQL, and the DDL",
		Long: `plan reads the source's schema (nothing else: no rows, and the target is not needed) and prints
how it converts, after the include/exclude globs, renames, casts and transforms of the config:

  - one line per column: the source type, the PostgreSQL type, the cast rule that decided it, the
    transforms applied to every value on the way, and notes on anything dropped or changed (a
    zero-date default, a prefix index, a foreign key to a table that is not migrated);
  - the DDL run before the load (schema, enum types, tables without keys);
  - the DDL run after the load (primary keys, indexes, foreign keys, sequence resets, triggers
    emulating ON UPDATE CURRENT_TIMESTAMP, comments).

--ddl-only prints the DDL alone, a script psql can run; --columns-only the column table alone.
--output json prints tables, columns, rules, notes and both DDL scripts as one JSON object.`,
		Example: `  ficus migrate plan --source mysql://app:secret@legacy-db:3306/shop
  ficus migrate plan --config migration.yaml --columns-only | less -S
  ficus migrate plan --config migration.yaml --ddl-only > schema.sql
  ficus migrate plan --config migration.yaml --output json | jq '.tables[].columns[] | select(.notes)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := f.settings(cmd)
			if err != nil {
				return err
			}
			src, plan, err := readPlan(cmd.Context(), m)
			if err != nil {
				return err
			}
			src.Close()
			if g.output == "json" {
				return printPlanJSON(g.stdout, m, plan)
			}
			return printPlan(g.stdout, plan, !ddlOnly, !columnsOnly)
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&ddlOnly, "ddl-only", false, "print only the DDL (a SQL script)")
	cmd.Flags().BoolVar(&columnsOnly, "columns-only", false, "print only the per-column table")
	cmd.MarkFlagsMutuallyExclusive("ddl-only", "columns-only")
	return cmd
}

// printPlan writes the column table and the DDL, the DDL's headings as SQL comments so that the
// --ddl-only output runs as it is.
func printPlan(w io.Writer, plan *migrate.Plan, columns, ddl bool) error {
	var b strings.Builder
	if columns {
		if err := plan.WriteColumns(&b); err != nil {
			return err
		}
	}
	if columns && ddl {
		b.WriteString("\n")
	}
	if ddl {
		b.WriteString("-- Before the load: schema, enum types and tables.\n\n")
		b.WriteString(plan.CreateDDL())
		b.WriteString("-- After the load: keys, indexes, foreign keys, sequences, triggers and comments.\n\n")
		b.WriteString(plan.PostLoadDDL())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// planJSON is the --output json form of a plan.
type planJSON struct {
	Source string          `json:"source"`
	Schema string          `json:"schema"`
	Tables []planTableJSON `json:"tables"`
	Enums  []planEnumJSON  `json:"enums"`
	DDL    planDDLJSON     `json:"ddl"`
}

type planTableJSON struct {
	Source  string           `json:"source"`
	Target  string           `json:"target"`
	Filter  string           `json:"filter,omitempty"`
	Columns []planColumnJSON `json:"columns"`
}

type planColumnJSON struct {
	Source     string   `json:"source"`
	Target     string   `json:"target"`
	SourceType string   `json:"source_type"`
	TargetType string   `json:"target_type"`
	Rule       string   `json:"rule"`
	Transforms []string `json:"transforms"`
	NotNull    bool     `json:"not_null"`
	Default    string   `json:"default,omitempty"`
	Identity   bool     `json:"identity,omitempty"`
	Notes      []string `json:"notes,omitempty"`
}

type planEnumJSON struct {
	Name   string   `json:"name"`
	Labels []string `json:"labels"`
}

type planDDLJSON struct {
	// BeforeLoad creates the schema, enum types and tables; AfterLoad adds keys, indexes, foreign
	// keys, sequence resets, triggers and comments.
	BeforeLoad string `json:"before_load"`
	AfterLoad  string `json:"after_load"`
}

func printPlanJSON(w io.Writer, m *config.Migration, plan *migrate.Plan) error {
	out := planJSON{Source: config.MaskURL(m.SourceURL), Schema: plan.Schema, Tables: []planTableJSON{}, Enums: []planEnumJSON{},
		DDL: planDDLJSON{BeforeLoad: plan.CreateDDL(), AfterLoad: plan.PostLoadDDL()}}
	filters := m.Filters()
	for _, t := range plan.Tables {
		tj := planTableJSON{Source: t.Source.Name, Target: t.Target, Filter: filters[t.Source.Name], Columns: []planColumnJSON{}}
		for _, c := range t.Columns {
			tj.Columns = append(tj.Columns, planColumnJSON{Source: c.Source.Name, Target: c.Target, SourceType: c.Source.FullType,
				TargetType: c.Type, Rule: c.Rule, Transforms: orEmpty(c.Transforms), NotNull: c.NotNull, Default: c.Default,
				Identity: c.Identity, Notes: c.Notes})
		}
		out.Tables = append(out.Tables, tj)
	}
	for _, e := range plan.Enums {
		out.Enums = append(out.Enums, planEnumJSON{Name: e.Name, Labels: e.Labels})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// orEmpty makes a nil list [] in JSON, so that readers need not tell null from empty.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
