package sqlite

import "testing"

func TestParseDefaultKeepsOnlyLiteralsTheTargetAccepts(t *testing.T) {
	tests := []struct {
		dflt, typ string
		want      string // "" for no default
		isExpr    bool
	}{
		{"'abc'", "text", "abc", false},
		{"'it''s'", "varchar", "it's", false},
		{"''", "text", "", false},
		{"42", "integer", "42", false},
		{"-1.5", "numeric", "-1.5", false},
		{"'42'", "integer", "42", false},
		{"'abc'", "integer", "'abc'", true},
		{"'12.50'", "decimal", "12.50", false},
		{"5", "text", "5", false},
		{"TRUE", "boolean", "1", false},
		{"false", "bool", "0", false},
		{"'true'", "boolean", "1", false},
		{"'yes'", "boolean", "'yes'", true},
		{"0", "boolean", "0", false},
		{"NULL", "text", "", false},
		{"CURRENT_TIMESTAMP", "datetime", "CURRENT_TIMESTAMP", true},
		{"(datetime('now'))", "datetime", "CURRENT_TIMESTAMP", true},
		{"datetime('now', 'localtime')", "datetime", "datetime('now', 'localtime')", true},
		{"'2000-01-01'", "date", "2000-01-01", false},
		{"0", "date", "0", true},
		{"X'00'", "blob", "X'00'", true},
		{"(1 + 1)", "integer", "(1 + 1)", true},
	}
	for _, tt := range tests {
		def, isExpr := parseDefault(tt.dflt, tt.typ)
		got := ""
		if def != nil {
			got = *def
		}
		if got != tt.want || isExpr != tt.isExpr {
			t.Errorf("%s (%s): got %q, expression %v; want %q, %v", tt.dflt, tt.typ, got, isExpr, tt.want, tt.isExpr)
		}
	}
}

func TestSplitTermsOfCreateIndex(t *testing.T) {
	ddl := `CREATE INDEX "a(b" ON "t(x" (lower("c,d") COLLATE NOCASE DESC, substr(e, 1, 2), [f g] ASC, 'x''(y)') WHERE h > 0`
	got := splitTerms(ddl)
	want := []string{`lower("c,d") COLLATE NOCASE DESC`, `substr(e, 1, 2)`, `[f g] ASC`, `'x''(y)'`}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("term %d: got %q, want %q", i, got[i], want[i])
		}
	}
	if s := trailingOrder.ReplaceAllString(got[0], ""); s != `lower("c,d")` {
		t.Errorf("without COLLATE and DESC: %q", s)
	}
}
