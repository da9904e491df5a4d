package load_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate/load"
)

// cell is one source value and what PostgreSQL must hold after the load,
// as value::text prints it in the UTC time zone. reject marks a value that
// cannot convert and must land in the reject file instead.
type cell struct {
	in, want string
	reject   bool
}

const null = "NULL"

// matrix is the type matrix (PostgreSQL prints the real nearest to -1.5e10
// as -1.5000001e+10: the same float MySQL holds), written from the MySQL and MariaDB reference
// manuals (data types chapter): every type at its edges, NULL in every
// column. Each entry becomes a table m_NAME (id, v TYPE).
var matrix = []struct {
	name, typ string
	cells     []cell
}{
	{"tinyint", "TINYINT", []cell{{"-128", "-128", false}, {"127", "127", false}, {"0", "0", false}, {null, null, false}}},
	{"tinyint_unsigned", "TINYINT UNSIGNED", []cell{{"0", "0", false}, {"255", "255", false}}},
	{"tinyint1", "TINYINT(1)", []cell{{"0", "false", false}, {"1", "true", false}, {"5", "true", false}, {"-1", "true", false}, {null, null, false}}},
	{"smallint", "SMALLINT", []cell{{"-32768", "-32768", false}, {"32767", "32767", false}}},
	{"smallint_unsigned", "SMALLINT UNSIGNED", []cell{{"65535", "65535", false}, {"0", "0", false}}},
	{"mediumint", "MEDIUMINT", []cell{{"-8388608", "-8388608", false}, {"8388607", "8388607", false}}},
	{"mediumint_unsigned", "MEDIUMINT UNSIGNED", []cell{{"16777215", "16777215", false}}},
	{"int", "INT", []cell{{"-2147483648", "-2147483648", false}, {"2147483647", "2147483647", false}, {null, null, false}}},
	{"int_unsigned", "INT UNSIGNED", []cell{{"4294967295", "4294967295", false}, {"0", "0", false}}},
	{"bigint", "BIGINT", []cell{{"-9223372036854775808", "-9223372036854775808", false}, {"9223372036854775807", "9223372036854775807", false}}},
	{"bigint_unsigned", "BIGINT UNSIGNED", []cell{{"18446744073709551615", "18446744073709551615", false}, {"0", "0", false}, {null, null, false}}},
	{"decimal", "DECIMAL(10,2)", []cell{{"-99999999.99", "-99999999.99", false}, {"99999999.99", "99999999.99", false}, {"12.5", "12.50", false}, {"0", "0.00", false}, {null, null, false}}},
	{"decimal_wide", "DECIMAL(65,30)", []cell{{"12345678901234567890123456789012345.123456789012345678901234567890", "12345678901234567890123456789012345.123456789012345678901234567890", false}, {"-0.000000000000000000000000000001", "-0.000000000000000000000000000001", false}}},
	{"decimal_int", "DECIMAL(5,0)", []cell{{"-99999", "-99999", false}, {"42", "42", false}}},
	{"float", "FLOAT", []cell{{"3.14", "3.14", false}, {"-1.5e10", "-1.5000001e+10", false}, {"0", "0", false}, {null, null, false}}},
	{"double", "DOUBLE", []cell{{"1.7976931348623157e308", "1.7976931348623157e+308", false}, {"2.2250738585072014e-308", "2.2250738585072014e-308", false}, {"0.1", "0.1", false}, {"-123.456", "-123.456", false}}},
	{"bit1", "BIT(1)", []cell{{"b'1'", "true", false}, {"b'0'", "false", false}, {null, null, false}}},
	{"bit8", "BIT(8)", []cell{{"b'10100101'", "10100101", false}, {"b'0'", "00000000", false}}},
	{"bit9", "BIT(9)", []cell{{"b'100000001'", "100000001", false}}},
	{"bit64", "BIT(64)", []cell{{"b'" + strings.Repeat("1", 64) + "'", strings.Repeat("1", 64), false}, {"b'101'", strings.Repeat("0", 61) + "101", false}}},
	{"year", "YEAR", []cell{{"1901", "1901", false}, {"2155", "2155", false}, {"0", "0", false}, {null, null, false}}},
	{"varchar_utf8mb4", "VARCHAR(20) CHARACTER SET utf8mb4", []cell{{"'héllo 😀'", "héllo 😀", false}, {"''", "", false}, {"'a\\tb\\nc\\\\d'", "a\tb\nc\\d", false}, {null, null, false}}},
	{"varchar_nul", "VARCHAR(10)", []cell{{"CONCAT('a', CHAR(0), 'b')", "ab", false}}},
	{"char", "CHAR(5)", []cell{{"'ab'", "ab", false}, {"''", "", false}, {"'abcde'", "abcde", false}}},
	{"latin1", "VARCHAR(20) CHARACTER SET latin1", []cell{{"_latin1 x'636166e9'", "café", false}, {"_latin1 x'80a3'", "€£", false}, {"_latin1 x'9f'", "Ÿ", false}}},
	{"text", "TEXT", []cell{{"'📦 text'", "📦 text", false}, {"CONCAT('x', CHAR(0))", "x", false}, {null, null, false}}},
	{"longtext_huge", "LONGTEXT", []cell{{"REPEAT('ab', 500000)", strings.Repeat("ab", 500000), false}}},
	{"binary", "BINARY(4)", []cell{{"x'00ff0102'", `\x00ff0102`, false}, {"x'01'", `\x01000000`, false}}},
	{"varbinary", "VARBINARY(10)", []cell{{"x''", `\x`, false}, {"x'e9'", `\xe9`, false}, {null, null, false}}},
	{"blob_huge", "MEDIUMBLOB", []cell{{"REPEAT(x'00ff', 300000)", `\x` + strings.Repeat("00ff", 300000), false}}},
	{"date", "DATE", []cell{{"'1000-01-01'", "1000-01-01", false}, {"'9999-12-31'", "9999-12-31", false}, {"'2024-02-29'", "2024-02-29", false}, {"'0000-00-00'", null, false}, {"'2020-00-15'", null, false}}},
	{"date_not_null", "DATE NOT NULL", []cell{{"'2020-01-01'", "2020-01-01", false}, {"'0000-00-00'", "", true}}},
	{"datetime", "DATETIME", []cell{{"'1000-01-01 00:00:00'", "1000-01-01 00:00:00+00", false}, {"'9999-12-31 23:59:59'", "9999-12-31 23:59:59+00", false}, {"'0000-00-00 00:00:00'", null, false}}},
	{"datetime6", "DATETIME(6)", []cell{{"'2024-01-02 03:04:05.123456'", "2024-01-02 03:04:05.123456+00", false}, {"'2024-01-02 03:04:05.000001'", "2024-01-02 03:04:05.000001+00", false}}},
	{"timestamp3", "TIMESTAMP(3) NULL", []cell{{"'2038-01-19 03:14:07.999'", "2038-01-19 03:14:07.999+00", false}, {"'1970-01-01 00:00:01'", "1970-01-01 00:00:01+00", false}, {null, null, false}}},
	{"time", "TIME", []cell{{"'00:00:00'", "00:00:00", false}, {"'23:59:59'", "23:59:59", false}, {"'-01:00:00'", "", true}, {"'838:59:59'", "", true}}},
	{"time1", "TIME(1)", []cell{{"'12:34:56.5'", "12:34:56.5", false}}},
	{"enum", "ENUM('a','b c','it''s','', 'Ünï')", []cell{{"'b c'", "b c", false}, {"'it''s'", "it's", false}, {"''", "", false}, {"'Ünï'", "Ünï", false}, {null, null, false}}},
	{"set", "SET('x','y z','w')", []cell{{"'x,w'", "{x,w}", false}, {"''", "{}", false}, {"'y z'", `{"y z"}`, false}, {null, null, false}}},
	{"json", "JSON", []cell{{`'{"b": 1, "a": [1, 2.5, "é"]}'`, `{"a": [1, 2.5, "é"], "b": 1}`, false}, {"'[]'", "[]", false}, {"'null'", "null", false}, {null, null, false}}},
	{"point", "POINT", []cell{{"POINT(1.5, -2)", "(1.5,-2)", false}, {"ST_GeomFromText('POINT(3 4)', 4326)", "(3,4)", false}, {null, null, false}}},
	{"geometry", "GEOMETRY", []cell{{"POINT(0, 0)", "(0,0)", false}, {"ST_GeomFromText('LINESTRING(0 0, 1 1)')", "", true}}},
}

