package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/migrate"
)

func init() { commands = append(commands, newMigrateCmd) }

func newMigrateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move a legacy database (MySQL, MariaDB, PostgreSQL, SQLite) into PostgreSQL",
		Long: `migrate converts a legacy database's schema to PostgreSQL and copies its rows, exactly once:

  ficus migrate plan     what every table and column becomes, and the DDL (reads the source only)
  ficus migrate run      create the tables, copy the rows, then build keys, indexes and foreign keys
  ficus migrate status   where a run is, from another terminal or after a crash

Source and target come from the migration: section of --config (URLs may reference environment
variables as ${NAME}, so that passwords stay out of the file), or from --source and --target, which
win over the file. A URL given as a flag may hold ${NAME} references too: quote it in single quotes
and the password stays out of the process list.

Sources: mysql://, mariadb://, postgres://, postgresql://, sqlite:, file: or a path to a SQLite
file. The target is postgres:// or postgresql://. docs/migrate.md lists every cast rule.`,
		Example: `  ficus migrate plan --source mysql://app:secret@legacy-db:3306/shop
  ficus migrate run --source 'mysql://app:${MYSQL_PASSWORD}@legacy-db/shop' --target postgres://app@pg/shop
  ficus migrate run --config migration.yaml
  ficus migrate status --config migration.yaml`,
		Args: cobra.NoArgs,
	}
	for _, add := range migrateCommands {
		cmd.AddCommand(add(g))
	}
	return cmd
}

// migrateCommands are the subcommands, registered by each file's init.
var migrateCommands []func(*globals) *cobra.Command

// migrateFlags are the flags that say what to migrate; run adds its own.
type migrateFlags struct {
	config, source, target string
}

func (f *migrateFlags) register(cmd *cobra.Command, withSource bool) {
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "config file whose migration: section describes the migration (a file with only that section is enough)")
	if withSource {
		fl.StringVar(&f.source, "source", "", "legacy database URL, e.g. mysql://user:pass@host:3306/db (default migration.source)")
	}
	fl.StringVar(&f.target, "target", "", "PostgreSQL URL, e.g. postgres://user@host:5432/db (default migration.target)")
}

// settings reads the migration section of --config, or the defaults without one, and applies the
// flags given on the command line over it. URL flags are expanded like the file's.
func (f *migrateFlags) settings(cmd *cobra.Command) (*config.Migration, error) {
	m := config.DefaultMigration()
	if f.config != "" {
		cfg, err := config.LoadMigration(f.config)
		if err != nil {
			return nil, err
		}
		if cfg.Migration != nil {
			m = cfg.Migration
		}
	}
	fl := cmd.Flags()
	if fl.Changed("source") {
		u, err := flagURL("--source", f.source, config.CheckSourceURL)
		if err != nil {
			return nil, err
		}
		m.Source, m.SourceURL = f.source, u
	}
	if fl.Changed("target") {
		u, err := flagURL("--target", f.target, config.CheckTargetURL)
		if err != nil {
			return nil, err
		}
		m.Target, m.TargetURL = f.target, u
	}
	return m, nil
}

func flagURL(name, raw string, check func(string) error) (string, error) {
	u, err := config.ExpandURL(raw, os.LookupEnv)
	if err == nil {
		err = check(u)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return u, nil
}

// errNoSource and errNoTarget explain where a missing URL can come from.
var (
	errNoSource = errors.New("no source database: give --source URL, or --config FILE with migration.source")
	errNoTarget = errors.New("no target database: give --target URL, or --config FILE with migration.target")
)

// readPlan connects to the source, reads its schema and converts it under the section's overrides.
// The caller closes the source.
func readPlan(ctx context.Context, m *config.Migration) (migrate.Source, *migrate.Plan, error) {
	if m.SourceURL == "" {
		return nil, nil, errNoSource
	}
	src, err := openSource(ctx, m.SourceURL)
	if err != nil {
		return nil, nil, err
	}
	plan, err := planFrom(ctx, src, m)
	if err != nil {
		src.Close()
		return nil, nil, redact(err, m.SourceURL)
	}
	return src, plan, nil
}

func planFrom(ctx context.Context, src migrate.Source, m *config.Migration) (*migrate.Plan, error) {
	schema, err := src.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("read source schema: %w", err)
	}
	if err := checkOverrides(m, schema); err != nil {
		return nil, err
	}
	return migrate.BuildPlan(schema, m.Overrides())
}

// checkOverrides reports the tables and columns of the migration section that the source does not
// have: a misspelt name would otherwise change nothing, silently.
func checkOverrides(m *config.Migration, s *migrate.Schema) error {
	tables := map[string]*migrate.Table{}
	for i := range s.Tables {
		tables[s.Tables[i].Name] = &s.Tables[i]
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(m.Tables)) {
		t := tables[name]
		if t == nil {
			errs = append(errs, fmt.Errorf("migration.tables[%q]: the source has no such table (it has %s)",
				name, someNames(slices.Sorted(maps.Keys(tables)))))
			continue
		}
		for _, col := range slices.Sorted(maps.Keys(m.Tables[name].Columns)) {
			if t.Column(col) == nil {
				names := make([]string, len(t.Columns))
				for i, c := range t.Columns {
					names[i] = c.Name
				}
				errs = append(errs, fmt.Errorf("migration.tables[%q].columns[%q]: table %s has no such column (it has %s)",
					name, col, name, someNames(names)))
			}
		}
	}
	return errors.Join(errs...)
}

// someNames lists names for a message, the first 20 of them.
func someNames(names []string) string {
	const most = 20
	if len(names) == 0 {
		return "none"
	}
	if len(names) > most {
		return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(names, ", ")
}
