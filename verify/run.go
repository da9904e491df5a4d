package verify

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ficus-dev/ficus/internal/tick"
)

// Run compares the plan's tables (or Options.Tables) between the source and the target, and
// records the result in the target unless Options.NoStore. A table that cannot be compared is
// Failed in the result and the others still run; Run returns an error only when it cannot start
// (a connection, an option) or ctx ends.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	r := &runner{o: o, res: &Result{Partial: o.Sample > 0, Sample: 1, Source: o.SourceName, Target: o.TargetName, Started: o.Now()}}
	if o.Sample > 0 {
		r.res.Sample = o.Sample
	}
	if err := r.open(ctx); err != nil {
		return nil, err
	}
	defer r.close()
	if err := r.prepare(ctx); err != nil {
		return nil, err
	}
	stop := r.report()
	r.compareAll(ctx)
	stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.res.Finished = o.Now()
	r.res.Status = r.verdict()
	if !o.NoStore {
		if err := store(ctx, r.dst.pool, r.res); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}

func (o *Options) check() error {
	switch {
	case o.Source == nil:
		return errors.New("verify: no source")
	case o.Plan == nil:
		return errors.New("verify: no plan")
	case o.Target == "":
		return errors.New("verify: no target")
	case o.Sample < 0 || o.Sample >= 1:
		return fmt.Errorf("verify: sample %g: want a fraction above 0 and below 1, or 0 for all", o.Sample)
	case o.Workers < 0 || o.MaxRows < 0:
		return errors.New("verify: workers and max rows must not be negative")
	case o.HashIn != HashAuto && o.HashIn != HashDatabase && o.HashIn != HashFicus:
		return fmt.Errorf("verify: hash in %q: want database or ficus", o.HashIn)
	}
	for _, g := range o.Tables {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("verify: table pattern %q: %w", g, err)
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.MaxRows == 0 {
		o.MaxRows = 1000
	}
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// runner is one Run.
type runner struct {
	o      Options
	res    *Result
	dst    *pgDB
	my     *mysqlDB // nil unless some table hashes in SQL
	srcSem chan struct{}
	tables []*tableRun
}

// tableRun is one table's comparison in a run.
type tableRun struct {
	t        *table
	res      TableResult
	progress tableProgress
	// rejects are the load's rejected rows of the table, by key.
	rejects map[string]reject
}

func (r *runner) open(ctx context.Context) error {
	var err error
	if r.dst, err = openPostgres(ctx, r.o.Target, r.o.Workers); err != nil {
		return err
	}
	r.srcSem = make(chan struct{}, r.o.Workers)
	if !r.hashInDatabase() {
		return nil
	}
	if r.my, err = openMySQL(ctx, r.o.SourceURL, r.o.Workers); err != nil {
		r.dst.Close()
		return err
	}
	return nil
}

func (r *runner) close() {
	r.dst.Close()
	if r.my != nil {
		r.my.Close()
	}
}

// hashInDatabase decides, for a MySQL or MariaDB source, whether tables hash in SQL.
func (r *runner) hashInDatabase() bool {
	if !isMySQLURL(r.o.SourceURL) {
		return false
	}
	switch r.o.HashIn {
	case HashDatabase:
		return true
	case HashFicus:
		return false
	}
	return !isLocal(mysqlHost(r.o.SourceURL)) && !isLocal(pgHost(r.o.Target))
}

func isMySQLURL(u string) bool {
	return strings.HasPrefix(u, "mysql://") || strings.HasPrefix(u, "mariadb://") || strings.Contains(u, "@tcp(")
}

func mysqlHost(u string) string {
	cfg, err := mysqlConfig(u)
	if err != nil {
		return ""
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	return host
}

func pgHost(u string) string {
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return ""
	}
	return cfg.ConnConfig.Host
}

// isLocal reports a host on this machine (or a Unix socket).
func isLocal(host string) bool {
	if host == "" || host == "localhost" || strings.HasPrefix(host, "/") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// prepare builds the tables to compare, decides each one's mode and reads the load's rejects.
func (r *runner) prepare(ctx context.Context) error {
	sensitive := map[string]bool{}
	for _, s := range r.o.Sensitive {
		sensitive[s] = true
	}
	rowSeed, keySeed := maphash.MakeSeed(), maphash.MakeSeed()
	rejects, err := readRejects(ctx, r.dst.pool)
	if err != nil {
		return err
	}
	for i := range r.o.Plan.Tables {
		tp := &r.o.Plan.Tables[i]
		if !r.selected(tp.Source.Name, tp.Target) {
			continue
		}
		t := newTable(tp, r.o.Plan.Schema, r.o.Filters[tp.Source.Name], sensitive)
		t.rowSeed, t.keySeed = rowSeed, keySeed
		tr := &tableRun{t: t, res: TableResult{Source: tp.Source.Name, Target: tp.Target,
			Missing: []Row{}, Extra: []Row{}, Changed: []ChangedRow{}}}
		tr.progress.phase.Store(PhasePending)
		tr.progress.status.Store(Status(""))
		r.tables = append(r.tables, tr)
		tr.rejects = rejects[tp.Source.Name]
	}
	if len(r.tables) == 0 {
		return fmt.Errorf("verify: no table of the migration matches %s", strings.Join(r.o.Tables, ", "))
	}
	return nil
}

func (r *runner) selected(names ...string) bool {
	if len(r.o.Tables) == 0 {
		return true
	}
	for _, g := range r.o.Tables {
		for _, n := range names {
			if ok, _ := path.Match(g, n); ok {
				return true
			}
		}
	}
	return false
}

// compareAll compares the tables, Workers at a time, largest first.
func (r *runner) compareAll(ctx context.Context) {
	queue := make(chan *tableRun, len(r.tables))
	for _, tr := range r.tables {
		queue <- tr
	}
	close(queue)
	var wg sync.WaitGroup
	for range min(r.o.Workers, len(r.tables)) {
		wg.Go(func() {
			for tr := range queue {
				r.compare(ctx, tr)
			}
		})
	}
	wg.Wait()
}

func (r *runner) compare(ctx context.Context, tr *tableRun) {
	start := r.o.Now()
	src, dst := r.sides(tr.t)
	c := &comparer{t: tr.t, src: src, dst: dst, sample: r.o.Sample, maxRows: r.o.MaxRows, rejects: tr.rejects,
		res: &tr.res, progress: &tr.progress}
	err := c.run(ctx)
	tr.res.Duration = r.o.Now().Sub(start)
	tr.res.HashedIn = "ficus"
	if tr.t.sql {
		tr.res.HashedIn = "database"
	}
	tr.res.Segmentation = tr.t.seg.String()
	switch {
	case err != nil:
		tr.res.Status, tr.res.Error = Failed, err.Error()
	case tr.res.Differences() > 0 || tr.res.Unexplored.Segments > 0:
		tr.res.Status = Different
	default:
		tr.res.Status = Identical
	}
	tr.progress.status.Store(tr.res.Status)
	tr.progress.phase.Store(PhaseDone)
}

// sides creates the table's two sides, in SQL mode when the source is MySQL, hashing in the
// databases was chosen, and every column has an SQL expression.
func (r *runner) sides(t *table) (side, side) {
	var row sqlRow
	if r.my != nil {
		row, t.sql = buildSQLRow(t)
	}
	dst := r.dst.table(t, row)
	if t.sql {
		return r.my.table(t, row), dst
	}
	return newSourceTable(r.o.Source, r.srcSem, t), dst
}

func (r *runner) verdict() Status {
	st := Identical
	for _, tr := range r.tables {
		r.res.Tables = append(r.res.Tables, tr.res)
		switch tr.res.Status {
		case Failed:
			st = Failed
		case Different:
			if st != Failed {
				st = Different
			}
		}
	}
	return st
}

// report calls Options.Progress every Interval until stopped, then once more.
func (r *runner) report() (stop func()) {
	if r.o.Progress == nil {
		return func() {}
	}
	return tick.Every(r.o.Interval, func() { r.o.Progress(r.snapshot()) })
}

func (r *runner) snapshot() Snapshot {
	s := Snapshot{Started: r.res.Started}
	for _, tr := range r.tables {
		p := &tr.progress
		s.Tables = append(s.Tables, TableProgress{Source: tr.t.plan.Source.Name, Target: tr.t.plan.Target,
			Phase: p.phase.Load().(Phase), SourceRows: p.srcRows.Load(), TargetRows: p.dstRows.Load(),
			Estimate: p.estimate.Load(), Differences: int(p.differences.Load()), Status: p.status.Load().(Status)})
	}
	return s
}
