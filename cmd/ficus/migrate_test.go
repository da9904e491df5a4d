package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" driver for the test database

	"github.com/ficus-dev/ficus/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// migrateShopDDL is a small legacy shop with the conversions worth seeing in a plan: unsigned
// widening, tinyint(1), a zero-date default, a prefix index, an enum, ON UPDATE CURRENT_TIMESTAMP,
// a foreign key, and a table the config excludes.
const migrateShopDDL = `
CREATE TABLE customers (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(190) NOT NULL,
  active tinyint(1) NOT NULL DEFAULT 1,
  created datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  note text,
  UNIQUE KEY email_prefix (email(20))
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id int unsigned NOT NULL,
  status enum('new','paid') NOT NULL DEFAULT 'new',
  total decimal(10,2),
  updated timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE tmp_import (x int);
INSERT INTO customers (email) VALUES ('a@example.com'), ('b@example.com');
INSERT INTO orders (customer_id, total) VALUES (1, 9.99), (2, 120.00), (1, 0.50);
`

// migrateShopConfig renames a table and a column, casts one, adds a transform and a filter, and
// excludes a table.
const migrateShopConfig = `migration:
  source: mysql://root@127.0.0.1:${FICUS_TEST_MARIADB_PORT}/%s
  exclude: [tmp_*]
  tables:
    customers:
      rename: clients
      columns:
        note: {rename: remark, transforms: [trim, empty-string-to-null]}
    orders:
      filter: total > 1
      columns:
        total: {cast: "numeric(12,2)"}
`

// migrateShop creates the shop in a fresh MariaDB database and returns the database's name.
func migrateShop(t *testing.T) (server *testdb.MariaDB, db string) {
	t.Helper()
	server = testdb.SharedMariaDB(t)
	db = server.NewDatabase(t)
	conn, err := sql.Open("mysql", server.DSN+db+"?multiStatements=true&sql_mode=''")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(migrateShopDDL); err != nil {
		t.Fatalf("create the shop: %v", err)
	}
	return server, db
}

