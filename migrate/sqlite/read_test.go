package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
)

// valueCases are one column each: its declared type, a value as an SQL
// literal and the canonical bytes Read must give for it. SQLite stores
// what the column's affinity makes of the literal.
var valueCases = []struct {
	col, typ, literal, want string
}{
	{"i_max", "INTEGER", "9223372036854775807", "9223372036854775807"},
	{"i_min", "BIGINT", "-9223372036854775808", "-9223372036854775808"},
	{"i_text", "INTEGER", "'abc'", "abc"},
	{"i_numeric_text", "INTEGER", "'42'", "42"},
	{"i_real", "INTEGER", "1.5", "1.5"},
	{"f", "REAL", "1e-05", "1e-05"},
	{"f_pi", "DOUBLE", "3.141592653589793", "3.141592653589793"},
	{"f_whole", "REAL", "3", "3"},
	{"f_inf", "FLOAT", "9e999", "Infinity"},
	{"f_neg_inf", "FLOAT", "-9e999", "-Infinity"},
	{"dec", "DECIMAL(10,2)", "'12.50'", "12.5"},
	{"num", "NUMERIC", "10", "10"},
	{"t", "TEXT", "'héllo 😀 \"q\" \\'", "héllo 😀 \"q\" \\"},
	{"t_empty", "VARCHAR(5)", "''", ""},
	{"t_number", "TEXT", "5", "5"},
	{"b", "BLOB", "x'00ff5c27'", "\x00\xff\\'"},
	{"b_empty", "BLOB", "x''", ""},
	{"untyped_int", "", "7", "7"},
	{"untyped_text", "", "'x'", "x"},
	{"untyped_blob", "", "x'01'", "\x01"},
	{"flag", "BOOLEAN", "TRUE", "1"},
	{"d", "DATE", "'2024-02-29'", "2024-02-29"},
	{"d_with_time", "DATE", "'2024-02-29 23:00:00'", "2024-02-29"},
	{"d_junk", "DATE", "'soon'", "soon"},
	{"dt", "DATETIME", "'2024-02-29 12:34:56.789'", "2024-02-29 12:34:56.789"},
	{"dt_offset", "DATETIME", "'2024-02-29T12:34:56+05:30'", "2024-02-29 07:04:56+00"},
	{"dt_zulu", "DATETIME", "'2024-02-29T12:34:56.5Z'", "2024-02-29 12:34:56.5+00"},
	{"dt_minutes", "DATETIME", "'2024-02-29 12:34'", "2024-02-29 12:34:00+00"},
	{"dt_nanos", "DATETIME", "'2024-02-29 12:34:56.123456789'", "2024-02-29 12:34:56.123456+00"},
	{"dt_go_string", "DATETIME", "'2024-02-29 12:34:56.5 +0100 CET'", "2024-02-29 11:34:56.5+00"},
	{"dt_whole", "TIMESTAMP", "'2024-02-29 12:34:56'", "2024-02-29 12:34:56"},
	{"dt_junk", "DATETIME", "'not a date'", "not a date"},
	{"dt_unix", "DATETIME", "1709210096", "1709210096"},
	{"dt_precise", "DATETIME(6)", "'2024-02-29T12:34:56.123456'", "2024-02-29 12:34:56.123456+00"},
	{"j", "JSON", `'{"a": [1, 2]}'`, `{"a": [1, 2]}`},
}

// loadValues creates a table holding valueCases in row 1 and NULLs in
// row 2, and returns an open Source on it.
func loadValues(t *testing.T) *Source {
	t.Helper()
	cols, lits := []string{"id INTEGER PRIMARY KEY"}, []string{"1"}
	for _, c := range valueCases {
		cols = append(cols, c.col+" "+c.typ)
		lits = append(lits, c.literal)
	}
	return open(t, create(t, "values.db", `CREATE TABLE vals (`+strings.Join(cols, ", ")+`);
		INSERT INTO vals VALUES (`+strings.Join(lits, ", ")+`);
		INSERT INTO vals (id) VALUES (2);`))
}

func tables(t *testing.T, src *Source) map[string]*migrate.Table {
	t.Helper()
	schema, err := src.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*migrate.Table{}
	for i := range schema.Tables {
		out[schema.Tables[i].Name] = &schema.Tables[i]
	}
	return out
}

