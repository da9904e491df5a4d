package verify

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// The bisection's sizes.
const (
	// rowsPerSegment is the level-0 segment size aimed at: differing segments of this size are
	// fetched row by row at once.
	rowsPerSegment = 1024
	// leafRows is the most rows (on either side) of a differing segment fetched row by row; a
	// larger one is split.
	leafRows = 4096
	// fanBits splits a segment into 2^fanBits.
	fanBits = 4
	// maxFirstBits caps the level-0 bucket count at 2^20.
	maxFirstBits = 20
	// maxBits is the finest bucket split.
	maxBits = 48
	// partRows is the level-0 work of one query of a range-keyed table: a larger table is cut
	// into parts that run at once (Options.Workers per database).
	partRows = 250_000
	// batchRows is the most rows fetched by one row query.
	batchRows = 50_000
	// minSampleSegments is the level-0 segment count of a sampled table, at least: a sample needs
	// segments to choose from, and small ones, so that the chosen key ranges still hit rows where
	// the keys are sparse (a few keys far beyond the others stretch the range).
	minSampleSegments = 4096
)

// comparer compares one table.
type comparer struct {
	t        *table
	src, dst side
	sample   float64
	maxRows  int
	rejects  map[string]reject
	res      *TableResult
	progress *tableProgress
}

// tableProgress is a table's progress, updated by the comparer and read by snapshots.
type tableProgress struct {
	phase            atomic.Value // Phase
	srcRows, dstRows atomic.Int64
	estimate         atomic.Int64
	differences      atomic.Int64
	status           atomic.Value // Status
}

// segDiff is a segment whose sums differ.
type segDiff struct {
	id       uint64
	src, dst sums
}

func (d segDiff) rows() int64 { return max(d.src.rows, d.dst.rows) }

// run compares the table; the result is in c.res.
func (c *comparer) run(ctx context.Context) error {
	c.progress.phase.Store(PhaseComparing)
	est := c.estimate(ctx)
	c.progress.estimate.Store(est)
	g, parts, empty, err := c.plan(ctx, est)
	if err != nil || empty {
		return err
	}
	segs, err := c.level0(ctx, g, parts)
	if err != nil {
		return err
	}
	c.res.SegmentsDiffering = len(segs)
	c.progress.phase.Store(PhaseSearching)
	return c.search(ctx, g, segs)
}

// estimate is the larger side's row estimate; an error only costs the segment sizing.
func (c *comparer) estimate(ctx context.Context) int64 {
	var a, b int64
	both(ctx, func(ctx context.Context) error {
		a, _ = c.src.estimate(ctx)
		return nil
	}, func(ctx context.Context) error {
		b, _ = c.dst.estimate(ctx)
		return nil
	})
	return max(a, b, 1)
}

// plan decides the table's segmentation and level-0 grouping, and cuts level 0 into parts.
func (c *comparer) plan(ctx context.Context, est int64) (grouping, []scope, bool, error) {
	t := c.t
	segments := est / rowsPerSegment
	if c.sample > 0 {
		segments = max(segments, minSampleSegments)
	}
	switch {
	case t.key == nil:
		t.seg = byRowHash
	case t.rangeKeyed():
		lo, hi, ok, err := c.bounds(ctx)
		switch {
		case errors.Is(err, errOutOfRange):
			t.seg = byKeyHash
		case err != nil:
			return grouping{}, nil, false, err
		case !ok:
			return grouping{}, nil, true, nil // empty on both sides
		default:
			t.seg, t.lo, t.hi = byKeyRange, lo, hi
			g := grouping{base: lo, shift: firstShift(lo, hi, segments)}
			return g, c.rangeParts(g, est), false, nil
		}
	default:
		t.seg = byKeyHash
	}
	bits := min(firstBits(segments*rowsPerSegment), maxFirstBits)
	g := grouping{bits: bits}
	if c.sample == 0 {
		c.res.Segments = 1 << bits
		return g, []scope{{}}, false, nil
	}
	var ids []uint64
	for id := range uint64(1) << bits {
		if sampled(id, c.sample) {
			ids = append(ids, id)
		}
	}
	c.res.Segments = len(ids)
	return g, []scope{bucketScope(bits, ids)}, false, nil
}

