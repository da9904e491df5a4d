package diff

import (
	"fmt"
	"strconv"
)

// pathSeg is one step of the path the walker is at.
type pathSeg struct {
	isIndex bool
	index   int
	key     []byte
}

// walker holds the state of one comparison: both parsed documents, the path and the pattern states of
// the node being compared, and the differences found. Walkers are pooled by their Comparer, so that
// comparing reuses the node and state buffers of earlier comparisons.
type walker struct {
	c           *Comparer
	left, right document
	path        []pathSeg
	st          []uint64 // pattern state sets, one per level of the current path (matcher.words each)
	depth       int
	diffs       []Difference
	total       int
	numA, numB  []byte
	strA, strB  []byte
	out         []byte
	hashStack   []elemHash // scratch of matchElements, see mark
	usedStack   []bool
}

// maxPooledNodes keeps a walker that once parsed a huge document from holding its memory in the pool.
const maxPooledNodes = 1 << 16

func (w *walker) reset() {
	w.path, w.st, w.depth, w.diffs, w.total = w.path[:0], w.st[:0], 0, nil, 0
	w.hashStack, w.usedStack = w.hashStack[:0], w.usedStack[:0]
	for _, d := range []*document{&w.left, &w.right} {
		d.src = nil
		if cap(d.nodes) > maxPooledNodes {
			d.nodes = nil
		}
	}
}

// room reports whether another difference would be listed rather than only counted.
func (w *walker) room() bool { return len(w.diffs) < w.c.maxDiffs }

// add records a difference whose values are already final text.
func (w *walker) add(d Difference) {
	w.total++
	if w.room() {
		w.diffs = append(w.diffs, d)
	}
}

// diffJSON compares the two parsed documents from their roots.
func (w *walker) diffJSON() {
	so := len(w.st)
	w.st = append(w.st, w.c.match.start...)
	if !w.ignored(so) {
		w.diff(0, 0, so)
	}
	w.st = w.st[:so]
}

// enter steps into a child of the node whose states are at so and returns the child's state offset.
func (w *walker) enter(so int, isIndex bool, index int, key []byte) int {
	co := len(w.st)
	words := w.c.match.words
	w.st = append(w.st, make([]uint64, words)...)
	if words > 0 {
		w.c.match.step(w.st[co:co+words], w.st[so:so+words], isIndex, index, key)
	}
	w.path = append(w.path, pathSeg{isIndex, index, key})
	w.depth++
	return co
}

func (w *walker) leave(co int) {
	w.st = w.st[:co]
	w.path = w.path[:len(w.path)-1]
	w.depth--
}

func (w *walker) state(so int) []uint64 { return w.st[so : so+w.c.match.words] }

func (w *walker) ignored(so int) bool { return w.c.match.accepts(w.state(so), roleIgnore) }

func (w *walker) unorderedAt(so int) bool { return w.c.match.accepts(w.state(so), roleUnordered) }

// diff compares left node l with right node r, both at the current path.
func (w *walker) diff(l, r int32, so int) {
	ln, rn := &w.left.nodes[l], &w.right.nodes[r]
	if w.depth >= w.c.maxDepth {
		if !compactEqual(w.left.span(l), w.right.span(r)) {
			w.emit(KindValue, l, r, so, fmt.Sprintf("nested deeper than %d levels: compared as text", w.c.maxDepth))
		}
		return
	}
	if ln.class != rn.class {
		note := ""
		if w.room() {
			note = fmt.Sprintf("left is %s, right is %s", classNames[ln.class], classNames[rn.class])
		}
		w.emit(KindType, l, r, so, note)
		return
	}
	switch ln.class {
	case classBool:
		if ln.isTrue != rn.isTrue {
			w.emit(KindValue, l, r, so, "")
		}
	case classNumber:
		if !numbersEqual(w.left.span(l), w.right.span(r), &w.numA, &w.numB) {
			w.emit(KindValue, l, r, so, "")
		}
	case classString:
		if !w.stringsEqual(l, r) {
			w.emit(KindValue, l, r, so, "")
		}
	case classObject:
		w.object(l, r, so)
	case classArray:
		if w.unorderedAt(so) {
			w.unordered(l, r, so)
			return
		}
		w.array(l, r, so)
	}
}

