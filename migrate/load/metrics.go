package load

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the state of the migration kept in a target database as
// Prometheus metrics, so that `ficus serve` shows a load that
// `ficus migrate run` is doing (or did) from anywhere. The state is read at
// scrape time, at most once per MaxAge.
type Collector struct {
	// Target is the PostgreSQL URL holding the state.
	Target string
	// MaxAge is how long a read state is reused; 0 means 5 seconds.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	at   time.Time
	snap *Snapshot
	err  error
}

var _ prometheus.Collector = (*Collector)(nil)

var (
	descUp        = prometheus.NewDesc("ficus_migration_state_readable", "1 when the migration state in the target could be read at the last scrape.", nil, nil)
	descPhase     = prometheus.NewDesc("ficus_migration_phase", "1 for the migration's current phase (none when no run was started).", []string{"phase"}, nil)
	descRows      = prometheus.NewDesc("ficus_migration_rows", "Rows copied into the target table.", []string{"table"}, nil)
	descEstimate  = prometheus.NewDesc("ficus_migration_rows_estimate", "The source's row estimate for the table.", []string{"table"}, nil)
	descBytes     = prometheus.NewDesc("ficus_migration_bytes", "COPY bytes sent for the table.", []string{"table"}, nil)
	descRejected  = prometheus.NewDesc("ficus_migration_rejected_rows", "Rows of the table written to its reject file.", []string{"table"}, nil)
	descChunks    = prometheus.NewDesc("ficus_migration_chunks", "The table's chunks, by whether they are copied.", []string{"table", "state"}, nil)
	phasesInOrder = []Phase{PhaseSchema, PhaseData, PhaseIndexes, PhaseConstraints, PhaseDone, PhaseFailed}
)

// Describe sends the metric descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descPhase, descRows, descEstimate, descBytes, descRejected, descChunks} {
		ch <- d
	}
}

// Collect reads the state (or reuses a recent read) and sends the metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	for _, p := range phasesInOrder {
		v := 0.0
		if snap.Phase == p {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descPhase, prometheus.GaugeValue, v, string(p))
	}
	for _, t := range snap.Tables {
		ch <- prometheus.MustNewConstMetric(descRows, prometheus.GaugeValue, float64(t.Rows), t.Target)
		ch <- prometheus.MustNewConstMetric(descEstimate, prometheus.GaugeValue, float64(t.RowsEstimate), t.Target)
		ch <- prometheus.MustNewConstMetric(descBytes, prometheus.GaugeValue, float64(t.Bytes), t.Target)
		ch <- prometheus.MustNewConstMetric(descRejected, prometheus.GaugeValue, float64(t.Rejected), t.Target)
		ch <- prometheus.MustNewConstMetric(descChunks, prometheus.GaugeValue, float64(t.ChunksDone), t.Target, "copied")
		ch <- prometheus.MustNewConstMetric(descChunks, prometheus.GaugeValue, float64(t.Chunks-t.ChunksDone), t.Target, "pending")
	}
}

func (c *Collector) read() (*Snapshot, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	maxAge := c.MaxAge
	if maxAge == 0 {
		maxAge = 5 * time.Second
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil || c.err != nil {
		if now().Sub(c.at) < maxAge {
			return c.snap, c.err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c.snap, c.err = Status(ctx, c.Target)
	c.at = now()
	return c.snap, c.err
}
