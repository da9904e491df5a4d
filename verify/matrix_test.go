package verify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/load"
	"github.com/ficus-dev/ficus/verify"
)

// matrix is a broad type matrix, from the MySQL and MariaDB data type chapters: every numeric type
// at its limits, signed and unsigned; strings in utf8mb4 (emoji), latin1 and binary; NULL in every
// column; zero dates, fractional seconds, enum and set with odd labels, JSON written in different
// key orders and number spellings, bit, geometry. Each entry is a table m_NAME (id, v TYPE). A row
// whose value PostgreSQL cannot hold is rejected by the load; the verification must report those
// rows, and only those, as missing.
var matrix = []struct {
	name, typ string
	values    []string
	rejected  []int // indexes of values the load rejects
}{
	{"tinyint", "TINYINT", []string{"-128", "127", "0", "NULL"}, nil},
	{"tinyint_unsigned", "TINYINT UNSIGNED", []string{"0", "255"}, nil},
	{"tinyint1", "TINYINT(1)", []string{"0", "1", "5", "-1", "NULL"}, nil},
	{"smallint", "SMALLINT", []string{"-32768", "32767"}, nil},
	{"smallint_unsigned", "SMALLINT UNSIGNED", []string{"65535", "0"}, nil},
	{"mediumint", "MEDIUMINT", []string{"-8388608", "8388607"}, nil},
	{"mediumint_unsigned", "MEDIUMINT UNSIGNED", []string{"16777215"}, nil},
	{"int", "INT", []string{"-2147483648", "2147483647", "NULL"}, nil},
	{"int_unsigned", "INT UNSIGNED", []string{"4294967295", "0"}, nil},
	{"bigint", "BIGINT", []string{"-9223372036854775808", "9223372036854775807"}, nil},
	{"bigint_unsigned", "BIGINT UNSIGNED", []string{"18446744073709551615", "0", "NULL"}, nil},
	{"decimal", "DECIMAL(10,2)", []string{"-99999999.99", "99999999.99", "12.5", "0", "-0.001", "NULL"}, nil},
	{"decimal_wide", "DECIMAL(65,30)", []string{"12345678901234567890123456789012345.123456789012345678901234567890", "-0.000000000000000000000000000001"}, nil},
	{"decimal_int", "DECIMAL(5,0)", []string{"-99999", "42"}, nil},
	{"float", "FLOAT", []string{"3.14159265", "-1.5e10", "0", "1.17549e-38", "3.40282e38", "NULL"}, nil},
	{"double", "DOUBLE", []string{"1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324", "0.1", "-123.456", "1e15", "123456789012345678", "NULL"}, nil},
	{"bit1", "BIT(1)", []string{"b'1'", "b'0'", "NULL"}, nil},
	{"bit8", "BIT(8)", []string{"b'10100101'", "b'0'"}, nil},
	{"bit64", "BIT(64)", []string{"b'" + strings.Repeat("1", 64) + "'", "b'101'"}, nil},
	{"year", "YEAR", []string{"1901", "2155", "0", "NULL"}, nil},
	{"varchar_utf8mb4", "VARCHAR(20) CHARACTER SET utf8mb4", []string{"'héllo 😀'", "''", "'a\\tb\\nc\\\\d|e:5'", "'N'", "NULL"}, nil},
	{"varchar_nul", "VARCHAR(10)", []string{"CONCAT('a', CHAR(0), 'b')"}, nil},
	{"char", "CHAR(5)", []string{"'ab'", "''", "'abcde'", "'ab  '"}, nil},
	{"latin1", "VARCHAR(20) CHARACTER SET latin1", []string{"_latin1 x'636166e9'", "_latin1 x'80a3'", "_latin1 x'9f81'"}, nil},
	{"text", "TEXT", []string{"'📦 text'", "CONCAT('x', CHAR(0))", "REPEAT('é', 300)", "NULL"}, nil},
	{"longtext_huge", "LONGTEXT", []string{"REPEAT('ab', 500000)"}, nil},
	{"binary", "BINARY(4)", []string{"x'00ff0102'", "x'01'"}, nil},
	{"varbinary", "VARBINARY(10)", []string{"x''", "x'e9'", "NULL"}, nil},
	{"blob_huge", "MEDIUMBLOB", []string{"REPEAT(x'00ff', 300000)", "x''"}, nil},
	{"date", "DATE", []string{"'1000-01-01'", "'9999-12-31'", "'2024-02-29'", "'0000-00-00'", "'2020-00-15'", "NULL"}, nil},
	{"datetime", "DATETIME", []string{"'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'", "'0000-00-00 00:00:00'"}, nil},
	{"datetime6", "DATETIME(6)", []string{"'2024-01-02 03:04:05.123456'", "'2024-01-02 03:04:05.000001'"}, nil},
	{"timestamp3", "TIMESTAMP(3) NULL", []string{"'2038-01-19 03:14:07.999'", "'1970-01-01 00:00:01'", "NULL"}, nil},
	{"time", "TIME", []string{"'00:00:00'", "'23:59:59'", "'-01:00:00'", "'838:59:59'"}, []int{2, 3}},
	{"time1", "TIME(1)", []string{"'12:34:56.5'"}, nil},
	{"enum", "ENUM('a','b c','it''s','', 'Ünï', 'x,y')", []string{"'b c'", "'it''s'", "''", "'Ünï'", "'x,y'", "NULL"}, nil},
	{"set", "SET('x','y z','w','\"q\"')", []string{"'x,w'", "''", "'y z'", "'\"q\",x'", "NULL"}, nil},
	{"json", "JSON", []string{`'{"b": 1, "a": [1, 2.50, "é"]}'`, `'{"a":[1,2.5,"\\u00e9"],"b":1}'`, "'[]'", "'null'", `'{"k": 1e2, "k2": -0.0}'`, "NULL"}, nil},
	{"point", "POINT", []string{"POINT(1.5, -2)", "ST_GeomFromText('POINT(3 4)', 4326)", "POINT(0.1, 1e300)", "NULL"}, nil},
	{"geometry", "GEOMETRY", []string{"POINT(0, 0)", "ST_GeomFromText('LINESTRING(0 0, 1 1)')"}, []int{1}},
}

