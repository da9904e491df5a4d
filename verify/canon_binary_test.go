package verify

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
)

// appendNumericText must print a numeric's binary form exactly as PostgreSQL's numeric_out prints
// the same value: the two are read from one real server.
func TestNumericBinaryReadsAsPostgreSQLPrints(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.SharedPostgres(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	values := []string{"0", "0.00", "-0.001", "1", "-1", "9999", "10000", "10000.0001", "0.0001", "0.00001234",
		"123456789012345678901234567890.123456789012345678901234567890", "-99999999.99", "1e20", "1.5e-10",
		"12.50", "100000000", "0.10", "NaN", "Infinity", "-Infinity", "-0"}
	for _, s := range values {
		for _, typ := range []string{"numeric", "numeric(40,12)"} {
			if typ != "numeric" && (s == "NaN" || s == "Infinity" || s == "-Infinity" || len(s) > 30) {
				continue
			}
			q := "SELECT $1::" + typ
			text := conn.PgConn().ExecParams(ctx, q, [][]byte{[]byte(s)}, nil, nil, []int16{0}).Read()
			bin := conn.PgConn().ExecParams(ctx, q, [][]byte{[]byte(s)}, nil, nil, []int16{1}).Read()
			if text.Err != nil || bin.Err != nil {
				t.Fatalf("%s::%s: %v %v", s, typ, text.Err, bin.Err)
			}
			got, ok := appendNumericText(nil, bin.Rows[0][0])
			if want := string(text.Rows[0][0]); !ok || string(got) != want {
				t.Errorf("%s::%s: binary read as %q (%v), PostgreSQL prints %q", s, typ, got, ok, want)
			}
		}
	}
	for _, bad := range [][]byte{nil, {0, 1, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0x12, 0x34, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff}} {
		if _, ok := appendNumericText(nil, bad); ok {
			t.Errorf("malformed %x read as a numeric", bad)
		}
	}
}
