package migrate

import (
	"errors"
	"reflect"
	"testing"
)

func TestTransforms(t *testing.T) {
	uuid := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	tests := []struct {
		name      string
		transform string
		in, want  any
		wantErr   bool
	}{
		{"trim strips surrounding spaces", "trim", []byte("  a b \t"), "a b", false},
		{"trim leaves NULL alone", "trim", nil, nil, false},
		{"an empty string becomes NULL", "empty-string-to-null", "", nil, false},
		{"a non-empty string stays", "empty-string-to-null", "x", "x", false},
		{"a zero datetime becomes NULL", "zero-date-to-null", []byte("0000-00-00 00:00:00"), nil, false},
		{"a zero day becomes NULL", "zero-date-to-null", "2020-01-00", nil, false},
		{"a real date stays", "zero-date-to-null", "2020-01-31", "2020-01-31", false},
		{"valid JSON passes", "text-to-jsonb", `{"a":1}`, `{"a":1}`, false},
		{"invalid JSON is rejected", "text-to-jsonb", `{a:1}`, nil, true},
		{"16 bytes become a UUID", "bytes-to-uuid", uuid, "12345678-9abc-def0-0123-456789abcdef", false},
		{"15 bytes are rejected", "bytes-to-uuid", uuid[:15], nil, true},
		{"latin1 decodes as cp1252", "latin1-decode", []byte{'c', 0xe9, ' ', 0x80, 0x81}, "cé €\u0081", false},
		{"NUL bytes are removed", "remove-null-characters", "a\x00b", "ab", false},
		{"tinyint 0 is false", "tinyint-to-boolean", []byte("0"), false, false},
		{"tinyint 2 is true", "tinyint-to-boolean", []byte("2"), true, false},
		{"bit zero is false", "bits-to-boolean", []byte{0}, false, false},
		{"bits render as a bit string", "bits-to-bitstring", []byte{1, 0x80}, "0000000110000000", false},
		{"a set becomes an array literal", "set-to-array", `a,b "c`, `{"a","b \"c"}`, false},
		{"an empty set becomes an empty array", "set-to-array", "", "{}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LookupTransform(tt.transform)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestLookupTransformRejectsUnknownNames(t *testing.T) {
	if _, err := LookupTransform("rot13"); !errors.Is(err, ErrUnknownTransform) {
		t.Errorf("got %v", err)
	}
}
