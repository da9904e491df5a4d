package verify

import (
	"math"
	"math/bits"
	"slices"
)

// segmentation is how a table's rows are cut into segments. None depends on either engine's
// collation: integer key ranges compare numbers, and hash buckets hash the normalised text.
type segmentation uint8

const (
	// byKeyRange: a single integer key; segment id = (key - base) >> shift.
	byKeyRange segmentation = iota
	// byKeyHash: any other key; segment id = the low bits of the hash of the key's text.
	byKeyHash
	// byRowHash: no primary key; segment id = the low bits of the row's hash.
	byRowHash
)

var segmentationNames = [...]string{"key ranges", "key hash buckets", "row hash buckets"}

func (s segmentation) String() string { return segmentationNames[s] }

// keyRange is an integer key interval, both ends included.
type keyRange struct{ lo, hi int64 }

// grouping says which segment a row belongs to at one level of the bisection.
type grouping struct {
	// base and shift group a key range: id = (key - base) >> shift.
	base  int64
	shift uint
	// bits groups hash buckets: id = hash & (1<<bits - 1).
	bits uint
}

// scope is the set of rows a query covers. The zero value is the whole table.
type scope struct {
	// ranges restricts a key-range table to these key intervals; nil means every key.
	ranges []keyRange
	// bucketBits and buckets restrict a hash-bucketed table to the buckets (hash & mask) listed;
	// nil buckets means every bucket.
	bucketBits uint
	buckets    []uint64
	bucketSet  map[uint64]struct{}
}

// bucketScope is the scope of the buckets ids of bits bits.
func bucketScope(bits uint, ids []uint64) scope {
	set := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return scope{bucketBits: bits, buckets: ids, bucketSet: set}
}

func (s scope) all() bool { return s.ranges == nil && s.buckets == nil }

// sums is one segment's aggregate: its rows and the sum of their 64-bit hashes, modulo 2^64.
type sums struct {
	rows int64
	hash uint64
}

func (a *sums) add(h uint64) { a.rows++; a.hash += h }

// aggregate maps segment ids to their sums.
type aggregate map[uint64]sums

func (a aggregate) merge(b aggregate) {
	for id, s := range b {
		t := a[id]
		t.rows += s.rows
		t.hash += s.hash
		a[id] = t
	}
}

// segRange is the key interval of segment id under g, cut to the table's last key hi; g.base is
// the table's first key. Offsets from base are unsigned, so that no span overflows.
func (g grouping) segRange(id uint64, hi int64) keyRange {
	span := uint64(hi - g.base)
	start := id << g.shift
	end := start | mask(g.shift)
	if end > span {
		end = span
	}
	return keyRange{lo: int64(uint64(g.base) + start), hi: int64(uint64(g.base) + end)}
}

// rangeID is the segment of key under g.
func (g grouping) rangeID(key int64) uint64 { return uint64(key-g.base) >> g.shift }

// bucketID is the segment of hash under g.
func (g grouping) bucketID(h uint64) uint64 { return h & mask(g.bits) }

func mask(b uint) uint64 {
	if b >= 64 {
		return math.MaxUint64
	}
	return uint64(1)<<b - 1
}

// firstShift picks the level-0 segment width for the key span [lo, hi] so that there are about
// target segments.
func firstShift(lo, hi int64, target int64) uint {
	per := uint64(hi-lo)/uint64(max(target, 1)) + 1
	if per <= 1 {
		return 0
	}
	return min(uint(bits.Len64(per-1)), 63)
}

// firstBits picks the level-0 bucket count for about rows rows: segments of about rowsPerSegment.
func firstBits(rows int64) uint {
	n := rows / rowsPerSegment
	if n <= 1 {
		return 0
	}
	return min(uint(bits.Len64(uint64(n-1))), maxFirstBits)
}

// mergeRanges sorts ranges and joins those that touch.
func mergeRanges(rs []keyRange) []keyRange {
	slices.SortFunc(rs, func(a, b keyRange) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && (out[n-1].hi == math.MaxInt64 || r.lo <= out[n-1].hi+1) {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// sampled reports whether level-0 segment id is in a --sample of rate (0 < rate < 1): a fixed
// hash of the id, so that a rerun compares the same segments.
func sampled(id uint64, rate float64) bool {
	h := id*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return float64(h>>11)/(1<<53) < rate
}
