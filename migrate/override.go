package migrate

import "path"

// Overrides are the user's changes to the default mapping; the config's
// migration section fills them. The zero value changes nothing.
type Overrides struct {
	// Include lists table-name globs (path.Match syntax); a table migrates
	// only if it matches one. Empty means every table.
	Include []string
	// Exclude lists table-name globs; a matching table does not migrate,
	// even if included. Empty excludes nothing.
	Exclude []string
	// TargetSchema is the PostgreSQL schema to create the tables in; empty
	// means "public".
	TargetSchema string
	// Tables holds per-table overrides by source table name; nil means none.
	Tables map[string]TableOverride
}

// TableOverride changes one table.
type TableOverride struct {
	// Rename is the target table name; empty keeps the source name.
	Rename string
	// Columns holds per-column overrides by source column name.
	Columns map[string]ColumnOverride
}

// ColumnOverride changes one column.
type ColumnOverride struct {
	// Rename is the target column name; empty keeps the source name.
	Rename string
	// Cast is the PostgreSQL type to use instead of the rule's; empty keeps
	// the rule's type. Of the rule's transforms only those that clean values
	// (remove-null-characters, zero-date-to-null) still run; add the ones the
	// new type needs in Transforms.
	Cast string
	// Transforms are transform names (see Transforms) applied after the
	// rule's own; nil adds none.
	Transforms []string
}

// included reports whether table passes the include and exclude globs.
func (o *Overrides) included(table string) bool {
	if matchAny(o.Exclude, table) {
		return false
	}
	return len(o.Include) == 0 || matchAny(o.Include, table)
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

func (o *Overrides) table(name string) TableOverride {
	return o.Tables[name]
}

func (o *Overrides) schema() string {
	if o.TargetSchema == "" {
		return "public"
	}
	return o.TargetSchema
}
