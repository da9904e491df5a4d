package pgcopy_test

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

// rejectCases are values that must not load, each with a part of the
// reason.
var rejectCases = []struct {
	col, in, reason string
}{
	{"c_smallint", "32768", "out of range for smallint"},
	{"c_smallint", "-32769", "out of range for smallint"},
	{"c_integer", "2147483648", "out of range for integer"},
	{"c_integer", "-2147483649", "out of range for integer"},
	{"c_integer", "4294967295", "out of range for integer"},
	{"c_bigint", "9223372036854775808", "out of range for bigint"},
	{"c_bigint", "-9223372036854775809", "out of range for bigint"},
	{"c_bigint", "18446744073709551616", "out of range for bigint"},
	{"c_bigint", "12.0", "invalid input syntax for type bigint"},
	{"c_bigint", "", "invalid input syntax for type bigint"},
	{"c_bigint", "-", "invalid input syntax for type bigint"},
	{"c_numeric20", "184467440737095516150", "numeric field overflow"},
	{"c_money", "10000000000.00", "numeric field overflow"},
	{"c_money", "9999999999.995", "numeric field overflow"},
	{"c_money", "Infinity", "cannot hold an infinite value"},
	{"c_money", "12,50", "invalid input syntax for type numeric"},
	{"c_numeric", "1e", "invalid input syntax for type numeric"},
	{"c_numeric", ".", "invalid input syntax for type numeric"},
	{"c_numeric", "1e100000000", "value overflows numeric format"},
	{"c_numeric", "1e-20000", "value overflows numeric format"},
	{"c_real", "1e39", "out of range for real"},
	{"c_double", "1e309", "out of range for double precision"},
	{"c_double", "one", "invalid input syntax for type double precision"},
	{"c_bool", "2", "invalid input syntax for type boolean"},
	{"c_bool", "maybe", "invalid input syntax for type boolean"},
	{"c_tinybool", "yes", "tinyint-to-boolean"},
	{"c_rawtext", "ab\xffcd", "invalid UTF-8 at byte 2 (0xff)"},
	{"c_rawtext", "caf\xe9", "invalid UTF-8 at byte 3 (0xe9)"},
	{"c_rawtext", "\xed\xa0\x80", "invalid UTF-8 at byte 0"},
	{"c_rawtext", "a\x00b", "NUL character at byte 1"},
	{"c_utf8mb4", "caf\xc3", "invalid UTF-8 at byte 3 (0xc3)"},
	{"c_latin2", "\xb1a", "byte 0xb1 at 0: text in character set latin2 is not decoded, only ASCII loads"},
	{"c_varchar", "abcdef", "value too long: 6 characters, the column takes 5"},
	{"c_varchar", "héllo!", "value too long: 6 characters, the column takes 5"},
	{"c_char", "EURO", "value too long"},
	{"c_tstz", "0000-00-00 00:00:00", "zero date"},
	{"c_tstz", "2024-01-00 10:00:00", "zero date"},
	{"c_tstz", "2023-02-29 00:00:00", "out of range"},
	{"c_tstz", "2024-13-01 00:00:00", "out of range"},
	{"c_tstz", "2024-01-01 25:00:00", "out of range"},
	{"c_tstz", "2024-01-01 24:00:01", "out of range"},
	{"c_tstz", "2024-01-01 10:00:00+16", "invalid input syntax"},
	{"c_tstz", "yesterday", "invalid input syntax"},
	{"c_tstz", "294277-01-01 00:00:00", "timestamp out of range"},
	{"c_tstz", "4714-11-23 00:00:00 BC", "timestamp out of range"},
	{"c_date", "0000-00-00", "zero date"},
	{"c_date", "2024-02-30", "out of range"},
	{"c_date", "2024-02-29x", "invalid input syntax"},
	{"c_date", "0000-01-01 BC", "out of range"},
	{"c_time", "-01:00:00", "negative"},
	{"c_time", "838:59:59", "past 24:00:00"},
	{"c_time", "24:00:00.000001", "past 24:00:00"},
	{"c_time", "12:60:00", "out of range"},
	{"c_time", "noon", "invalid input syntax for type time"},
	{"c_enum", "old", `"old" is not one of the enum's 9 labels`},
	{"c_enum", "caf\xe9", "invalid UTF-8"},
	{"c_set", "x,nope", `"nope" is not one of the enum's 6 labels`},
	{"c_set", "x,", `"" is not one of the enum's 6 labels`},
	{"c_json", `{a:1}`, "not valid JSON"},
	{"c_json", `"\ud800"`, "high surrogate"},
	{"c_json", `"\udc00"`, "low surrogate"},
	{"c_jsonb", `{"k": "\u0000"}`, `jsonb cannot hold the \u0000 escape`},
	{"c_jsonb", "{\"k\": \"\xff\"}", "invalid UTF-8"},
	{"c_textjson", `{"k": }`, "not valid JSON: unexpected character at byte 6"},
	{"c_bit8", "\x01\x00", "9 bits do not fit in 8"},
	{"c_bit7", "\x80", "8 bits do not fit in 7"},
	{"c_varbit", "10201", "not a bit string"},
	{"c_point", geometry(binary.LittleEndian, 2, 0, 0, 1, 1), "geometry is a LINESTRING, only POINT converts to point"},
	{"c_point", geometry(binary.BigEndian, 3), "geometry is a POLYGON"},
	{"c_point", "\x00\x00", "too short"},
	{"c_uuid", "0123456789abcde", "15 bytes, want 16"},
	{"c_uuidtext", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "invalid input syntax for type uuid"},
	{"c_uuidtext", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "invalid input syntax for type uuid"},
	{"c_year", "20x4", "invalid input syntax for type integer"},
}

