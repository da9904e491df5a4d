package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/migrate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) { testdb.Main(m) }

// loadBroad creates testdata/broad.sql in a fresh database and returns its DSN.
func loadBroad(t *testing.T, server *testdb.MariaDB) string {
	t.Helper()
	dsn := server.DSN + server.NewDatabase(t)
	ddl, err := os.ReadFile("testdata/broad.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", dsn+"?multiStatements=true&sql_mode=''")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(ddl)); err != nil {
		t.Fatalf("create broad schema: %v", err)
	}
	return dsn
}

func TestReadSchemaOfTheBroadSchemaMatchesTheGoldenPlan(t *testing.T) {
	server := testdb.SharedMariaDB(t)
	dsn := loadBroad(t, server)
	schema, err := ReadSchema(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
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

func TestReadSchemaFailsClearly(t *testing.T) {
	server := testdb.SharedMariaDB(t)
	dbName := server.NewDatabase(t)
	root, err := sql.Open("mysql", server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, q := range []string{
		"CREATE TABLE " + dbName + ".secret (id INT)",
		"CREATE USER IF NOT EXISTS 'nosel'@'%' IDENTIFIED BY 'pw'",
		"CREATE USER IF NOT EXISTS 'noshow'@'%' IDENTIFIED BY 'pw'",
		"GRANT INSERT ON " + dbName + ".* TO 'nosel'@'%'",
	} {
		if _, err := root.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	addr := "127.0.0.1:" + strconv.Itoa(server.Port)
	tests := []struct {
		name string
		dsn  string
		want error
	}{
		{"an unreachable server is reported as unreachable", "root@tcp(127.0.0.1:1)/" + dbName + "?timeout=2s", ErrUnreachable},
		{"a wrong password is reported as access denied", "root:wrong@tcp(" + addr + ")/" + dbName, ErrAccessDenied},
		{"an unknown database is reported as such", server.DSN + "no_such_db", ErrUnknownDatabase},
		{"a user without any grant on the database lacks privileges", "noshow:pw@tcp(" + addr + ")/" + dbName, ErrPrivileges},
		{"a user without SELECT on the tables lacks privileges", "nosel:pw@tcp(" + addr + ")/" + dbName, ErrPrivileges},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSchema(context.Background(), tt.dsn)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
}
