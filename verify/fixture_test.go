package verify_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/mysql"
	"github.com/ficus-dev/ficus/migrate/sqlite"
	"github.com/ficus-dev/ficus/verify"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a source database, the plan of its migration, and a target database holding the
// plan's tables (created from plan.CreateDDL, filled by the test, keys added from PostLoad).
type fixture struct {
	src       migrate.Source
	sourceURL string
	plan      *migrate.Plan
	target    string
}

// mariaSource creates a MariaDB database holding ddl and returns its URL.
func mariaSource(t *testing.T, ddl string) string {
	t.Helper()
	m := testdb.SharedMariaDB(t)
	name := m.NewDatabase(t)
	db, err := sql.Open("mysql", m.DSN+name+"?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'; SET SESSION time_zone = '+00:00';\n" + ddl); err != nil {
		t.Fatalf("source fixture: %v", err)
	}
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", m.Port, name)
}

// sqliteSource creates an SQLite file holding ddl and returns its path.
func sqliteSource(t *testing.T, ddl string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("source fixture: %v", err)
	}
	return file
}

// newFixture opens the source, plans its migration under o, and creates the target's tables.
func newFixture(t *testing.T, sourceURL string, o migrate.Overrides) *fixture {
	t.Helper()
	ctx := context.Background()
	var src migrate.Source
	var err error
	if strings.HasPrefix(sourceURL, "mysql://") {
		src, err = mysql.Open(ctx, sourceURL)
	} else {
		src, err = sqlite.Open(ctx, sourceURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	schema, err := src.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := migrate.BuildPlan(schema, o)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{src: src, sourceURL: sourceURL, plan: plan, target: testdb.SharedPostgres(t).NewDatabase(t)}
	f.pg(t, plan.CreateDDL())
	return f
}

// pg runs SQL in the target.
func (f *fixture) pg(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.target)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("target: %v\n%s", err, sql)
	}
}

// keys adds the plan's keys and indexes, as the load does after the rows are in.
func (f *fixture) keys(t *testing.T) {
	t.Helper()
	for _, s := range f.plan.PostLoad() {
		if s.SQL != "" && s.Kind == migrate.StepKey {
			f.pg(t, s.SQL)
		}
	}
}

// verify runs a verification with o completed by the fixture.
func (f *fixture) verify(t *testing.T, o verify.Options) *verify.Result {
	t.Helper()
	o.Source, o.SourceURL, o.Plan, o.Target = f.src, f.sourceURL, f.plan, f.target
	res, err := verify.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tables {
		if tr.Error != "" {
			t.Fatalf("table %s: %s", tr.Source, tr.Error)
		}
	}
	return res
}

// summary lists a result's differences as sorted lines, e.g. "items missing id=42" or
// "items changed id=17: name \"item 17\" -> \"x\"".
func summary(res *verify.Result) []string {
	var out []string
	for _, tr := range res.Tables {
		for _, r := range tr.Missing {
			out = append(out, fmt.Sprintf("%s missing %s%s", tr.Source, keyString(r.Key), count(r.Count)))
		}
		for _, r := range tr.Extra {
			out = append(out, fmt.Sprintf("%s extra %s%s", tr.Source, keyString(r.Key), count(r.Count)))
		}
		for _, r := range tr.Changed {
			var cols []string
			for _, c := range r.Columns {
				cols = append(cols, fmt.Sprintf("%s %s -> %s", c.Column, show(c.Source, c.Redacted), show(c.Target, c.Redacted)))
			}
			out = append(out, fmt.Sprintf("%s changed %s: %s", tr.Source, keyString(r.Key), strings.Join(cols, "; ")))
		}
	}
	slices.Sort(out)
	return out
}

func count(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" x%d", n)
}

func keyString(vs []verify.Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Column + "=" + show(v.Value, v.Redacted)
	}
	return strings.Join(parts, ",")
}

func show(v *string, redacted bool) string {
	switch {
	case redacted:
		return "[redacted]"
	case v == nil:
		return "NULL"
	}
	return fmt.Sprintf("%q", *v)
}

// modes are the two places rows can be hashed; every scenario must give the same result in both.
var modes = []verify.HashIn{verify.HashDatabase, verify.HashFicus}

func want(lines ...string) []string {
	slices.Sort(lines)
	return lines
}

// sameDifferences checks a result: exactly the want lines (see summary), the status they imply,
// and every table hashed in hashedIn.
func sameDifferences(t *testing.T, res *verify.Result, want []string, hashedIn string) {
	t.Helper()
	sameLines(t, summary(res), want)
	wantStatus := verify.Identical
	if len(want) > 0 {
		wantStatus = verify.Different
	}
	if res.Status != wantStatus {
		t.Errorf("status %s, want %s", res.Status, wantStatus)
	}
	for _, tr := range res.Tables {
		if tr.HashedIn != hashedIn {
			t.Errorf("table %s hashed in %s, want %s", tr.Source, tr.HashedIn, hashedIn)
		}
	}
}

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func init() {
	// The tests compare timestamps in UTC whatever the machine's zone.
	os.Setenv("TZ", "UTC")
}