func TestAppendRowRejectsValuesThatDoNotConvert(t *testing.T) {
	for _, tc := range rejectCases {
		for _, format := range []pgcopy.Format{pgcopy.Binary, pgcopy.Text} {
			t.Run(format.String()+" "+tc.col+" "+tc.in, func(t *testing.T) {
				s := specNamed(tc.col)
				enc := newEncoder(t, format, s, spec("after", "text"))
				dst := []byte("earlier rows")
				out, err := enc.AppendRow(dst, [][]byte{[]byte(tc.in), []byte("x")})
				var ve *pgcopy.ValueError
				if !errors.As(err, &ve) {
					t.Fatalf("err = %v, want a *ValueError", err)
				}
				if ve.Column != s.source.Name || !strings.Contains(ve.Reason, tc.reason) {
					t.Errorf("got column %s, reason %q; want %s, a reason containing %q", ve.Column, ve.Reason, s.source.Name, tc.reason)
				}
				if string(out) != "earlier rows" {
					t.Errorf("dst is %q after the error, want it as it was", out)
				}
			})
		}
	}
}

func newEncoder(t testing.TB, format pgcopy.Format, specs ...colSpec) *pgcopy.Encoder {
	t.Helper()
	newEnc := pgcopy.NewEncoder
	if format == pgcopy.Text {
		newEnc = pgcopy.NewTextEncoder
	}
	enc, err := newEnc(columns(specs...))
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// field returns the first field of the one binary tuple in b, which must
// be the whole of b.
func field(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 6 || binary.BigEndian.Uint16(b) != 1 {
		t.Fatalf("tuple %x: want one field", b)
	}
	n := int32(binary.BigEndian.Uint32(b[2:]))
	if n == -1 && len(b) == 6 {
		return nil
	}
	if int(n) != len(b)-6 {
		t.Fatalf("tuple %x: field length %d for %d bytes", b, n, len(b)-6)
	}
	return b[6:]
}

func TestBinaryEncodings(t *testing.T) {
	tests := []struct {
		name, col, in, want string // want in hex; "null" for NULL
	}{
		{"a smallint is two bytes", "c_smallint", "-2", "fffe"},
		{"an integer is four", "c_integer", "258", "00000102"},
		{"a bigint is eight", "c_bigint", "-9223372036854775808", "8000000000000000"},
		{"numeric digits are base 10000 from the weight", "c_numeric", "12.50", "0002" + "0000" + "0000" + "0002" + "000c" + "1388"},
		{"a big unsigned bigint has weight 4", "c_numeric20", "18446744073709551615", "0005" + "0004" + "0000" + "0000" + "0734" + "1a58" + "02e1" + "03bb" + "064f"},
		{"a fraction has a negative weight", "c_numeric", "-0.00012", "0002" + "ffff" + "4000" + "0005" + "0001" + "07d0"},
		{"negative zero is zero with its scale", "c_money", "-0.00", "0000" + "0000" + "0000" + "0002"},
		{"NaN has its own sign word", "c_numeric", "NaN", "0000" + "0000" + "c000" + "0000"},
		{"a double is IEEE big-endian", "c_double", "1", "3ff0000000000000"},
		{"a real is four bytes", "c_real", "1", "3f800000"},
		{"true is one byte", "c_bool", "t", "01"},
		{"jsonb starts with its version", "c_jsonb", "{}", "01" + hex.EncodeToString([]byte("{}"))},
		{"a timestamp counts microseconds from 2000", "c_tstz", "2000-01-01 00:00:01", "00000000000f4240"},
		{"a date counts days from 2000", "c_date", "1999-12-31", "ffffffff"},
		{"a time counts microseconds", "c_time", "00:00:01.5", "000000000016e360"},
		{"bits are packed from the top", "c_bit9", "\x01\x80", "00000009" + "c000"},
		{"an empty set is an array without dimensions", "c_set", "", "00000000" + "00000000" + "0001869f"},
		{"a set is a one-dimensional array", "c_set", "x", "00000001" + "00000000" + "0001869f" + "00000001" + "00000001" + "00000001" + "78"},
		{"an enum is its label", "c_enum", "new", hex.EncodeToString([]byte("new"))},
		{"a zero date is NULL with the transform", "c_zdate", "0000-00-00", "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := newEncoder(t, pgcopy.Binary, specNamed(tt.col))
			out, err := enc.AppendRow(nil, [][]byte{[]byte(tt.in)})
			if err != nil {
				t.Fatal(err)
			}
			got := field(t, out)
			if got == nil {
				if tt.want != "null" {
					t.Errorf("got NULL, want %s", tt.want)
				}
				return
			}
			if hex.EncodeToString(got) != tt.want {
				t.Errorf("got %x, want %s", got, tt.want)
			}
		})
	}
}

