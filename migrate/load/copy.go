package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

// flushSize is how much COPY data a chunk gathers before handing it to the
// connection: big enough to amortise the hand-off, small enough to keep a
// worker's memory flat.
const flushSize = 64 << 10

// table is one table being copied.
type table struct {
	plan    *migrate.TablePlan
	mode    mode
	key     []string // source key columns
	keyIdx  []int    // their positions in the row
	columns []string // source columns, in plan order
	filter  string
	enc     []pgcopy.Column
	// committed counters, for progress
	rows, bytes, rejected atomic.Int64
	inflight              atomic.Int64
	estimate              int64
	// remaining counts the range or whole chunks not yet copied.
	remaining atomic.Int64
	// chunks and chunksDone count the table's chunks for progress.
	chunks, chunksDone atomic.Int64
}

// chunkResult is what a copied chunk adds to the state.
type chunkResult struct {
	// read counts the rows read, rows those loaded (read minus rejects).
	read, rows, bytes int64
	lastKey           [][]byte
	rejects           []reject
}

// reject is one row that was not loaded.
type reject struct {
	key, column, value, reason string
}

// RowError is returned when a value cannot be converted and the policy is
// Stop.
type RowError struct {
	Table, Key string
	Err        *pgcopy.ValueError
}

func (e *RowError) Error() string {
	return fmt.Sprintf("table %s, row %s, column %s: %s (value %q); fix the data, add a transform or cast for the column, or use on_error: skip",
		e.Table, e.Key, e.Err.Column, e.Err.Reason, e.Err.Value)
}

// copyChunk copies one chunk and commits it with its checkpoint.
func (r *runner) copyChunk(ctx context.Context, t *table, c chunk) (*chunkResult, error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.Background())
	enc, err := pgcopy.NewEncoder(t.enc)
	if err != nil {
		return nil, fmt.Errorf("encoder for %s: %w", t.plan.Target, err)
	}
	res, err := r.stream(ctx, tx, t, c, enc)
	if err != nil {
		return nil, err
	}
	last := res.read < int64(r.o.ChunkRows)
	if t.mode != modeKeyset {
		last = t.remaining.Add(-1) == 0
	}
	if err := r.checkpoint(ctx, tx, t, c, res, last); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit chunk %d of %s: %w", c.seq, t.plan.Target, err)
	}
	return res, nil
}

// stream reads the chunk from the source on one goroutine and COPYs it on
// this one.
func (r *runner) stream(ctx context.Context, tx pgx.Tx, t *table, c chunk, enc *pgcopy.Encoder) (*chunkResult, error) {
	pr, pw := io.Pipe()
	res := &chunkResult{}
	readErr := make(chan error, 1)
	go func() {
		err := r.read(ctx, t, c, enc, pw, res)
		pw.CloseWithError(err)
		readErr <- err
	}()
	_, copyErr := tx.Conn().PgConn().CopyFrom(ctx, pr, enc.CopySQL(r.o.Plan.Schema, t.plan.Target))
	pr.CloseWithError(errCopyEnded)
	err := <-readErr
	t.inflight.Add(-res.rows)
	if err != nil && !errors.Is(err, errCopyEnded) {
		return nil, err
	}
	if copyErr != nil {
		return nil, fmt.Errorf("copy chunk %d of %s: %w", c.seq, t.plan.Target, copyErr)
	}
	return res, nil
}

var errCopyEnded = errors.New("copy ended")

