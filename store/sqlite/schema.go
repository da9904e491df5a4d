package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema, one step per version: migrations[0] takes an empty file to version 1.
// They only ever grow: a released step is never edited, a change is a new step.
var migrations = []string{
	// 1: route states, the audit log and its head.
	`
CREATE TABLE route_states (
	route      TEXT PRIMARY KEY,
	stage      TEXT NOT NULL,
	weight     REAL NOT NULL,
	updated_at TEXT NOT NULL, -- audit.TimeLayout, UTC
	updated_by TEXT NOT NULL
);

CREATE TABLE audit_entries (
	seq       INTEGER PRIMARY KEY,
	time      TEXT NOT NULL, -- audit.TimeLayout, UTC
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	target    TEXT NOT NULL,
	before    TEXT,          -- JSON, NULL when not applicable
	after     TEXT,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_entries_by_target ON audit_entries (target, seq);

-- The chain's head, kept apart from the entries so that deleting the newest entries shows.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Guards against a bug in ficus, not against an attacker (who can drop them): the hash chain is
-- what makes tampering visible.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
`,
	// 2: the parallel run's results, one document per route (see diff.Collector.Export).
	`
CREATE TABLE diff_reports (
	route      TEXT PRIMARY KEY,
	doc        BLOB NOT NULL, -- versioned JSON
	updated_at TEXT NOT NULL  -- audit.TimeLayout, UTC
);
`,
	// 3: progressive rollouts, one JSON document per route (rollout.State).
	`
CREATE TABLE rollout_states (
	route      TEXT PRIMARY KEY,
	state      BLOB NOT NULL, -- JSON of rollout.State
	updated_at TEXT NOT NULL  -- audit.TimeLayout, UTC
);
`,
}

// ErrSchemaTooNew is wrapped by Open when the file was written by a newer ficus, whose schema this
// binary does not know: reading or writing it could lose data, so ficus refuses.
var ErrSchemaTooNew = errors.New("store schema is newer than this ficus binary")

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int { return len(migrations) }

// migrate brings the schema to SchemaVersion in one transaction, so that a crash, or another process
// migrating at the same time, leaves the file at one version or the next and never in between.
func (db *DB) migrate(ctx context.Context) error {
	// A store that is already current needs no write lock: readers such as 'ficus audit verify' must
	// open it while a busy server holds that lock for its own appends.
	var current int
	if err := db.reader.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&current); err == nil {
		if current > len(migrations) {
			return fmt.Errorf("schema version %d, this binary knows up to %d: %w", current, len(migrations), ErrSchemaTooNew)
		}
		if current == len(migrations) {
			return nil
		}
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		case err != nil:
			return fmt.Errorf("migrate: read schema version: %w", err)
		}
		if version > len(migrations) {
			return fmt.Errorf("schema version %d, this binary knows up to %d: %w", version, len(migrations), ErrSchemaTooNew)
		}
		for v := version; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}
