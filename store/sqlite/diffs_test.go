package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/ficus-dev/ficus/store/storetest"
)

func TestDiffStoreConformance(t *testing.T) {
	storetest.RunDiffStore(t, func(t *testing.T) storetest.DiffStore { return openTemp(t) })
}

// A file written by a binary that knew only schema version 1 gains the diff reports table and keeps
// its data.
func TestAVersionOneFileIsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	raw, err := sql.Open("sqlite", dsn(path, "rwc", true))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (1)`,
		migrations[0],
		`INSERT INTO route_states (route, stage, weight, updated_at, updated_by) VALUES ('users', 'shadow', 0, '2026-11-23T20:00:00.000000Z', 'a')`,
	} {
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	db := openAt(t, path)
	if err := db.SaveDiffReport(t.Context(), "users", []byte(`{}`)); err != nil {
		t.Fatalf("SaveDiffReport after migrating: %v", err)
	}
	states, err := db.RouteStates(t.Context())
	if err != nil || len(states) != 1 || states[0].Route != "users" {
		t.Errorf("route states after migrating = %v, %v", states, err)
	}
	var version int
	if err := db.reader.QueryRowContext(t.Context(), "SELECT version FROM schema_version").Scan(&version); err != nil || version != SchemaVersion() {
		t.Errorf("schema version = %d, %v; want %d", version, err, SchemaVersion())
	}
}