// readAll returns the rows q selects, copied.
func readAll(t *testing.T, src *Source, table *migrate.Table, q migrate.Query) [][][]byte {
	t.Helper()
	var out [][][]byte
	err := src.Read(context.Background(), table, q, func(row [][]byte) error {
		c := make([][]byte, len(row))
		for i, v := range row {
			if v != nil {
				c[i] = append([]byte{}, v...)
			}
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadGivesEveryStorageClassInCanonicalForm(t *testing.T) {
	src := loadValues(t)
	q := migrate.Query{Key: []string{"id"}, Ordered: true}
	for _, c := range valueCases {
		q.Columns = append(q.Columns, c.col)
	}
	rows := readAll(t, src, tables(t, src)["vals"], q)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for i, c := range valueCases {
		t.Run(c.col+" "+c.typ, func(t *testing.T) {
			if got := rows[0][i]; got == nil || string(got) != c.want {
				t.Errorf("%s %s = %q, want %q", c.typ, c.literal, got, c.want)
			}
			if rows[1][i] != nil {
				t.Errorf("NULL read as %q", rows[1][i])
			}
		})
	}
}

// loadShapes creates the tables the query shape tests read: items (a rowid
// alias 1..1000), pairs (a text and integer key), untyped (a key of columns
// declared with no type, holding integers), readings (an integer and
// DATETIME key), int_pk (INT PRIMARY KEY, not a rowid alias) and nokey.
func loadShapes(t *testing.T) (*Source, map[string]*migrate.Table) {
	t.Helper()
	src := open(t, create(t, "shapes.db", `
		CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000)
		INSERT INTO items SELECT n, 'item ' || n FROM g;
		CREATE TABLE pairs ("Group" TEXT, n INTEGER, v TEXT, PRIMARY KEY ("Group", n));
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 23),
			grp(s) AS (VALUES ('a'), ('B'), ('c d'), ('é'), (''))
		INSERT INTO pairs SELECT s, n, s || n FROM grp, g;
		CREATE TABLE untyped (a, b, PRIMARY KEY (a, b));
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 30)
		INSERT INTO untyped SELECT n % 3, n FROM g;
		INSERT INTO untyped VALUES (1, 'one'), (1, 2.5), (1, x'00');
		CREATE TABLE readings (sensor INTEGER, at DATETIME, v REAL, PRIMARY KEY (sensor, at));
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20)
		INSERT INTO readings SELECT n % 2, '2024-01-01T00:00:' || printf('%02d', n) || 'Z', n FROM g;
		CREATE TABLE int_pk (id INT PRIMARY KEY, v TEXT);
		INSERT INTO int_pk VALUES (1, 'a'), (2, 'b');
		CREATE TABLE nokey (v TEXT);
		INSERT INTO nokey VALUES ('x'), (NULL), ('x');`))
	return src, tables(t, src)
}

func ids(rows [][][]byte) []int {
	var out []int
	for _, r := range rows {
		n, _ := strconv.Atoi(string(r[0]))
		out = append(out, n)
	}
	return out
}

func span(lo, hi, step int) []int {
	var out []int
	for i := lo; i <= hi; i += step {
		out = append(out, i)
	}
	return out
}

func TestReadSelectsWhatEachQueryShapeAsks(t *testing.T) {
	src, tables := loadShapes(t)
	cols := []string{"id", "name"}
	tests := []struct {
		name string
		q    migrate.Query
		want []int
	}{
		{"a range includes both ends", migrate.Query{Columns: cols, Key: []string{"id"}, Range: true, Lo: 10, Hi: 20, Ordered: true}, span(10, 20, 1)},
		{"a filter restricts the rows", migrate.Query{Columns: cols, Filter: "id % 100 = 0", Key: []string{"id"}, Ordered: true}, span(100, 1000, 100)},
		{"a filter and a range combine", migrate.Query{Columns: cols, Filter: "id % 2 = 0", Key: []string{"id"}, Range: true, Lo: 1, Hi: 9, Ordered: true}, []int{2, 4, 6, 8}},
		{"after, ordered and limited is a keyset page", migrate.Query{Columns: cols, Key: []string{"id"}, After: [][]byte{[]byte("995")}, Ordered: true, Limit: 3}, []int{996, 997, 998}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(readAll(t, src, tables["items"], tt.q))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got ids %v, want %v", got, tt.want)
			}
		})
	}
}

// keysetAll reads table page by page as the loader does and returns the
// rows in the order read.
func keysetAll(t *testing.T, src *Source, table *migrate.Table, cols, key []string, limit int) [][][]byte {
	t.Helper()
	var all [][][]byte
	var after [][]byte
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("keyset pages never end")
		}
		q := migrate.Query{Columns: cols, Key: key, After: after, Ordered: true, Limit: limit}
		page := readAll(t, src, table, q)
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		after = page[len(page)-1][:len(key)]
	}
}

func TestKeysetPagesReadEveryRowOnce(t *testing.T) {
	src, tables := loadShapes(t)
	tests := []struct {
		name       string
		table      string
		cols, key  []string
		rows, want int
	}{
		{"on a text and integer key", "pairs", []string{"Group", "n"}, []string{"Group", "n"}, 7, 5 * 23},
		{"on untyped columns holding integers, reals, text and blobs", "untyped", []string{"a", "b"}, []string{"a", "b"}, 4, 33},
		{"on a DATETIME key, compared as stored", "readings", []string{"sensor", "at", "v"}, []string{"sensor", "at"}, 3, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := keysetAll(t, src, tables[tt.table], tt.cols, tt.key, tt.rows)
			seen := map[string]bool{}
			for _, r := range rows {
				seen[fmt.Sprintf("%q", r[:len(tt.key)])] = true
			}
			if len(rows) != tt.want || len(seen) != tt.want {
				t.Errorf("%d rows, %d distinct, want %d: %q", len(rows), len(seen), tt.want, rows)
			}
		})
	}
	t.Run("in key order", func(t *testing.T) {
		rows := keysetAll(t, src, tables["pairs"], []string{"Group", "n"}, []string{"Group", "n"}, 7)
		sorted := sort.SliceIsSorted(rows, func(i, j int) bool {
			if c := bytes.Compare(rows[i][0], rows[j][0]); c != 0 {
				return c < 0
			}
			a, _ := strconv.Atoi(string(rows[i][1]))
			b, _ := strconv.Atoi(string(rows[j][1]))
			return a < b
		})
		if !sorted {
			t.Errorf("rows out of key order: %q", rows)
		}
	})
}

