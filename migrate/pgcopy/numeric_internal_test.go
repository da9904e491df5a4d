package pgcopy

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
)

// TestSmallNumericMatchesTheGeneralPath compares binNumeric's fast path
// with the general one over random decimals and column types.
func TestSmallNumericMatchesTheGeneralPath(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	typmods := []modifiers{{}, {precision: 12, scale: 2}, {precision: 20}, {precision: 5, scale: 5}, {precision: 18, scale: 9}, {precision: 3, scale: 0}}
	taken := 0
	for i := 0; i < 200_000; i++ {
		v := randomDecimal(r)
		m := typmods[r.Intn(len(typmods))]
		c := &column{kind: kindNumeric, modifiers: m}
		fast, ok := appendSmallNumeric(c, nil, v)
		if !ok {
			continue
		}
		taken++
		var buf [numericBuf]byte
		d, err := parseNumeric(c, v, buf[:])
		if err != nil {
			t.Fatalf("%q in %+v: the fast path took a value the general path refuses: %v", v, m, err)
		}
		slow, err := d.appendBinary(nil)
		if err != nil || !bytes.Equal(fast, slow) {
			t.Fatalf("%q in %+v: fast %x, general %x (%v)", v, m, fast, slow, err)
		}
	}
	if taken < 50_000 {
		t.Errorf("the fast path took %d of 200000 values; the comparison proves little", taken)
	}
}

func randomDecimal(r *rand.Rand) []byte {
	intDigits, fracDigits := r.Intn(12), r.Intn(12)
	var b bytes.Buffer
	if r.Intn(3) == 0 {
		b.WriteByte('-')
	}
	for range intDigits {
		fmt.Fprint(&b, r.Intn(10))
	}
	if fracDigits > 0 || r.Intn(4) == 0 {
		b.WriteByte('.')
	}
	for range fracDigits {
		d := r.Intn(10)
		if r.Intn(3) == 0 {
			d = []int{0, 9, 5}[r.Intn(3)]
		}
		fmt.Fprint(&b, d)
	}
	return b.Bytes()
}
