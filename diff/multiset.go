package diff

import (
	"cmp"
	"slices"
)

// elemHash is an array element with the hash of its value.
type elemHash struct {
	hash  uint64
	node  int32
	index int32
}

// matchElements pairs the elements of arrays l and r that are equal (ignore rules and unordered
// arrays below included), and reports which ones found a partner and whether all did. Elements are
// grouped by a value hash first, so that large arrays are matched in n log n; a hash match is always
// confirmed by comparing the values.
//
// The slices live on the walker's scratch stacks: the caller releases them with release(mark) once
// done, which makes nested multisets allocation-free after the first comparisons.
func (w *walker) matchElements(l, r int32, so int) (usedL, usedR []bool, same bool, m mark) {
	m = mark{len(w.hashStack), len(w.usedStack)}
	w.pushHashes(&w.left, l, so)
	mid := len(w.hashStack)
	w.pushHashes(&w.right, r, so)
	lh, rh := w.hashStack[m.hashes:mid], w.hashStack[mid:]
	ln, rn := len(lh), len(rh)
	w.usedStack = append(w.usedStack, make([]bool, ln+rn)...)
	usedL, usedR = w.usedStack[m.used:m.used+ln], w.usedStack[m.used+ln:]
	byHash := func(a, b elemHash) int { return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.index, b.index)) }
	slices.SortFunc(lh, byHash)
	slices.SortFunc(rh, byHash)
	matched := 0
	for i, j := 0, 0; i < len(lh) && j < len(rh); {
		switch {
		case lh[i].hash < rh[j].hash:
			i++
		case lh[i].hash > rh[j].hash:
			j++
		default:
			i2, j2 := i, j
			for i2 < len(lh) && lh[i2].hash == lh[i].hash {
				i2++
			}
			for j2 < len(rh) && rh[j2].hash == rh[j].hash {
				j2++
			}
			matched += w.matchGroup(lh[i:i2], rh[j:j2], usedL, usedR, so)
			i, j = i2, j2
		}
	}
	return usedL, usedR, matched == len(lh) && matched == len(rh), m
}

// mark is a position on the walker's scratch stacks.
type mark struct{ hashes, used int }

// release pops the scratch stacks back to m. Slices handed out above m stay readable until the next
// push: nested calls only ever write above their own mark.
func (w *walker) release(m mark) {
	w.hashStack, w.usedStack = w.hashStack[:m.hashes], w.usedStack[:m.used]
}

// matchGroup pairs equal elements among elements of the same hash. Elements before first are all
// matched already, so a group of identical elements is matched in one pass.
func (w *walker) matchGroup(lg, rg []elemHash, usedL, usedR []bool, so int) int {
	matched, first := 0, 0
	for _, le := range lg {
		for k := first; k < len(rg); k++ {
			re := rg[k]
			if usedR[re.index] {
				continue
			}
			co := w.enter(so, true, int(le.index), nil)
			eq := w.ignored(co) || w.equal(le.node, re.node, co)
			w.leave(co)
			if eq {
				usedL[le.index], usedR[re.index] = true, true
				matched++
				if k == first {
					first++
				}
				break
			}
		}
	}
	return matched
}

// pushHashes pushes the elements of array arr with their hashes onto the hash stack.
func (w *walker) pushHashes(d *document, arr int32, so int) {
	i := int32(0)
	for c := d.nodes[arr].child; c >= 0; c, i = d.nodes[c].next, i+1 {
		co := w.enter(so, true, int(i), nil)
		h := uint64(0)
		if !w.ignored(co) {
			h = w.hash(d, c, co)
		}
		w.leave(co)
		w.hashStack = append(w.hashStack, elemHash{h, c, i})
	}
}

// equal reports whether left node l and right node r are equal as far as a comparison is concerned:
// it is diff without recording.
func (w *walker) equal(l, r int32, so int) bool {
	ln, rn := &w.left.nodes[l], &w.right.nodes[r]
	if w.depth >= w.c.maxDepth {
		return compactEqual(w.left.span(l), w.right.span(r))
	}
	if ln.class != rn.class {
		return false
	}
	switch ln.class {
	case classBool:
		return ln.isTrue == rn.isTrue
	case classNumber:
		return numbersEqual(w.left.span(l), w.right.span(r), &w.numA, &w.numB)
	case classString:
		return w.stringsEqual(l, r)
	case classObject:
		return w.objectsEqual(l, r, so)
	case classArray:
		if w.unorderedAt(so) {
			_, _, same, m := w.matchElements(l, r, so)
			w.release(m)
			return same
		}
		return w.arraysEqual(l, r, so)
	}
	return true
}

