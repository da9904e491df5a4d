package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) { testdb.Main(m) }

// exec runs sql (several statements allowed) on the database url names.
func exec(t testing.TB, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}

// loadBroad creates testdata/broad.sql in a fresh database and returns its
// URL.
func loadBroad(t *testing.T) string {
	t.Helper()
	url := testdb.SharedPostgres(t).NewDatabase(t)
	ddl, err := os.ReadFile("testdata/broad.sql")
	if err != nil {
		t.Fatal(err)
	}
	exec(t, url, string(ddl))
	return url
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
	src := open(t, loadBroad(t)+"&schema=legacy")
	schema, err := src.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	schema.Name = "broad" // the test database's name varies
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
	exec(t, testdb.SharedPostgres(t).NewDatabase(t), plan.CreateDDL()+plan.PostLoadDDL())
}

func TestSchemaReadsThePublicSchemaByDefault(t *testing.T) {
	src := open(t, loadBroad(t))
	schema, err := src.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(schema.Tables) != 1 || schema.Tables[0].Name != "countries" {
		t.Fatalf("tables %+v, want only countries", schema.Tables)
	}
	if schema.Dialect != migrate.DialectPostgres || schema.Name == "" {
		t.Errorf("dialect %q, name %q", schema.Dialect, schema.Name)
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

// withUser returns url with its user and password replaced.
func withUser(t *testing.T, raw, user, password string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

func TestOpenAndSchemaFailClearly(t *testing.T) {
	db := loadBroad(t)
	exec(t, db, `DO $$ BEGIN
			CREATE ROLE nosel LOGIN;
			CREATE ROLE nousage LOGIN;
		EXCEPTION WHEN duplicate_object THEN NULL; END $$;
		GRANT USAGE ON SCHEMA legacy TO nosel;
		GRANT SELECT ON legacy."Customers" TO nosel;`)
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"an unreachable server is reported as unreachable",
			"postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", ErrUnreachable},
		{"an unknown database is reported as such",
			strings.Replace(db, mustParse(t, db).Path, "/no_such_db", 1), ErrUnknownDatabase},
		{"an unknown schema is reported as such", db + "&schema=no_such_schema", ErrUnknownSchema},
		{"a user without USAGE on the schema lacks privileges", withUser(t, db, "nousage", "") + "&schema=legacy", ErrPrivileges},
		{"a user without SELECT on a table lacks privileges", withUser(t, db, "nosel", "") + "&schema=legacy", ErrPrivileges},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := Open(context.Background(), tt.url)
			if err == nil {
				_, err = src.Schema(context.Background())
				src.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOpenWithAWrongPasswordIsAccessDenied needs a server of its own: the
// shared one trusts every local connection, so this one is told to ask
// one role for its password.
func TestOpenWithAWrongPasswordIsAccessDenied(t *testing.T) {
	server := testdb.StartPostgres(t)
	exec(t, server.URL, `CREATE ROLE pwuser LOGIN PASSWORD 'right'`)
	hba := filepath.Join(server.Dir, "data", "pg_hba.conf")
	rules, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	rules = append([]byte("host all pwuser 127.0.0.1/32 scram-sha-256\n"), rules...)
	if err := os.WriteFile(hba, rules, 0o600); err != nil {
		t.Fatal(err)
	}
	exec(t, server.URL, `SELECT pg_reload_conf()`)
	ctx := context.Background()
	// The postmaster reloads on a signal: wait until the right password is
	// needed, then check a wrong one is refused.
	var err2 error
	for i := 0; i < 100; i++ {
		var src *Source
		src, err2 = Open(ctx, withUser(t, server.URL, "pwuser", "wrong"))
		if err2 != nil {
			break
		}
		src.Close()
		time.Sleep(50 * time.Millisecond)
	}
	if !errors.Is(err2, ErrAccessDenied) {
		t.Fatalf("got %v, want %v", err2, ErrAccessDenied)
	}
	t.Log(err2)
	if strings.Contains(err2.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err2)
	}
	src, err := Open(ctx, withUser(t, server.URL, "pwuser", "right"))
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	src.Close()
}
