// Package verify proves that a migration's PostgreSQL target holds exactly the rows of its legacy
// source, and names the rows that differ: missing in the target, extra in the target, or changed
// (with the columns and both values).
//
// Each table of a migrate.Plan is cut into segments that do not depend on either engine's sort
// order: ranges of a single integer key, or buckets of a hash of the normalised key (of the whole
// row for a table without a primary key). Both databases answer, in parallel, one aggregate per
// segment: the row count and the sum of 64-bit row hashes. Segments that differ are split further
// until they are small, and their rows are then fetched from both sides and matched by key.
//
// Values are normalised to one canonical text per column, decided by the target type and the
// plan's transforms, so that equal data compares equal across engines. With a MySQL or MariaDB
// source, the normalisation and the hashing can run inside both databases (SQL mode); otherwise
// (SQLite and PostgreSQL sources, and tables with JSON, geometry or a transform SQL cannot
// express) both sides stream their values to ficus, which normalises and hashes them (stream
// mode). A table is always compared in one mode on both sides. docs/verify.md has the details.
//
// The package owns the comparison, its result and where the last result is kept (the target's
// ficus_migrate schema). It does not read config files or draw progress (cmd/ficus does), and it
// never writes to the source or to the migrated tables.
package verify
