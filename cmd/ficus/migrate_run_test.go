package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ficus-dev/ficus/internal/testdb"
	migload "github.com/ficus-dev/ficus/migrate/load"
)

// TestMigrateRunThenStatus moves the shop from a real MariaDB into a real PostgreSQL through the
// command line: the config's renames, cast, transforms, filter and exclusion apply, status reads the
// finished run, a second run does nothing, and --restart loads again.
func TestMigrateRunThenStatus(t *testing.T) {
	server, db := migrateShop(t)
	t.Setenv("FICUS_TEST_TARGET", testdb.SharedPostgres(t).NewDatabase(t))
	cfg := migrateShopConfigFile(t, server, db, "  target: ${FICUS_TEST_TARGET}\n  chunk_rows: 1\n  workers: 2\n")

	out, _, err := runMigrate(t, "migrate", "run", "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"customers  clients", "orders", "TOTAL", "migrate: done in"} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "tmp_import") {
		t.Errorf("the excluded table was migrated:\n%s", out)
	}
	migrateCheckTarget(t)

	status, _, err := runMigrate(t, "migrate", "status", "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "phase:    done") || !strings.Contains(status, "rows:     4 of about") {
		t.Errorf("status after the run:\n%s", status)
	}
	var snap migload.Snapshot
	js, _, err := runMigrate(t, "migrate", "status", "--config", cfg, "--output", "json")
	if err := errorsJoin(err, json.Unmarshal([]byte(js), &snap)); err != nil || snap.Phase != migload.PhaseDone || len(snap.Tables) != 2 {
		t.Errorf("status --output json: %v\n%s", err, js)
	}

	again, _, err := runMigrate(t, "migrate", "run", "--config", cfg)
	if err != nil || !strings.Contains(again, "already complete, nothing to do (use --restart to load again)") {
		t.Errorf("a second run: %v\n%s", err, again)
	}
	var sum migload.Summary
	js, _, err = runMigrate(t, "migrate", "run", "--config", cfg, "--restart", "--output", "json")
	if err := errorsJoin(err, json.Unmarshal([]byte(js), &sum)); err != nil || sum.Noop || sum.Rows != 4 {
		t.Errorf("--restart: %v\n%s", err, js)
	}
	migrateCheckTarget(t)
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// migrateCheckTarget checks the shop's rows in PostgreSQL: two clients (renamed, note renamed to
// remark), and the two orders above the filter's total with the cast type.
func migrateCheckTarget(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("FICUS_TEST_TARGET"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var clients, orders int
	var totalType string
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients WHERE remark IS NULL),
		(SELECT count(*) FROM orders),
		(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'total')`).
		Scan(&clients, &orders, &totalType)
	if err != nil {
		t.Fatal(err)
	}
	if clients != 2 || orders != 2 || totalType != "numeric(12,2)" {
		t.Errorf("target holds %d clients, %d orders, total %s; want 2, 2, numeric(12,2)", clients, orders, totalType)
	}
}
