package verify

import (
	"time"

	"github.com/ficus-dev/ficus/migrate"
)

// HashIn says where rows are normalised and hashed.
type HashIn string

// The choices of Options.HashIn.
const (
	// HashAuto (the zero value) hashes in the databases when both are remote from ficus and the
	// source is MySQL or MariaDB, and in ficus otherwise: on the machine that runs ficus, the
	// databases and ficus share the processors, and streaming costs the databases less processor
	// time than hashing (docs/verify.md, "Where rows are hashed").
	HashAuto HashIn = ""
	// HashDatabase hashes in both databases' SQL wherever the source is MySQL or MariaDB and the
	// table's every column can be normalised in SQL; other tables stream.
	HashDatabase HashIn = "database"
	// HashFicus streams every table's values to ficus and hashes them there.
	HashFicus HashIn = "ficus"
)

// Options configure a Run.
type Options struct {
	// Source reads the legacy rows and their schema's statistics. Required.
	Source migrate.Source
	// SourceURL is the source's connection URL; a mysql:// or mariadb:// URL (or a MySQL driver
	// DSN with a "tcp(" address) lets Run hash in the source's SQL. "" means every table streams.
	SourceURL string
	// Plan is the migration's conversion: table and column names, target types, transforms.
	// Required.
	Plan *migrate.Plan
	// Target is the PostgreSQL connection URL. Required.
	Target string
	// SourceName and TargetName are how the databases are named in the result (URLs with their
	// passwords masked); "" leaves them out.
	SourceName, TargetName string
	// Tables selects the tables to verify, by source or target name (path.Match globs); empty
	// means every table of the plan.
	Tables []string
	// Filters are the migration's row filters (SQL in the source's dialect) by source table name;
	// nil means every row.
	Filters map[string]string
	// Sensitive lists "table.column" (source names) whose values are never shown: reports say
	// "redacted" instead. nil means none.
	Sensitive []string
	// Sample, between 0 and 1 exclusive, compares only that fraction of each table's segments,
	// always the same ones; the result is then Partial. 0 means every segment.
	Sample float64
	// HashIn says where rows are hashed; the zero value is HashAuto.
	HashIn HashIn
	// Workers is the number of queries run at once on each database; 0 means 2.
	Workers int
	// MaxRows is the number of differing rows looked for per table: once that many are found, the
	// segments not yet explored are counted, not searched. 0 means 1000.
	MaxRows int
	// Progress, when set, is called from one goroutine with a fresh snapshot every Interval and
	// once more when the run ends.
	Progress func(Snapshot)
	// Interval is the progress period; 0 means one second.
	Interval time.Duration
	// NoStore skips recording the result in the target (see Last); false records it.
	NoStore bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Status is a verdict.
type Status string

// The verdicts.
const (
	Identical Status = "identical"
	Different Status = "different"
	Failed    Status = "error"
)

// Result is what a Run found.
type Result struct {
	// Status is Identical when every table is, Different when one differs, Failed when one could
	// not be compared (an error wins over a difference).
	Status Status `json:"status"`
	// Partial is true when only a sample of the segments was compared (Options.Sample): then
	// Identical means no difference was found in the sample.
	Partial bool `json:"partial"`
	// Sample is the fraction of segments compared; 1 for a full run.
	Sample float64 `json:"sample"`
	// Source and Target name the databases (Options.SourceName and TargetName).
	Source string `json:"source,omitempty"`
	Target string `json:"target,omitempty"`
	// Started and Finished bound the run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Tables in plan order.
	Tables []TableResult `json:"tables"`
}

// TableResult is one table's verdict.
type TableResult struct {
	// Source and Target are the table's names on each side.
	Source string `json:"source"`
	Target string `json:"target"`
	Status Status `json:"status"`
	// Error says why the table could not be compared; "" when it was.
	Error string `json:"error,omitempty"`
	// HashedIn is "database" or "ficus"; Segmentation how the table was cut.
	HashedIn     string `json:"hashed_in"`
	Segmentation string `json:"segmentation"`
	// SourceRows and TargetRows count the rows compared on each side (the sample's, when Partial).
	SourceRows int64 `json:"source_rows"`
	TargetRows int64 `json:"target_rows"`
	// Segments counts the level-0 segments compared; SegmentsDiffering those that differed.
	Segments          int `json:"segments"`
	SegmentsDiffering int `json:"segments_differing"`
	// Missing rows are in the source and not the target, Extra rows the other way round, Changed
	// rows in both with different values.
	Missing []Row        `json:"missing"`
	Extra   []Row        `json:"extra"`
	Changed []ChangedRow `json:"changed"`
	// Unexplored counts what was not searched once Options.MaxRows differences were found: the
	// segments known to differ and the rows they hold on each side. Zero when every difference is
	// listed.
	Unexplored Unexplored `json:"unexplored"`
	// Duration is the table's wall time.
	Duration time.Duration `json:"duration_ns"`
}

// Unexplored is what a truncated comparison did not search.
type Unexplored struct {
	Segments   int   `json:"segments"`
	SourceRows int64 `json:"source_rows"`
	TargetRows int64 `json:"target_rows"`
}

// Row names a missing or extra row: its key, or for a table without a primary key all its values.
type Row struct {
	Key []Value `json:"key"`
	// Count is how many identical rows this is (tables without a primary key); 1 otherwise.
	Count int `json:"count"`
	// Note explains the row, e.g. that the load rejected it; "" when there is nothing to say.
	Note string `json:"note,omitempty"`
}

// ChangedRow is a row whose key is on both sides with different values.
type ChangedRow struct {
	Key     []Value      `json:"key"`
	Columns []ColumnDiff `json:"columns"`
}

// Value is one column's value in a report.
type Value struct {
	// Column is the target column name.
	Column string `json:"column"`
	// Value is the normalised value; nil for NULL or when Redacted.
	Value *string `json:"value"`
	// Redacted is true for a sensitive column: its value is not shown.
	Redacted bool `json:"redacted,omitempty"`
}

// ColumnDiff is one column of a changed row.
type ColumnDiff struct {
	// Column is the target column name.
	Column string `json:"column"`
	// Source and Target are the normalised values; nil for NULL or when Redacted.
	Source *string `json:"source"`
	Target *string `json:"target"`
	// Redacted is true for a sensitive column: its values are not shown.
	Redacted bool `json:"redacted,omitempty"`
}

// Differences counts a table's differing rows found (Row.Count for keyless rows).
func (t *TableResult) Differences() int {
	n := len(t.Changed)
	for _, r := range t.Missing {
		n += r.Count
	}
	for _, r := range t.Extra {
		n += r.Count
	}
	return n
}

// Phase is where a table is in a run.
type Phase string

// The table phases.
const (
	PhasePending   Phase = "pending"
	PhaseComparing Phase = "comparing" // level-0 aggregates
	PhaseSearching Phase = "searching" // bisecting differing segments
	PhaseDone      Phase = "done"
)

// Snapshot is the progress of a run.
type Snapshot struct {
	Started time.Time       `json:"started"`
	Tables  []TableProgress `json:"tables"`
}

// TableProgress is one table's progress. Rows count what each side has hashed so far; Estimate is
// the larger side's row estimate.
type TableProgress struct {
	Source      string `json:"source"`
	Target      string `json:"target"`
	Phase       Phase  `json:"phase"`
	SourceRows  int64  `json:"source_rows"`
	TargetRows  int64  `json:"target_rows"`
	Estimate    int64  `json:"estimate"`
	Differences int    `json:"differences"`
	Status      Status `json:"status,omitempty"`
}
