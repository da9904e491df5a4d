package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/store/sqlite"
)

// The -update flag rewrites the golden files of testdata/audit. It is registered only when no other
// test file of the package registered it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

var auditTestTime = time.Date(2026, 11, 23, 19, 30, 0, 250000000, time.UTC)

// auditTestStore writes a small, deterministic log (fixed times, so fixed hashes) to a new store file
// and returns its path. The store stays open until the test ends, as a running server would keep it.
func auditTestStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ficus.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	changes := []struct {
		actor string
		st    ficus.RouteState
	}{
		{"alice", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 5}},
		{"rollout", ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 25}},
		{"bob", ficus.RouteState{Route: "orders", Stage: ficus.StageModern}},
		{"alice", ficus.RouteState{Route: "users", Stage: ficus.StageLegacy}},
	}
	before := map[string]string{}
	for i, c := range changes {
		after := fmt.Sprintf(`{"stage":%q,"weight":%v}`, c.st.Stage, c.st.Weight)
		if c.st.Stage == ficus.StageModern {
			after = `{"stage":"modern","weight":100}`
		} else if c.st.Stage == ficus.StageLegacy {
			after = `{"stage":"legacy","weight":0}`
		}
		e := ficus.AuditEntry{
			Time: auditTestTime.Add(time.Duration(i) * time.Minute), Actor: c.actor,
			Action: "route.stage", Target: "route/" + c.st.Route, After: json.RawMessage(after),
		}
		if b, ok := before[c.st.Route]; ok {
			e.Before = json.RawMessage(b)
		}
		if _, err := db.SetRouteState(t.Context(), c.st, e); err != nil {
			t.Fatal(err)
		}
		before[c.st.Route] = after
	}
	return path
}

// auditTamper runs a statement on the store file as someone with write access would.
func auditTamper(t *testing.T, path, stmt string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{`DROP TRIGGER audit_entries_no_update`, `DROP TRIGGER audit_entries_no_delete`, stmt} {
		if _, err := raw.ExecContext(t.Context(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditCommands(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		tamper   string
		wantCode int // 0: success; else the exitError code
	}{
		{name: "list prints every entry newest first", args: []string{"audit", "list"}},
		{name: "list filters by target and limit", args: []string{"audit", "list", "--target", "route/users", "--limit", "2"}},
		{name: "list prints JSON", args: []string{"audit", "list", "--after", "2", "-o", "json"}},
		{name: "verify passes an intact log", args: []string{"audit", "verify"}},
		{name: "verify prints JSON", args: []string{"audit", "verify", "--output", "json"}},
		{
			name:     "verify reports an edited entry",
			args:     []string{"audit", "verify"},
			tamper:   `UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2`,
			wantCode: 1,
		},
		{
			name:     "verify reports a deleted newest entry",
			args:     []string{"audit", "verify"},
			tamper:   `DELETE FROM audit_entries WHERE seq = 4`,
			wantCode: 1,
		},
		{
			name:     "verify reports problems as JSON",
			args:     []string{"audit", "verify", "-o", "json"},
			tamper:   `DELETE FROM audit_entries WHERE seq = 2`,
			wantCode: 1,
		},
		{
			name: "verify passes a recorded head the log still holds",
			args: []string{"audit", "verify", "--recorded", "3:" + auditTestHash(t, 3)},
		},
		{
			name:     "verify reports a recorded head the log no longer holds",
			args:     []string{"audit", "verify", "--recorded", "3:0123456789abcdef"},
			wantCode: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := auditTestStore(t)
			if tc.tamper != "" {
				auditTamper(t, path, tc.tamper)
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(tc.args, "--store", path), &stdout, &stderr)
			var ee exitError
			switch {
			case tc.wantCode == 0 && err != nil:
				t.Fatalf("run: %v\n%s", err, stderr.String())
			case tc.wantCode != 0 && (!errors.As(err, &ee) || ee.code != tc.wantCode):
				t.Fatalf("run error = %v, want exit status %d", err, tc.wantCode)
			}
			auditGolden(t, stdout.String())
		})
	}
}

// auditTestHash returns the hash of entry seq of the test log, which is the same in every store.
func auditTestHash(t *testing.T, seq int64) string {
	db, err := sqlite.OpenExisting(t.Context(), auditTestStore(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.AuditEntries(t.Context(), ficus.AuditFilter{AfterSeq: seq - 1, Limit: 100})
	if err != nil || len(entries) == 0 {
		t.Fatalf("read entry %d: %v", seq, err)
	}
	return entries[len(entries)-1].Hash
}

// auditGolden compares got with testdata/audit/<test name>.golden, or rewrites the file with -update.
func auditGolden(t *testing.T, got string) {
	t.Helper()
	name := strings.ReplaceAll(strings.TrimPrefix(t.Name(), "TestAuditCommands/"), "_", "-")
	path := filepath.Join("testdata", "audit", name+".golden")
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

func TestAuditRefusesAMissingStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo.db")
	for _, sub := range []string{"list", "verify"} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"audit", sub, "--store", path}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("audit %s on a missing store: error = %v, want one naming %s", sub, err, path)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the missing store was created (stat: %v)", err)
	}
}

func TestAuditFindsTheStoreThroughTheConfig(t *testing.T) {
	store := auditTestStore(t)
	cfg := filepath.Join(t.TempDir(), "ficus.yaml")
	yaml := fmt.Sprintf("store: %s\nbackends:\n  legacy:\n    urls: [http://127.0.0.1:8081]\n  modern:\n    urls: [http://127.0.0.1:8082]\nroutes:\n  - name: everything\n", store)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--config", cfg}, &stdout, &stderr); err != nil {
		t.Fatalf("audit verify --config: %v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "audit log OK: 4 entries, head seq 4 hash ") {
		t.Errorf("output = %q, want the log of %s", stdout.String(), store)
	}
}

func TestAuditRejectsBadFlags(t *testing.T) {
	store := auditTestStore(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a negative limit", []string{"audit", "list", "--limit", "-1"}, "--limit -1: must be positive"},
		{"a recorded head without a hash", []string{"audit", "verify", "--recorded", "12"}, `--recorded "12": want SEQ:HASH`},
		{"a recorded head with seq 0", []string{"audit", "verify", "--recorded", "0:ab"}, `--recorded "0:ab": want SEQ:HASH`},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(tc.args, "--store", store), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestAuditVerifyWhileTheServerAppends runs verify against a store that another handle keeps
// appending to, as `ficus serve` would: every run must see a consistent log.
func TestAuditVerifyWhileTheServerAppends(t *testing.T) {
	path := auditTestStore(t)
	server, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if _, err := server.AppendAudit(ctx, ficus.AuditEntry{Actor: "rollout", Action: "rollout.step"}); err != nil && ctx.Err() == nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 10 {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"audit", "verify", "--store", path}, &stdout, &stderr); err != nil {
			t.Errorf("verify during appends: %v\n%s", err, stdout.String())
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("append: %v", err)
	}
}
