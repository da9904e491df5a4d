package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// StateSchema is the target schema where the last result is kept: the migration's own state
// schema (migrate/load.StateSchema), which a new migration drops with everything it knew.
const StateSchema = "ficus_migrate"

// ErrNoResult is returned by Last when no verification has been recorded in the target.
var ErrNoResult = errors.New("no verification has been recorded in the target")

const resultDDL = `CREATE SCHEMA IF NOT EXISTS ` + StateSchema + `;
CREATE TABLE IF NOT EXISTS ` + StateSchema + `.verify_result (
    id int PRIMARY KEY CHECK (id = 1),
    finished timestamptz NOT NULL,
    status text NOT NULL,
    result jsonb NOT NULL
)`

// store records res as the target's last verification.
func store(ctx context.Context, pool *pgxpool.Pool, res *Result) error {
	doc, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("record result: %w", err)
	}
	if _, err := pool.Exec(ctx, resultDDL); err != nil {
		return fmt.Errorf("record result: %w", err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO `+StateSchema+`.verify_result (id, finished, status, result) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET finished = EXCLUDED.finished, status = EXCLUDED.status, result = EXCLUDED.result`,
		res.Finished, string(res.Status), doc)
	if err != nil {
		return fmt.Errorf("record result: %w", err)
	}
	return nil
}

// Last reads the last verification recorded in the target database; ErrNoResult when there is
// none.
func Last(ctx context.Context, target string) (*Result, error) {
	conn, err := pgx.Connect(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("connect to target: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, StateSchema+".verify_result").Scan(&exists); err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	if !exists {
		return nil, ErrNoResult
	}
	var doc []byte
	err = conn.QueryRow(ctx, `SELECT result::text FROM `+StateSchema+`.verify_result WHERE id = 1`).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoResult
	}
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	var res Result
	if err := json.Unmarshal(doc, &res); err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	return &res, nil
}

// Results reads the last verification of one target, for the admin API.
type Results struct {
	// Target is the PostgreSQL URL of the migration's target.
	Target string
}

// Last returns the target's last verification; ErrNoResult when there is none.
func (r Results) Last(ctx context.Context) (*Result, error) { return Last(ctx, r.Target) }

// reject is why the load rejected a row: the source column and the loader's reason.
type reject struct{ column, reason string }

// readRejects reads the rows the load rejected, by source table, by key in the form the loader
// records ("id=\"5\""). A target without load state has none.
func readRejects(ctx context.Context, pool *pgxpool.Pool) (map[string]map[string]reject, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, StateSchema+".rejects").Scan(&exists); err != nil {
		return nil, fmt.Errorf("read rejects: %w", err)
	}
	if !exists {
		return nil, nil
	}
	rows, err := pool.Query(ctx, `SELECT source, key, column_name, reason FROM `+StateSchema+`.rejects LIMIT 100000`)
	if err != nil {
		return nil, fmt.Errorf("read rejects: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]reject{}
	for rows.Next() {
		var table, key, column, reason string
		if err := rows.Scan(&table, &key, &column, &reason); err != nil {
			return nil, fmt.Errorf("read rejects: %w", err)
		}
		if out[table] == nil {
			out[table] = map[string]reject{}
		}
		out[table][key] = reject{column: column, reason: reason}
	}
	return out, rows.Err()
}
