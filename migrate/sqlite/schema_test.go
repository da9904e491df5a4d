package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) { testdb.Main(m) }

// create makes a database file in a temporary directory with the
// statements sql, and returns its path.
func create(t testing.TB, name, sqlText string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(sqlText); err != nil {
		t.Fatalf("%v\n%s", err, sqlText)
	}
	return path
}

func open(t *testing.T, url string) *Source {
	t.Helper()
	src, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestSchemaOfTheBroadSchemaMatchesTheGoldenModelAndPlan(t *testing.T) {
	ddl, err := os.ReadFile("testdata/broad.sql")
	if err != nil {
		t.Fatal(err)
	}
	src := open(t, create(t, "broad.db", string(ddl)))
	schema, err := src.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	model, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "broad.schema.golden", append(model, '\n'))

	plan, err := migrate.BuildPlan(schema, migrate.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := plan.WriteColumns(&out); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n-- before load\n\n" + plan.CreateDDL() + "-- after load\n\n" + plan.PostLoadDDL())
	golden(t, "broad.plan.golden", out.Bytes())
	runOnPostgres(t, plan.CreateDDL()+plan.PostLoadDDL())
}

// runOnPostgres proves the generated DDL is valid by running it on a real
// PostgreSQL.
func runOnPostgres(t *testing.T, ddl string) {
	t.Helper()
	url := testdb.SharedPostgres(t).NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, ddl); err != nil {
		t.Fatalf("generated DDL fails on PostgreSQL: %v", err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

func TestParseDeclType(t *testing.T) {
	tests := []struct {
		decl, typ                string
		length, precision, scale int
	}{
		{"", "", 0, 0, 0},
		{"INTEGER", "integer", 0, 0, 0},
		{"VARCHAR(20)", "varchar", 20, 0, 0},
		{"varchar ( 20 )", "varchar", 20, 0, 0},
		{"DECIMAL(10,2)", "decimal", 0, 10, 2},
		{"DECIMAL(10, 2)", "decimal", 0, 10, 2},
		{"NUMERIC(7)", "numeric", 0, 7, 0},
		{"DATETIME(6)", "datetime", 0, 6, 0},
		{"UNSIGNED  BIG INT", "unsigned big int", 0, 0, 0},
		{"DOUBLE PRECISION", "double precision", 0, 0, 0},
		{"NATIVE CHARACTER(70)", "native character", 70, 0, 0},
		{"VARCHAR(max)", "varchar", 0, 0, 0},
		{"CHAR(+8)", "char", 8, 0, 0},
	}
	for _, tt := range tests {
		var c migrate.Column
		ParseDeclType(&c, tt.decl)
		if c.Type != tt.typ || c.Length != tt.length || c.Precision != tt.precision || c.Scale != tt.scale || c.FullType != tt.decl {
			t.Errorf("%q: got %q %d (%d,%d), want %q %d (%d,%d)", tt.decl, c.Type, c.Length, c.Precision, c.Scale,
				tt.typ, tt.length, tt.precision, tt.scale)
		}
	}
}

func TestOpenAcceptsURLsAndPaths(t *testing.T) {
	path := create(t, "a b?c#d.db", "CREATE TABLE t (id INTEGER PRIMARY KEY)")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil {
		t.Fatal(err)
	}
	escaped := strings.NewReplacer(" ", "%20", "?", "%3F", "#", "%23").Replace(path)
	for _, u := range []string{
		path,
		rel,
		"sqlite://" + escaped,
		"sqlite:" + escaped,
		"sqlite:" + strings.NewReplacer(" ", "%20", "?", "%3F", "#", "%23").Replace(rel),
		"file:" + escaped,
		"file://" + escaped + "?mode=rw",
		"file://localhost" + escaped,
	} {
		t.Run(u, func(t *testing.T) {
			src := open(t, u)
			schema, err := src.Schema(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(schema.Tables) != 1 || schema.Name != "a b?c#d" || schema.Dialect != migrate.DialectSQLite {
				t.Errorf("schema %+v", schema)
			}
			// Whatever the URL says, the file is read-only.
			if _, err := src.db.Exec("CREATE TABLE x (a)"); err == nil {
				t.Error("a write succeeded")
			}
		})
	}
}

func TestOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("these are not the pages you are looking for\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.db")
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"a missing file is an unknown database", missing, ErrUnknownDatabase},
		{"a missing file in a URL is an unknown database", "sqlite://" + missing, ErrUnknownDatabase},
		{"a text file is not a database", notDB, ErrNotADatabase},
		{"a directory is not a database", dir, ErrNotADatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.url)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("opening a missing database created it: %v", err)
	}
	if _, err := Open(context.Background(), ""); err == nil {
		t.Error("an empty URL: no error")
	}
}