func TestTextRowsAreEscapedAndTerminated(t *testing.T) {
	enc := newEncoder(t, pgcopy.Text, spec("a", "text"), spec("b", "bytea"), spec("c", "integer"), spec("d", "rt_set[]", "set-to-array").enum(`q"t`, `b\s`, "t\tb"))
	out, err := enc.AppendRow([]byte("x\n"), [][]byte{[]byte("a\tb\\c\nd\re"), []byte("\x00\xff"), nil, []byte(`q"t,b\s,t` + "\tb")})
	if err != nil {
		t.Fatal(err)
	}
	want := "x\n" + `a\tb\\c\nd\re` + "\t" + `\\x00ff` + "\t" + `\N` + "\t" + `{"q\\"t","b\\\\s","t\tb"}` + "\n"
	if string(out) != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
}

func TestNULLIsNULLInEveryColumn(t *testing.T) {
	for _, format := range []pgcopy.Format{pgcopy.Binary, pgcopy.Text} {
		enc := newEncoder(t, format, binarySpecs...)
		out, err := enc.AppendRow(nil, make([][]byte, len(binarySpecs)))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat(`\N`+"\t", len(binarySpecs)-1) + `\N` + "\n"
		if format == pgcopy.Binary {
			want = string(binary.BigEndian.AppendUint16(nil, uint16(len(binarySpecs)))) + strings.Repeat("\xff\xff\xff\xff", len(binarySpecs))
		}
		if string(out) != want {
			t.Errorf("%s: got %q, want %q", format, out, want)
		}
	}
}

