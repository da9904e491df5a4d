package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/load"
	"github.com/ficus-dev/ficus/verify"
)

// scenariosMySQL holds a table large enough for several levels of bisection, a composite string
// key, a table without a key holding duplicates, and people with a sensitive column.
const scenariosMySQL = `
CREATE TABLE big (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, n DOUBLE) DEFAULT CHARSET=utf8mb4;
INSERT INTO big SELECT seq, CONCAT('v', seq), seq / 3 FROM seq_1_to_200000;
CREATE TABLE pairs (region VARCHAR(10) NOT NULL, n INT NOT NULL, v VARCHAR(10), PRIMARY KEY (region, n)) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci;
INSERT INTO pairs SELECT ELT(1 + seq % 4, 'a', 'B', 'c', 'É'), seq, CONCAT('v', seq) FROM seq_1_to_2000;
CREATE TABLE events (msg VARCHAR(20), n INT);
INSERT INTO events SELECT CONCAT('event ', seq % 50), seq % 7 FROM seq_1_to_1500;
CREATE TABLE people (id INT NOT NULL PRIMARY KEY, email VARCHAR(60) NOT NULL, name VARCHAR(40)) DEFAULT CHARSET=utf8mb4;
INSERT INTO people SELECT seq, CONCAT('person', seq, '@example.com'), CONCAT('Person ', seq) FROM seq_1_to_500;
`

