package load

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ficus-dev/ficus/internal/tick"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

// runner is one Run.
type runner struct {
	o       Options
	pool    *pgxpool.Pool
	tables  []*table
	started time.Time
	resumed bool

	mu    sync.Mutex
	phase Phase
}

// Run loads the plan's tables from the source into the target: on a target
// without state it creates the schema and copies everything; after an
// interrupted run it copies what is left; after a finished run it does
// nothing (unless Options.Restart).
func Run(ctx context.Context, o Options) (*Summary, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	pool, err := connect(ctx, o.Target, o.Workers+2)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	release, err := lock(ctx, pool)
	if err != nil {
		return nil, err
	}
	defer release()
	r := &runner{o: o, pool: pool, started: o.Now()}
	return r.run(ctx)
}

func (o *Options) check() error {
	switch {
	case o.Source == nil:
		return errors.New("load: no source")
	case o.Plan == nil:
		return errors.New("load: no plan")
	case o.Target == "":
		return errors.New("load: no target")
	case o.OnError != "" && o.OnError != Stop && o.OnError != Skip:
		return fmt.Errorf("load: on_error %q: want stop or skip", o.OnError)
	case o.Workers < 0 || o.ChunkRows < 0:
		return errors.New("load: workers and chunk rows must not be negative")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.ChunkRows == 0 {
		o.ChunkRows = 100_000
	}
	if o.OnError == "" {
		o.OnError = Stop
	}
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// connect opens the target pool. A chunk's commit need not wait for the
// WAL flush: a crash loses the chunk and its checkpoint together.
func connect(ctx context.Context, url string, conns int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("target URL: %w", err)
	}
	cfg.MaxConns = int32(conns)
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	cfg.ConnConfig.RuntimeParams["maintenance_work_mem"] = "256MB"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to target %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, nil
}

func (r *runner) run(ctx context.Context) (*Summary, error) {
	st, err := readRun(ctx, r.pool)
	if err != nil {
		return nil, err
	}
	if r.o.Restart && st != nil {
		if err := r.drop(ctx, st); err != nil {
			return nil, err
		}
		st = nil
	}
	hash := planHash(r.o.Plan)
	switch {
	case st == nil:
		err = r.create(ctx, hash)
	case st.planHash != hash:
		return nil, fmt.Errorf("%w (started %s); run with --restart to drop its tables and start over", ErrPlanChanged, st.started.Format(time.RFC3339))
	case st.phase == PhaseDone:
		return r.noop(ctx)
	default:
		r.resumed = true
	}
	if err != nil {
		return nil, err
	}
	err = r.load(ctx)
	if err != nil {
		r.setPhase(PhaseFailed)
		setPhase(context.Background(), r.pool, PhaseFailed, err.Error())
	}
	sum := r.summary()
	if err != nil {
		sum.Error = err.Error()
	}
	if werr := r.writeRejects(context.Background(), &sum.Snapshot); werr != nil && err == nil {
		err = werr
	}
	return sum, err
}

func (r *runner) noop(ctx context.Context) (*Summary, error) {
	snap, err := Status(ctx, r.o.Target)
	if err != nil {
		return nil, err
	}
	return &Summary{Snapshot: *snap, Noop: true}, nil
}

// load runs the phases, reporting progress meanwhile.
func (r *runner) load(ctx context.Context) error {
	if err := r.prepare(ctx); err != nil {
		return err
	}
	stop := r.report()
	defer stop()
	steps := []struct {
		phase Phase
		do    func(context.Context) error
	}{
		{PhaseData, r.copyAll},
		{PhaseIndexes, func(ctx context.Context) error { return r.postLoad(ctx, migrate.StepKey) }},
		{PhaseConstraints, func(ctx context.Context) error { return r.postLoad(ctx, migrate.StepForeignKey, migrate.StepFinish) }},
	}
	for _, s := range steps {
		r.setPhase(s.phase)
		if err := setPhase(ctx, r.pool, s.phase, ""); err != nil {
			return err
		}
		if err := s.do(ctx); err != nil {
			return err
		}
	}
	r.setPhase(PhaseDone)
	return setPhase(ctx, r.pool, PhaseDone, "")
}

func (r *runner) setPhase(p Phase) {
	r.mu.Lock()
	r.phase = p
	r.mu.Unlock()
}

// report calls Options.Progress every Interval until stopped, then once
// more.
func (r *runner) report() (stop func()) {
	if r.o.Progress == nil {
		return func() {}
	}
	return tick.Every(r.o.Interval, func() { r.o.Progress(r.snapshot()) })
}

// prepare builds the in-memory tables from the plan and the state, and
// looks up the target column types for the encoders.
func (r *runner) prepare(ctx context.Context) error {
	// A run can die after its last chunk of a table committed but before
	// an earlier one did; the table is then not loaded after all.
	_, err := r.pool.Exec(ctx, `UPDATE `+StateSchema+`.tables t SET state = 'loading', finished = NULL
		WHERE state IN ('loaded', 'done') AND EXISTS (SELECT 1 FROM `+StateSchema+`.chunks c WHERE c.source = t.source AND NOT c.done)`)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer conn.Release()
	for i := range r.o.Plan.Tables {
		tp := &r.o.Plan.Tables[i]
		t, err := r.newTable(ctx, conn.Conn(), tp)
		if err != nil {
			return err
		}
		r.tables = append(r.tables, t)
	}
	return nil
}

func (r *runner) newTable(ctx context.Context, conn *pgx.Conn, tp *migrate.TablePlan) (*table, error) {
	t := &table{plan: tp, key: tp.Source.PrimaryKey, filter: r.o.Filters[tp.Source.Name]}
	for i, c := range tp.Columns {
		t.columns = append(t.columns, c.Source.Name)
		for _, k := range t.key {
			if k == c.Source.Name {
				t.keyIdx = append(t.keyIdx, i)
			}
		}
	}
	var m string
	var rows, bytes, rejected, chunks, done int64
	err := conn.QueryRow(ctx, `SELECT t.mode, t.rows_estimate, coalesce(sum(c.rows), 0), coalesce(sum(c.bytes), 0),
		coalesce(sum(c.rejected), 0), count(c.seq), count(c.seq) FILTER (WHERE c.done)
		FROM `+StateSchema+`.tables t LEFT JOIN `+StateSchema+`.chunks c ON c.source = t.source
		WHERE t.source = $1 GROUP BY t.source`, tp.Source.Name).Scan(&m, &t.estimate, &rows, &bytes, &rejected, &chunks, &done)
	if err != nil {
		return nil, fmt.Errorf("state of %s: %w", tp.Source.Name, err)
	}
	t.mode = mode(m)
	t.rows.Store(rows)
	t.bytes.Store(bytes)
	t.rejected.Store(rejected)
	t.chunks.Store(chunks)
	t.chunksDone.Store(done)
	t.remaining.Store(chunks - done)
	t.enc, err = pgcopy.Lookup(ctx, conn, r.o.Plan.Schema, tp.Target, tp.Columns)
	if err != nil {
		return nil, fmt.Errorf("target columns of %s: %w", tp.Target, err)
	}
	return t, nil
}

// job is one chunk to copy.
type job struct {
	t *table
	c chunk
}

// copyAll copies every chunk not yet done, Workers at a time. A keyset
// table's next page is queued when its previous one commits.
func (r *runner) copyAll(ctx context.Context) error {
	jobs, err := r.pendingJobs(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan job, len(jobs)+1)
	var pending sync.WaitGroup
	pending.Add(len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	go func() { pending.Wait(); close(queue) }()
	var workers sync.WaitGroup
	for range r.o.Workers {
		workers.Go(func() {
			for j := range queue {
				if ctx.Err() == nil {
					if err := r.copyJob(ctx, j, queue, &pending); err != nil {
						cancel(err)
					}
				}
				pending.Done()
			}
		})
	}
	workers.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return r.markLoaded(ctx)
}

func (r *runner) copyJob(ctx context.Context, j job, queue chan<- job, pending *sync.WaitGroup) error {
	res, err := r.copyChunk(ctx, j.t, j.c)
	if err != nil {
		return err
	}
	j.t.rows.Add(res.rows)
	j.t.bytes.Add(res.bytes)
	j.t.rejected.Add(int64(len(res.rejects)))
	j.t.chunksDone.Add(1)
	if j.t.mode == modeKeyset && res.read >= int64(r.o.ChunkRows) {
		j.t.chunks.Add(1)
		pending.Add(1)
		queue <- job{t: j.t, c: chunk{seq: j.c.seq + 1, after: res.lastKey}}
	}
	return nil
}

// pendingJobs lists the chunks not done, longest work first: keyset
// tables (a chain of pages), then big whole tables, then ranges.
func (r *runner) pendingJobs(ctx context.Context) ([]job, error) {
	var jobs []job
	for _, t := range r.tables {
		rows, err := r.pool.Query(ctx, `SELECT seq, coalesce(lo, 0), coalesce(hi, 0), after_key FROM `+StateSchema+`.chunks
			WHERE source = $1 AND NOT done ORDER BY seq`, t.plan.Source.Name)
		if err != nil {
			return nil, fmt.Errorf("pending chunks of %s: %w", t.plan.Source.Name, err)
		}
		for rows.Next() {
			var c chunk
			if err := rows.Scan(&c.seq, &c.lo, &c.hi, &c.after); err != nil {
				rows.Close()
				return nil, fmt.Errorf("pending chunks of %s: %w", t.plan.Source.Name, err)
			}
			jobs = append(jobs, job{t: t, c: c})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("pending chunks of %s: %w", t.plan.Source.Name, err)
		}
	}
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].weight() > jobs[b].weight() })
	return jobs, nil
}

func (j job) weight() int64 {
	switch j.t.mode {
	case modeKeyset:
		return 1<<62 + j.t.estimate
	case modeWhole:
		return j.t.estimate
	}
	return min(j.t.estimate, j.c.hi-j.c.lo+1)
}

// markLoaded settles the table states once every chunk is in: tables with
// no chunk at all (empty), and tables whose last two chunks committed in
// an order that left them "loading".
func (r *runner) markLoaded(ctx context.Context) error {
	_, err := r.pool.Exec(ctx, `UPDATE `+StateSchema+`.tables t SET state = 'loaded',
		started = coalesce(started, now()), finished = coalesce(finished, now())
		WHERE state IN ('pending', 'loading') AND NOT EXISTS
		(SELECT 1 FROM `+StateSchema+`.chunks c WHERE c.source = t.source AND NOT c.done)`)
	if err != nil {
		return fmt.Errorf("record loaded tables: %w", err)
	}
	return nil
}