// bounds is the union of both sides' key bounds.
func (c *comparer) bounds(ctx context.Context) (lo, hi int64, ok bool, err error) {
	var l [2]int64
	var h [2]int64
	var k [2]bool
	err = both(ctx, func(ctx context.Context) (err error) {
		l[0], h[0], k[0], err = c.src.bounds(ctx)
		return err
	}, func(ctx context.Context) (err error) {
		l[1], h[1], k[1], err = c.dst.bounds(ctx)
		return err
	})
	if err != nil {
		return 0, 0, false, err
	}
	for i := range 2 {
		if !k[i] {
			continue
		}
		if !ok {
			lo, hi, ok = l[i], h[i], true
			continue
		}
		lo, hi = min(lo, l[i]), max(hi, h[i])
	}
	return lo, hi, ok, nil
}

// rangeParts cuts [lo, hi] into level-0 parts of about partRows rows, each a whole number of
// segments, keeping only sampled segments when sampling.
func (c *comparer) rangeParts(g grouping, est int64) []scope {
	t := c.t
	last := g.rangeID(t.hi)
	nParts := uint64(max(est/partRows, 1))
	per := max((last+1)/nParts, 1)
	var parts []scope
	for first := uint64(0); first <= last; first += per {
		end := min(first+per-1, last)
		var rs []keyRange
		if c.sample == 0 {
			rs = []keyRange{{g.segRange(first, t.hi).lo, g.segRange(end, t.hi).hi}}
			c.res.Segments += int(end - first + 1)
		} else {
			for id := first; id <= end; id++ {
				if sampled(id, c.sample) {
					rs = append(rs, g.segRange(id, t.hi))
					c.res.Segments++
				}
			}
			rs = mergeRanges(rs)
		}
		if len(rs) > 0 {
			parts = append(parts, scope{ranges: rs})
		}
		if end == last {
			break
		}
	}
	return parts
}