// migratedWith loads source into a fresh target with the real loader, under o and filters.
func migratedWith(t *testing.T, source string, o migrate.Overrides, filters map[string]string) *fixture {
	t.Helper()
	f := newFixture(t, source, o)
	f.pg(t, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
	if _, err := load.Run(context.Background(), load.Options{Source: f.src, Plan: f.plan, Target: f.target, Filters: filters}); err != nil {
		t.Fatalf("load: %v", err)
	}
	return f
}

func linesOf(res *verify.Result, table string) []string {
	var out []string
	for _, l := range summary(res) {
		if strings.HasPrefix(l, table+" ") {
			out = append(out, l)
		}
	}
	return out
}

func tableResult(t *testing.T, res *verify.Result, source string) verify.TableResult {
	t.Helper()
	for _, tr := range res.Tables {
		if tr.Source == source {
			return tr
		}
	}
	t.Fatalf("no result for table %s", source)
	return verify.TableResult{}
}

func TestScenarios(t *testing.T) {
	source := mariaSource(t, scenariosMySQL)

	t.Run("bisection finds 10 scattered differences in 200,000 rows", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		f.pg(t, `UPDATE big SET v = 'changed' WHERE id IN (7, 99999, 199998);
			DELETE FROM big WHERE id IN (1, 123456, 200000);
			INSERT INTO big VALUES (0, 'new', 0), (250000, 'new', 1), (-5, 'new', 2), (1000000, 'new', 3)`)
		want := want(`big changed id="7": v "v7" -> "changed"`, `big changed id="99999": v "v99999" -> "changed"`,
			`big changed id="199998": v "v199998" -> "changed"`, `big missing id="1"`, `big missing id="123456"`,
			`big missing id="200000"`, `big extra id="0"`, `big extra id="250000"`, `big extra id="-5"`, `big extra id="1000000"`)
		for _, mode := range modes {
			t.Run("hashed in "+string(mode), func(t *testing.T) {
				res := f.verify(t, verify.Options{HashIn: mode, NoStore: true, Tables: []string{"big"}})
				sameLines(t, linesOf(res, "big"), want)
				tr := tableResult(t, res, "big")
				if tr.Segments < 16 || tr.SegmentsDiffering < 1 || tr.SegmentsDiffering > 10 {
					t.Errorf("segments %d, differing %d: want many segments and at most one per difference", tr.Segments, tr.SegmentsDiffering)
				}
				if tr.SourceRows != 200000 || tr.TargetRows != 200001 {
					t.Errorf("rows %d/%d, want 200000/200001", tr.SourceRows, tr.TargetRows)
				}
			})
		}
	})

	t.Run("a table without a key is a multiset", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		// The same rows in another physical order: nothing to report.
		f.pg(t, `CREATE TABLE shuffled AS SELECT * FROM events ORDER BY md5(msg || n) DESC; TRUNCATE events; INSERT INTO events SELECT * FROM shuffled; DROP TABLE shuffled`)
		for _, mode := range modes {
			res := f.verify(t, verify.Options{HashIn: mode, NoStore: true, Tables: []string{"events"}})
			sameLines(t, linesOf(res, "events"), nil)
			if tr := tableResult(t, res, "events"); tr.Segmentation != "row hash buckets" {
				t.Errorf("segmentation %q, want row hash buckets", tr.Segmentation)
			}
		}
		// dup is one (msg, n) pair the source holds several times.
		f.pg(t, `CREATE TABLE dup AS SELECT msg, n FROM events GROUP BY msg, n HAVING count(*) > 1 ORDER BY msg, n LIMIT 1`)
		f.pg(t, `DELETE FROM events WHERE ctid = (SELECT min(e.ctid) FROM events e JOIN dup d USING (msg, n));
			INSERT INTO events SELECT msg, n FROM dup;
			INSERT INTO events SELECT msg, n FROM dup;
			UPDATE events SET n = 99 WHERE ctid = (SELECT min(ctid) FROM events WHERE msg = 'event 7')`)
		for _, mode := range modes {
			t.Run("hashed in "+string(mode), func(t *testing.T) {
				res := f.verify(t, verify.Options{HashIn: mode, NoStore: true, Tables: []string{"events"}})
				tr := tableResult(t, res, "events")
				// One deleted and two added copies of the duplicated row: one extra copy. One row of
				// "event 7" changed: one missing, one extra.
				if len(tr.Missing) != 1 || len(tr.Extra) != 2 || tr.Differences() != 3 {
					t.Fatalf("missing %+v extra %+v, want one missing and two extra rows", tr.Missing, tr.Extra)
				}
				for _, r := range tr.Extra {
					if r.Count != 1 {
						t.Errorf("extra %s counted %d times, want once", keyString(r.Key), r.Count)
					}
				}
				if got := keyString(tr.Missing[0].Key); !strings.HasPrefix(got, `msg="event 7",n=`) {
					t.Errorf("missing %s, want the changed event 7 row", got)
				}
			})
		}
	})

	t.Run("composite string keys compare byte for byte", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		f.pg(t, `UPDATE pairs SET v = 'x' WHERE region = 'B' AND n = 1;
			DELETE FROM pairs WHERE region = 'É' AND n = 3;
			INSERT INTO pairs VALUES ('b', 1, 'v1'), ('A', 4, 'v4')`)
		for _, mode := range modes {
			t.Run("hashed in "+string(mode), func(t *testing.T) {
				res := f.verify(t, verify.Options{HashIn: mode, NoStore: true, Tables: []string{"pairs"}})
				sameLines(t, linesOf(res, "pairs"), want(`pairs changed region="B",n="1": v "v1" -> "x"`,
					`pairs missing region="É",n="3"`, `pairs extra region="b",n="1"`, `pairs extra region="A",n="4"`))
				if tr := tableResult(t, res, "pairs"); tr.Segmentation != "key hash buckets" {
					t.Errorf("segmentation %q, want key hash buckets", tr.Segmentation)
				}
			})
		}
	})

	t.Run("max rows stops the search and counts the rest", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		f.pg(t, `UPDATE big SET n = -1 WHERE id % 1000 = 500`) // 200 rows, one per 1,000 keys
		for _, mode := range modes {
			t.Run("hashed in "+string(mode), func(t *testing.T) {
				res := f.verify(t, verify.Options{HashIn: mode, NoStore: true, Tables: []string{"big"}, MaxRows: 5})
				tr := tableResult(t, res, "big")
				found := tr.Differences()
				if found < 5 || found >= 200 || tr.Unexplored.Segments == 0 || res.Status != verify.Different {
					t.Fatalf("found %d, unexplored %+v, status %s: want at least 5 found, the rest counted", found, tr.Unexplored, res.Status)
				}
				if tr.Unexplored.SourceRows == 0 || tr.Unexplored.SourceRows != tr.Unexplored.TargetRows {
					t.Errorf("unexplored rows %d/%d, want the same non-zero count on both sides", tr.Unexplored.SourceRows, tr.Unexplored.TargetRows)
				}
			})
		}
	})

	t.Run("a sample is partial and the same every time", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		var first int64
		for i := range 2 {
			res := f.verify(t, verify.Options{HashIn: verify.HashFicus, NoStore: true, Tables: []string{"big"}, Sample: 0.1})
			tr := tableResult(t, res, "big")
			if !res.Partial || res.Sample != 0.1 || res.Status != verify.Identical {
				t.Fatalf("partial %v sample %g status %s, want a partial identical result", res.Partial, res.Sample, res.Status)
			}
			if tr.SourceRows == 0 || tr.SourceRows >= 100000 || tr.SourceRows != tr.TargetRows {
				t.Fatalf("sampled %d/%d rows of 200,000, want about a tenth on both sides", tr.SourceRows, tr.TargetRows)
			}
			if i == 1 && tr.SourceRows != first {
				t.Errorf("second sample compared %d rows, the first %d: want the same segments", tr.SourceRows, first)
			}
			first = tr.SourceRows
		}
	})

	t.Run("filters, renames and table selection follow the migration", func(t *testing.T) {
		o := migrate.Overrides{Tables: map[string]migrate.TableOverride{
			"people": {Rename: "customers", Columns: map[string]migrate.ColumnOverride{
				"name": {Rename: "full_name", Cast: "varchar(60)", Transforms: []string{"trim"}}}},
		}}
		filters := map[string]string{"big": "id <= 1000"}
		f := migratedWith(t, source, o, filters)
		res := f.verify(t, verify.Options{NoStore: true, Filters: filters, Tables: []string{"big", "cust*"}})
		if len(res.Tables) != 2 || res.Status != verify.Identical {
			t.Fatalf("tables %d status %s, want big and people identical: %v", len(res.Tables), res.Status, summary(res))
		}
		if tr := tableResult(t, res, "people"); tr.Target != "customers" {
			t.Errorf("people's target %q, want customers", tr.Target)
		}
		f.pg(t, `UPDATE customers SET full_name = 'Someone' WHERE id = 9; INSERT INTO big VALUES (5000, 'outside', 1)`)
		res = f.verify(t, verify.Options{NoStore: true, Filters: filters, Tables: []string{"big", "people"}})
		sameLines(t, summary(res), want(`people changed id="9": full_name "Person 9" -> "Someone"`, `big extra id="5000"`))
	})

	t.Run("sensitive values appear nowhere", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		f.pg(t, `UPDATE people SET email = 'changed@example.org' WHERE id = 12`)
		for _, mode := range modes {
			res := f.verify(t, verify.Options{HashIn: mode, NoStore: true, Tables: []string{"people"}, Sensitive: []string{"people.email"}})
			sameLines(t, summary(res), want(`people changed id="12": email [redacted] -> [redacted]`))
			doc, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"person12@", "changed@example.org"} {
				if strings.Contains(string(doc), secret) {
					t.Errorf("hashed in %s: the result holds %q", mode, secret)
				}
			}
		}
	})

	t.Run("the result is recorded in the target", func(t *testing.T) {
		f := migratedWith(t, source, migrate.Overrides{}, nil)
		ctx := context.Background()
		if _, err := (verify.Results{Target: f.target}).Last(ctx); !errors.Is(err, verify.ErrNoResult) {
			t.Fatalf("Last before any run: %v, want ErrNoResult", err)
		}
		f.pg(t, `DELETE FROM people WHERE id = 3`)
		var snaps []verify.Snapshot
		res := f.verify(t, verify.Options{Tables: []string{"people", "pairs"}, Progress: func(s verify.Snapshot) { snaps = append(snaps, s) }})
		last, err := (verify.Results{Target: f.target}).Last(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last.Status != verify.Different || fmt.Sprint(summary(last)) != fmt.Sprint(summary(res)) {
			t.Errorf("stored %s %v, want %s %v", last.Status, summary(last), res.Status, summary(res))
		}
		if len(snaps) == 0 {
			t.Fatal("no progress snapshot")
		}
		final := snaps[len(snaps)-1]
		for _, tp := range final.Tables {
			tr := tableResult(t, res, tp.Source)
			if tp.Phase != verify.PhaseDone || tp.SourceRows != tr.SourceRows || tp.TargetRows != tr.TargetRows || tp.Status != tr.Status {
				t.Errorf("final progress of %s: %+v, want done with the result's rows and status", tp.Source, tp)
			}
		}
	})
}