// loadMatrix creates the matrix in MariaDB; zero dates need a lax sql_mode.
func loadMatrix(t *testing.T) string {
	t.Helper()
	m := testdb.SharedMariaDB(t)
	name := m.NewDatabase(t)
	db, err := sql.Open("mysql", m.DSN+name+"?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	b.WriteString("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'; SET SESSION time_zone = '+00:00';\n")
	for _, m := range matrix {
		fmt.Fprintf(&b, "CREATE TABLE m_%s (id INT PRIMARY KEY, v %s) DEFAULT CHARSET=utf8mb4;\n", m.name, m.typ)
		for i, c := range m.cells {
			fmt.Fprintf(&b, "INSERT INTO m_%s VALUES (%d, %s);\n", m.name, i, c.in)
		}
	}
	if _, err := db.Exec(b.String()); err != nil {
		t.Fatalf("matrix: %v", err)
	}
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", m.Port, name)
}

func TestEveryValueOfTheTypeMatrixArrivesAsPostgreSQLShouldHoldIt(t *testing.T) {
	ctx := context.Background()
	src, target := loadMatrix(t), testdb.SharedPostgres(t).NewDatabase(t)
	dir := t.TempDir()
	sum, err := runLoad(ctx, src, target, load.Options{OnError: load.Skip, RejectDir: dir, ChunkRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	pg, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	if _, err := pg.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	wantRejects := 0
	for _, m := range matrix {
		got := map[int]string{}
		rows, err := pg.Query(ctx, fmt.Sprintf("SELECT id, coalesce(v::text, 'NULL') FROM m_%s", m.name))
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		for rows.Next() {
			var id int
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			got[id] = v
		}
		rows.Close()
		for i, c := range m.cells {
			v, ok := got[i]
			switch {
			case c.reject:
				wantRejects++
				if ok {
					t.Errorf("%s (%s) row %d: %s loaded as %q, want it rejected", m.name, m.typ, i, c.in, short(v))
				}
			case !ok:
				t.Errorf("%s (%s) row %d: %s missing in the target", m.name, m.typ, i, c.in)
			case v != c.want:
				t.Errorf("%s (%s) row %d: %s became %q, want %q", m.name, m.typ, i, short(c.in), short(v), short(c.want))
			}
		}
	}
	if sum.Rejected != int64(wantRejects) {
		t.Errorf("%d rows rejected, want %d", sum.Rejected, wantRejects)
	}
	checkRejectFiles(t, dir)
}

func short(s string) string {
	if len(s) > 80 {
		return s[:60] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// checkRejectFiles expects one line per rejected matrix value, naming the
// row's key, the column and a reason.
func checkRejectFiles(t *testing.T, dir string) {
	t.Helper()
	want := map[string]bool{}
	for _, m := range matrix {
		for i, c := range m.cells {
			if c.reject {
				want[fmt.Sprintf("m_%s id=%q", m.name, fmt.Sprint(i))] = true
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.rejects.jsonl"))
	got := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var r load.RejectRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if r.Column != "v" || r.Reason == "" {
				t.Errorf("reject %+v: want column v and a reason", r)
			}
			got[r.Table+" "+r.Key] = true
		}
	}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		t.Errorf("reject files name %v, want %v", sorted(got), sorted(want))
	}
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
