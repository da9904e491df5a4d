package migrate

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// geometry builds MySQL's internal geometry form: SRID, then WKB of a point
// (or of another type with no coordinates) in the given byte order.
func geometry(order binary.AppendByteOrder, typ uint32, coords ...float64) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 4326)
	if order == binary.AppendByteOrder(binary.BigEndian) {
		b = append(b, 0)
	} else {
		b = append(b, 1)
	}
	b = order.AppendUint32(b, typ)
	for _, c := range coords {
		b = order.AppendUint64(b, math.Float64bits(c))
	}
	return b
}

func TestTransforms(t *testing.T) {
	uuid := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	tests := []struct {
		name      string
		transform string
		in        []byte
		want      []byte // nil means NULL
		wantErr   string // a part of the error; empty means no error
	}{
		{"trim strips surrounding spaces", "trim", []byte("  a b \t"), []byte("a b"), ""},
		{"trim leaves NULL alone", "trim", nil, nil, ""},
		{"trim of only spaces is the empty string, not NULL", "trim", []byte("   "), []byte{}, ""},
		{"an empty string becomes NULL", "empty-string-to-null", []byte{}, nil, ""},
		{"a non-empty string stays", "empty-string-to-null", []byte("x"), []byte("x"), ""},
		{"a zero datetime becomes NULL", "zero-date-to-null", []byte("0000-00-00 00:00:00"), nil, ""},
		{"a zero day becomes NULL", "zero-date-to-null", []byte("2020-01-00"), nil, ""},
		{"a zero month becomes NULL", "zero-date-to-null", []byte("2020-00-10 10:00:00"), nil, ""},
		{"a zero year becomes NULL", "zero-date-to-null", []byte("0000-01-10"), nil, ""},
		{"a real date stays", "zero-date-to-null", []byte("2020-01-31"), []byte("2020-01-31"), ""},
		{"a time is not a date", "zero-date-to-null", []byte("00:00:00"), []byte("00:00:00"), ""},
		{"valid JSON passes", "text-to-jsonb", []byte(`{"a":1}`), []byte(`{"a":1}`), ""},
		{"invalid JSON is rejected", "text-to-jsonb", []byte(`{a:1}`), nil, "not valid JSON"},
		{"16 bytes become a UUID", "bytes-to-uuid", uuid, []byte("12345678-9abc-def0-0123-456789abcdef"), ""},
		{"15 bytes are rejected", "bytes-to-uuid", uuid[:15], nil, "15 bytes, want 16"},
		{"latin1 decodes as cp1252", "latin1-decode", []byte{'c', 0xe9, ' ', 0x80, 0x81, 0x9f, 0xff}, []byte("cé €\u0081Ÿÿ"), ""},
		{"ASCII latin1 stays", "cp1252-decode", []byte("plain"), []byte("plain"), ""},
		{"NUL bytes are removed", "remove-null-characters", []byte("a\x00b\x00"), []byte("ab"), ""},
		{"a lone NUL becomes the empty string", "remove-null-characters", []byte("\x00"), []byte{}, ""},
		{"tinyint 0 is false", "tinyint-to-boolean", []byte("0"), []byte("f"), ""},
		{"tinyint 2 is true", "tinyint-to-boolean", []byte("2"), []byte("t"), ""},
		{"tinyint -128 is true", "tinyint-to-boolean", []byte("-128"), []byte("t"), ""},
		{"a tinyint must be an integer", "tinyint-to-boolean", []byte("yes"), nil, "not an integer"},
		{"bit zero is false", "bits-to-boolean", []byte{0}, []byte("f"), ""},
		{"bit one is true", "bits-to-boolean", []byte{1}, []byte("t"), ""},
		{"bits render as a bit string", "bits-to-bitstring", []byte{1, 0x80}, []byte("0000000110000000"), ""},
		{"a set becomes an array literal", "set-to-array", []byte(`a,b "c,d\e`), []byte(`{"a","b \"c","d\\e"}`), ""},
		{"an empty set becomes an empty array", "set-to-array", []byte{}, []byte("{}"), ""},
		{"a little-endian point converts", "geometry-to-point", geometry(binary.LittleEndian, 1, 1.5, -2), []byte("(1.5,-2)"), ""},
		{"a big-endian point converts", "geometry-to-point", geometry(binary.BigEndian, 1, 1e-7, 123456789), []byte("(1e-07,1.23456789e+08)"), ""},
		{"a linestring does not convert", "geometry-to-point", geometry(binary.LittleEndian, 2, 0, 0, 1, 1), nil, "geometry is a LINESTRING, only POINT converts to point"},
		{"a truncated point is rejected", "geometry-to-point", geometry(binary.LittleEndian, 1, 1), nil, "want 21"},
		{"a bad byte order is rejected", "geometry-to-point", []byte{0, 0, 0, 0, 7, 1, 0, 0, 0}, nil, "byte order 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LookupTransform(tt.transform)
			if err != nil {
				t.Fatal(err)
			}
			for _, buf := range []*[]byte{nil, new([]byte)} {
				got, err := f(tt.in, buf)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if (got == nil) != (tt.want == nil) || string(got) != string(tt.want) {
					t.Errorf("got %q (nil %v), want %q (nil %v)", got, got == nil, tt.want, tt.want == nil)
				}
			}
		})
	}
}

func TestTransformsReuseTheBuffer(t *testing.T) {
	buf := make([]byte, 0, 64)
	got, err := Transforms["latin1-decode"]([]byte{'c', 0xe9}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0] != &buf[:1][0] {
		t.Error("the result is not in the caller's buffer")
	}
	set, toArray := []byte("a,b,c"), Transforms["set-to-array"]
	allocs := testing.AllocsPerRun(100, func() {
		toArray(set, &buf)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per value with a buffer, want 0", allocs)
	}
}

func TestLookupTransformRejectsUnknownNames(t *testing.T) {
	if _, err := LookupTransform("rot13"); !errors.Is(err, ErrUnknownTransform) {
		t.Errorf("got %v", err)
	}
}
