package postgres

import "testing"

func TestParseDefaultTellsLiteralsFromExpressions(t *testing.T) {
	tests := []struct {
		expr, typ string
		want      string // "" for no default
		isExpr    bool
		serial    bool
	}{
		{"'abc'::character varying", "character varying", "abc", false, false},
		{"'it''s'::text", "text", "it's", false, false},
		{"'-1'::integer", "integer", "-1", false, false},
		{"42", "integer", "42", false, false},
		{"(-1.5)", "numeric", "-1.5", false, false},
		{"1e-05", "double precision", "1e-05", false, false},
		{"'happy'::\"My Mood\"", "\"My Mood\"", "happy", false, false},
		{"'happy'::legacy.mood", "legacy.mood", "happy", false, false},
		{"'2024-01-01 00:00:00+00'::timestamp(3) with time zone", "timestamp with time zone", "2024-01-01 00:00:00+00", false, false},
		{"true", "boolean", "1", false, false},
		{"false", "boolean", "0", false, false},
		{"NULL::character varying", "character varying", "", false, false},
		{"nextval('t_id_seq'::regclass)", "bigint", "", false, true},
		{"nextval('t_id_seq'::regclass)", "numeric", "nextval('t_id_seq'::regclass)", true, false},
		{"'{}'::text[]", "text[]", "'{}'::text[]", true, false},
		{"now()", "timestamp with time zone", "now()", true, false},
		{"CURRENT_TIMESTAMP", "timestamp with time zone", "CURRENT_TIMESTAMP", true, false},
		{"'5'::integer + 1", "integer", "'5'::integer + 1", true, false},
		{"('a'::text || 'b'::text)", "text", "('a'::text || 'b'::text)", true, false},
		{"'a'::text COLLATE \"C\"", "text", "'a'::text COLLATE \"C\"", true, false},
		{"gen_random_uuid()", "uuid", "gen_random_uuid()", true, false},
	}
	for _, tt := range tests {
		def, isExpr, serial := parseDefault(tt.expr, tt.typ)
		got := ""
		if def != nil {
			got = *def
		}
		if got != tt.want || isExpr != tt.isExpr || serial != tt.serial {
			t.Errorf("%s (%s): got %q, expression %v, serial %v; want %q, %v, %v",
				tt.expr, tt.typ, got, isExpr, serial, tt.want, tt.isExpr, tt.serial)
		}
	}
}
