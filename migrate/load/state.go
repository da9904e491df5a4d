package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ficus-dev/ficus/migrate"
)

// The state lives in the target so that a chunk's checkpoint commits with
// its rows. One target database holds one migration.
const stateDDL = `CREATE SCHEMA ` + StateSchema + `;
CREATE TABLE ` + StateSchema + `.run (
    id int PRIMARY KEY CHECK (id = 1),
    plan_hash text NOT NULL,
    target_schema text NOT NULL,
    enums text[] NOT NULL,
    phase text NOT NULL,
    started timestamptz NOT NULL,
    finished timestamptz,
    error text
);
CREATE TABLE ` + StateSchema + `.tables (
    source text PRIMARY KEY,
    target text NOT NULL,
    ord int NOT NULL,
    mode text NOT NULL,
    key_columns text[] NOT NULL,
    rows_estimate bigint NOT NULL,
    state text NOT NULL,
    started timestamptz,
    finished timestamptz
);
CREATE TABLE ` + StateSchema + `.chunks (
    source text NOT NULL,
    seq int NOT NULL,
    lo bigint,
    hi bigint,
    after_key bytea[],
    done boolean NOT NULL DEFAULT false,
    rows bigint NOT NULL DEFAULT 0,
    bytes bigint NOT NULL DEFAULT 0,
    rejected bigint NOT NULL DEFAULT 0,
    last_key bytea[],
    done_at timestamptz,
    PRIMARY KEY (source, seq)
);
CREATE TABLE ` + StateSchema + `.steps (
    seq int PRIMARY KEY,
    kind int NOT NULL,
    target text NOT NULL,
    sql text NOT NULL,
    note text NOT NULL,
    done boolean NOT NULL DEFAULT false
);
CREATE TABLE ` + StateSchema + `.rejects (
    source text NOT NULL,
    seq int NOT NULL,
    key text NOT NULL,
    column_name text NOT NULL,
    value text NOT NULL,
    reason text NOT NULL
);
`

// ErrPlanChanged is returned when an unfinished run's plan differs from
// the one given: resuming would mix two schemas.
var ErrPlanChanged = errors.New("the plan changed since the interrupted run")

// ErrTargetExists is returned when a table or type the plan creates is
// already in the target and no earlier run of ficus created it.
var ErrTargetExists = errors.New("target objects already exist")

// ErrBusy is returned when another run holds the target's migration lock.
var ErrBusy = errors.New("another ficus migrate run is working on this target")

// runState is the run row.
type runState struct {
	planHash, schema string
	enums            []string
	phase            Phase
	started          time.Time
	finished         *time.Time
	errText          *string
}

// planHash identifies the target schema a plan builds; transforms and
// filters may change between an interrupted run and its resumption, the
// tables' shape may not.
func planHash(p *migrate.Plan) string {
	sum := sha256.Sum256([]byte(p.CreateDDL() + p.PostLoadDDL()))
	return hex.EncodeToString(sum[:])
}

func stateExists(ctx context.Context, q querier) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, StateSchema+".run").Scan(&ok)
	return ok, err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readRun returns the run row, or nil when there is none.
func readRun(ctx context.Context, q querier) (*runState, error) {
	ok, err := stateExists(ctx, q)
	if err != nil || !ok {
		return nil, err
	}
	var s runState
	err = q.QueryRow(ctx, `SELECT plan_hash, target_schema, enums, phase, started, finished, error
		FROM `+StateSchema+`.run WHERE id = 1`).Scan(&s.planHash, &s.schema, &s.enums, &s.phase, &s.started, &s.finished, &s.errText)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read run state: %w", err)
	}
	return &s, nil
}

func setPhase(ctx context.Context, pool *pgxpool.Pool, phase Phase, errText string) error {
	finished := "NULL"
	if phase == PhaseDone || phase == PhaseFailed {
		finished = "now()"
	}
	_, err := pool.Exec(ctx, `UPDATE `+StateSchema+`.run SET phase = $1, error = NULLIF($2, ''), finished = `+finished, string(phase), errText)
	if err != nil {
		return fmt.Errorf("record phase %s: %w", phase, err)
	}
	return nil
}

// lockKey is the advisory lock that keeps two runs off one target.
const lockKey = 0x66696375 // "ficu"

// lock takes the advisory lock on a connection held for the whole run.
func lock(ctx context.Context, pool *pgxpool.Pool) (release func(), err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock target: %w", err)
	}
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, lockKey).Scan(&got); err != nil {
		conn.Release()
		return nil, fmt.Errorf("lock target: %w", err)
	}
	if !got {
		conn.Release()
		return nil, ErrBusy
	}
	return func() {
		conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey)
		conn.Release()
	}, nil
}
