package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ficus-dev/ficus"
)

// RouteStates returns every persisted route state, ordered by route name.
func (db *DB) RouteStates(ctx context.Context) ([]ficus.RouteState, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT route, stage, weight, updated_at, updated_by FROM route_states ORDER BY route`)
	if err != nil {
		return nil, fmt.Errorf("read route states: %w", err)
	}
	defer rows.Close()
	var states []ficus.RouteState
	for rows.Next() {
		var st ficus.RouteState
		var updatedAt string
		if err := rows.Scan(&st.Route, &st.Stage, &st.Weight, &updatedAt, &st.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read route states: %w", err)
		}
		if st.UpdatedAt, err = parseTime(updatedAt); err != nil {
			return nil, fmt.Errorf("read route state %s: %w", st.Route, err)
		}
		states = append(states, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read route states: %w", err)
	}
	return states, nil
}

// SetRouteState persists st (normalised) and appends e to the audit log in one transaction. A zero
// st.UpdatedAt becomes the entry's time and an empty st.UpdatedBy its actor, so that the state and
// its audit entry agree.
func (db *DB) SetRouteState(ctx context.Context, st ficus.RouteState, e ficus.AuditEntry) (ficus.AuditEntry, error) {
	if st.Route == "" {
		return ficus.AuditEntry{}, ficus.Errorf(ficus.EInvalid, "route state has no route name")
	}
	st, err := st.Normalize()
	if err != nil {
		return ficus.AuditEntry{}, err
	}
	if err := db.prepareEntry(&e); err != nil {
		return ficus.AuditEntry{}, err
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = e.Time
	}
	if st.UpdatedBy == "" {
		st.UpdatedBy = e.Actor
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO route_states (route, stage, weight, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (route) DO UPDATE SET
				stage = excluded.stage, weight = excluded.weight,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			st.Route, st.Stage, st.Weight, formatTime(st.UpdatedAt), st.UpdatedBy)
		if err != nil {
			return fmt.Errorf("upsert: %w", err)
		}
		e, err = appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return ficus.AuditEntry{}, fmt.Errorf("set route state %s: %w", st.Route, err)
	}
	return e, nil
}
