package verify

import (
	"bytes"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
)

// fuzzColumns are columns of every kind, planned by migrate from MySQL types as a migration plans
// them (with their cast rules' transforms).
func fuzzColumns(t testing.TB) []column {
	t.Helper()
	mk := func(name, typ string, length, prec, scale int) migrate.Column {
		return migrate.Column{Name: name, Type: typ, FullType: typ, Length: length, Precision: prec, Scale: scale, Nullable: true, Charset: "utf8mb4"}
	}
	cols := []migrate.Column{
		mk("i", "int", 0, 0, 0), mk("bu", "bigint", 0, 0, 0), mk("t1", "tinyint", 1, 0, 0), mk("y", "year", 0, 0, 0),
		mk("d", "decimal", 0, 10, 2), mk("d0", "decimal", 0, 5, 0), mk("f", "float", 0, 0, 0), mk("db", "double", 0, 0, 0),
		mk("b1", "bit", 1, 0, 0), mk("b8", "bit", 8, 0, 0), mk("vc", "varchar", 20, 0, 0), mk("ch", "char", 5, 0, 0),
		mk("tx", "text", 0, 0, 0), mk("bin", "binary", 4, 0, 0), mk("bl", "blob", 0, 0, 0),
		mk("dt", "datetime", 0, 0, 0), mk("dt6", "datetime", 0, 6, 0), mk("ts3", "timestamp", 0, 3, 0), mk("da", "date", 0, 0, 0),
		mk("tm", "time", 0, 0, 0), mk("js", "json", 0, 0, 0), mk("pt", "point", 0, 0, 0),
	}
	cols[1].Unsigned = true
	l1 := mk("l1", "varchar", 20, 0, 0)
	l1.Charset = "latin1"
	en := mk("en", "enum", 0, 0, 0)
	en.Labels = []string{"a", "b c", "x,y"}
	st := mk("st", "set", 0, 0, 0)
	st.Labels = []string{"x", "y z", "w"}
	cols = append(cols, l1, en, st)
	schema := &migrate.Schema{Name: "fuzz", Dialect: migrate.DialectMySQL, Tables: []migrate.Table{{Name: "t", Columns: cols}}}
	plan, err := migrate.BuildPlan(schema, migrate.Overrides{Tables: map[string]migrate.TableOverride{
		"t": {Columns: map[string]migrate.ColumnOverride{"bin": {Cast: "uuid", Transforms: []string{"bytes-to-uuid"}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var out []column
	for i := range plan.Tables[0].Columns {
		out = append(out, newColumn(&plan.Tables[0].Columns[i]))
	}
	return out
}

func sameValue(a, b value) bool {
	return a.null == b.null && a.bad == b.bad && bytes.Equal(a.text, b.text)
}

// Normalising any bytes, as a source value or as the target's output of any kind of column, never
// panics, gives the same answer twice, and gives a field that the row text parses back.
func FuzzNormaliseAnyValue(f *testing.F) {
	for _, s := range []string{"", "0", "-0", "+1", "12.50", "1e400", "NaN", "-Infinity", "0.1", "2024-02-29 23:59:59.999999",
		"0000-00-00", "-838:59:59", "{\"b\":1,\"a\":[1,2.50]}", "[1e2, -0.0]", "\x00\xff", "é", "a|b:5", "N", "#3:abc",
		"{a,\"b c\"}", "x,y", "POINT(1 2)", "(1.5,-2)", "t", "yes", "\x01\x02\x03\x04", "9223372036854775808", "abcd-ef"} {
		f.Add([]byte(s))
	}
	cols := fuzzColumns(f)
	f.Fuzz(func(t *testing.T, v []byte) {
		var nb normBuf
		for i := range cols {
			c := &cols[i]
			for _, target := range []bool{false, true} {
				from := c.fromSource
				if target {
					from = c.fromTarget
				}
				a := from(&nb, nil, v)
				a.text = bytes.Clone(a.text)
				b := from(&nb, []byte("prefix|"), v)
				if !b.null && b.bad == "" {
					if !bytes.HasPrefix(b.text, []byte("prefix|")) {
						t.Fatalf("column %s (%s): the result does not extend its buffer: %q", c.plan.Target, c.kind, b.text)
					}
					b.text = b.text[len("prefix|"):]
				}
				if !sameValue(a, b) {
					t.Fatalf("column %s (%s), target %v: %q gave %+v, then %+v", c.plan.Target, c.kind, target, v, a, b)
				}
				field := appendField(nil, c, a, nil)
				got, err := parseRow(field, cols[i:i+1])
				if err != nil {
					t.Fatalf("column %s (%s): field %q of %q does not parse: %v", c.plan.Target, c.kind, field, v, err)
				}
				if got[0].null != a.null || got[0].bad != (a.bad != "") {
					t.Fatalf("column %s (%s): field %q parsed as %+v, from %+v", c.plan.Target, c.kind, field, got[0], a)
				}
			}
		}
	})
}

// A canonical text is a fixed point: normalising it again changes nothing. Otherwise a value that
// went through a database's own formatting once more could stop comparing equal.
func FuzzCanonicalFormIsAFixedPoint(f *testing.F) {
	for _, s := range []string{"12.5", "-0.001", "1e3", "00012.3400", "2024-01-02 03:04:05.5+01:00", "2020-01-01T00:00:00Z",
		"12:34:56.5", "{\"b\":1,\"a\":\"\\u00e9\"}", "[1.0,2.50e1,{\"z\":null}]", "101", "7"} {
		f.Add([]byte(s))
	}
	kinds := []column{
		{kind: kindInt}, {kind: kindDecimal, scale: 2}, {kind: kindDecimal, scale: -1}, {kind: kindTimestamp, prec: 6},
		{kind: kindTimestamp, prec: 3, zoned: true}, {kind: kindDate}, {kind: kindTime, prec: 6}, {kind: kindJSON},
		{kind: kindBits, bits: 8}, {kind: kindUUID}, {kind: kindBool},
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		for i := range kinds {
			c := &kinds[i]
			once := c.normalise(nil, v, true)
			if once.null || once.bad != "" {
				continue
			}
			twice := c.normalise(nil, once.text, true)
			if twice.bad != "" || !bytes.Equal(once.text, twice.text) {
				t.Fatalf("%s: %q -> %q -> %+v", c.kind, v, once.text, twice)
			}
		}
	})
}

// Equal decimals spelled differently normalise to the same text.
func FuzzDecimalSpellings(f *testing.F) {
	f.Add(int64(1250), uint8(2))
	f.Add(int64(-7), uint8(0))
	f.Add(int64(0), uint8(5))
	f.Fuzz(func(t *testing.T, n int64, scale uint8) {
		s := int(scale % 20)
		c := column{kind: kindDecimal, scale: s}
		plain := decimalText(n, s)
		want := c.normalise(nil, []byte(plain), false)
		if want.bad != "" {
			t.Fatalf("%s: %s", plain, want.bad)
		}
		zeros := plain + ".000"
		if s > 0 {
			zeros = plain + "000"
		}
		signed := "+" + plain
		if n < 0 {
			signed = "-0" + plain[1:]
		}
		for _, spelling := range []string{zeros, signed, plain + "e0", exponent(n, s)} {
			got := c.normalise(nil, []byte(spelling), false)
			if got.bad != "" || !bytes.Equal(got.text, want.text) {
				t.Fatalf("%q normalised to %q (%s), %q to %q", spelling, got.text, got.bad, plain, want.text)
			}
		}
	})
}

// decimalText writes n / 10^scale with exactly scale digits after the point.
func decimalText(n int64, scale int) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u
	}
	digits := []byte(uintText(u))
	for len(digits) <= scale {
		digits = append([]byte{'0'}, digits...)
	}
	s := string(digits)
	if scale > 0 {
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg && n != 0 {
		s = "-" + s
	}
	if neg && n == 0 {
		s = "0"
	}
	return s
}

func uintText(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b []byte
	for u > 0 {
		b = append([]byte{byte('0' + u%10)}, b...)
		u /= 10
	}
	return string(b)
}

// exponent writes n / 10^scale as DIGITSe-scale.
func exponent(n int64, scale int) string {
	if n < 0 {
		return "-" + uintText(-uint64(n)) + "e-" + uintText(uint64(scale))
	}
	return uintText(uint64(n)) + "e-" + uintText(uint64(scale))
}
