package config

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/ficus-dev/ficus/migrate"
)

// The limits below keep a typo from opening a thousand connections or holding a billion rows in one
// transaction, while leaving room for any real machine.
const (
	maxMigrationWorkers   = 256
	maxMigrationChunkRows = 100_000_000
	// maxIdentifier is PostgreSQL's identifier length in bytes (NAMEDATALEN - 1).
	maxIdentifier = 63
)

// migration checks the migration section and expands its URLs into SourceURL and TargetURL.
func (k *checker) migration(m *Migration) {
	if m == nil {
		return
	}
	m.SourceURL = k.databaseURL("migration.source", m.Source, CheckSourceURL)
	m.TargetURL = k.databaseURL("migration.target", m.Target, CheckTargetURL)
	switch {
	case m.Schema == "":
		k.add("migration.schema", "must not be empty; the default is %q", DefaultMigrationSchema)
	case len(m.Schema) > maxIdentifier:
		k.add("migration.schema", "%q is longer than PostgreSQL's %d bytes", m.Schema, maxIdentifier)
	case strings.HasPrefix(strings.ToLower(m.Schema), "pg_"):
		k.add("migration.schema", "%q: names starting with pg_ are reserved by PostgreSQL", m.Schema)
	}
	k.between("migration.workers", m.Workers, 1, maxMigrationWorkers)
	k.between("migration.chunk_rows", m.ChunkRows, 1, maxMigrationChunkRows)
	k.oneOf("migration.on_error", m.OnError, MigrationOnError...)
	if m.RejectDir == "" {
		k.add("migration.reject_dir", "must not be empty; the default is %q", DefaultMigrationRejectDir)
	}
	k.globs("migration.include", m.Include)
	k.globs("migration.exclude", m.Exclude)
	for _, name := range slices.Sorted(maps.Keys(m.Tables)) {
		k.migrationTable(fmt.Sprintf("migration.tables[%q]", name), m.Tables[name])
	}
}

// databaseURL expands raw's ${NAME} references and checks the result; it returns "" after adding a
// problem, or when secrets are not resolved (LoadForClient), in which case only the references'
// syntax is checked.
func (k *checker) databaseURL(p, raw string, check func(string) error) string {
	if raw == "" {
		return ""
	}
	env := k.env
	if k.skipMigrationSecrets {
		env = func(string) (string, bool) { return "", true }
	}
	u, err := ExpandURL(raw, env)
	if err == nil && !k.skipMigrationSecrets {
		err = check(u)
	}
	if err != nil {
		k.add(p, "%v", err)
		return ""
	}
	if k.skipMigrationSecrets {
		return ""
	}
	return u
}

func (k *checker) globs(p string, globs []string) {
	for i, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			k.add(fmt.Sprintf("%s[%d]", p, i), "%q is not a valid glob (*, ?, [a-z] and \\ to escape): %v", g, err)
		}
	}
}

func (k *checker) migrationTable(p string, t MigrationTable) {
	for _, name := range slices.Sorted(maps.Keys(t.Columns)) {
		c := t.Columns[name]
		cp := fmt.Sprintf("%s.columns[%q]", p, name)
		if strings.ContainsAny(c.Cast, ";\n") {
			k.add(cp+".cast", "%q is not a type; write a PostgreSQL type such as text or numeric(12,2)", c.Cast)
		}
		for i, tr := range c.Transforms {
			if _, err := migrate.LookupTransform(tr); err != nil {
				k.add(fmt.Sprintf("%s.transforms[%d]", cp, i), "%q is not a transform; allowed: %s", tr,
					strings.Join(slices.Sorted(maps.Keys(migrate.Transforms)), ", "))
			}
		}
	}
}
