package migrate

import (
	"reflect"
	"testing"
)

func TestParseTypeAndCast(t *testing.T) {
	tests := []struct {
		name, columnType, wantType, wantRule string
	}{
		{"tinyint(1) becomes boolean", "tinyint(1)", "boolean", "tinyint(1)-to-boolean"},
		{"an unsigned tinyint still fits a smallint", "tinyint(3) unsigned", "smallint", "tinyint-to-smallint"},
		{"an unsigned smallint widens to integer", "smallint(5) unsigned", "integer", "smallint-unsigned-to-integer"},
		{"an unsigned int widens to bigint", "int(10) unsigned zerofill", "bigint", "int-unsigned-to-bigint"},
		{"an unsigned bigint widens to numeric(20)", "bigint(20) unsigned", "numeric(20)", "bigint-unsigned-to-numeric"},
		{"decimal keeps precision and scale", "decimal(65,30)", "numeric(65,30)", "decimal-to-numeric"},
		{"varchar keeps its length", "varchar(255)", "varchar(255)", "varchar-to-varchar"},
		{"char keeps its length", "char(3)", "char(3)", "char-to-char"},
		{"bit(1) becomes boolean", "bit(1)", "boolean", "bit(1)-to-boolean"},
		{"bit(n) stays bit(n)", "bit(12)", "bit(12)", "bit-to-bit"},
		{"datetime keeps fractional seconds", "datetime(6)", "timestamptz(6)", "datetime-to-timestamptz"},
		{"year becomes integer", "year(4)", "integer", "year-to-integer"},
		{"an unknown type becomes text", "inet6", "text", unknownRule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Column
			if err := ParseType(&c, tt.columnType); err != nil {
				t.Fatal(err)
			}
			got := castColumn(&c, "e", DialectMySQL)
			if got.Type != tt.wantType || got.Rule != tt.wantRule {
				t.Errorf("%s: got %s by %s, want %s by %s", tt.columnType, got.Type, got.Rule, tt.wantType, tt.wantRule)
			}
		})
	}
}

func TestParseTypeReadsOddEnumLabels(t *testing.T) {
	var c Column
	if err := ParseType(&c, "enum('','it''s','a,b','(x)')"); err != nil {
		t.Fatal(err)
	}
	want := []string{"", "it's", "a,b", "(x)"}
	if !reflect.DeepEqual(c.Labels, want) {
		t.Errorf("got %q, want %q", c.Labels, want)
	}
}

func TestIdent(t *testing.T) {
	tests := map[string]string{
		"plain": "plain", "CamelCase": `"CamelCase"`, "order": `"order"`, "user-name": `"user-name"`,
		`quote"d`: `"quote""d"`, "1st": `"1st"`, "with space": `"with space"`,
	}
	for in, want := range tests {
		if got := Ident(in); got != want {
			t.Errorf("Ident(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFitNameKeepsLongNamesDistinctAndStable(t *testing.T) {
	a := "a_column_name_that_is_exactly_sixty_four_characters_long_abcdefg"
	b := "a_column_name_that_is_exactly_sixty_four_characters_long_abcdefh"
	fa, fb := FitName(a), FitName(b)
	if len(fa) > 63 || len(fb) > 63 {
		t.Fatalf("too long: %d, %d", len(fa), len(fb))
	}
	if fa == fb {
		t.Errorf("both became %s", fa)
	}
	if FitName(a) != fa {
		t.Error("not deterministic")
	}
	if FitName("short") != "short" {
		t.Error("a short name changed")
	}
	multi := "ü" + a
	if got := FitName(multi); len(got) > 63 || !isValidUTF8(got) {
		t.Errorf("cut inside a character: %q", got)
	}
}

func isValidUTF8(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}