func TestNewEncoderPicksTheFormat(t *testing.T) {
	tests := []struct {
		name  string
		cols  []pgcopy.Column
		want  pgcopy.Format
		copyQ string
	}{
		{"binary when every column has a binary encoding", columns(binarySpecs...), pgcopy.Binary, ""},
		{"text when one column has none", columns(spec("id", "bigint"), spec("addr", "inet")), pgcopy.Text, `COPY "Shop".orders (id, addr) FROM STDIN`},
		{"text for a set not built by set-to-array", columns(spec("tags", "t[]").enum("a")), pgcopy.Text, ""},
		{"text for an enum array whose element OID is unknown", []pgcopy.Column{{Plan: ptr(spec("tags", "t[]", "set-to-array").enum("a").plan())}}, pgcopy.Text, ""},
		{"binary for an enum", []pgcopy.Column{{Plan: ptr(spec("Order", "s.e").enum("a").plan()), OID: 16_500}}, pgcopy.Binary, `COPY "Shop".orders ("Order") FROM STDIN (FORMAT binary)`},
		{"the OID decides over the type name", []pgcopy.Column{{Plan: ptr(spec("n", "mystery").plan()), OID: 20}}, pgcopy.Binary, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := pgcopy.NewEncoder(tt.cols)
			if err != nil {
				t.Fatal(err)
			}
			if enc.Format() != tt.want {
				t.Errorf("format %s, want %s", enc.Format(), tt.want)
			}
			if tt.copyQ != "" && enc.CopySQL("Shop", "orders") != tt.copyQ {
				t.Errorf("CopySQL = %s, want %s", enc.CopySQL("Shop", "orders"), tt.copyQ)
			}
			header, trailer := len(enc.Header()), len(enc.Trailer())
			if tt.want == pgcopy.Binary && (header != 19 || trailer != 2) || tt.want == pgcopy.Text && (header != 0 || trailer != 0) {
				t.Errorf("header %d bytes, trailer %d", header, trailer)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestNewEncoderRejectsWhatItCannotEncode(t *testing.T) {
	if _, err := pgcopy.NewEncoder(columns(spec("a", "text", "rot13"))); !errors.Is(err, migrate.ErrUnknownTransform) {
		t.Errorf("unknown transform: err = %v", err)
	}
	if _, err := pgcopy.NewEncoder([]pgcopy.Column{{}}); err == nil {
		t.Error("a column without a plan: no error")
	}
}

func TestAppendRowRefusesARowOfTheWrongWidth(t *testing.T) {
	enc := newEncoder(t, pgcopy.Binary, spec("a", "text"))
	out, err := enc.AppendRow([]byte("x"), [][]byte{nil, nil})
	var ve *pgcopy.ValueError
	if err == nil || errors.As(err, &ve) || string(out) != "x" {
		t.Errorf("got %q, %v; want x and an error that is not a ValueError", out, err)
	}
}

func TestValueErrorShowsAPrintablePrefix(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"valid text is shown as it is", "caf\u00e9 😀", "café 😀"},
		{"invalid bytes are hex-escaped", "caf\xe9\x00", `caf\xe9\x00`},
		{"a long value is cut to 64 bytes", strings.Repeat("é", 40), strings.Repeat("é", 30) + "..."},
		{"a value of exactly 64 bytes is whole", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"escapes count towards the 64", strings.Repeat("\xff", 20), strings.Repeat(`\xff`, 15) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := newEncoder(t, pgcopy.Binary, spec("n", "bigint"))
			_, err := enc.AppendRow(nil, [][]byte{[]byte(tt.in)})
			var ve *pgcopy.ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v", err)
			}
			if ve.Value != tt.want || len(ve.Value) > 64 {
				t.Errorf("Value = %q (%d bytes), want %q", ve.Value, len(ve.Value), tt.want)
			}
		})
	}
}