// keyed tables beyond the matrix: composite and string keys, and a table without a key.
const matrixKeyed = `
CREATE TABLE k_composite (region VARCHAR(10) NOT NULL, n INT NOT NULL, v VARCHAR(10), PRIMARY KEY (region, n)) DEFAULT CHARSET=utf8mb4;
INSERT INTO k_composite SELECT ELT(1 + seq % 4, 'a', 'B', 'c', 'É'), seq, CONCAT('v', seq) FROM seq_1_to_2000;
CREATE TABLE k_string (code VARCHAR(20) NOT NULL PRIMARY KEY, v INT) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci;
INSERT INTO k_string SELECT CONCAT(ELT(1 + seq % 3, 'a', 'B', 'ä'), seq), seq FROM seq_1_to_3000;
CREATE TABLE k_datetime (at DATETIME(6) NOT NULL PRIMARY KEY, v INT);
INSERT INTO k_datetime SELECT TIMESTAMP('2021-03-04') + INTERVAL seq SECOND + INTERVAL seq MICROSECOND, seq FROM seq_1_to_500;
CREATE TABLE k_huge (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v VARCHAR(10));
INSERT INTO k_huge VALUES (1, 'one'), (9223372036854775807, 'max signed'), (18446744073709551615, 'max unsigned');
CREATE TABLE k_none (msg TEXT, at DATETIME, n DOUBLE);
INSERT INTO k_none SELECT CONCAT('event ', seq % 50), TIMESTAMP('2021-06-01') + INTERVAL (seq % 7) SECOND, seq % 3 / 10 FROM seq_1_to_1500;
CREATE TABLE k_empty (id INT PRIMARY KEY, v INT);
`

func matrixSQL() string {
	var b strings.Builder
	for _, m := range matrix {
		fmt.Fprintf(&b, "CREATE TABLE m_%s (id INT PRIMARY KEY, v %s) DEFAULT CHARSET=utf8mb4;\n", m.name, m.typ)
		for i, v := range m.values {
			fmt.Fprintf(&b, "INSERT INTO m_%s VALUES (%d, %s);\n", m.name, i, v)
		}
	}
	return b.String() + matrixKeyed
}

// migrated loads the source into a fresh target with the real loader, rejecting what does not
// convert.
func migrated(t *testing.T, source string, o migrate.Overrides) *fixture {
	t.Helper()
	f := newFixture(t, source, o)
	f.pg(t, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") // the loader creates the tables itself
	_, err := load.Run(context.Background(), load.Options{Source: f.src, Plan: f.plan, Target: f.target,
		OnError: load.Skip, RejectDir: t.TempDir(), ChunkRows: 700})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return f
}

func TestNoDifferenceAfterMigratingTheTypeMatrix(t *testing.T) {
	f := migrated(t, mariaSource(t, matrixSQL()), migrate.Overrides{})
	var wantLines []string
	for _, m := range matrix {
		for _, i := range m.rejected {
			wantLines = append(wantLines, fmt.Sprintf(`m_%s missing id="%d"`, m.name, i))
		}
	}
	for _, mode := range modes {
		t.Run("hashed in "+string(mode), func(t *testing.T) {
			res := f.verify(t, verify.Options{HashIn: mode, NoStore: true})
			sameLines(t, summary(res), want(wantLines...))
			for _, tr := range res.Tables {
				for _, r := range tr.Missing {
					if !strings.HasPrefix(r.Note, "rejected by the load: ") {
						t.Errorf("%s missing %s: note %q, want the load's reason", tr.Source, keyString(r.Key), r.Note)
					}
				}
			}
		})
	}
}