// A row the load rejected is missing with the load's reason, which is not shown when the column is
// sensitive: the loader's reasons may quote the value.
func TestRejectedRowsKeepSensitiveValuesOut(t *testing.T) {
	f := migrated(t, mariaSource(t, `CREATE TABLE tm (id INT PRIMARY KEY, t TIME, u TIME);
		INSERT INTO tm VALUES (1, '-01:00:00', '10:00:00'), (2, '12:00:00', '-02:00:00'), (3, '13:00:00', '14:00:00');`), migrate.Overrides{})
	res := f.verify(t, verify.Options{NoStore: true, Sensitive: []string{"tm.t"}})
	sameLines(t, summary(res), want(`tm missing id="1"`, `tm missing id="2"`))
	notes := map[string]string{}
	for _, r := range tableResult(t, res, "tm").Missing {
		notes[*r.Key[0].Value] = r.Note
	}
	if n := notes["1"]; n != "rejected by the load: column t (sensitive: the reason is not shown)" {
		t.Errorf("note of the row rejected for its sensitive column: %q", n)
	}
	if n := notes["2"]; !strings.HasPrefix(n, "rejected by the load: column u: ") || !strings.Contains(n, "-02:00:00") {
		t.Errorf("note of the row rejected for another column: %q, want the load's reason", n)
	}
	doc, _ := json.Marshal(res)
	if strings.Contains(string(doc), "-01:00:00") {
		t.Errorf("the sensitive value is in the result: %s", doc)
	}
}
