package verify_test

import (
	"crypto/md5"
	"encoding/hex"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/verify"
)

// itemsSQLite is the legacy side of the SQLite scenarios: 2,000 items with SQLite's usual declared
// types (which SQLite does not enforce: the values are stored as written), and tags keyed by text.
const itemsSQLite = `
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  code CHAR(5),
  note TEXT,
  price DECIMAL(10,2),
  ratio REAL,
  created DATETIME NOT NULL,
  day DATE,
  data BLOB,
  flag BOOLEAN NOT NULL,
  extra
);
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 2000)
INSERT INTO items SELECT n, 'item ' || n, 'c' || (n % 100), CASE WHEN n % 10 = 0 THEN NULL ELSE substr('nnnnnnn', 1, n % 7) END,
  n / 4.0, round(n / 7.0, 4), datetime('2020-01-01', '+' || (n * 7919) || ' seconds'), date('2021-01-01', '+' || n || ' days'),
  X'00112233445566778899aabbccddeeff', n % 3 = 0, CASE WHEN n % 2 = 0 THEN n ELSE 'x' || n END
FROM seq;
CREATE TABLE tags (name TEXT PRIMARY KEY, hits INTEGER NOT NULL);
INSERT INTO tags VALUES ('alpha', 1), ('Beta', 2), ('gamma', 3), ('a', 4), ('B', 5), ('zeta', 6);
CREATE TABLE log (msg TEXT, at DATETIME);
INSERT INTO log VALUES ('start', '2021-06-01 10:00:00'), ('start', '2021-06-01 10:00:00'), ('stop', '2021-06-01 11:00:00');
`

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Every kind of difference, with an SQLite source migrated by the real loader: exactly the changed
// rows are reported, with the values as the target holds them.
func TestSQLiteSourceEachKindOfDifferenceIsReportedExactly(t *testing.T) {
	source := sqliteSource(t, itemsSQLite)
	blob := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	changed := append([]byte{}, blob...)
	changed[3] = 0
	cases := []struct {
		name, change string
		want         []string
	}{
		{"nothing changed", ``, nil},
		{"a column updated", `UPDATE items SET name = 'renamed' WHERE id = 17`,
			want(`items changed id="17": name "item 17" -> "renamed"`)},
		{"a row deleted", `DELETE FROM items WHERE id = 42`, want(`items missing id="42"`)},
		{"a row inserted", `INSERT INTO items SELECT 5000, name, code, note, price, ratio, created, day, data, flag, extra FROM items WHERE id = 1`,
			want(`items extra id="5000"`)},
		{"NULL became the empty string", `UPDATE items SET note = '' WHERE id = 20`,
			want(`items changed id="20": note NULL -> ""`)},
		{"the empty string became NULL", `UPDATE items SET note = NULL WHERE id = 21`,
			want(`items changed id="21": note "" -> NULL`)},
		{"a real rounded", `UPDATE items SET ratio = 0.14 WHERE id = 1`,
			want(`items changed id="1": ratio "0.1429" -> "0.14"`)},
		{"a decimal changed in the last digit", `UPDATE items SET price = price + 0.01 WHERE id = 5`,
			want(`items changed id="5": price "1.25" -> "1.26"`)},
		{"a timestamp shifted by an hour", `UPDATE items SET created = created + interval '1 hour' WHERE id = 123`,
			want(`items changed id="123": created "2020-01-12 06:33:57.000000" -> "2020-01-12 07:33:57.000000"`)},
		{"a date moved by a day", `UPDATE items SET day = day + 1 WHERE id = 7`,
			want(`items changed id="7": day "2021-01-08" -> "2021-01-09"`)},
		{"trailing spaces added to a CHAR (text in the target)", `UPDATE items SET code = code || '  ' WHERE id = 8`,
			want(`items changed id="8": code "c8" -> "c8  "`)},
		{"a byte of a blob changed", `UPDATE items SET data = set_byte(data, 3, 0) WHERE id = 200`,
			want(`items changed id="200": data "(16 bytes, md5 ` + md5Hex(blob) + `)" -> "(16 bytes, md5 ` + md5Hex(changed) + `)"`)},
		{"a boolean flipped", `UPDATE items SET flag = NOT flag WHERE id = 3`,
			want(`items changed id="3": flag "true" -> "false"`)},
		{"an untyped value changed", `UPDATE items SET extra = 'x' WHERE id = 4`,
			want(`items changed id="4": extra "4" -> "x"`)},
		{"the case of a text key changed", `UPDATE tags SET name = 'Alpha' WHERE name = 'alpha'`,
			want(`tags extra name="Alpha"`, `tags missing name="alpha"`)},
		{"one of two identical keyless rows deleted", `DELETE FROM log WHERE ctid = (SELECT min(ctid) FROM log WHERE msg = 'start')`,
			want(`log missing msg="start",at="2021-06-01 10:00:00.000000"`)},
		{"several at once", `DELETE FROM items WHERE id IN (1000, 2000); UPDATE items SET note = 'z' WHERE id = 1999; DELETE FROM tags WHERE name = 'B'`,
			want(`items missing id="1000"`, `items missing id="2000"`, `items changed id="1999": note "nnnn" -> "z"`, `tags missing name="B"`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := migrated(t, source, migrate.Overrides{})
			if tc.change != "" {
				f.pg(t, tc.change)
			}
			res := f.verify(t, verify.Options{NoStore: true})
			sameDifferences(t, res, tc.want, "ficus") // an SQLite source is always hashed in ficus
		})
	}
}
