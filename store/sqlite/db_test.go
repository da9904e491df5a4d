package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
	"github.com/ficus-dev/ficus/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTemp(t) })
}

// openTemp opens a new store in a fresh directory and closes it when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "ficus.db"))
}

func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestOpenSetsUpTheFile(t *testing.T) {
	db := openTemp(t)
	pragmas := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"}
	for name, want := range pragmas {
		var got string
		if err := db.writer.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	var version int
	if err := db.reader.QueryRowContext(t.Context(), "SELECT version FROM schema_version").Scan(&version); err != nil || version != SchemaVersion() {
		t.Errorf("schema version = %d, %v; want %d", version, err, SchemaVersion())
	}
}

func TestReopeningKeepsTheData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.AppendAudit(t.Context(), ficus.AuditEntry{Actor: "a", Action: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, path)
	seq, hash, err := again.AuditHead(t.Context())
	if err != nil || seq != 1 || hash != e.Hash {
		t.Errorf("after reopening: head = %d, %s, %v; want 1, %s", seq, hash, err, e.Hash)
	}
}

func TestOpenExistingRefusesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.db")
	_, err := OpenExisting(t.Context(), path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("OpenExisting(missing) error = %v, want one wrapping fs.ErrNotExist and naming %s", err, path)
	}
	if matches, _ := filepath.Glob(path + "*"); len(matches) != 0 {
		t.Errorf("OpenExisting created %v", matches)
	}
}

func TestOpenRefusesASchemaNewerThanTheBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	db := openAt(t, path)
	if _, err := db.writer.ExecContext(t.Context(), "UPDATE schema_version SET version = ?", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(context.Context, string) (*DB, error){"Open": Open, "OpenExisting": OpenExisting} {
		other, err := open(t.Context(), path)
		if err == nil {
			other.Close()
		}
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("%s error = %v, want ErrSchemaTooNew", name, err)
		}
	}
}

func TestMigrationsAreTransactional(t *testing.T) {
	// A step that fails half-way must leave the file at the version before it.
	path := filepath.Join(t.TempDir(), "ficus.db")
	openAt(t, path)
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(saved[:len(saved):len(saved)], `CREATE TABLE extra (x INTEGER); SELECT no_such_function();`)
	if db, err := Open(t.Context(), path); err == nil {
		db.Close()
		t.Fatal("Open with a failing migration succeeded")
	}
	migrations = saved
	db := openAt(t, path)
	var n int
	if err := db.reader.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed step exists (%d, %v)", n, err)
	}
}

// TestTwoHandlesShareTheFile opens the file twice, as `ficus serve` and `ficus audit verify` do from
// two processes, and writes from both at once.
func TestTwoHandlesShareTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	server := openAt(t, path)
	cli, err := OpenExisting(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenExisting: %v", err)
	}
	t.Cleanup(func() { cli.Close() })

	e, err := server.SetRouteState(t.Context(), ficus.RouteState{Route: "users", Stage: ficus.StageModern}, ficus.AuditEntry{Actor: "a", Action: "route.stage"})
	if err != nil {
		t.Fatal(err)
	}
	states, err := cli.RouteStates(t.Context())
	if err != nil || len(states) != 1 || states[0].Stage != ficus.StageModern {
		t.Errorf("other handle reads states %v, %v; want users in modern", states, err)
	}
	if seq, hash, err := cli.AuditHead(t.Context()); err != nil || seq != 1 || hash != e.Hash {
		t.Errorf("other handle reads head %d, %s, %v; want 1, %s", seq, hash, err, e.Hash)
	}

	const each = 25
	var wg sync.WaitGroup
	for _, db := range []*DB{server, cli, server, cli} {
		wg.Go(func() {
			for range each {
				if _, err := db.AppendAudit(t.Context(), ficus.AuditEntry{Actor: "a", Action: "x"}); err != nil {
					t.Errorf("AppendAudit: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	all, err := server.AllAuditEntries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	seq, hash, err := cli.AuditHead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1+4*each || seq != int64(len(all)) {
		t.Errorf("%d entries, head seq %d; want %d", len(all), seq, 1+4*each)
	}
	if problems := audit.Verify(all, seq, hash); len(problems) != 0 {
		t.Errorf("chain written from two handles does not verify: %v", problems)
	}
}

func TestPing(t *testing.T) {
	db := openTemp(t)
	if err := db.Ping(t.Context()); err != nil {
		t.Errorf("Ping on an open store: %v", err)
	}
	db.Close()
	if err := db.Ping(t.Context()); err == nil {
		t.Error("Ping on a closed store succeeded")
	}
}

// TestReadAuditLogIsASnapshot reads the log while another handle appends as fast as it can: the
// entries and the head must always belong together.
func TestReadAuditLogIsASnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	reader := openAt(t, path)
	writer := openAt(t, path)
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if _, err := writer.AppendAudit(ctx, ficus.AuditEntry{Actor: "a", Action: "x"}); err != nil && ctx.Err() == nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	// Read until the writer has gone well past the start, so that many reads overlap appends.
	for reads, seq := 0, int64(0); reads < 20 || seq < 200; reads++ {
		entries, headSeq, hash, err := reader.ReadAuditLog(t.Context())
		if err != nil {
			t.Fatalf("ReadAuditLog: %v", err)
		}
		if problems := audit.Verify(entries, headSeq, hash); len(problems) != 0 {
			t.Fatalf("snapshot of %d entries, head %d: %v", len(entries), headSeq, problems)
		}
		seq = headSeq
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("append: %v", err)
	}
}

func TestOpenNamesThePathOfAFileThatIsNotAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("this is not a database, it is a text file of some length\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(context.Context, string) (*DB, error){"Open": Open, "OpenExisting": OpenExisting} {
		db, err := open(t.Context(), path)
		if err == nil {
			db.Close()
		}
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s(%s) error = %v, want one naming the path", name, path, err)
		}
	}
}
