package load_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	_ "modernc.org/sqlite"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/load"
	"github.com/ficus-dev/ficus/migrate/mysql"
	"github.com/ficus-dev/ficus/migrate/postgres"
	"github.com/ficus-dev/ficus/migrate/sqlite"
)

// loadFrom plans and loads src into target.
func loadFrom(t *testing.T, src migrate.Source, target string, o load.Options) *load.Summary {
	t.Helper()
	ctx := context.Background()
	schema, err := src.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := migrate.BuildPlan(schema, migrate.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	o.Source, o.Plan, o.Target, o.RejectDir = src, plan, target, t.TempDir()
	sum, err := load.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func queryLines(t *testing.T, target, q string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return strings.Join(postgresLines(t, conn, q), "\n")
}

func TestRunLoadsAnSQLiteDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, born DATE, photo BLOB);
		CREATE TABLE tags (name TEXT PRIMARY KEY, weight NUMERIC);
		CREATE TABLE notes (body TEXT);
		INSERT INTO people VALUES (1, 'Zoë', 1.5, '1990-04-01', x'00ff'), (2, 'Bob', NULL, NULL, NULL), (40, 'Ann', -2, '2001-12-31', x'');
		INSERT INTO tags VALUES ('b', 2), ('A', 1.25), ('a', 3);
		INSERT INTO notes VALUES ('one'), ('one'), (NULL);`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	src, err := sqlite.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	target := testdb.SharedPostgres(t).NewDatabase(t)
	sum := loadFrom(t, src, target, load.Options{ChunkRows: 2})
	if sum.Rows != 9 {
		t.Errorf("loaded %d rows, want 9", sum.Rows)
	}
	got := queryLines(t, target, `SELECT concat_ws('|', id, name, coalesce(score::text, 'null'), coalesce(born::text, 'null'), coalesce(photo::text, 'null')) FROM people ORDER BY id`)
	want := "1|Zoë|1.5|1990-04-01|\\x00ff\n2|Bob|null|null|null\n40|Ann|-2|2001-12-31|\\x"
	if got != want {
		t.Errorf("people:\n%s\nwant\n%s", got, want)
	}
	got = queryLines(t, target, `SELECT concat_ws('|', name, weight) FROM tags ORDER BY name COLLATE "C"`)
	if got != "A|1.25\na|3\nb|2" {
		t.Errorf("tags:\n%s", got)
	}
	got = queryLines(t, target, `SELECT coalesce(body, 'null') FROM notes ORDER BY 1`)
	if got != "null\none\none" {
		t.Errorf("notes:\n%s", got)
	}
}

func TestRunLoadsAPostgreSQLDatabase(t *testing.T) {
	pg := testdb.SharedPostgres(t)
	srcURL := pg.NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), srcURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(context.Background(), `CREATE TYPE mood AS ENUM ('sad', 'happy');
		CREATE TABLE "Accounts" (id bigserial PRIMARY KEY, email text UNIQUE, m mood, tags text[], doc jsonb, seen timestamptz, amount numeric(8,3), raw bytea);
		INSERT INTO "Accounts" (email, m, tags, doc, seen, amount, raw) VALUES
		('a@x', 'happy', '{a,"b c"}', '{"k": [1, 2]}', '2024-05-06 07:08:09.5+02', 12.5, '\x0102'),
		(NULL, NULL, NULL, NULL, NULL, NULL, NULL);`)
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	src, err := postgres.Open(context.Background(), srcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	target := pg.NewDatabase(t)
	loadFrom(t, src, target, load.Options{})
	got := queryLines(t, target, `SELECT concat_ws('|', id, coalesce(email, 'null'), coalesce(m::text, 'null'), coalesce(tags::text, 'null'),
		coalesce(doc::text, 'null'), coalesce(seen::text, 'null'), coalesce(amount::text, 'null'), coalesce(raw::text, 'null')) FROM "Accounts" ORDER BY id`)
	want := "1|a@x|happy|{a,\"b c\"}|{\"k\": [1, 2]}|2024-05-06 05:08:09.5+00|12.500|\\x0102\n2|null|null|null|null|null|null|null"
	if got != want {
		t.Errorf("accounts:\n%s\nwant\n%s", got, want)
	}
}

func TestRunRefusesToResumeWithAChangedPlan(t *testing.T) {
	ctx := context.Background()
	srcURL, target := source(t), testdb.SharedPostgres(t).NewDatabase(t)
	s, err := mysql.Open(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	schema, err := s.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := migrate.BuildPlan(schema, migrate.Overrides{})
	// A run that fails on its first row leaves an unfinished migration.
	_, err = load.Run(ctx, load.Options{Source: s, Plan: plan, Target: target, Filters: map[string]string{"order_lines": "no_such_column = 1"}})
	if err == nil {
		t.Fatal("a filter on a missing column loaded")
	}
	renamed, _ := migrate.BuildPlan(schema, migrate.Overrides{Tables: map[string]migrate.TableOverride{"items": {Rename: "products"}}})
	_, err = load.Run(ctx, load.Options{Source: s, Plan: renamed, Target: target})
	if !errors.Is(err, load.ErrPlanChanged) || !strings.Contains(err.Error(), "--restart") {
		t.Fatalf("error %v, want ErrPlanChanged suggesting --restart", err)
	}
	if _, err := load.Run(ctx, load.Options{Source: s, Plan: renamed, Target: target, Restart: true}); err != nil {
		t.Fatal(err)
	}
	if got := queryLines(t, target, `SELECT count(*) FROM products`); got != "5499" {
		t.Errorf("products holds %s rows, want 5499", got)
	}
	if got := queryLines(t, target, `SELECT count(*) FROM pg_tables WHERE tablename = 'items'`); got != "0" {
		t.Errorf("the first run's items table is still there after --restart")
	}
}

func TestCollectorExportsTheStateOfTheMigration(t *testing.T) {
	ctx := context.Background()
	src, target := source(t), testdb.SharedPostgres(t).NewDatabase(t)
	c := &load.Collector{Target: target}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if got := testutil.ToFloat64(prometheusGauge(t, reg, "ficus_migration_state_readable", "")); got != 1 {
		t.Errorf("state readable before any run = %v, want 1", got)
	}
	if _, err := runLoad(ctx, src, target, load.Options{}); err != nil {
		t.Fatal(err)
	}
	c.MaxAge = -1
	if got := testutil.ToFloat64(prometheusGauge(t, reg, "ficus_migration_rows", "items")); got != 5499 {
		t.Errorf("ficus_migration_rows{table=items} = %v, want 5499", got)
	}
}

// prometheusGauge gathers reg and returns the named metric (with label
// table=table when given) as a collector for testutil.
func prometheusGauge(t *testing.T, reg *prometheus.Registry, name, table string) prometheus.Collector {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.Metric {
			match := table == ""
			for _, l := range m.Label {
				if l.GetName() == "table" && l.GetValue() == table {
					match = true
				}
			}
			if match {
				g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name})
				g.Set(m.GetGauge().GetValue())
				return g
			}
		}
	}
	t.Fatalf("metric %s{table=%q} not exported", name, table)
	return nil
}
