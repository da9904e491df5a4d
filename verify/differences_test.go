package verify_test

import (
	"testing"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/verify"
)

// The legacy side of the difference scenarios: 3,000 items with a value of every common kind, and
// tags keyed by a string.
const itemsMySQL = `
CREATE TABLE items (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  label VARCHAR(20),
  code CHAR(5),
  padded CHAR(5),
  price DECIMAL(10,2),
  weight DOUBLE,
  ratio FLOAT,
  created DATETIME(6) NOT NULL,
  note TEXT,
  body MEDIUMTEXT,
  data BLOB,
  flag TINYINT(1) NOT NULL
) DEFAULT CHARSET=utf8mb4;
INSERT INTO items SELECT seq, CONCAT('item ', seq), CONCAT('L', seq), CONCAT('c', seq % 100), CONCAT('p', seq % 10),
  seq / 4, seq * 1.1 + 0.123456789, ROUND(seq / 7, 4),
  TIMESTAMP('2020-01-01') + INTERVAL seq * 7919 SECOND + INTERVAL seq MICROSECOND,
  IF(seq % 10 = 0, NULL, REPEAT('n', seq % 7)), IF(seq % 100 = 1, REPEAT('ab', 200), 'short'),
  UNHEX(MD5(seq)), seq % 3 = 0
FROM seq_1_to_3000;
CREATE TABLE tags (
  name VARCHAR(20) NOT NULL PRIMARY KEY,
  hits INT NOT NULL
) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci;
INSERT INTO tags VALUES ('alpha', 1), ('Beta', 2), ('gamma', 3), ('a', 4), ('B', 5), ('zeta', 6);
`

// itemsPostgres fills the target with what the migration of itemsMySQL holds.
const itemsPostgres = `
INSERT INTO items SELECT i, 'item ' || i, 'L' || i, 'c' || (i % 100), 'p' || (i % 10), round(i / 4.0, 2),
  (i * 1.1 + 0.123456789)::float8, round(i / 7.0, 4)::real,
  timestamptz '2020-01-01 00:00:00+00' + i * 7919 * interval '1 second' + i * interval '1 microsecond',
  CASE WHEN i % 10 = 0 THEN NULL ELSE repeat('n', i % 7) END, CASE WHEN i % 100 = 1 THEN repeat('ab', 200) ELSE 'short' END,
  decode(md5(i::text), 'hex'), i % 3 = 0
FROM generate_series(1, 3000) i;
INSERT INTO tags VALUES ('alpha', 1), ('Beta', 2), ('gamma', 3), ('a', 4), ('B', 5), ('zeta', 6);
`

// itemsOverrides casts padded (CHAR(5)) to varchar(5), so that trailing spaces in the target count.
var itemsOverrides = migrate.Overrides{Tables: map[string]migrate.TableOverride{
	"items": {Columns: map[string]migrate.ColumnOverride{"padded": {Cast: "varchar(5)"}}},
}}

func TestEachKindOfDifferenceIsReportedExactly(t *testing.T) {
	source := mariaSource(t, itemsMySQL)
	cases := []struct {
		name, change string
		want         []string
	}{
		{"nothing changed", ``, nil},
		{"a column updated", `UPDATE items SET name = 'renamed' WHERE id = 17`,
			want(`items changed id="17": name "item 17" -> "renamed"`)},
		{"a row deleted", `DELETE FROM items WHERE id = 42`, want(`items missing id="42"`)},
		{"a row inserted", `INSERT INTO items SELECT 5000, name, label, code, padded, price, weight, ratio, created, note, body, data, flag FROM items WHERE id = 1`,
			want(`items extra id="5000"`)},
		{"NULL became the empty string", `UPDATE items SET note = '' WHERE id = 20`,
			want(`items changed id="20": note NULL -> ""`)},
		{"the empty string became NULL", `UPDATE items SET note = NULL WHERE id = 21`,
			want(`items changed id="21": note "" -> NULL`)},
		{"a double rounded", `UPDATE items SET weight = round(weight::numeric, 2) WHERE id = 99`,
			want(`items changed id="99": weight "109.023456789" -> "109.02"`)},
		{"a real rounded", `UPDATE items SET ratio = 0.14 WHERE id = 1`,
			want(`items changed id="1": ratio "0.1429" -> "0.14"`)},
		{"a timestamp shifted by an hour", `UPDATE items SET created = created + interval '1 hour' WHERE id = 123`,
			want(`items changed id="123": created "2020-01-12 06:33:57.000123" -> "2020-01-12 07:33:57.000123"`)},
		{"trailing spaces added to a CHAR cast to varchar", `UPDATE items SET padded = padded || '  ' WHERE id = 8`,
			want(`items changed id="8": padded "p8" -> "p8  "`)},
		{"trailing spaces added to a varchar", `UPDATE items SET label = label || ' ' WHERE id = 9`,
			want(`items changed id="9": label "L9" -> "L9 "`)},
		{"a byte of a blob changed", `UPDATE items SET data = set_byte(data, 3, 0) WHERE id = 200`,
			want(`items changed id="200": data "(16 bytes, md5 bbce8354111520c1a98647d3cf7b2149)" -> "(16 bytes, md5 0f7b1b16c2a9a32e2f34169bb41fc48f)"`)},
		{"a long text changed", `UPDATE items SET body = body || 'c' WHERE id = 301`,
			want(`items changed id="301": body "(400 bytes, md5 4b7bf836d3860423e82b8073c4bd6495)" -> "(401 bytes, md5 4afa34eaa8adb1773ce0e920927aeb30)"`)},
		{"a boolean flipped", `UPDATE items SET flag = NOT flag WHERE id = 3`,
			want(`items changed id="3": flag "true" -> "false"`)},
		{"the case of a string key changed", `UPDATE tags SET name = 'Alpha' WHERE name = 'alpha'`,
			want(`tags extra name="Alpha"`, `tags missing name="alpha"`)},
		{"several at once", `DELETE FROM items WHERE id IN (1000, 2000); UPDATE items SET price = 0 WHERE id = 2999; DELETE FROM tags WHERE name = 'B'`,
			want(`items missing id="1000"`, `items missing id="2000"`, `items changed id="2999": price "749.75" -> "0.00"`, `tags missing name="B"`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, source, itemsOverrides)
			f.pg(t, itemsPostgres)
			f.keys(t)
			if tc.change != "" {
				f.pg(t, tc.change)
			}
			for _, mode := range modes {
				t.Run("hashed in "+string(mode), func(t *testing.T) {
					res := f.verify(t, verify.Options{HashIn: mode, NoStore: true})
					sameDifferences(t, res, tc.want, string(mode))
				})
			}
		})
	}
}
