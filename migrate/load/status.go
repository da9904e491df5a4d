package load

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Status reads the state of the migration kept in the target database. A
// target without state yields a Snapshot with an empty Phase.
func Status(ctx context.Context, target string) (*Snapshot, error) {
	conn, err := pgx.Connect(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("connect to target: %w", err)
	}
	defer conn.Close(context.Background())
	st, err := readRun(ctx, conn)
	if err != nil || st == nil {
		return &Snapshot{}, err
	}
	snap := &Snapshot{Phase: st.phase, Started: st.started}
	if st.finished != nil {
		snap.Finished = *st.finished
	}
	if st.errText != nil {
		snap.Error = *st.errText
	}
	rows, err := conn.Query(ctx, `SELECT t.source, t.target, t.state, t.rows_estimate, t.started, t.finished,
		coalesce(sum(c.rows), 0), coalesce(sum(c.bytes), 0), coalesce(sum(c.rejected), 0),
		count(c.seq), count(c.seq) FILTER (WHERE c.done)
		FROM `+StateSchema+`.tables t LEFT JOIN `+StateSchema+`.chunks c ON c.source = t.source
		GROUP BY t.source ORDER BY t.ord`)
	if err != nil {
		return nil, fmt.Errorf("read table state: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tp TableProgress
		var started, finished *time.Time
		if err := rows.Scan(&tp.Source, &tp.Target, &tp.State, &tp.RowsEstimate, &started, &finished,
			&tp.Rows, &tp.Bytes, &tp.Rejected, &tp.Chunks, &tp.ChunksDone); err != nil {
			return nil, fmt.Errorf("read table state: %w", err)
		}
		if started != nil {
			tp.Started = *started
		}
		if finished != nil {
			tp.Finished = *finished
		}
		snap.add(tp)
	}
	return snap, rows.Err()
}

func (s *Snapshot) add(tp TableProgress) {
	s.Tables = append(s.Tables, tp)
	s.Rows += tp.Rows
	s.RowsEstimate += max(tp.RowsEstimate, tp.Rows)
	s.Bytes += tp.Bytes
	s.Rejected += tp.Rejected
}

// snapshot is the run's progress from memory; rows in flight count.
func (r *runner) snapshot() Snapshot {
	r.mu.Lock()
	snap := Snapshot{Phase: r.phase, Started: r.started}
	r.mu.Unlock()
	for _, t := range r.tables {
		tp := TableProgress{Source: t.plan.Source.Name, Target: t.plan.Target, RowsEstimate: t.estimate,
			Rows: t.rows.Load() + t.inflight.Load(), Bytes: t.bytes.Load(), Rejected: t.rejected.Load(),
			Chunks: int(t.chunks.Load()), ChunksDone: int(t.chunksDone.Load())}
		tp.State = t.state(snap.Phase)
		snap.add(tp)
	}
	return snap
}

func (t *table) state(p Phase) TableState {
	switch {
	case t.chunksDone.Load() == t.chunks.Load() && (p == PhaseConstraints || p == PhaseDone):
		return TableDone
	case t.chunksDone.Load() == t.chunks.Load():
		return TableLoaded
	case t.chunksDone.Load() > 0 || t.inflight.Load() > 0:
		return TableLoading
	}
	return TablePending
}

func (r *runner) summary() *Summary {
	s := &Summary{Snapshot: r.snapshot(), Resumed: r.resumed, Duration: r.o.Now().Sub(r.started)}
	if s.Phase == PhaseDone || s.Phase == PhaseFailed {
		s.Finished = r.o.Now()
	}
	return s
}
