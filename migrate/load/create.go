package load

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/migrate"
)

// create checks that the target is free, plans the chunks, and creates the
// types, tables and state in one transaction: a failure leaves nothing.
func (r *runner) create(ctx context.Context, hash string) error {
	if err := r.checkFree(ctx); err != nil {
		return err
	}
	plans := make([]tablePlan, len(r.o.Plan.Tables))
	for i := range r.o.Plan.Tables {
		t := r.o.Plan.Tables[i].Source
		p, err := planTable(ctx, r.o.Source, t, r.o.Filters[t.Name], r.o.ChunkRows)
		if err != nil {
			return fmt.Errorf("plan chunks of %s: %w", t.Name, err)
		}
		plans[i] = p
	}
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+StateSchema+" CASCADE;\n"+stateDDL); err != nil {
		return fmt.Errorf("create state: %w", err)
	}
	if _, err := tx.Exec(ctx, r.o.Plan.CreateDDL()); err != nil {
		return fmt.Errorf("create target tables: %w", err)
	}
	if err := r.recordPlan(ctx, tx, hash, plans); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create: commit: %w", err)
	}
	return nil
}

// checkFree refuses to touch tables or types that exist already: they may
// hold someone's data.
func (r *runner) checkFree(ctx context.Context) error {
	p := r.o.Plan
	var taken []string
	for _, t := range p.Tables {
		name := migrate.QualifiedIdent(p.Schema, t.Target)
		var cols *string
		err := r.pool.QueryRow(ctx, `SELECT (SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
			WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) FROM pg_class c WHERE c.oid = to_regclass($1)`, name).Scan(&cols)
		if err != nil && err != pgx.ErrNoRows {
			return fmt.Errorf("check target: %w", err)
		}
		if err == nil {
			taken = append(taken, fmt.Sprintf("table %s (columns: %s)", name, deref(cols)))
		}
	}
	for _, e := range p.Enums {
		name := migrate.QualifiedIdent(p.Schema, e.Name)
		var exists bool
		if err := r.pool.QueryRow(ctx, `SELECT to_regtype($1) IS NOT NULL`, name).Scan(&exists); err != nil {
			return fmt.Errorf("check target: %w", err)
		}
		if exists {
			taken = append(taken, "type "+name)
		}
	}
	if len(taken) > 0 {
		return fmt.Errorf("%w: %s; drop them, migrate into another schema, or rename or exclude those tables; nothing was changed",
			ErrTargetExists, strings.Join(taken, "; "))
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "none"
	}
	return *s
}

// recordPlan writes the run, its tables, chunks and post-load steps.
func (r *runner) recordPlan(ctx context.Context, tx pgx.Tx, hash string, plans []tablePlan) error {
	p := r.o.Plan
	enums := make([]string, len(p.Enums))
	for i, e := range p.Enums {
		enums[i] = migrate.QualifiedIdent(p.Schema, e.Name)
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+StateSchema+`.run (id, plan_hash, target_schema, enums, phase, started)
		VALUES (1, $1, $2, $3, $4, $5)`, hash, p.Schema, enums, string(PhaseSchema), r.started)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	var chunks [][]any
	for i, tp := range p.Tables {
		key := tp.Source.PrimaryKey
		if key == nil {
			key = []string{}
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+StateSchema+`.tables (source, target, ord, mode, key_columns, rows_estimate, state)
			VALUES ($1, $2, $3, $4, $5, $6, 'pending')`, tp.Source.Name, tp.Target, i, string(plans[i].mode), key, plans[i].estimate)
		if err != nil {
			return fmt.Errorf("record table %s: %w", tp.Source.Name, err)
		}
		for _, c := range plans[i].chunks {
			lo, hi := any(nil), any(nil)
			if plans[i].mode == modeRange {
				lo, hi = c.lo, c.hi
			}
			chunks = append(chunks, []any{tp.Source.Name, c.seq, lo, hi})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{StateSchema, "chunks"}, []string{"source", "seq", "lo", "hi"}, pgx.CopyFromRows(chunks)); err != nil {
		return fmt.Errorf("record chunks: %w", err)
	}
	var steps [][]any
	for i, s := range p.PostLoad() {
		steps = append(steps, []any{i, int(s.Kind), s.Table, s.SQL, s.Note})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{StateSchema, "steps"}, []string{"seq", "kind", "target", "sql", "note"}, pgx.CopyFromRows(steps)); err != nil {
		return fmt.Errorf("record steps: %w", err)
	}
	return nil
}

// drop removes what an earlier run created: its tables, its enum types and
// the state. It reads the names from the state, not from the new plan, so
// a table the user has since renamed or excluded is still cleaned up.
func (r *runner) drop(ctx context.Context, st *runState) error {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, `SELECT target FROM `+StateSchema+`.tables`)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	targets, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	var stmts []string
	for _, t := range targets {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+migrate.QualifiedIdent(st.schema, t)+" CASCADE")
	}
	for _, e := range st.enums {
		stmts = append(stmts, "DROP TYPE IF EXISTS "+e+" CASCADE")
	}
	stmts = append(stmts, "DROP SCHEMA "+StateSchema+" CASCADE")
	if _, err := tx.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
		return fmt.Errorf("restart: drop the earlier run's objects: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return nil
}
