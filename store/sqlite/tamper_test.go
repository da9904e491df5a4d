package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"

	_ "modernc.org/sqlite"
)

// TestTamperingIsDetected edits the file behind the store's back, with raw SQL from another
// connection as an attacker with write access would, and checks what Verify reports.
func TestTamperingIsDetected(t *testing.T) {
	tests := []struct {
		name string
		sql  []string
		want []string // "seq kind"
	}{
		{
			name: "an edited actor in a middle entry is reported as edited at its seq",
			sql:  []string{`UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3`},
			want: []string{"3 edited"},
		},
		{
			name: "reformatted JSON in an entry is not tampering",
			sql:  []string{`UPDATE audit_entries SET after = '{ "n" : 3 }' WHERE seq = 3`},
		},
		{
			name: "a deleted middle entry is reported as deleted",
			sql:  []string{`DELETE FROM audit_entries WHERE seq = 3`},
			want: []string{"3 deleted"},
		},
		{
			name: "a deleted newest entry is reported as truncated",
			sql:  []string{`DELETE FROM audit_entries WHERE seq = 5`},
			want: []string{"5 truncated"},
		},
		{
			name: "two entries with swapped seqs are detected as reordered",
			sql: []string{
				`UPDATE audit_entries SET seq = -2 WHERE seq = 2`,
				`UPDATE audit_entries SET seq = 2 WHERE seq = 4`,
				`UPDATE audit_entries SET seq = 4 WHERE seq = -2`,
			},
			want: []string{"2 reordered", "3 reordered", "4 reordered", "5 reordered"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ficus.db")
			db := openAt(t, path)
			for i := 1; i <= 5; i++ {
				e := ficus.AuditEntry{Actor: "alice", Action: "route.stage", Target: "route/users", After: []byte(fmt.Sprintf(`{"n":%d}`, i))}
				if _, err := db.AppendAudit(t.Context(), e); err != nil {
					t.Fatal(err)
				}
			}
			tamper(t, path, tc.sql...)

			all, err := db.AllAuditEntries(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			seq, hash, err := db.AuditHead(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range audit.Verify(all, seq, hash) {
				got = append(got, fmt.Sprintf("%d %s", p.Seq, p.Kind))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("problems = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestARewoundHeadIsCaughtOnlyByARecordedHead shows the limit documented in package audit: deleting
// the newest entry and rewinding the head record to match leaves a consistent log, which only the
// head printed by `ficus audit verify` earlier and kept elsewhere exposes.
func TestARewoundHeadIsCaughtOnlyByARecordedHead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	db := openAt(t, path)
	for range 5 {
		if _, err := db.AppendAudit(t.Context(), ficus.AuditEntry{Actor: "a", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	recordedSeq, recordedHash, err := db.AuditHead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, path,
		`DELETE FROM audit_entries WHERE seq = 5`,
		`UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_entries WHERE seq = 4)`)

	all, _ := db.AllAuditEntries(t.Context())
	seq, hash, _ := db.AuditHead(t.Context())
	if problems := audit.Verify(all, seq, hash); len(problems) != 0 {
		t.Errorf("against the rewritten head: problems = %v, want none (the limit of a self-kept head)", problems)
	}
	problems := audit.Verify(all, recordedSeq, recordedHash)
	if len(problems) != 1 || problems[0].Kind != audit.KindTruncated || problems[0].Seq != 5 {
		t.Errorf("against the recorded head: problems = %v, want seq 5 truncated", problems)
	}
}

// TestAppendAfterTamperingKeepsTheEvidence checks that the store goes on from its head record rather
// than from what is left in the table, so that a truncation stays visible after the next append.
func TestAppendAfterTamperingKeepsTheEvidence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ficus.db")
	db := openAt(t, path)
	for range 3 {
		if _, err := db.AppendAudit(t.Context(), ficus.AuditEntry{Actor: "a", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	tamper(t, path, `DELETE FROM audit_entries WHERE seq = 3`)
	e, err := db.AppendAudit(t.Context(), ficus.AuditEntry{Actor: "a", Action: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 4 {
		t.Errorf("next seq = %d, want 4", e.Seq)
	}
	all, _ := db.AllAuditEntries(t.Context())
	seq, hash, _ := db.AuditHead(t.Context())
	problems := audit.Verify(all, seq, hash)
	if len(problems) != 1 || problems[0].Seq != 3 || problems[0].Kind != audit.KindDeleted {
		t.Errorf("problems = %v, want seq 3 deleted", problems)
	}
}

func TestTheStoreRefusesToChangeEntries(t *testing.T) {
	db := openTemp(t)
	if _, err := db.AppendAudit(t.Context(), ficus.AuditEntry{Actor: "a", Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_entries SET actor = 'b'`, `DELETE FROM audit_entries`} {
		if _, err := db.writer.ExecContext(t.Context(), stmt); err == nil {
			t.Errorf("%s succeeded, want the append-only trigger to refuse it", stmt)
		}
	}
}

// tamper runs stmts on the file from a connection of its own, after dropping the triggers that stop
// ficus itself from changing entries (an attacker can drop them too).
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	stmts = append([]string{`DROP TRIGGER audit_entries_no_update`, `DROP TRIGGER audit_entries_no_delete`}, stmts...)
	for _, stmt := range stmts {
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}
