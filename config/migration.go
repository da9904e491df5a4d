package config

import (
	"fmt"
	"os"
	"slices"

	"github.com/ficus-dev/ficus/migrate"
)

// Migration is the migration: section, read by 'ficus migrate': which legacy database moves into
// which PostgreSQL database, how the load runs, and the user's changes to the default type mapping.
// docs/migrate.md describes it.
type Migration struct {
	// Source is the legacy database's URL as written in the file: mysql://, mariadb://,
	// postgres://, postgresql://, sqlite:, file: or a plain SQLite path. It may reference environment
	// variables as ${NAME}. "" means it must come from --source.
	Source string `yaml:"source"`
	// Target is the PostgreSQL URL (postgres:// or postgresql://), with ${NAME} references like
	// Source. "" means it must come from --target (plan needs none).
	Target string `yaml:"target"`
	// Schema is the PostgreSQL schema the tables are created in. Default "public".
	Schema string `yaml:"schema"`
	// Workers is how many chunks are copied (and indexes built) at once. Default 4.
	Workers int `yaml:"workers"`
	// ChunkRows is the row count of one chunk of a large table. Default 100000.
	ChunkRows int `yaml:"chunk_rows"`
	// OnError is what a row that cannot be converted does: stop (the default) ends the run, skip
	// writes it to the table's reject file and goes on.
	OnError string `yaml:"on_error"`
	// RejectDir is where reject files are written, relative to the config file's directory.
	// Default "rejects".
	RejectDir string `yaml:"reject_dir"`
	// Include lists table-name globs (path.Match syntax); only matching tables migrate. Empty: every
	// table.
	Include []string `yaml:"include"`
	// Exclude lists table-name globs of tables that do not migrate, even when included. Empty: none.
	Exclude []string `yaml:"exclude"`
	// Tables holds per-table changes by source table name. Nil: none.
	Tables map[string]MigrationTable `yaml:"tables"`

	// SourceURL and TargetURL are Source and Target with their ${NAME} references expanded, filled
	// by Load. They hold passwords: print them only through MaskURL. Not part of the YAML.
	SourceURL string `yaml:"-" json:"-"`
	TargetURL string `yaml:"-" json:"-"`
}

// MigrationTable changes how one table migrates.
type MigrationTable struct {
	// Rename is the target table name; "" keeps the source name.
	Rename string `yaml:"rename"`
	// Filter is a row filter, a boolean SQL expression in the source's dialect (e.g.
	// "created_at >= '2020-01-01'"); only matching rows migrate. "": every row.
	Filter string `yaml:"filter"`
	// Columns holds per-column changes by source column name. Nil: none.
	Columns map[string]MigrationColumn `yaml:"columns"`
}

// MigrationColumn changes how one column migrates.
type MigrationColumn struct {
	// Rename is the target column name; "" keeps the source name.
	Rename string `yaml:"rename"`
	// Cast is the PostgreSQL type to use instead of the cast rule's, e.g. "text" or "numeric(12,2)".
	// "": the rule's type.
	Cast string `yaml:"cast"`
	// Transforms are named value transforms (migrate.Transforms) applied after the rule's own, in
	// order. Empty: none added.
	Transforms []string `yaml:"transforms"`
	// Sensitive marks a column whose values are never shown by 'ficus verify' (its reports say
	// "redacted"); it does not change the migration. Default false.
	Sensitive bool `yaml:"sensitive"`
}

// MigrationOnError lists the values of on_error.
var MigrationOnError = []string{"stop", "skip"}

// DefaultMigration returns a migration section with every default filled, for 'ficus migrate' run
// with flags and no config file.
func DefaultMigration() *Migration {
	m := &Migration{}
	m.setDefaults()
	return m
}

// LoadMigration reads a config file for 'ficus migrate': the migration section is checked and its
// URLs expanded as by Load, the rest of the file is checked too, but backends and routes may be
// absent (a file holding only migration: is valid) and the gateway's secrets (admin tokens, the
// override secret) are not resolved. The returned Config's Migration is nil when the file has no
// migration section.
func LoadMigration(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parseMigration(path, data, os.LookupEnv)
}

// parseMigration is LoadMigration without the file system, as Parse is Load's.
func parseMigration(file string, data []byte, env func(string) (string, bool)) (*Config, error) {
	return parse(file, data, &checker{env: env, skipSecrets: true, gatewayOptional: true})
}

// Overrides converts the section into the changes migrate.BuildPlan applies.
func (m *Migration) Overrides() migrate.Overrides {
	o := migrate.Overrides{Include: m.Include, Exclude: m.Exclude, TargetSchema: m.Schema}
	if len(m.Tables) == 0 {
		return o
	}
	o.Tables = make(map[string]migrate.TableOverride, len(m.Tables))
	for name, t := range m.Tables {
		to := migrate.TableOverride{Rename: t.Rename}
		if len(t.Columns) > 0 {
			to.Columns = make(map[string]migrate.ColumnOverride, len(t.Columns))
			for col, c := range t.Columns {
				to.Columns[col] = migrate.ColumnOverride{Rename: c.Rename, Cast: c.Cast, Transforms: c.Transforms}
			}
		}
		o.Tables[name] = to
	}
	return o
}

// Filters returns the row filters by source table name; nil when no table has one.
func (m *Migration) Filters() map[string]string {
	var f map[string]string
	for name, t := range m.Tables {
		if t.Filter == "" {
			continue
		}
		if f == nil {
			f = map[string]string{}
		}
		f[name] = t.Filter
	}
	return f
}

// Sensitive lists the columns marked sensitive as "table.column" (source names), sorted; nil when
// none is.
func (m *Migration) Sensitive() []string {
	var out []string
	for table, t := range m.Tables {
		for col, c := range t.Columns {
			if c.Sensitive {
				out = append(out, table+"."+col)
			}
		}
	}
	slices.Sort(out)
	return out
}

// hasGateway reports whether the file configures the gateway at all: backends or routes.
func (c *Config) hasGateway() bool {
	return len(c.Routes) > 0 || len(c.Backends.Legacy.URLs) > 0 || len(c.Backends.Modern.URLs) > 0
}
