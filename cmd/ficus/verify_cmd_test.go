package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/internal/testdb"
	"github.com/ficus-dev/ficus/verify"
)

// verifyShopConfigFile is the shop's migration config with a target and customers.email marked
// sensitive.
func verifyShopConfigFile(t *testing.T, server *testdb.MariaDB, db string) string {
	t.Helper()
	t.Setenv("FICUS_TEST_MARIADB_PORT", strconv.Itoa(server.Port))
	body := strings.Replace(migrateShopConfig, "%s", db, 1)
	body = strings.Replace(body, "        note: {rename: remark, transforms: [trim, empty-string-to-null]}\n",
		"        note: {rename: remark, transforms: [trim, empty-string-to-null]}\n        email: {sensitive: true}\n", 1)
	body += "  target: ${FICUS_TEST_TARGET}\n"
	path := filepath.Join(t.TempDir(), "migration.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func exitCode(err error) int {
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return -1
}

func pgExec(t *testing.T, url, sql string) {
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

// TestVerifyAfterMigrating runs ficus verify through the command line after ficus migrate run:
// identical first (exit 0), then after changes in the target each changed row is named (exit 1),
// sensitive values never shown, JSON for scripts, the result stored and served by the admin API.
func TestVerifyAfterMigrating(t *testing.T) {
	server, db := migrateShop(t)
	target := testdb.SharedPostgres(t).NewDatabase(t)
	t.Setenv("FICUS_TEST_TARGET", target)
	cfg := verifyShopConfigFile(t, server, db)
	if _, errOut, err := runMigrate(t, "migrate", "run", "--config", cfg); err != nil {
		t.Fatalf("migrate run: %v\n%s", err, errOut)
	}

	out, errOut, err := runMigrate(t, "verify", "--config", cfg)
	if exitCode(err) != 0 {
		t.Fatalf("verify right after the migration: exit %d\n%s%s", exitCode(err), out, errOut)
	}
	for _, want := range []string{"source: mysql://root@127.0.0.1:", "target: postgres", "customers -> clients", "identical", "verify: 2 tables identical"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}

	pgExec(t, target, `UPDATE clients SET remark = 'x' WHERE id = 1; UPDATE clients SET email = 'z@example.com' WHERE id = 2;
		DELETE FROM orders WHERE id = 2; INSERT INTO orders (id, customer_id, status, total, updated) VALUES (99, 1, 'paid', 5.00, now())`)
	out, errOut, err = runMigrate(t, "verify", "--config", cfg)
	if exitCode(err) != 1 {
		t.Fatalf("verify after changes: exit %d, want 1\n%s%s", exitCode(err), out, errOut)
	}
	for _, want := range []string{
		`changed            id="1"`, `remark: NULL -> "x"`, `changed            id="2"`, `email: [redacted] -> [redacted]`,
		`missing in target  id="2"`, `extra in target    id="99"`, "verify: 2 of 2 tables differ (4 rows)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"z@example.com", "b@example.com"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("the sensitive value %q was shown:\n%s%s", secret, out, errOut)
		}
	}

	js, _, err := runMigrate(t, "verify", "--config", cfg, "--output", "json", "--table", "orders")
	var res verify.Result
	if jerr := json.Unmarshal([]byte(js), &res); jerr != nil || exitCode(err) != 1 {
		t.Fatalf("--output json: exit %d, %v\n%s", exitCode(err), jerr, js)
	}
	if res.Status != verify.Different || res.Partial || len(res.Tables) != 1 || len(res.Tables[0].Missing) != 1 || len(res.Tables[0].Extra) != 1 {
		t.Errorf("JSON result: %+v", res)
	}

	// The last run was recorded; --no-store leaves it as it was.
	stored, err := verify.Last(context.Background(), target)
	if err != nil || !stored.Finished.Equal(res.Finished) {
		t.Fatalf("stored result: %v, finished %v, want the last run's %v", err, stored, res.Finished)
	}
	if _, _, err := runMigrate(t, "verify", "--config", cfg, "--no-store"); exitCode(err) != 1 {
		t.Fatalf("--no-store: exit %d", exitCode(err))
	}
	if again, err := verify.Last(context.Background(), target); err != nil || !again.Finished.Equal(res.Finished) {
		t.Errorf("--no-store changed the stored result: %v %v", err, again)
	}
	// ficus serve's admin API reads it from the config's migration target (${NAME} expanded).
	svc := verifyService(&config.Config{Migration: &config.Migration{Target: "${FICUS_TEST_TARGET}"}})
	if svc == nil {
		t.Fatal("no verify service for a config with a migration target")
	}
	if served, err := svc.Last(context.Background()); err != nil || served.Status != verify.Different || !served.Finished.Equal(res.Finished) {
		t.Errorf("the admin API's verify service: %v %v", err, served)
	}
	if verifyService(&config.Config{}) != nil {
		t.Error("a verify service for a config without a migration")
	}

	out, _, err = runMigrate(t, "verify", "--config", cfg, "--sample", "50%", "--no-store")
	if !strings.Contains(out, "PARTIAL") || exitCode(err) == 2 {
		t.Errorf("--sample 50%%: exit %d\n%s", exitCode(err), out)
	}
	js, _, _ = runMigrate(t, "verify", "--config", cfg, "--sample", "50%", "--no-store", "--output", "json")
	if err := json.Unmarshal([]byte(js), &res); err != nil || !res.Partial || res.Sample != 0.5 {
		t.Errorf("--sample 50%% --output json: %v partial %v sample %g", err, res.Partial, res.Sample)
	}
}

// Every error exits 2 with a message naming the problem, and no stack.
func TestVerifyErrorsExitTwo(t *testing.T) {
	server, db := migrateShop(t)
	target := testdb.SharedPostgres(t).NewDatabase(t)
	t.Setenv("FICUS_TEST_TARGET", target)
	cfg := verifyShopConfigFile(t, server, db)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--hash-in", "nowhere"}, `--hash-in "nowhere": want database, ficus or auto`},
		{[]string{"--sample", "0%"}, `--sample "0%": want a percentage above 0 and at most 100`},
		{[]string{"--sample", "150%"}, `--sample "150%"`},
		{[]string{"--sensitive", "email"}, `--sensitive "email": write table.column`},
		{[]string{"--table", "nothing*"}, "no table of the migration matches nothing*"},
		{[]string{"--workers", "0"}, "--workers and --max-rows must be at least 1"},
		{[]string{"--target", "postgres://root@127.0.0.1:1/nowhere"}, "connect to target 127.0.0.1:1"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, err := runMigrate(t, append([]string{"verify", "--config", cfg}, tc.args...)...)
			if exitCode(err) != 2 {
				t.Errorf("exit %d, want 2\n%s%s", exitCode(err), out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
				t.Errorf("stderr holds a stack:\n%s", errOut)
			}
		})
	}
}

func TestVerifyHelpExplainsExitStatusAndDocs(t *testing.T) {
	out, _, err := runMigrate(t, "verify", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Exit status: 0 when every table is identical, 1 when a difference was found, 2 on an error",
		"docs/verify.md", "--sample", "--sensitive", "--hash-in"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}