// level0 aggregates every part on both sides, the parts at once, and returns the differing
// segments.
func (c *comparer) level0(ctx context.Context, g grouping, parts []scope) ([]segDiff, error) {
	srcAgg, dstAgg := aggregate{}, aggregate{}
	var mu sync.Mutex
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Go(func() {
			s, d, err := c.aggregateBoth(ctx, part, g)
			if err != nil {
				cancel(err)
				return
			}
			mu.Lock()
			srcAgg.merge(s)
			dstAgg.merge(d)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	for _, s := range srcAgg {
		c.res.SourceRows += s.rows
	}
	for _, s := range dstAgg {
		c.res.TargetRows += s.rows
	}
	c.progress.srcRows.Store(c.res.SourceRows)
	c.progress.dstRows.Store(c.res.TargetRows)
	return differing(srcAgg, dstAgg), nil
}

// aggregateBoth runs the aggregate on both databases at once.
func (c *comparer) aggregateBoth(ctx context.Context, sc scope, g grouping) (src, dst aggregate, err error) {
	err = both(ctx, func(ctx context.Context) (err error) {
		src, err = c.src.aggregate(ctx, sc, g, func(n int64) { c.progress.srcRows.Add(n) })
		return err
	}, func(ctx context.Context) (err error) {
		dst, err = c.dst.aggregate(ctx, sc, g, func(n int64) { c.progress.dstRows.Add(n) })
		return err
	})
	return src, dst, err
}

// differing lists the segments whose sums differ, in id order.
func differing(src, dst aggregate) []segDiff {
	var out []segDiff
	for id, s := range src {
		if d := dst[id]; d != s {
			out = append(out, segDiff{id: id, src: s, dst: d})
		}
	}
	for id, d := range dst {
		if _, ok := src[id]; !ok {
			out = append(out, segDiff{id: id, dst: d})
		}
	}
	slices.SortFunc(out, func(a, b segDiff) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}

// search bisects the differing segments: small ones are compared row by row, large ones split
// and aggregated again, until every difference is found or MaxRows are.
func (c *comparer) search(ctx context.Context, g grouping, segs []segDiff) error {
	for len(segs) > 0 {
		var leaves, deeper []segDiff
		for _, s := range segs {
			if s.rows() <= leafRows || !c.canSplit(g) {
				leaves = append(leaves, s)
			} else {
				deeper = append(deeper, s)
			}
		}
		rest, err := c.compareLeaves(ctx, g, leaves)
		if err != nil {
			return err
		}
		if c.full() {
			c.unexplored(append(rest, deeper...))
			return nil
		}
		if len(deeper) == 0 {
			return nil
		}
		child := c.child(g)
		src, dst, err := c.aggregateBoth(ctx, c.scopeOf(g, deeper), child)
		if err != nil {
			return err
		}
		segs, g = differing(src, dst), child
	}
	return nil
}

func (c *comparer) canSplit(g grouping) bool {
	if c.t.seg == byKeyRange {
		return g.shift > 0
	}
	return g.bits < maxBits
}

func (c *comparer) child(g grouping) grouping {
	if c.t.seg == byKeyRange {
		g.shift -= min(g.shift, fanBits)
		return g
	}
	g.bits = min(g.bits+fanBits, maxBits)
	return g
}

// scopeOf is the scope holding segs of grouping g.
func (c *comparer) scopeOf(g grouping, segs []segDiff) scope {
	if c.t.seg == byKeyRange {
		rs := make([]keyRange, len(segs))
		for i, s := range segs {
			rs[i] = g.segRange(s.id, c.t.hi)
		}
		return scope{ranges: mergeRanges(rs)}
	}
	ids := make([]uint64, len(segs))
	for i, s := range segs {
		ids[i] = s.id
	}
	return bucketScope(g.bits, ids)
}

func (c *comparer) full() bool { return c.res.Differences() >= c.maxRows }

func (c *comparer) unexplored(segs []segDiff) {
	for _, s := range segs {
		c.res.Unexplored.Segments++
		c.res.Unexplored.SourceRows += s.src.rows
		c.res.Unexplored.TargetRows += s.dst.rows
	}
}

// compareLeaves fetches the rows of leaves from both sides, in batches, and matches them. It stops
// once MaxRows differences are found and returns the leaves it did not compare.
func (c *comparer) compareLeaves(ctx context.Context, g grouping, leaves []segDiff) ([]segDiff, error) {
	for len(leaves) > 0 && !c.full() {
		n, rows := 0, int64(0)
		for n < len(leaves) && (n == 0 || rows+leaves[n].rows() <= batchRows) {
			rows += leaves[n].rows()
			n++
		}
		if err := c.compareRows(ctx, c.scopeOf(g, leaves[:n])); err != nil {
			return nil, err
		}
		leaves = leaves[n:]
	}
	return leaves, nil
}

// compareRows fetches the rows of sc from both sides at once and matches them.
func (c *comparer) compareRows(ctx context.Context, sc scope) error {
	var src, dst [][]byte
	err := both(ctx, func(ctx context.Context) error {
		return c.src.rows(ctx, sc, func(b []byte) error { src = append(src, slices.Clone(b)); return nil })
	}, func(ctx context.Context) error {
		return c.dst.rows(ctx, sc, func(b []byte) error { dst = append(dst, slices.Clone(b)); return nil })
	})
	if err != nil {
		return err
	}
	if c.t.seg == byRowHash {
		err = c.matchMultisets(src, dst)
	} else {
		err = c.matchByKey(src, dst)
	}
	c.progress.differences.Store(int64(c.res.Differences()))
	return err
}

// both runs a and b at once and returns the first error; the other is cancelled.
func both(ctx context.Context, a, b func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, f := range []func(context.Context) error{a, b} {
		wg.Go(func() {
			if err := f(ctx); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