// migrateShopConfigFile writes the shop's config file, with the port in an environment variable as
// a password would be.
func migrateShopConfigFile(t *testing.T, server *testdb.MariaDB, db, extra string) string {
	t.Helper()
	t.Setenv("FICUS_TEST_MARIADB_PORT", strconv.Itoa(server.Port))
	path := filepath.Join(t.TempDir(), "migration.yaml")
	body := strings.Replace(migrateShopConfig, "%s", db, 1) + extra
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runMigrate(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// migrateGolden compares got with testdata/migrate/<name>.golden, or rewrites the file with -update.
func migrateGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "migrate", name+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestMigratePlanPrintsColumnsAndDDLFromARealMariaDB(t *testing.T) {
	server, db := migrateShop(t)
	cfg := migrateShopConfigFile(t, server, db, "")
	out, _, err := runMigrate(t, "migrate", "plan", "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	migrateGolden(t, "plan-text", out)

	ddl, _, err := runMigrate(t, "migrate", "plan", "--config", cfg, "--ddl-only")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ddl, "-- Before the load") || !strings.HasSuffix(out, ddl) {
		t.Errorf("--ddl-only printed something else than the DDL part of the plan:\n%s", ddl)
	}
	cols, _, err := runMigrate(t, "migrate", "plan", "--config", cfg, "--columns-only")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, cols) || strings.Contains(cols, "CREATE") {
		t.Errorf("--columns-only printed something else than the column table:\n%s", cols)
	}
}

func TestMigratePlanPrintsJSON(t *testing.T) {
	server, db := migrateShop(t)
	cfg := migrateShopConfigFile(t, server, db, "")
	out, _, err := runMigrate(t, "migrate", "plan", "--config", cfg, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var plan planJSON
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(plan.Tables) != 2 || plan.Tables[0].Target != "clients" || plan.Tables[1].Filter != "total > 1" {
		t.Errorf("tables: %+v", plan.Tables)
	}
	// The source URL holds the test's database name and port; the rest is stable.
	migrateGolden(t, "plan-json", strings.ReplaceAll(out, plan.Source, "SOURCE"))
}

func TestMigratePlanWithFlagsOnly(t *testing.T) {
	server, db := migrateShop(t)
	t.Setenv("FICUS_TEST_DB", db)
	out, _, err := runMigrate(t, "migrate", "plan", "--columns-only", "--source", strings.TrimSuffix(server.URL, "/")+"/${FICUS_TEST_DB}")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tmp_import.x int(11) integer", "customers.active tinyint(1) boolean tinyint(1)-to-boolean", "orders.total decimal(10,2) numeric(10,2)"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
}

func TestMigratePlanRefusesOverridesOfMissingTablesAndColumns(t *testing.T) {
	server, db := migrateShop(t)
	cfg := migrateShopConfigFile(t, server, db, `    ordrs:
      rename: x
    customers_x: {}
`)
	_, _, err := runMigrate(t, "migrate", "plan", "--config", cfg)
	if err == nil || !strings.Contains(err.Error(), `migration.tables["ordrs"]: the source has no such table (it has customers, orders, tmp_import)`) {
		t.Errorf("got %v", err)
	}
	cfg = migrateShopConfigFile(t, server, db, "")
	body, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, bytes.Replace(body, []byte("note: {rename"), []byte("notes: {rename"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = runMigrate(t, "migrate", "plan", "--config", cfg)
	if err == nil || !strings.Contains(err.Error(), `migration.tables["customers"].columns["notes"]: table customers has no such column (it has id, email, active, created, note)`) {
		t.Errorf("got %v", err)
	}
}

func TestMigrateNeverPrintsAPassword(t *testing.T) {
	server, db := migrateShop(t)
	port := strconv.Itoa(server.Port)
	t.Setenv("FICUS_TEST_PASSWORD", "hunter2:/@x")
	cases := []struct{ name, source string }{
		{"a wrong password", "mysql://root:hunter2@127.0.0.1:" + port + "/" + db},
		{"a wrong password from the environment", "mysql://root:${FICUS_TEST_PASSWORD}@127.0.0.1:" + port + "/" + db},
		{"an unreachable server", "mysql://root:hunter2@127.0.0.1:1/" + db},
		{"an unknown scheme", "oracle://root:hunter2@127.0.0.1:1/" + db},
		{"a URL that does not parse", "mysql://root:hunter2@127.0.0.1:x1/" + db},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runMigrate(t, "migrate", "plan", "--source", tc.source)
			if err == nil {
				t.Fatal("plan succeeded")
			}
			all := out + errOut + err.Error()
			if strings.Contains(all, "hunter2") || strings.Contains(all, "hunter2%3A") {
				t.Errorf("the password shows: %v", err)
			}
			if !strings.Contains(all, "xxxxx") && !strings.Contains(all, "open source") {
				t.Errorf("the error does not say which URL: %v", err)
			}
		})
	}
}

func TestMigrateFlagErrors(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"plan without a source", []string{"migrate", "plan"}, "no source database: give --source URL, or --config FILE with migration.source"},
		{"a bad --output", []string{"migrate", "plan", "--source", "mysql://h/db", "--output", "xml"}, `--output "xml" is not one of text, json`},
		{"--ddl-only with --columns-only", []string{"migrate", "plan", "--source", "mysql://h/db", "--ddl-only", "--columns-only"}, "none of the others can be"},
		{"a source with an unknown scheme", []string{"migrate", "plan", "--source", "oracle://scott:tiger@h/db"}, `--source: "oracle://scott:xxxxx@h/db" has the unknown scheme "oracle"`},
		{"a source variable that is not set", []string{"migrate", "plan", "--source", "mysql://u:${FICUS_TEST_NEVER_SET}@h/db"}, "--source: environment variable FICUS_TEST_NEVER_SET is not set"},
		{"a target that is not PostgreSQL", []string{"migrate", "plan", "--source", "mysql://h/db", "--target", "mysql://h/db"}, `--target: "mysql://h/db" has the scheme "mysql"`},
		{"a config that does not exist", []string{"migrate", "plan", "--config", "/nonexistent/migration.yaml"}, "read config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runMigrate(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestMigrateConfigErrorsNameTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "migration.yaml")
	os.WriteFile(path, []byte("migration:\n  source: mysql://u:${FICUS_TEST_NEVER_SET}@h/db\n  on_error: ignore\n"), 0o600)
	_, _, err := runMigrate(t, "migrate", "plan", "--config", path)
	want := path + ":2: migration.source: environment variable FICUS_TEST_NEVER_SET is not set\n" +
		path + `:3: migration.on_error: "ignore" is not one of stop, skip`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestMigratePlanFromAPostgreSQLSource(t *testing.T) {
	url := testdb.SharedPostgres(t).NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(context.Background(), `CREATE TYPE mood AS ENUM ('sad', 'ok');
		CREATE TABLE people (id serial PRIMARY KEY, name varchar(40) NOT NULL, mood mood, tags text[])`)
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runMigrate(t, "migrate", "plan", "--columns-only", "--source", url)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"people.id integer integer serial-to-identity", "people.mood mood public.people_mood enum-to-enum-type"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
}

func TestMigratePlanFromASQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(8,2), photo BLOB)`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, source := range []string{path, "sqlite://" + path, "file:" + path} {
		out, _, err := runMigrate(t, "migrate", "plan", "--columns-only", "--source", source)
		if err != nil {
			t.Fatalf("--source %s: %v", source, err)
		}
		if want := "items.price DECIMAL(8,2) numeric(8,2) decimal-to-numeric"; !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("--source %s: the plan lacks %q:\n%s", source, want, out)
		}
	}
	_, _, err = runMigrate(t, "migrate", "plan", "--source", filepath.Join(t.TempDir(), "missing.db"))
	if err == nil {
		t.Error("a missing SQLite file was accepted")
	}
}
