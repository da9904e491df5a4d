package testdb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func openMariaDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryMariaDB(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	var s string
	if err := db.QueryRowContext(context.Background(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

func TestStartMariaDB(t *testing.T) {
	began := time.Now()
	m := StartMariaDB(t)
	t.Logf("MariaDB started in %s", time.Since(began).Round(time.Millisecond))
	db := openMariaDB(t, m.DSN)

	if v := queryMariaDB(t, db, "select version()"); !strings.Contains(v, "MariaDB") {
		t.Errorf("version() = %q, want MariaDB", v)
	}
	for variable, want := range map[string]string{
		"@@binlog_format":        "ROW",
		"@@log_bin":              "1",
		"@@server_id":            "1",
		"@@port":                 itoa(m.Port),
		"@@bind_address":         "127.0.0.1",
		"@@character_set_server": "utf8mb4",
		"@@skip_name_resolve":    "1",
	} {
		if got := queryMariaDB(t, db, "select "+variable); got != want {
			t.Errorf("%s = %q, want %q", variable, got, want)
		}
	}
	if !strings.HasPrefix(m.URL, "mysql://root@127.0.0.1:") || !strings.HasPrefix(m.DSN, "root@tcp(127.0.0.1:") {
		t.Errorf("URL %q or DSN %q is not root on 127.0.0.1", m.URL, m.DSN)
	}
}

// Tests of the migration will check that missing privileges are reported,
// so grants must be enforced: the server must not skip the grant tables.
func TestMariaDBEnforcesGrants(t *testing.T) {
	m := SharedMariaDB(t)
	name := m.NewDatabase(t)
	root := openMariaDB(t, m.DSN)
	user := "u_" + name[2:]
	for _, stmt := range []string{
		"CREATE USER " + user + "@'127.0.0.1'",
		"GRANT SELECT ON " + name + ".* TO " + user + "@'127.0.0.1'",
	} {
		if _, err := root.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { root.Exec("DROP USER " + user + "@'127.0.0.1'") })

	limited := openMariaDB(t, strings.Replace(m.DSN, "root@", user+"@", 1)+name)
	_, err := limited.Exec("CREATE TABLE t (id int)")
	var mysqlErr *mysql.MySQLError
	if !errors.As(err, &mysqlErr) || mysqlErr.Number != 1142 { // ER_TABLEACCESS_DENIED_ERROR
		t.Errorf("CREATE TABLE by a user with only SELECT: got %v, want error 1142 (command denied)", err)
	}
}

func TestMariaDBNewDatabaseIsIsolated(t *testing.T) {
	m := SharedMariaDB(t)
	first, second := m.NewDatabase(t), m.NewDatabase(t)
	if first == second {
		t.Fatalf("NewDatabase returned %s twice", first)
	}
	if _, err := openMariaDB(t, m.DSN+first).Exec("CREATE TABLE only_in_first (id int)"); err != nil {
		t.Fatal(err)
	}
	n := queryMariaDB(t, openMariaDB(t, m.DSN+second), "SELECT count(*) FROM information_schema.tables WHERE table_schema = database() AND table_name = 'only_in_first'")
	if n != "0" {
		t.Errorf("a table created in %s is visible in %s", first, second)
	}
}

// A connection left in a transaction holds a metadata lock that would make a
// plain DROP DATABASE wait for a day.
func TestMariaDBNewDatabaseIsDroppedAtCleanupDespiteAnOpenTransaction(t *testing.T) {
	m := SharedMariaDB(t)
	var name string
	created := t.Run("test that leaves a transaction open", func(t *testing.T) {
		name = m.NewDatabase(t)
		leaked, err := sql.Open("mysql", m.DSN+name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaked.Exec("CREATE TABLE t (id int) ENGINE=InnoDB"); err != nil {
			t.Fatal(err)
		}
		tx, err := leaked.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
	})
	if !created {
		t.FailNow()
	}
	n := queryMariaDB(t, openMariaDB(t, m.DSN), "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '"+name+"'")
	if n != "0" {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestMariaDBIsStoppedAtCleanup(t *testing.T) {
	var m *MariaDB
	if !t.Run("test that starts a server", func(t *testing.T) { m = StartMariaDB(t) }) {
		t.FailNow()
	}
	assertStopped(t, m.PID, m.Dir)
}

// Regression: mariadb-install-db runs sharing /tmp failed about one time in
// three with "Unknown table 'mysql.tmp_user_sys'" when test packages started
// MariaDB at the same time.
func TestConcurrentMariaDBInstallsSucceed(t *testing.T) {
	installDB, _, err := mariadbBinaries()
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range errs {
		dir := tempServerDir(t, "my")
		wg.Go(func() { errs[i] = installMariaDB(installDB, dir) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