// object compares members by name: the left's members in their order, then those only the right has.
func (w *walker) object(l, r int32, so int) {
	var rIndex, lIndex map[string]int32
	hint := w.right.nodes[r].child
	for lc := w.left.nodes[l].child; lc >= 0; lc = w.left.nodes[lc].next {
		key := w.left.key(lc)
		m := w.right.member(r, key, hint, &rIndex)
		co := w.enter(so, false, 0, key)
		switch {
		case w.ignored(co):
		case m < 0:
			w.emit(KindMissing, lc, -1, co, "")
		default:
			w.diff(lc, m, co)
		}
		w.leave(co)
		if hint >= 0 {
			hint = w.right.nodes[hint].next
		}
	}
	hint = w.left.nodes[l].child
	for rc := w.right.nodes[r].child; rc >= 0; rc = w.right.nodes[rc].next {
		key := w.right.key(rc)
		if w.left.member(l, key, hint, &lIndex) < 0 {
			co := w.enter(so, false, 0, key)
			if !w.ignored(co) {
				w.emit(KindExtra, -1, rc, co, "")
			}
			w.leave(co)
		}
		if hint >= 0 {
			hint = w.left.nodes[hint].next
		}
	}
}

// array compares elements by index. Arrays of the same length whose differences are only a matter of
// order are reported once, as array_order, instead of element by element.
func (w *walker) array(l, r int32, so int) {
	ln, rn := w.left.nodes[l].n, w.right.nodes[r].n
	if ln != rn {
		w.total++
		if w.room() {
			w.diffs = append(w.diffs, Difference{Path: w.pathString(), Kind: KindArraySize,
				Left: strconv.Itoa(int(ln)), Right: strconv.Itoa(int(rn))})
		}
	}
	markLen, markTotal := len(w.diffs), w.total
	lc, rc := w.left.nodes[l].child, w.right.nodes[r].child
	for i := 0; lc >= 0 && rc >= 0; i++ {
		co := w.enter(so, true, i, nil)
		if !w.ignored(co) {
			w.diff(lc, rc, co)
		}
		w.leave(co)
		lc, rc = w.left.nodes[lc].next, w.right.nodes[rc].next
	}
	if ln == rn && ln > 1 && w.total > markTotal {
		_, _, same, m := w.matchElements(l, r, so)
		w.release(m)
		if same {
			w.diffs, w.total = w.diffs[:markLen], markTotal
			w.emit(KindArrayOrder, l, r, so, "same elements in a different order")
		}
	}
}

// unordered compares arrays as multisets: elements of one side with no equal partner on the other
// are missing (left) or extra (right), at their own index.
func (w *walker) unordered(l, r int32, so int) {
	usedL, usedR, same, m := w.matchElements(l, r, so)
	defer w.release(m)
	if same {
		return
	}
	w.reportUnmatched(&w.left, l, usedL, so, KindMissing)
	w.reportUnmatched(&w.right, r, usedR, so, KindExtra)
}

func (w *walker) reportUnmatched(d *document, arr int32, used []bool, so int, kind Kind) {
	i := 0
	for c := d.nodes[arr].child; c >= 0; c, i = d.nodes[c].next, i+1 {
		if used[i] {
			continue
		}
		co := w.enter(so, true, i, nil)
		if !w.ignored(co) {
			if kind == KindMissing {
				w.emit(kind, c, -1, co, "no equal element on the right")
			} else {
				w.emit(kind, -1, c, co, "no equal element on the left")
			}
		}
		w.leave(co)
	}
}

func (w *walker) stringsEqual(l, r int32) bool {
	ln, rn := &w.left.nodes[l], &w.right.nodes[r]
	ls, rs := w.left.span(l), w.right.span(r)
	if string(ls) == string(rs) {
		return true
	}
	if !ln.esc && !rn.esc {
		return false
	}
	w.strA = unescape(w.strA[:0], ls[1:len(ls)-1])
	w.strB = unescape(w.strB[:0], rs[1:len(rs)-1])
	return string(w.strA) == string(w.strB)
}

// emit records a body difference at the current path, rendering the values only when it is listed.
// l or r is -1 for a side without a value.
func (w *walker) emit(kind Kind, l, r int32, so int, note string) {
	w.total++
	if !w.room() {
		return
	}
	d := Difference{Path: w.pathString(), Kind: kind, Note: note}
	if l >= 0 {
		d.Left = w.value(&w.left, l, so)
	}
	if r >= 0 {
		d.Right = w.value(&w.right, r, so)
	}
	w.diffs = append(w.diffs, d)
}

func (w *walker) pathString() string {
	b := append(w.out[:0], '$')
	for _, s := range w.path {
		if s.isIndex {
			b = appendIndex(b, s.index)
		} else {
			b = appendKey(b, s.key)
		}
	}
	w.out = b
	return string(b)
}
