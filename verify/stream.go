package verify

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/ficus-dev/ficus/migrate"
)

// reader reads the raw values of the rows of a scope, in plan column order. A range scope's rows
// are those of its ranges; a bucket scope is read whole and filtered by the caller.
type reader func(sc scope, fn func(row [][]byte) error) error

// progressEvery is how many streamed rows are counted at a time.
const progressEvery = 4096

// streamAggregate sums the rows read by read, normalised and hashed in Go.
func streamAggregate(ctx context.Context, b *rowBuilder, sc scope, g grouping, seen func(int64), read reader) (aggregate, error) {
	b.nb.quick = &b.t.rowSeed // both sides aggregate in ficus: no digest needs to be md5
	out := aggregate{}
	var n int64
	// Consecutive rows mostly share a segment (range scans come in key order): their sums are
	// gathered in cur and added to out when the segment changes.
	var cur sums
	curID, have := uint64(0), false
	flush := func() {
		if have {
			s := out[curID]
			s.rows += cur.rows
			s.hash += cur.hash
			out[curID] = s
		}
	}
	err := read(readScope(sc), func(row [][]byte) error {
		b.build(row)
		h := maphash.Bytes(b.t.rowSeed, b.text)
		id, in, err := b.place(sc, g, h)
		if err != nil {
			return err
		}
		if in {
			if !have || id != curID {
				flush()
				cur, curID, have = sums{}, id, true
			}
			cur.add(h)
		}
		if n++; n%progressEvery == 0 {
			seen(progressEvery)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	flush()
	seen(n % progressEvery)
	return out, err
}

// streamRows calls fn with the text of each row of sc.
func streamRows(b *rowBuilder, sc scope, fn func([]byte) error, read reader) error {
	return read(readScope(sc), func(row [][]byte) error {
		b.build(row)
		if sc.buckets != nil {
			_, in, err := b.place(sc, grouping{}, maphash.Bytes(b.t.rowSeed, b.text))
			if err != nil || !in {
				return err
			}
		}
		return fn(b.text)
	})
}

// readScope is what must be read for sc: its ranges, or the whole table for buckets.
func readScope(sc scope) scope {
	if sc.buckets != nil {
		return scope{}
	}
	return sc
}

// sourceTable is one table of a source read through migrate.Source, normalised and hashed in Go.
type sourceTable struct {
	src  migrate.Source
	sem  chan struct{}
	t    *table
	cols []string
}

func newSourceTable(src migrate.Source, sem chan struct{}, t *table) *sourceTable {
	s := &sourceTable{src: src, sem: sem, t: t}
	for i := range t.cols {
		s.cols = append(s.cols, t.cols[i].plan.Source.Name)
	}
	return s
}

func (s *sourceTable) acquire(ctx context.Context) (func(), error) {
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *sourceTable) estimate(ctx context.Context) (int64, error) {
	n, err := s.src.Estimate(ctx, s.t.plan.Source)
	if err != nil {
		return 0, fmt.Errorf("source %s: %w", s.t.plan.Source.Name, err)
	}
	return n, nil
}

func (s *sourceTable) bounds(ctx context.Context) (lo, hi int64, ok bool, err error) {
	lo, hi, ok, err = s.src.KeyBounds(ctx, s.t.plan.Source, s.t.filter)
	if err != nil {
		return 0, 0, false, fmt.Errorf("source %s: %w", s.t.plan.Source.Name, err)
	}
	return lo, hi, ok, nil
}

// read reads the rows of sc: one query per range, or the whole table.
func (s *sourceTable) read(ctx context.Context) reader {
	return func(sc scope, fn func([][]byte) error) error {
		release, err := s.acquire(ctx)
		if err != nil {
			return err
		}
		defer release()
		q := migrate.Query{Columns: s.cols, Filter: s.t.filter}
		if sc.ranges == nil {
			return s.src.Read(ctx, s.t.plan.Source, q, fn)
		}
		q.Key, q.Range = []string{s.cols[s.t.key[0]]}, true
		for _, r := range sc.ranges {
			q.Lo, q.Hi = r.lo, r.hi
			if err := s.src.Read(ctx, s.t.plan.Source, q, fn); err != nil {
				return err
			}
		}
		return nil
	}
}

func (s *sourceTable) aggregate(ctx context.Context, sc scope, g grouping, seen func(int64)) (aggregate, error) {
	return streamAggregate(ctx, newRowBuilder(s.t, false), sc, g, seen, s.read(ctx))
}

func (s *sourceTable) rows(ctx context.Context, sc scope, fn func([]byte) error) error {
	return streamRows(newRowBuilder(s.t, false), sc, fn, s.read(ctx))
}
