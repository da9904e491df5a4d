package load

import (
	"context"
	"fmt"
	"sync"

	"github.com/ficus-dev/ficus/migrate"
)

// step is a post-load statement still to run.
type step struct {
	seq       int
	sql, note string
}

// postLoad runs the steps of the given kinds that are not done: the steps
// of one kind in parallel, Workers at a time, each in its own transaction
// with its done mark, so a killed run repeats none of them.
func (r *runner) postLoad(ctx context.Context, kinds ...migrate.StepKind) error {
	for _, k := range kinds {
		steps, err := r.pendingSteps(ctx, k)
		if err != nil {
			return err
		}
		if err := r.runSteps(ctx, steps); err != nil {
			return err
		}
	}
	if len(kinds) > 0 && kinds[0] == migrate.StepKey {
		if _, err := r.pool.Exec(ctx, `UPDATE `+StateSchema+`.tables SET state = 'done' WHERE state = 'loaded'`); err != nil {
			return fmt.Errorf("record indexed tables: %w", err)
		}
	}
	return nil
}

func (r *runner) pendingSteps(ctx context.Context, k migrate.StepKind) ([]step, error) {
	rows, err := r.pool.Query(ctx, `SELECT seq, sql, note FROM `+StateSchema+`.steps
		WHERE kind = $1 AND NOT done AND sql <> '' ORDER BY seq`, int(k))
	if err != nil {
		return nil, fmt.Errorf("pending steps: %w", err)
	}
	defer rows.Close()
	var out []step
	for rows.Next() {
		var s step
		if err := rows.Scan(&s.seq, &s.sql, &s.note); err != nil {
			return nil, fmt.Errorf("pending steps: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (r *runner) runSteps(ctx context.Context, steps []step) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan step, len(steps))
	for _, s := range steps {
		queue <- s
	}
	close(queue)
	var wg sync.WaitGroup
	for range r.o.Workers {
		wg.Go(func() {
			for s := range queue {
				if ctx.Err() != nil {
					return
				}
				if err := r.runStep(ctx, s); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (r *runner) runStep(ctx context.Context, s step) error {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("post-load step: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, s.sql); err != nil {
		return fmt.Errorf("post-load step %q: %w", s.sql, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+StateSchema+`.steps SET done = true WHERE seq = $1`, s.seq); err != nil {
		return fmt.Errorf("post-load step: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("post-load step %q: %w", s.sql, err)
	}
	return nil
}
