package pgcopy_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/pgcopy"
)

// null is the expected output of a value that loads as NULL.
const null = "<NULL>"

// loadCase is one source value of one column and PostgreSQL's text output
// (col::text) of what it must load as.
type loadCase struct {
	col, in, want string
}

var bigText = strings.Repeat("0123456789abcdef😀", 100_000)

// binaryCases cover the edges of every type with a binary encoding.
var binaryCases = []loadCase{
	{"c_smallint", "-32768", "-32768"},
	{"c_smallint", "32767", "32767"},
	{"c_smallint", "-128", "-128"},
	{"c_smallint", "127", "127"},
	{"c_smallint", "255", "255"},
	{"c_smallint", "-0", "0"},
	{"c_smallint", " 7 ", "7"},
	{"c_integer", "-2147483648", "-2147483648"},
	{"c_integer", "2147483647", "2147483647"},
	{"c_integer", "65535", "65535"},
	{"c_integer", "-8388608", "-8388608"},
	{"c_integer", "8388607", "8388607"},
	{"c_integer", "16777215", "16777215"},
	{"c_bigint", "-9223372036854775808", "-9223372036854775808"},
	{"c_bigint", "9223372036854775807", "9223372036854775807"},
	{"c_bigint", "4294967295", "4294967295"},
	{"c_bigint", "+12", "12"},
	{"c_numeric20", "18446744073709551615", "18446744073709551615"},
	{"c_numeric20", "-9223372036854775808", "-9223372036854775808"},
	{"c_numeric20", "0", "0"},
	{"c_numeric_neg", "12345.678", "12000"},
	{"c_numeric_neg", "-999", "-1000"},
	{"c_money", "1234567890.12", "1234567890.12"},
	{"c_money", "9999999999.99", "9999999999.99"},
	{"c_money", "-9999999999.99", "-9999999999.99"},
	{"c_money", "-0.00", "0.00"},
	{"c_money", "0.005", "0.01"},
	{"c_money", "-0.005", "-0.01"},
	{"c_money", "0.0049", "0.00"},
	{"c_money", "12.5", "12.50"},
	{"c_money", "1e3", "1000.00"},
	{"c_money", "99.995", "100.00"},
	{"c_money", "NaN", "NaN"},
	{"c_numeric", "3.14159265358979323846264338327950288419716939937510", "3.14159265358979323846264338327950288419716939937510"},
	{"c_numeric", "-0.000001", "-0.000001"},
	{"c_numeric", "1e-05", "0.00001"},
	{"c_numeric", "1.50e1", "15.0"},
	{"c_numeric", "0.10", "0.10"},
	{"c_numeric", "-0", "0"},
	{"c_numeric", "100000000", "100000000"},
	{"c_numeric", "12345678.9", "12345678.9"},
	{"c_numeric", "0.0001", "0.0001"},
	{"c_numeric", "10000.00010", "10000.00010"},
	{"c_numeric", "123456789012345678901234567890123456789012345678901234567890", "123456789012345678901234567890123456789012345678901234567890"},
	{"c_numeric", "NaN", "NaN"},
	{"c_numeric", "Infinity", "Infinity"},
	{"c_numeric", "-Infinity", "-Infinity"},
	{"c_real", "3.14", "3.14"},
	{"c_real", "-0", "-0"},
	{"c_real", "1e-05", "1e-05"},
	{"c_real", "3.4028235e+38", "3.4028235e+38"},
	{"c_real", "1.401298e-45", "1e-45"},
	{"c_real", "NaN", "NaN"},
	{"c_real", "inf", "Infinity"},
	{"c_real", "-Infinity", "-Infinity"},
	{"c_double", "1.7976931348623157e+308", "1.7976931348623157e+308"},
	{"c_double", "5e-324", "5e-324"},
	{"c_double", "-1.5", "-1.5"},
	{"c_double", "0.1", "0.1"},
	{"c_double", "-0", "-0"},
	{"c_double", "Infinity", "Infinity"},
	{"c_double", "-inf", "-Infinity"},
	{"c_double", "NaN", "NaN"},
	{"c_bool", "1", "true"},
	{"c_bool", "0", "false"},
	{"c_bool", "t", "true"},
	{"c_bool", "f", "false"},
	{"c_bool", "true", "true"},
	{"c_bool", "FALSE", "false"},
	{"c_tinybool", "1", "true"},
	{"c_tinybool", "0", "false"},
	{"c_tinybool", "-128", "true"},
	{"c_bitbool", "\x01", "true"},
	{"c_bitbool", "\x00", "false"},
	{"c_text", "", ""},
	{"c_text", "emoji 😀🎉 and ünïcödé", "emoji 😀🎉 and ünïcödé"},
	{"c_text", "tab\tnew\nline\rcr\\back \\N", "tab\tnew\nline\rcr\\back \\N"},
	{"c_text", "a\x00b\x00", "ab"},
	{"c_text", bigText, bigText},
	{"c_rawtext", "\\.", "\\."},
	{"c_latin1", "\x80\x81\x8d\x9f caf\xe9 \xff", "€\u0081\u008dŸ café ÿ"},
	{"c_latin1", "plain", "plain"},
	{"c_latin1", "nul\x00\xe9", "nulé"},
	{"c_utf8mb4", "😀", "😀"},
	{"c_latin2", "ascii only", "ascii only"},
	{"c_trim", "  padded\t", "padded"},
	{"c_trim", "   ", null},
	{"c_varchar", "héllo", "héllo"},
	{"c_varchar", "abcde   ", "abcde"},
	{"c_char", "EUR", "EUR"},
	{"c_char", "ab", "ab"},
	{"c_bytea", "\x00\x01\xff\\\t", `\x0001ff5c09`},
	{"c_bytea", "", `\x`},
	{"c_tstz", "2024-02-29 12:34:56", "2024-02-29 12:34:56+00"},
	{"c_tstz", "2024-01-01 00:00:00.1", "2024-01-01 00:00:00.1+00"},
	{"c_tstz", "2024-01-01 00:00:00.12", "2024-01-01 00:00:00.12+00"},
	{"c_tstz", "2024-01-01 00:00:00.123", "2024-01-01 00:00:00.123+00"},
	{"c_tstz", "2024-01-01 00:00:00.1234", "2024-01-01 00:00:00.1234+00"},
	{"c_tstz", "2024-01-01 00:00:00.12345", "2024-01-01 00:00:00.12345+00"},
	{"c_tstz", "2024-01-01 00:00:00.123456", "2024-01-01 00:00:00.123456+00"},
	{"c_tstz", "2024-01-01 00:00:00.000001", "2024-01-01 00:00:00.000001+00"},
	{"c_tstz", "2024-01-01 00:00:00.1234565", "2024-01-01 00:00:00.123457+00"},
	{"c_tstz", "2024-06-01 12:00:00+05:30", "2024-06-01 06:30:00+00"},
	{"c_tstz", "2024-06-01 12:00:00-08", "2024-06-01 20:00:00+00"},
	{"c_tstz", "1970-01-01T00:00:00Z", "1970-01-01 00:00:00+00"},
	{"c_tstz", "0001-01-01 00:00:00", "0001-01-01 00:00:00+00"},
	{"c_tstz", "1000-01-01 00:00:00", "1000-01-01 00:00:00+00"},
	{"c_tstz", "9999-12-31 23:59:59.999999", "9999-12-31 23:59:59.999999+00"},
	{"c_tstz", "1969-12-31 23:59:59.5", "1969-12-31 23:59:59.5+00"},
	{"c_tstz", "0044-03-15 12:00:00+00 BC", "0044-03-15 12:00:00+00 BC"},
	{"c_tstz", "2024-01-01 24:00:00", "2024-01-02 00:00:00+00"},
	{"c_tstz", "infinity", "infinity"},
	{"c_tstz", "-infinity", "-infinity"},
	{"c_tstz3", "2024-01-01 00:00:00.1235", "2024-01-01 00:00:00.124+00"},
	{"c_tstz3", "2024-01-01 23:59:59.9999", "2024-01-02 00:00:00+00"},
	{"c_tstz3", "1969-12-31 23:59:59.0005", "1969-12-31 23:59:59+00"}, // half away from zero, before 2000
	{"c_ts0", "2024-01-01 10:00:00.5", "2024-01-01 10:00:01"},
	{"c_ts0", "2024-01-01 10:00:00+05", "2024-01-01 10:00:00"},
	{"c_zts", "0000-00-00 00:00:00", null},
	{"c_zts", "2024-05-00 10:00:00", null},
	{"c_zts", "2024-05-06 10:00:00", "2024-05-06 10:00:00+00"},
	{"c_date", "2024-02-29", "2024-02-29"},
	{"c_date", "0001-01-01", "0001-01-01"},
	{"c_date", "9999-12-31", "9999-12-31"},
	{"c_date", "1900-03-01", "1900-03-01"},
	{"c_date", "0044-03-15 BC", "0044-03-15 BC"},
	{"c_date", "4713-01-01 BC", "4713-01-01 BC"},
	{"c_date", "2024-01-02 03:04:05", "2024-01-02"},
	{"c_date", "infinity", "infinity"},
	{"c_date", "-infinity", "-infinity"},
	{"c_zdate", "0000-00-00", null},
	{"c_zdate", "2024-00-10", null},
	{"c_zdate", "0000-01-10", null},
	{"c_zdate", "2024-01-10", "2024-01-10"},
	{"c_time", "00:00:00", "00:00:00"},
	{"c_time", "24:00:00", "24:00:00"},
	{"c_time", "23:59:59.999999", "23:59:59.999999"},
	{"c_time", "12:30", "12:30:00"},
	{"c_time2", "12:00:00.125", "12:00:00.13"},
	{"c_time2", "23:59:59.999", "24:00:00"},
	{"c_enum", "new", "new"},
	{"c_enum", "it's", "it's"},
	{"c_enum", "with space", "with space"},
	{"c_enum", "a,b", "a,b"},
	{"c_enum", "", ""},
	{"c_enum", "café", "café"},
	{"c_enum", `back\slash`, `back\slash`},
	{"c_enum", `quo"te`, `quo"te`},
	{"c_enum", "tab\there", "tab\there"},
	{"c_latin1enum", "caf\xe9", "café"},
	{"c_set", "x,y z", `{x,"y z"}`},
	{"c_set", "", "{}"},
	{"c_set", `q"t,b\s`, `{"q\"t","b\\s"}`},
	{"c_set", "café,{br}", `{café,"{br}"}`},
	{"c_json", `{"a": [1, 2.5, "é😀"], "b": null}`, `{"a": [1, 2.5, "é😀"], "b": null}`},
	{"c_json", `"\u00e9\ud83d\ude00\u0000"`, `"\u00e9\ud83d\ude00\u0000"`},
	{"c_jsonb", `{"b":1,"a":"😀\t"}`, `{"a": "😀\t", "b": 1}`},
	{"c_jsonb", `"\u00e9\ud83d\ude00"`, `"é😀"`},
	{"c_jsonb", "[]", "[]"},
	{"c_jsonb", "1e400", "1" + strings.Repeat("0", 400)},
	{"c_textjson", ` {"k": "v"} `, `{"k": "v"}`},
	{"c_bit1", "\x01", "1"},
	{"c_bit1", "\x00", "0"},
	{"c_bit7", "\x7f", "1111111"},
	{"c_bit7", "\x05", "0000101"},
	{"c_bit8", "\xa5", "10100101"},
	{"c_bit9", "\x01\x00", "100000000"},
	{"c_bit9", "\x00\xff", "011111111"},
	{"c_bit64", "\x80\x00\x00\x00\x00\x00\x00\x01", "1000000000000000000000000000000000000000000000000000000000000001"},
	{"c_bit64", "\xff\xff\xff\xff\xff\xff\xff\xff", strings.Repeat("1", 64)},
	{"c_varbit", "10101", "10101"},
	{"c_varbit", "", ""},
	{"c_varbit9", "\x01\x01", "100000001"},
	{"c_point", geometry(binary.LittleEndian, 1, 1.5, -2), "(1.5,-2)"},
	{"c_point", geometry(binary.BigEndian, 1, 1e-7, 123456789.125), "(1e-07,123456789.125)"},
	{"c_uuid", "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef", "12345678-9abc-def0-0123-456789abcdef"},
	{"c_uuidtext", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
	{"c_uuidtext", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
	{"c_year", "2024", "2024"},
	{"c_year", "0000", "0"},
}

// textCases are values of types without a binary encoding.
var textCases = []loadCase{
	{"t_inet", "192.168.0.1/24", "192.168.0.1/24"},
	{"t_interval", "1 day 02:03:04", "1 day 02:03:04"},
	{"t_ints", "{1,NULL,3}", "{1,NULL,3}"},
	{"t_tsvector", "a fat\tcat", "'a' 'cat' 'fat'"},
	{"t_pgset", `{x,"y z","q\"t"}`, `{x,"y z","q\"t"}`},
	{"t_timetz", "12:00:00+05", "12:00:00+05"},
	{"t_latin1", "08:00:2b:01:02:03", "08:00:2b:01:02:03"},
}

// createTable creates table with an id column and one column per spec,
// and returns the encoder columns as Lookup reads them.
func createTable(ctx context.Context, t *testing.T, conn *pgx.Conn, table string, specs []colSpec) []pgcopy.Column {
	t.Helper()
	defs := []string{"id integer PRIMARY KEY"}
	plans := []migrate.ColumnPlan{{Source: &migrate.Column{Name: "id"}, Target: "id", Cast: migrate.Cast{Type: "integer"}}}
	for _, s := range specs {
		defs = append(defs, migrate.Ident(s.name)+" "+s.typ)
		plans = append(plans, s.plan())
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" ("+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	cols, err := pgcopy.Lookup(ctx, conn, "public", table, plans)
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// copyRows loads one row per case (its value in its column, NULL in the
// others) with enc.
func copyRows(ctx context.Context, t *testing.T, conn *pgx.Conn, enc *pgcopy.Encoder, table string, cols []pgcopy.Column, cases []loadCase) {
	t.Helper()
	buf := append([]byte(nil), enc.Header()...)
	for i, c := range cases {
		row := make([][]byte, len(cols))
		row[0] = fmt.Appendf(nil, "%d", i)
		row[columnIndex(t, cols, c.col)] = []byte(c.in)
		var err error
		if buf, err = enc.AppendRow(buf, row); err != nil {
			t.Fatalf("case %d, %s %q: %v", i, c.col, c.in, err)
		}
	}
	buf = append(buf, enc.Trailer()...)
	if _, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(string(buf)), enc.CopySQL("public", table)); err != nil {
		t.Fatalf("%s COPY: %v", enc.Format(), err)
	}
}

func columnIndex(t *testing.T, cols []pgcopy.Column, name string) int {
	for i, c := range cols {
		if c.Plan.Target == name {
			return i
		}
	}
	t.Fatalf("no column %s", name)
	return -1
}

// checkRows compares what PostgreSQL holds with each case's want.
func checkRows(ctx context.Context, t *testing.T, conn *pgx.Conn, format pgcopy.Format, table string, cases []loadCase) {
	t.Helper()
	for i, c := range cases {
		var got *string
		q := fmt.Sprintf("SELECT %s::text FROM %s WHERE id = $1", migrate.Ident(c.col), table)
		if err := conn.QueryRow(ctx, q, i).Scan(&got); err != nil {
			t.Fatalf("%s: case %d: %v", format, i, err)
		}
		want := c.want
		switch {
		case got == nil && want != null:
			t.Errorf("%s: %s %q loaded as NULL, want %q", format, c.col, shorten(c.in), shorten(want))
		case got != nil && *got != want:
			t.Errorf("%s: %s %q loaded as %q, want %q", format, c.col, shorten(c.in), shorten(*got), shorten(want))
		}
	}
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func TestValuesLoadIntoPostgreSQLInBothFormats(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.SharedPostgres(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	setup := []string{
		"SET TimeZone = 'UTC'",
		"CREATE TYPE rt_enum AS ENUM (" + quoteLabels(enumLabels) + ")",
		"CREATE TYPE rt_set AS ENUM (" + quoteLabels(setLabels) + ")",
	}
	for _, q := range setup {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	binCols := createTable(ctx, t, conn, "binary_types", binarySpecs)
	textCols := createTable(ctx, t, conn, "text_types", textSpecs)

	t.Run("every type with a binary encoding loads in binary", func(t *testing.T) {
		enc, err := pgcopy.NewEncoder(binCols)
		if err != nil {
			t.Fatal(err)
		}
		if enc.Format() != pgcopy.Binary {
			t.Fatalf("format %s, want binary", enc.Format())
		}
		copyRows(ctx, t, conn, enc, "binary_types", binCols, binaryCases)
		checkRows(ctx, t, conn, enc.Format(), "binary_types", binaryCases)
	})
	t.Run("the same values load the same in text", func(t *testing.T) {
		if _, err := conn.Exec(ctx, "TRUNCATE binary_types"); err != nil {
			t.Fatal(err)
		}
		enc, err := pgcopy.NewTextEncoder(binCols)
		if err != nil {
			t.Fatal(err)
		}
		copyRows(ctx, t, conn, enc, "binary_types", binCols, binaryCases)
		checkRows(ctx, t, conn, enc.Format(), "binary_types", binaryCases)
	})
	t.Run("a table with a type without a binary encoding loads in text", func(t *testing.T) {
		enc, err := pgcopy.NewEncoder(textCols)
		if err != nil {
			t.Fatal(err)
		}
		if enc.Format() != pgcopy.Text {
			t.Fatalf("format %s, want text", enc.Format())
		}
		copyRows(ctx, t, conn, enc, "text_types", textCols, textCases)
		checkRows(ctx, t, conn, enc.Format(), "text_types", textCases)
	})
}

func quoteLabels(labels []string) string {
	quoted := make([]string, len(labels))
	for i, l := range labels {
		quoted[i] = "'" + strings.ReplaceAll(l, "'", "''") + "'"
	}
	return strings.Join(quoted, ", ")
}

func TestLookupNamesAMissingColumn(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.SharedPostgres(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE "Orders" (id bigint, tags text[])`); err != nil {
		t.Fatal(err)
	}
	plans := []migrate.ColumnPlan{spec("id", "bigint").plan(), spec("tags", "text[]").plan()}
	cols, err := pgcopy.Lookup(ctx, conn, "public", "Orders", plans)
	if err != nil {
		t.Fatal(err)
	}
	if cols[0].OID != 20 || cols[0].ElemOID != 0 || cols[1].OID != 1009 || cols[1].ElemOID != 25 {
		t.Errorf("OIDs %+v, want bigint 20 and text[] 1009 of 25", cols)
	}
	plans = append(plans, spec("gone", "text").plan())
	if _, err := pgcopy.Lookup(ctx, conn, "public", "Orders", plans); err == nil || !strings.Contains(err.Error(), "no column gone") {
		t.Errorf("err = %v, want one naming the missing column", err)
	}
}
