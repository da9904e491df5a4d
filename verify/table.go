package verify

import (
	"context"
	"hash/maphash"
	"strconv"

	"github.com/ficus-dev/ficus/migrate"
)

// table is one table under comparison: how its columns are normalised and how it is cut into
// segments.
type table struct {
	plan *migrate.TablePlan
	// schema is the target schema.
	schema string
	cols   []column
	// key holds the positions in cols of the primary key's columns, in key order; nil for a table
	// without a primary key.
	key []int
	// filter is the source-side row filter of the migration; "" means every row.
	filter string
	// sql is true when both databases normalise and hash (SQL mode), false when ficus does.
	sql bool
	seg segmentation
	// lo and hi are the smallest and largest key of a byKeyRange table, over both sides.
	lo, hi int64
	// seeds hash rows and keys in stream mode; the same for both sides of a run.
	rowSeed, keySeed maphash.Seed
}

func newTable(tp *migrate.TablePlan, schema, filter string, sensitive map[string]bool) *table {
	t := &table{plan: tp, schema: schema, filter: filter}
	for i := range tp.Columns {
		c := newColumn(&tp.Columns[i])
		c.sensitive = sensitive[tp.Source.Name+"."+tp.Columns[i].Source.Name]
		t.cols = append(t.cols, c)
	}
	for _, k := range tp.Source.PrimaryKey {
		for i := range tp.Columns {
			if tp.Columns[i].Source.Name == k {
				t.key = append(t.key, i)
			}
		}
	}
	if len(t.key) != len(tp.Source.PrimaryKey) {
		t.key = nil
	}
	return t
}

// rangeKeyed reports whether the key can cut the table into ranges: one integer column.
func (t *table) rangeKeyed() bool {
	if len(t.key) != 1 {
		return false
	}
	c := &t.cols[t.key[0]]
	return (c.kind == kindInt || c.kind == kindDecimal && c.scale == 0) && len(c.transforms) == 0 &&
		isIntegerSource(c.plan.Source.Type)
}

func isIntegerSource(t string) bool {
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "int2", "int4", "int8", "serial", "bigserial":
		return true
	}
	return false
}

// side is what one database answers about one table. Sides are safe for concurrent use.
type side interface {
	// estimate returns about how many rows the table holds.
	estimate(ctx context.Context) (int64, error)
	// bounds returns the smallest and largest key of a range-keyed table; ok is false when it
	// has no rows. Keys beyond the int64 range are errOutOfRange.
	bounds(ctx context.Context) (lo, hi int64, ok bool, err error)
	// aggregate sums the rows of sc by segment of g, calling seen with row counts as it goes.
	aggregate(ctx context.Context, sc scope, g grouping, seen func(int64)) (aggregate, error)
	// rows calls fn with the text of each row in sc; fn must not keep it.
	rows(ctx context.Context, sc scope, fn func(text []byte) error) error
}

// errOutOfRange is migrate's: a key beyond the int64 range cannot cut the table into ranges.
var errOutOfRange = migrate.ErrKeyOutOfRange

// rowBuilder builds rows' texts in Go (stream mode), reusing its buffers.
type rowBuilder struct {
	t      *table
	target bool
	text   []byte
	nb     normBuf
	fields [][2]int // each column's field, as offsets in text
}

func newRowBuilder(t *table, target bool) *rowBuilder {
	return &rowBuilder{t: t, target: target, fields: make([][2]int, len(t.cols))}
}

// build normalises one row's values (in plan column order) into b.text. A value whose field is
// its canonical text (see appendField) is normalised straight into b.text; the others go through
// b.nb.out.
func (b *rowBuilder) build(row [][]byte) {
	b.text = b.text[:0]
	for i := range b.t.cols {
		c := &b.t.cols[i]
		if i > 0 {
			b.text = append(b.text, '|')
		}
		direct := c.direct
		buf := b.nb.out[:0]
		if direct {
			buf = b.text
		}
		// The common cases inline, the rest through fromTarget and fromSource (same results).
		var v value
		switch raw := row[i]; {
		case raw == nil:
			v = value{null: true}
		case b.target && c.width != 0:
			v = c.fromBinary(buf, raw)
		case (b.target || c.plain) && c.kind == kindBlob && b.nb.quick != nil:
			v = value{text: appendQuickDigest(buf, raw, b.nb.quick)}
		case b.target || c.plain:
			v = c.normalise(buf, raw, b.target)
		default:
			v = c.fromSource(&b.nb, buf, raw)
		}
		start := len(b.text)
		switch {
		case direct && !v.null && v.bad == "":
			b.text = v.text
		case direct:
			b.text = appendField(b.text, c, v, b.nb.quick)
		default:
			b.text = appendField(b.text, c, c.keep(&b.nb, v), b.nb.quick)
		}
		b.fields[i] = [2]int{start, len(b.text)}
	}
}

// keyHash hashes the key's fields of the row last built.
func (b *rowBuilder) keyHash() uint64 {
	var h maphash.Hash
	h.SetSeed(b.t.keySeed)
	for i, k := range b.t.key {
		if i > 0 {
			h.WriteByte('|')
		}
		f := b.fields[k]
		h.Write(b.text[f[0]:f[1]])
	}
	return h.Sum64()
}

// keyInt is the integer key of the row last built.
func (b *rowBuilder) keyInt() (int64, error) {
	f := b.fields[b.t.key[0]]
	d := b.text[f[0]:f[1]]
	if len(d) > 0 && len(d) < 19 && d[0] != '-' { // fewer digits than int64 can overflow with
		n := int64(0)
		for _, x := range d {
			if x < '0' || x > '9' {
				return 0, errOutOfRange
			}
			n = n*10 + int64(x-'0')
		}
		return n, nil
	}
	n, err := strconv.ParseInt(string(d), 10, 64)
	if err != nil {
		return 0, errOutOfRange
	}
	return n, nil
}

// place returns the row's segment under g and whether sc holds it.
func (b *rowBuilder) place(sc scope, g grouping, rowHash uint64) (uint64, bool, error) {
	switch b.t.seg {
	case byKeyRange:
		k, err := b.keyInt()
		if err != nil {
			return 0, false, err
		}
		return g.rangeID(k), true, nil // the query read only the scope's ranges
	case byKeyHash:
		h := b.keyHash()
		return g.bucketID(h), inBuckets(sc, h), nil
	}
	return g.bucketID(rowHash), inBuckets(sc, rowHash), nil
}

func inBuckets(sc scope, h uint64) bool {
	if sc.buckets == nil {
		return true
	}
	_, ok := sc.bucketSet[h&mask(sc.bucketBits)]
	return ok
}