func (w *walker) objectsEqual(l, r int32, so int) bool {
	var lIndex, rIndex map[string]int32
	hint := w.right.nodes[r].child
	for lc := w.left.nodes[l].child; lc >= 0; lc = w.left.nodes[lc].next {
		key := w.left.key(lc)
		m := w.right.member(r, key, hint, &rIndex)
		co := w.enter(so, false, 0, key)
		eq := w.ignored(co) || m >= 0 && w.equal(lc, m, co)
		w.leave(co)
		if !eq {
			return false
		}
		if hint >= 0 {
			hint = w.right.nodes[hint].next
		}
	}
	hint = w.left.nodes[l].child
	for rc := w.right.nodes[r].child; rc >= 0; rc = w.right.nodes[rc].next {
		key := w.right.key(rc)
		if w.left.member(l, key, hint, &lIndex) < 0 {
			co := w.enter(so, false, 0, key)
			ignored := w.ignored(co)
			w.leave(co)
			if !ignored {
				return false
			}
		}
		if hint >= 0 {
			hint = w.left.nodes[hint].next
		}
	}
	return true
}

func (w *walker) arraysEqual(l, r int32, so int) bool {
	if w.left.nodes[l].n != w.right.nodes[r].n {
		return false
	}
	lc, rc := w.left.nodes[l].child, w.right.nodes[r].child
	for i := 0; lc >= 0; i++ {
		co := w.enter(so, true, i, nil)
		eq := w.ignored(co) || w.equal(lc, rc, co)
		w.leave(co)
		if !eq {
			return false
		}
		lc, rc = w.left.nodes[lc].next, w.right.nodes[rc].next
	}
	return true
}

// FNV-1a, mixed by hand so that hashing allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func mix(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

func mixByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

func mixUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h = mixByte(h, byte(v>>(8*i)))
	}
	return h
}

// hash returns a hash of node i's value that equal values share: numbers by canonical value, strings
// unescaped, object members in any order, unordered arrays in any order, ignored parts left out.
func (w *walker) hash(d *document, i int32, so int) uint64 {
	n := &d.nodes[i]
	if w.depth >= w.c.maxDepth {
		return hashCompact(d.span(i))
	}
	h := mixByte(fnvOffset, byte(n.class))
	switch n.class {
	case classBool:
		if n.isTrue {
			h = mixByte(h, 1)
		}
	case classNumber:
		dec := canonical(d.span(i), &w.numA)
		if dec.neg {
			h = mixByte(h, '-')
		}
		h = mix(h, dec.digits)
		if dec.bigExp != nil && dec.bigExp.IsInt64() {
			dec.exp, dec.bigExp = dec.bigExp.Int64(), nil
		}
		if dec.bigExp != nil {
			h = mix(h, dec.bigExp.Bytes())
		} else {
			h = mixUint(h, uint64(dec.exp))
		}
	case classString:
		raw := d.span(i)
		raw = raw[1 : len(raw)-1]
		if n.esc {
			w.strA = unescape(w.strA[:0], raw)
			raw = w.strA
		}
		h = mix(h, raw)
	case classObject:
		var sum uint64
		for c := n.child; c >= 0; c = d.nodes[c].next {
			key := d.key(c)
			co := w.enter(so, false, 0, key)
			if !w.ignored(co) {
				sum += mixUint(mix(fnvOffset, key), w.hash(d, c, co))
			}
			w.leave(co)
		}
		h = mixUint(h, sum)
	case classArray:
		unordered := w.unorderedAt(so)
		var sum uint64
		k := 0
		for c := n.child; c >= 0; c, k = d.nodes[c].next, k+1 {
			co := w.enter(so, true, k, nil)
			if !w.ignored(co) {
				if eh := w.hash(d, c, co); unordered {
					sum += eh
				} else {
					h = mixUint(h, eh)
				}
			}
			w.leave(co)
		}
		h = mixUint(h, sum)
	}
	return h
}

// compactReader yields the bytes of a valid JSON text without the white space between tokens.
type compactReader struct {
	b          []byte
	i          int
	inStr, esc bool
}

func (c *compactReader) next() (byte, bool) {
	for c.i < len(c.b) {
		ch := c.b[c.i]
		c.i++
		if c.inStr {
			switch {
			case c.esc:
				c.esc = false
			case ch == '\\':
				c.esc = true
			case ch == '"':
				c.inStr = false
			}
			return ch, true
		}
		switch ch {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			c.inStr = true
		}
		return ch, true
	}
	return 0, false
}

// compactEqual compares two valid JSON texts token by token, ignoring white space only: the fallback
// below Options.MaxDepth, where it runs without recursion.
func compactEqual(a, b []byte) bool {
	ra, rb := compactReader{b: a}, compactReader{b: b}
	for {
		ca, oka := ra.next()
		cb, okb := rb.next()
		if oka != okb || ca != cb {
			return false
		}
		if !oka {
			return true
		}
	}
}

func hashCompact(b []byte) uint64 {
	r := compactReader{b: b}
	h := uint64(fnvOffset)
	for c, ok := r.next(); ok; c, ok = r.next() {
		h = mixByte(h, c)
	}
	return h
}
