package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ficus-dev/ficus"
)

var _ ficus.DiffStore = (*DB)(nil)

// SaveDiffReport stores doc as route's parallel-run results, replacing the earlier document: one row
// per route, so the table stays as small as the collector keeps its documents.
func (db *DB) SaveDiffReport(ctx context.Context, route string, doc []byte) error {
	if route == "" {
		return ficus.Errorf(ficus.EInvalid, "diff report has no route name")
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO diff_reports (route, doc, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (route) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
			route, doc, formatTime(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("save diff report %s: %w", route, err)
	}
	return nil
}

// DiffReports returns every stored document by route name.
func (db *DB) DiffReports(ctx context.Context) (map[string][]byte, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT route, doc FROM diff_reports`)
	if err != nil {
		return nil, fmt.Errorf("read diff reports: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var route string
		var doc []byte
		if err := rows.Scan(&route, &doc); err != nil {
			return nil, fmt.Errorf("read diff reports: %w", err)
		}
		out[route] = doc
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read diff reports: %w", err)
	}
	return out, nil
}

// DeleteDiffReport removes route's document, if any, and appends e to the audit log in the same
// transaction, so that a reset is never done without its record, nor recorded without being done.
func (db *DB) DeleteDiffReport(ctx context.Context, route string, e ficus.AuditEntry) (ficus.AuditEntry, error) {
	if err := db.prepareEntry(&e); err != nil {
		return ficus.AuditEntry{}, err
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM diff_reports WHERE route = ?`, route); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		var err error
		e, err = appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return ficus.AuditEntry{}, fmt.Errorf("delete diff report %s: %w", route, err)
	}
	return e, nil
}
