// Package load copies a legacy database's rows into PostgreSQL, exactly once:
// it creates the target tables of a migrate.Plan, splits each table into
// chunks (primary-key ranges, keyset pages, or the whole table), COPYs the
// chunks in parallel and commits each chunk's checkpoint in the same target
// transaction as its rows, then builds indexes and foreign keys and resets
// sequences. Its state lives in the target database (schema ficus_migrate),
// so a run killed at any point resumes where it stopped, and Status reads
// it from another process.
//
// The package owns the load and its state; it does not read config files,
// parse URLs or draw progress bars (cmd/ficus does).
package load

import (
	"time"

	"github.com/ficus-dev/ficus/migrate"
)

// OnError is the policy for a row whose value cannot be converted.
type OnError string

// The policies.
const (
	// Stop ends the run at the first rejected row; the chunk is not
	// committed, so a rerun after a fix starts that chunk over.
	Stop OnError = "stop"
	// Skip writes the row to the table's reject file and loads the rest.
	Skip OnError = "skip"
)

// StateSchema is the target schema holding the load's state.
const StateSchema = "ficus_migrate"

// Options configure a Run.
type Options struct {
	// Source reads the legacy rows. Required.
	Source migrate.Source
	// Plan is the conversion to apply. Required.
	Plan *migrate.Plan
	// Target is the PostgreSQL connection URL. Required.
	Target string
	// Workers is the number of chunks copied at once (and of indexes built
	// at once); 0 means 4.
	Workers int
	// ChunkRows is the target row count of one chunk; 0 means 100,000.
	ChunkRows int
	// OnError is the rejected-row policy; "" means Stop.
	OnError OnError
	// Restart drops what an earlier run created (its tables and state) and
	// starts over; false resumes an unfinished run and makes a finished one
	// a no-op.
	Restart bool
	// RejectDir is where reject files (TABLE.rejects.jsonl) are written;
	// "" means the current directory.
	RejectDir string
	// Filters are row filters (boolean SQL in the source dialect) by source
	// table name; nil means every row of every table.
	Filters map[string]string
	// Progress, when set, is called from one goroutine with a fresh
	// snapshot every Interval and once more when the run ends.
	Progress func(Snapshot)
	// Interval is the progress period; 0 means one second.
	Interval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Phase is where a run is.
type Phase string

// The phases, in order.
const (
	PhaseSchema      Phase = "schema"      // creating types and tables
	PhaseData        Phase = "data"        // copying rows
	PhaseIndexes     Phase = "indexes"     // primary keys, unique and other indexes
	PhaseConstraints Phase = "constraints" // foreign keys, sequences, comments, triggers
	PhaseDone        Phase = "done"
	PhaseFailed      Phase = "failed"
)

// TableState is where one table is.
type TableState string

// The table states, in order.
const (
	TablePending TableState = "pending" // no chunk copied yet
	TableLoading TableState = "loading" // some chunks copied
	TableLoaded  TableState = "loaded"  // every chunk copied
	TableDone    TableState = "done"    // indexes built
)

// Snapshot is the progress of a run, as Run reports it and Status reads it.
type Snapshot struct {
	// Phase is the run's phase; "" means no run was ever started.
	Phase Phase `json:"phase"`
	// Started and Finished bound the run; Finished is zero until it ends.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Error is the error that ended the last attempt; "" means none.
	Error string `json:"error,omitempty"`
	// Rows, Bytes and Rejected are totals over all tables; RowsEstimate is
	// the source's estimate of Rows at the end.
	Rows         int64 `json:"rows"`
	RowsEstimate int64 `json:"rows_estimate"`
	Bytes        int64 `json:"bytes"`
	Rejected     int64 `json:"rejected"`
	// Tables in plan order.
	Tables []TableProgress `json:"tables"`
}

// TableProgress is one table's progress.
type TableProgress struct {
	Source string     `json:"source"`
	Target string     `json:"target"`
	State  TableState `json:"state"`
	// Rows copied so far, of RowsEstimate; Bytes is the COPY payload sent.
	Rows         int64 `json:"rows"`
	RowsEstimate int64 `json:"rows_estimate"`
	Bytes        int64 `json:"bytes"`
	// Rejected counts rows written to RejectFile instead of the table.
	Rejected   int64  `json:"rejected"`
	RejectFile string `json:"reject_file,omitempty"`
	// Chunks and ChunksDone count the table's chunks; a keyset-paged table
	// learns its chunk count as it goes.
	Chunks     int `json:"chunks"`
	ChunksDone int `json:"chunks_done"`
	// Started and Finished bound the table's copy; zero until they happen.
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// Summary is what a Run did.
type Summary struct {
	Snapshot
	// Noop is true when an earlier run had already finished and nothing was
	// done.
	Noop bool `json:"noop"`
	// Resumed is true when the run continued an interrupted one.
	Resumed bool `json:"resumed"`
	// Duration is this run's wall time.
	Duration time.Duration `json:"duration_ns"`
}