// read encodes the chunk's rows into w.
func (r *runner) read(ctx context.Context, t *table, c chunk, enc *pgcopy.Encoder, w io.Writer, res *chunkResult) error {
	buf := append(make([]byte, 0, flushSize+flushSize/4), enc.Header()...)
	var keyBuf [][]byte
	flush := func() error {
		if _, err := w.Write(buf); err != nil {
			return err
		}
		res.bytes += int64(len(buf))
		buf = buf[:0]
		return nil
	}
	var rowNo int64
	err := r.o.Source.Read(ctx, t.plan.Source, t.query(c, r.o.ChunkRows), func(row [][]byte) error {
		rowNo++
		if t.mode == modeKeyset {
			keyBuf = copyKey(keyBuf, row, t.keyIdx)
		}
		var err error
		buf, err = enc.AppendRow(buf, row)
		if err != nil {
			return r.rejectRow(t, c, row, rowNo, err, res)
		}
		res.rows++
		t.inflight.Add(1)
		if len(buf) >= flushSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	buf = append(buf, enc.Trailer()...)
	res.lastKey, res.read = keyBuf, rowNo
	return flush()
}

// rejectRow applies the OnError policy to a row that did not convert.
func (r *runner) rejectRow(t *table, c chunk, row [][]byte, rowNo int64, err error, res *chunkResult) error {
	var ve *pgcopy.ValueError
	if !errors.As(err, &ve) {
		return err
	}
	key := t.describeKey(row, c, rowNo)
	if r.o.OnError != Skip {
		return &RowError{Table: t.plan.Source.Name, Key: key, Err: ve}
	}
	res.rejects = append(res.rejects, reject{key: key, column: ve.Column, value: ve.Value, reason: ve.Reason})
	return nil
}

// copyKey keeps the key of the last row, reusing dst's storage.
func copyKey(dst [][]byte, row [][]byte, idx []int) [][]byte {
	if dst == nil {
		dst = make([][]byte, len(idx))
	}
	for i, j := range idx {
		dst[i] = append(dst[i][:0], row[j]...)
	}
	return dst
}

// describeKey names a row for a reject: its key values, or its position
// for a table without a key.
func (t *table) describeKey(row [][]byte, c chunk, rowNo int64) string {
	if len(t.keyIdx) == 0 {
		return "row " + strconv.FormatInt(rowNo, 10)
	}
	parts := make([]string, len(t.keyIdx))
	for i, j := range t.keyIdx {
		parts[i] = t.key[i] + "=" + printable(row[j])
	}
	return strings.Join(parts, ",")
}

func printable(b []byte) string {
	if b == nil {
		return "NULL"
	}
	return strconv.Quote(string(b))
}

// query is the source query of chunk c.
func (t *table) query(c chunk, chunkRows int) migrate.Query {
	q := migrate.Query{Columns: t.columns, Filter: t.filter, Key: t.key}
	switch t.mode {
	case modeRange:
		q.Range, q.Lo, q.Hi = true, c.lo, c.hi
	case modeKeyset:
		q.After, q.Ordered, q.Limit = c.after, true, chunkRows
	}
	return q
}

// checkpoint records the chunk as done in the chunk's own transaction. The
// "AND NOT done" guard makes a chunk that another process committed
// meanwhile fail here instead of loading twice.
func (r *runner) checkpoint(ctx context.Context, tx pgx.Tx, t *table, c chunk, res *chunkResult, last bool) error {
	tag, err := tx.Exec(ctx, `UPDATE `+StateSchema+`.chunks SET done = true, rows = $3, bytes = $4, rejected = $5,
		last_key = $6, done_at = now() WHERE source = $1 AND seq = $2 AND NOT done`,
		t.plan.Source.Name, c.seq, res.rows, res.bytes, len(res.rejects), res.lastKey)
	if err != nil {
		return fmt.Errorf("checkpoint chunk %d of %s: %w", c.seq, t.plan.Target, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("checkpoint chunk %d of %s: already done by another run", c.seq, t.plan.Target)
	}
	if err := insertRejects(ctx, tx, t.plan.Source.Name, c.seq, res.rejects); err != nil {
		return err
	}
	if t.mode == modeKeyset && !last {
		_, err = tx.Exec(ctx, `INSERT INTO `+StateSchema+`.chunks (source, seq, after_key) VALUES ($1, $2, $3)`,
			t.plan.Source.Name, c.seq+1, res.lastKey)
		if err != nil {
			return fmt.Errorf("checkpoint %s: next chunk: %w", t.plan.Target, err)
		}
	}
	// A chunk committing after the last one (they run in parallel) must not
	// move the table back from loaded to loading.
	_, err = tx.Exec(ctx, `UPDATE `+StateSchema+`.tables SET started = coalesce(started, now()),
		state = CASE WHEN $2 THEN 'loaded' WHEN state = 'pending' THEN 'loading' ELSE state END,
		finished = CASE WHEN $2 THEN now() ELSE finished END WHERE source = $1`, t.plan.Source.Name, last)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", t.plan.Target, err)
	}
	return nil
}

func insertRejects(ctx context.Context, tx pgx.Tx, source string, seq int, rejects []reject) error {
	if len(rejects) == 0 {
		return nil
	}
	rows := make([][]any, len(rejects))
	for i, rj := range rejects {
		rows[i] = []any{source, seq, rj.key, rj.column, rj.value, rj.reason}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{StateSchema, "rejects"},
		[]string{"source", "seq", "key", "column_name", "value", "reason"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("record rejects of %s: %w", source, err)
	}
	return nil
}