func TestReadOfATableWithoutKeyReadsItWhole(t *testing.T) {
	src, tables := loadShapes(t)
	rows := readAll(t, src, tables["nokey"], migrate.Query{Columns: []string{"v"}})
	if len(rows) != 3 || rows[1][0] != nil {
		t.Errorf("rows %q, want x, NULL, x", rows)
	}
}

func TestReadStopsAtTheCallbacksError(t *testing.T) {
	src, tables := loadShapes(t)
	stop := errors.New("stop here")
	n := 0
	err := src.Read(context.Background(), tables["items"], migrate.Query{Columns: []string{"id"}}, func([][]byte) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("err %v after %d rows, want %v after 10", err, n, stop)
	}
	if rows := readAll(t, src, tables["items"], migrate.Query{Columns: []string{"id"}}); len(rows) != 1000 {
		t.Errorf("the next read got %d rows, want 1000", len(rows))
	}
}

func TestConcurrentReadsEachGetTheirRange(t *testing.T) {
	src, tables := loadShapes(t)
	const workers = 8
	var wg sync.WaitGroup
	sums := make([]int, workers)
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			q := migrate.Query{Columns: []string{"id", "name"}, Key: []string{"id"}, Range: true,
				Lo: int64(w*125 + 1), Hi: int64(w*125 + 125)}
			errs[w] = src.Read(context.Background(), tables["items"], q, func(row [][]byte) error {
				n, err := strconv.Atoi(string(row[0]))
				if string(row[1]) != "item "+string(row[0]) {
					return fmt.Errorf("row %q mixes two rows", row)
				}
				sums[w] += n
				return err
			})
		}(w)
	}
	wg.Wait()
	total := 0
	for w := range sums {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		total += sums[w]
	}
	if total != 1000*1001/2 {
		t.Errorf("sum of ids %d, want %d", total, 1000*1001/2)
	}
}

func TestEstimateAndKeyBounds(t *testing.T) {
	src, tables := loadShapes(t)
	ctx := context.Background()
	if n, err := src.Estimate(ctx, tables["items"]); err != nil || n != 1000 {
		t.Errorf("estimate: %d, %v; want 1000", n, err)
	}
	tests := []struct {
		table, filter string
		lo, hi        int64
		ok            bool
	}{
		{"items", "", 1, 1000, true},
		{"items", "id > 500", 501, 1000, true},
		{"items", "0", 0, 0, false},
		{"int_pk", "", 1, 2, true},
	}
	for _, tt := range tests {
		lo, hi, ok, err := src.KeyBounds(ctx, tables[tt.table], tt.filter)
		if err != nil || lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("%s filter %q: %d, %d, %v, %v; want %d, %d, %v", tt.table, tt.filter, lo, hi, ok, err, tt.lo, tt.hi, tt.ok)
		}
	}
	if _, _, _, err := src.KeyBounds(ctx, tables["pairs"], ""); err == nil {
		t.Error("key bounds of a two-column key: no error")
	}
}

func TestKeyBoundsRefusesKeysThatAreNotIntegers(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		want        error
	}{
		{"a text value in an INT key cannot be ranged over", "'abc'", migrate.ErrKeyOutOfRange},
		{"a real value in an INT key cannot be ranged over", "0.5", migrate.ErrKeyOutOfRange},
		{"a NULL in an INT key is an error", "NULL", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := open(t, create(t, "keys.db", `CREATE TABLE int_pk (id INT PRIMARY KEY, v TEXT);
				INSERT INTO int_pk VALUES (1, 'a'), (2, 'b'), (`+tt.value+`, 'odd');`))
			_, _, _, err := src.KeyBounds(context.Background(), tables(t, src)["int_pk"], "")
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
}

// BenchmarkRead reads a 200,000-row table of typical columns whole, as the
// loader reads a chunk: go test -bench Read -benchmem ./migrate/sqlite.
func BenchmarkRead(b *testing.B) {
	path := create(b, "bench.db", `CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER,
			total DECIMAL(12,2), placed DATETIME, note TEXT, paid BOOLEAN, blob BLOB);
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 200000)
		INSERT INTO orders SELECT n, n % 1000, n * 1.25, datetime('2024-01-01', '+' || n || ' minutes'),
			'order number ' || n, n % 2, x'0102030405' FROM g;`)
	src, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	schema, err := src.Schema(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	q := migrate.Query{Columns: []string{"id", "customer", "total", "placed", "note", "paid", "blob"}}
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		err := src.Read(context.Background(), &schema.Tables[0], q, func(row [][]byte) error {
			rows++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
