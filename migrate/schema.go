// Package migrate converts a legacy database schema into a PostgreSQL one:
// a source-neutral model of the schema, the rules that map each column to a
// PostgreSQL type, the user's overrides, and the plan with its DDL. It imports
// no SQL driver; connectors such as migrate/mysql fill the model.
package migrate

// Schema is the part of a source database that migrates: its tables.
type Schema struct {
	// Name is the source database (MySQL schema) name; empty when unknown.
	Name string
	// Dialect is the source engine: DialectMySQL (the zero value, MySQL and
	// MariaDB), DialectPostgres or DialectSQLite. It picks the cast rules.
	Dialect Dialect
	// Tables in the source's order (by name); nil means an empty database.
	Tables []Table
}

// Dialect names a source engine.
type Dialect string

// The source dialects.
const (
	DialectMySQL    Dialect = ""
	DialectPostgres Dialect = "postgres"
	DialectSQLite   Dialect = "sqlite"
)

// Table is one source table.
type Table struct {
	// Name is the source table name, unquoted.
	Name string
	// Comment is the table comment; empty means none.
	Comment string
	// Columns in ordinal order.
	Columns []Column
	// PrimaryKey lists the primary key's column names in key order; nil
	// means the table has no primary key.
	PrimaryKey []string
	// Indexes are the secondary indexes (unique or not), primary key excluded.
	Indexes []Index
	// ForeignKeys are the table's outgoing foreign keys.
	ForeignKeys []ForeignKey
}

// Column is one source column, with its type both as the source prints it
// and parsed into parts.
type Column struct {
	// Name is the source column name, unquoted.
	Name string
	// FullType is the source's full type text, e.g. "int(10) unsigned zerofill".
	FullType string
	// Type is the base type in lower case, e.g. "int", "varchar", "enum".
	Type string
	// Length is the character or byte length of char/binary/bit types, or
	// the display width of integer types; 0 means none given.
	Length int
	// Precision and Scale are those of decimal and fractional-second types;
	// 0 means none given.
	Precision, Scale int
	// Unsigned and Zerofill are the numeric attributes.
	Unsigned, Zerofill bool
	// Charset and Collation are the column's; empty for non-string types.
	Charset, Collation string
	// Labels are the enum or set labels in declaration order; nil otherwise.
	Labels []string
	// Nullable is true when the column accepts NULL.
	Nullable bool
	// Default is the default value; nil means no default. For a literal it
	// is the value without quotes.
	Default *string
	// DefaultIsExpr is true when Default is an expression such as
	// CURRENT_TIMESTAMP rather than a literal.
	DefaultIsExpr bool
	// AutoIncrement marks an auto_increment column.
	AutoIncrement bool
	// OnUpdateCurrentTimestamp marks ON UPDATE CURRENT_TIMESTAMP.
	OnUpdateCurrentTimestamp bool
	// Comment is the column comment; empty means none.
	Comment string
}

// Index is a secondary index.
type Index struct {
	// Name is the source index name.
	Name string
	// Unique is true for a UNIQUE index.
	Unique bool
	// Parts in key order.
	Parts []IndexPart
}

// IndexPart is one key part of an index: a column, a column prefix or an
// expression.
type IndexPart struct {
	// Column is the column name; empty for an expression part.
	Column string
	// PrefixLength is the indexed prefix in characters; 0 means the whole
	// column.
	PrefixLength int
	// Expression is the source expression of a functional key part; empty
	// for a column part.
	Expression string
	// Descending is true for a DESC key part.
	Descending bool
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	// Name is the constraint name.
	Name string
	// Columns reference RefColumns of RefTable, pairwise.
	Columns, RefColumns []string
	// RefTable is the referenced table, in the same database.
	RefTable string
	// OnUpdate and OnDelete are the referential actions as SQL, e.g.
	// "CASCADE"; empty means NO ACTION.
	OnUpdate, OnDelete string
}

// Column returns the column called name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}
