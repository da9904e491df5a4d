package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/rollout"
)

var _ rollout.StateStore = (*DB)(nil)

// SaveRolloutState stores st as its route's rollout, replacing the earlier one. The state is one JSON
// document per route: the controller saves it whole after every change, and nothing queries inside it.
func (db *DB) SaveRolloutState(ctx context.Context, st rollout.State) error {
	if st.Route == "" {
		return ficus.Errorf(ficus.EInvalid, "rollout state has no route name")
	}
	doc, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save rollout state %s: %w", st.Route, err)
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO rollout_states (route, state, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (route) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
			st.Route, doc, formatTime(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("save rollout state %s: %w", st.Route, err)
	}
	return nil
}

// RolloutStates returns every stored rollout by route name.
func (db *DB) RolloutStates(ctx context.Context) (map[string]rollout.State, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT route, state FROM rollout_states`)
	if err != nil {
		return nil, fmt.Errorf("read rollout states: %w", err)
	}
	defer rows.Close()
	out := map[string]rollout.State{}
	for rows.Next() {
		var route string
		var doc []byte
		if err := rows.Scan(&route, &doc); err != nil {
			return nil, fmt.Errorf("read rollout states: %w", err)
		}
		var st rollout.State
		if err := json.Unmarshal(doc, &st); err != nil {
			return nil, fmt.Errorf("read rollout state %s: %w", route, err)
		}
		out[route] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rollout states: %w", err)
	}
	return out, nil
}

// DeleteRolloutState forgets route's rollout, if any, so that a new one can start from scratch. The
// audit log keeps what the rollout did.
func (db *DB) DeleteRolloutState(ctx context.Context, route string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM rollout_states WHERE route = ?`, route)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete rollout state %s: %w", route, err)
	}
	return nil
}
