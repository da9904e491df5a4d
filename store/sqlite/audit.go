package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
)

// defaultAuditLimit is how many entries AuditEntries returns when the filter sets no limit.
const defaultAuditLimit = 100

// AppendAudit seals e into the hash chain and stores it. The store sets e.Seq; a zero e.Time is
// replaced by the current time.
func (db *DB) AppendAudit(ctx context.Context, e ficus.AuditEntry) (ficus.AuditEntry, error) {
	if err := db.prepareEntry(&e); err != nil {
		return ficus.AuditEntry{}, err
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return ficus.AuditEntry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return e, nil
}

// prepareEntry checks what the chain cannot repair later and fills the time.
func (db *DB) prepareEntry(e *ficus.AuditEntry) error {
	if e.Action == "" {
		return ficus.Errorf(ficus.EInvalid, "audit entry has no action")
	}
	if len(e.Before) > 0 && !json.Valid(e.Before) {
		return ficus.Errorf(ficus.EInvalid, "audit entry before is not valid JSON")
	}
	if len(e.After) > 0 && !json.Valid(e.After) {
		return ficus.Errorf(ficus.EInvalid, "audit entry after is not valid JSON")
	}
	if e.Time.IsZero() {
		e.Time = db.now()
	}
	return nil
}

// appendAudit extends the chain from its head inside tx: the head is read, the entry sealed after it
// and inserted, and the head moved to it, so that the three commit together or not at all.
func appendAudit(ctx context.Context, tx *sql.Tx, e ficus.AuditEntry) (ficus.AuditEntry, error) {
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return e, fmt.Errorf("read head: %w", err)
	}
	e.Seq = headSeq + 1
	e = audit.Seal(headHash, e)
	_, err := tx.ExecContext(ctx, `
		INSERT INTO audit_entries (seq, time, actor, action, target, before, after, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, formatTime(e.Time), e.Actor, e.Action, e.Target, jsonText(e.Before), jsonText(e.After), e.PrevHash, e.Hash)
	if err != nil {
		return e, fmt.Errorf("insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return e, fmt.Errorf("update head: %w", err)
	}
	return e, nil
}

// AuditEntries returns the entries selected by f, newest first.
func (db *DB) AuditEntries(ctx context.Context, f ficus.AuditFilter) ([]ficus.AuditEntry, error) {
	var where []string
	var args []any
	if f.Target != "" {
		where = append(where, "target = ?")
		args = append(args, f.Target)
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.AfterSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	query := `SELECT ` + entryColumns + ` FROM audit_entries`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY seq DESC LIMIT ?`
	entries, err := queryEntries(ctx, db.reader, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return entries, nil
}

// AllAuditEntries returns every entry in Seq order.
func (db *DB) AllAuditEntries(ctx context.Context) ([]ficus.AuditEntry, error) {
	entries, err := queryEntries(ctx, db.reader, `SELECT `+entryColumns+` FROM audit_entries ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return entries, nil
}

// AuditHead returns the Seq and Hash of the newest entry as recorded in the head record.
func (db *DB) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	err = db.reader.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return seq, hash, nil
}

// ReadAuditLog returns every entry in Seq order together with the head record, both as of one moment:
// they are read in one transaction, so appends committed meanwhile by this or another process are in
// neither. Verifying AllAuditEntries and AuditHead read one after the other could see an entry
// without its head or a head without its entry.
func (db *DB) ReadAuditLog(ctx context.Context) (entries []ficus.AuditEntry, headSeq int64, headHash string, err error) {
	// In WAL mode a read transaction sees the database as of its first read, whatever commits after.
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, "", fmt.Errorf("read audit log: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return nil, 0, "", fmt.Errorf("read audit head: %w", err)
	}
	if entries, err = queryEntries(ctx, tx, `SELECT `+entryColumns+` FROM audit_entries ORDER BY seq`); err != nil {
		return nil, 0, "", fmt.Errorf("read audit log: %w", err)
	}
	return entries, headSeq, headHash, nil
}

const entryColumns = `seq, time, actor, action, target, before, after, prev_hash, hash`

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryEntries(ctx context.Context, q querier, query string, args ...any) ([]ficus.AuditEntry, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var entries []ficus.AuditEntry
	for rows.Next() {
		var e ficus.AuditEntry
		var t string
		var before, after []byte
		if err := rows.Scan(&e.Seq, &t, &e.Actor, &e.Action, &e.Target, &before, &after, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		if e.Time, err = parseTime(t); err != nil {
			return nil, fmt.Errorf("entry %d: %w", e.Seq, err)
		}
		e.Before, e.After = before, after
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// formatTime writes t exactly as package audit hashes it, so what is stored is what was sealed.
func formatTime(t time.Time) string { return t.UTC().Format(audit.TimeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// jsonText stores an absent document as NULL rather than as an empty string.
func jsonText(doc json.RawMessage) any {
	if len(doc) == 0 {
		return nil
	}
	return string(doc)
}
