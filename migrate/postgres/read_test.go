package postgres

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

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
)

// valueCases are one column each: its type, a value as an SQL literal and
// the canonical bytes Read must give for it.
var valueCases = []struct {
	col, typ, literal, want string
}{
	{"i2", "smallint", "-32768", "-32768"},
	{"i4", "integer", "2147483647", "2147483647"},
	{"i8", "bigint", "-9223372036854775808", "-9223372036854775808"},
	{"num", "numeric(20,5)", "123456789012345.12345", "123456789012345.12345"},
	{"num_neg", "numeric", "'-0.50'", "-0.50"},
	{"num_nan", "numeric", "'NaN'", "NaN"},
	{"f4", "real", "3.4028235e38", "3.4028235e+38"},
	{"f8", "double precision", "1e-05", "1e-05"},
	{"f8_pi", "double precision", "3.141592653589793", "3.141592653589793"},
	{"f8_inf", "double precision", "'-Infinity'", "-Infinity"},
	{"f8_nan", "double precision", "'NaN'", "NaN"},
	{"cash", "money", "12.34", "$12.34"},
	{"c3", "character(3)", "'ab'", "ab "},
	{"vc", "varchar(10)", "'héllo 😀'", "héllo 😀"},
	{"t", "text", `'tab	"q" \ back'`, "tab\t\"q\" \\ back"},
	{"t_empty", "text", "''", ""},
	{"qc", `"char"`, "'x'", "x"},
	{"b", "bytea", `'\x00ff5c27'`, "\x00\xff\\'"},
	{"b_empty", "bytea", "''", ""},
	{"flag_t", "boolean", "true", "t"},
	{"flag_f", "boolean", "false", "f"},
	{"d", "date", "'2024-02-29'", "2024-02-29"},
	{"d_bc", "date", "'0044-03-15 BC'", "0044-03-15 BC"},
	{"d_inf", "date", "'infinity'", "infinity"},
	{"tm", "time", "'23:59:59.999999'", "23:59:59.999999"},
	{"tmtz", "time with time zone", "'10:00:00+05:30'", "10:00:00+05:30"},
	{"ts", "timestamp", "'2024-02-29 12:34:56.789'", "2024-02-29 12:34:56.789"},
	{"tstz", "timestamptz", "'2024-02-29 12:34:56.789+05:30'", "2024-02-29 07:04:56.789+00"},
	{"iv", "interval", "'1 year 2 mons 3 days 04:05:06.5'", "1 year 2 mons 3 days 04:05:06.5"},
	{"u", "uuid", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
	{"j", "json", `'{"b": 1,  "a": [1, 2]}'`, `{"b": 1,  "a": [1, 2]}`},
	{"jb", "jsonb", `'{"b": 1, "a": [1, 2]}'`, `{"a": [1, 2], "b": 1}`},
	{"x", "xml", "'<a>1</a>'", "<a>1</a>"},
	{"ip", "inet", "'192.168.0.1/24'", "192.168.0.1/24"},
	{"mac", "macaddr", "'08:00:2B:01:02:03'", "08:00:2b:01:02:03"},
	{"bits", "bit(4)", "B'1010'", "1010"},
	{"pt", "point", "'(1.5,-2)'", "(1.5,-2)"},
	{"r", "int4range", "'[1,10]'", "[1,11)"},
	{"tsv", "tsvector", "'b a'", "'a' 'b'"},
	{"ints", "integer[]", "'{1,NULL,3}'", "{1,NULL,3}"},
	{"texts", "text[]", `ARRAY['a b', 'c,d', '"q"']`, `{"a b","c,d","\"q\""}`},
	{"m", "mood", "'happy'", "happy"},
	{"ms", "mood[]", "'{sad,happy}'", "{sad,happy}"},
}

// loadValues creates a table holding valueCases in row 1 and NULLs in
// row 2, and returns an open Source on it.
func loadValues(t *testing.T) *Source {
	t.Helper()
	url := testdb.SharedPostgres(t).NewDatabase(t)
	cols, lits := []string{"id integer PRIMARY KEY"}, []string{"1"}
	for _, c := range valueCases {
		cols = append(cols, c.col+" "+c.typ)
		lits = append(lits, c.literal)
	}
	exec(t, url, `CREATE TYPE mood AS ENUM ('sad', 'happy');
		CREATE TABLE vals (`+strings.Join(cols, ", ")+`);
		INSERT INTO vals VALUES (`+strings.Join(lits, ", ")+`);
		INSERT INTO vals (id) VALUES (2);`)
	return open(t, url)
}

func tableOf(t *testing.T, src *Source, name string) *migrate.Table {
	t.Helper()
	schema, err := src.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range schema.Tables {
		if schema.Tables[i].Name == name {
			return &schema.Tables[i]
		}
	}
	t.Fatalf("no table %s", name)
	return nil
}

// readAll returns the rows q selects, copied.
func readAll(t *testing.T, src *Source, table *migrate.Table, q migrate.Query) [][][]byte {
	t.Helper()
	var out [][][]byte
	err := src.Read(context.Background(), table, q, func(row [][]byte) error {
		out = append(out, copyRow(row))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func copyRow(row [][]byte) [][]byte {
	c := make([][]byte, len(row))
	for i, v := range row {
		if v != nil {
			c[i] = append([]byte{}, v...)
		}
	}
	return c
}

func TestReadGivesEveryTypeInCanonicalForm(t *testing.T) {
	src := loadValues(t)
	table := tableOf(t, src, "vals")
	q := migrate.Query{Columns: []string{}, Key: []string{"id"}, Ordered: true}
	for _, c := range valueCases {
		q.Columns = append(q.Columns, c.col)
	}
	rows := readAll(t, src, table, q)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for i, c := range valueCases {
		t.Run(c.typ+" "+c.col, func(t *testing.T) {
			if got := rows[0][i]; got == nil || string(got) != c.want {
				t.Errorf("%s %s = %q, want %q", c.typ, c.literal, got, c.want)
			}
			if rows[1][i] != nil {
				t.Errorf("NULL read as %q", rows[1][i])
			}
		})
	}
}

// loadShapes creates the tables the query shape tests read: items (integer
// key 1..1000), pairs (a text and integer key), codes (character and bit
// keys), blobs (a bytea key) and nokey; and the database's URL.
func loadShapes(t *testing.T) (*Source, map[string]*migrate.Table, string) {
	t.Helper()
	url := testdb.SharedPostgres(t).NewDatabase(t)
	exec(t, url, `CREATE TABLE items (id integer PRIMARY KEY, name text);
		INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;
		CREATE TABLE pairs ("Group" text, n integer, v text, PRIMARY KEY ("Group", n));
		INSERT INTO pairs SELECT grp, n, grp || n FROM unnest(ARRAY['a', 'B', 'c d', 'é', '']) grp, generate_series(1, 23) n;
		CREATE TABLE blobs (k bytea PRIMARY KEY);
		INSERT INTO blobs VALUES ('\x00'), ('\xff'), ('\x5c'), ('\x0001'), ('\x27'), (''), ('\x5c78');
		CREATE TABLE codes (c character(3), b bit(2), PRIMARY KEY (c, b));
		INSERT INTO codes VALUES ('a', B'01'), ('ab', B'00'), ('ab', B'11'), ('abc', B'10'), ('b', B'00');
		CREATE TABLE nokey (v text);
		INSERT INTO nokey VALUES ('x'), (NULL), ('x');`)
	src := open(t, url)
	schema, err := src.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*migrate.Table{}
	for i := range schema.Tables {
		tables[schema.Tables[i].Name] = &schema.Tables[i]
	}
	return src, tables, url
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
	src, tables, _ := loadShapes(t)
	items := tables["items"]
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
		{"a filter referring to the name column", migrate.Query{Columns: cols, Filter: "name = 'item 7'"}, []int{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(readAll(t, src, items, tt.q))
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

func TestKeysetPagesReadEveryRowOnceInKeyOrder(t *testing.T) {
	src, tables, _ := loadShapes(t)
	t.Run("on a text and integer key", func(t *testing.T) {
		rows := keysetAll(t, src, tables["pairs"], []string{"Group", "n", "v"}, []string{"Group", "n"}, 7)
		if len(rows) != 5*23 {
			t.Fatalf("%d rows, want %d", len(rows), 5*23)
		}
		ordered := sort.SliceIsSorted(rows, func(i, j int) bool {
			if c := bytes.Compare(rows[i][0], rows[j][0]); c != 0 {
				return c < 0
			}
			a, _ := strconv.Atoi(string(rows[i][1]))
			b, _ := strconv.Atoi(string(rows[j][1]))
			return a < b
		})
		if !ordered {
			t.Errorf("rows out of key order: %q", rows)
		}
		seen := map[string]bool{}
		for _, r := range rows {
			seen[string(r[2])] = true
		}
		if len(seen) != len(rows) {
			t.Errorf("%d distinct rows of %d read", len(seen), len(rows))
		}
	})
	t.Run("on character(3) and bit(2) keys, which a cast without length would cut", func(t *testing.T) {
		rows := keysetAll(t, src, tables["codes"], []string{"c", "b"}, []string{"c", "b"}, 1)
		want := `[["a  " "01"] ["ab " "00"] ["ab " "11"] ["abc" "10"] ["b  " "00"]]`
		if got := fmt.Sprintf("%q", rows); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("on a bytea key, passed as raw bytes", func(t *testing.T) {
		rows := keysetAll(t, src, tables["blobs"], []string{"k"}, []string{"k"}, 2)
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%x", r[0]))
		}
		want := "[ 00 0001 27 5c 5c78 ff]"
		if fmt.Sprint(got) != want {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestReadOfATableWithoutKeyReadsItWhole(t *testing.T) {
	src, tables, _ := loadShapes(t)
	rows := readAll(t, src, tables["nokey"], migrate.Query{Columns: []string{"v"}})
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	nulls := 0
	for _, r := range rows {
		if r[0] == nil {
			nulls++
		}
	}
	if nulls != 1 {
		t.Errorf("%d NULLs, want 1", nulls)
	}
}

func TestReadStopsAtTheCallbacksErrorAndThePoolRecovers(t *testing.T) {
	src, tables, _ := loadShapes(t)
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
	src, tables, _ := loadShapes(t)
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
	src, tables, url := loadShapes(t)
	ctx := context.Background()
	items := tables["items"]
	if n, err := src.Estimate(ctx, items); err != nil || n != 1000 {
		t.Errorf("estimate before ANALYZE: %d, %v; want 1000", n, err)
	}
	exec(t, url, "ANALYZE items")
	if n, err := src.Estimate(ctx, items); err != nil || n != 1000 {
		t.Errorf("estimate after ANALYZE: %d, %v; want 1000", n, err)
	}
	tests := []struct {
		filter string
		lo, hi int64
		ok     bool
	}{
		{"", 1, 1000, true},
		{"id > 500", 501, 1000, true},
		{"false", 0, 0, false},
	}
	for _, tt := range tests {
		lo, hi, ok, err := src.KeyBounds(ctx, items, tt.filter)
		if err != nil || lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("filter %q: %d, %d, %v, %v; want %d, %d, %v", tt.filter, lo, hi, ok, err, tt.lo, tt.hi, tt.ok)
		}
	}
	if _, _, _, err := src.KeyBounds(ctx, tables["pairs"], ""); err == nil {
		t.Error("key bounds of a two-column key: no error")
	}
}

// BenchmarkRead reads a 200,000-row table of typical columns whole, as the
// loader reads a chunk: go test -bench Read -benchmem ./migrate/postgres.
func BenchmarkRead(b *testing.B) {
	url := testdb.SharedPostgres(b).NewDatabase(b)
	exec(b, url, `CREATE TABLE orders (id bigint PRIMARY KEY, customer integer, total numeric(12,2),
			placed timestamptz, note text, paid boolean, blob bytea);
		INSERT INTO orders SELECT g, g % 1000, g * 1.25, '2024-01-01'::timestamptz + g * interval '1 minute',
			'order number ' || g, g % 2 = 0, '\x0102030405' FROM generate_series(1, 200000) g;`)
	src, err := Open(context.Background(), url)
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
