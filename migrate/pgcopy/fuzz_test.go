package pgcopy_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

// FuzzAppendRow feeds any bytes to every kind of column, in both formats:
// no panic, a row that is well formed when it encodes, and dst untouched
// with a ValueError when it does not.
func FuzzAppendRow(f *testing.F) {
	all := append(append([]colSpec(nil), binarySpecs...), textSpecs...)
	index := map[string]int{}
	for i, s := range all {
		index[s.name] = i
	}
	for _, c := range binaryCases {
		if len(c.in) < 1000 {
			f.Add(uint8(index[c.col]), []byte(c.in), false)
		}
	}
	for _, c := range rejectCases {
		f.Add(uint8(index[c.col]), []byte(c.in), true)
	}
	f.Fuzz(func(t *testing.T, which uint8, value []byte, text bool) {
		s := all[int(which)%len(all)]
		format := pgcopy.Binary
		if text {
			format = pgcopy.Text
		}
		enc := newEncoder(t, format, s, spec("tail", "bigint"))
		dst := []byte("prefix")
		out, err := enc.AppendRow(dst, [][]byte{value, []byte("1")})
		if err != nil {
			var ve *pgcopy.ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *ValueError", err)
			}
			if string(out) != "prefix" {
				t.Fatalf("dst is %q after the error", out)
			}
			if len(ve.Value) > 64 || !utf8.ValidString(ve.Value) {
				t.Fatalf("Value %q: more than 64 bytes or not UTF-8", ve.Value)
			}
			return
		}
		if !bytes.HasPrefix(out, []byte("prefix")) {
			t.Fatalf("the row replaced dst: %q", out)
		}
		row := out[len("prefix"):]
		if enc.Format() == pgcopy.Text {
			checkTextRow(t, row)
		} else {
			checkBinaryRow(t, row)
		}
	})
}

// checkTextRow checks that the values were escaped: the only tab is the
// separator and the only newline ends the row.
func checkTextRow(t *testing.T, row []byte) {
	if bytes.Count(row, []byte{'\t'}) != 1 || bytes.IndexByte(row, '\n') != len(row)-1 || bytes.IndexByte(row, '\r') >= 0 {
		t.Fatalf("row %q is not two escaped fields", row)
	}
}

// checkBinaryRow checks the tuple's structure: two fields whose lengths
// add up to the row.
func checkBinaryRow(t *testing.T, row []byte) {
	if len(row) < 2 || binary.BigEndian.Uint16(row) != 2 {
		t.Fatalf("tuple %x: want two fields", row)
	}
	p := 2
	for range 2 {
		if p+4 > len(row) {
			t.Fatalf("tuple %x: truncated", row)
		}
		n := int32(binary.BigEndian.Uint32(row[p:]))
		p += 4
		if n > 0 {
			p += int(n)
		}
	}
	if p != len(row) {
		t.Fatalf("tuple %x: fields end at %d of %d bytes", row, p, len(row))
	}
}
