package load

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RejectRecord is one line of a reject file (JSON Lines).
type RejectRecord struct {
	Table  string `json:"table"`
	Key    string `json:"key"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// writeRejects writes one file per table with rejected rows, from the
// state (which holds each reject exactly once, whatever the retries), and
// names the files in snap.
func (r *runner) writeRejects(ctx context.Context, snap *Snapshot) error {
	for i := range snap.Tables {
		tp := &snap.Tables[i]
		if tp.Rejected == 0 {
			continue
		}
		path := filepath.Join(r.o.RejectDir, rejectFileName(tp.Source))
		if err := r.writeRejectFile(ctx, tp.Source, path); err != nil {
			return err
		}
		tp.RejectFile = path
	}
	return nil
}

// rejectFileName keeps a table name usable as a file name.
func rejectFileName(table string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, table)
	return safe + ".rejects.jsonl"
}

func (r *runner) writeRejectFile(ctx context.Context, source, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("reject file: %w", err)
	}
	rows, err := r.pool.Query(ctx, `SELECT key, column_name, value, reason FROM `+StateSchema+`.rejects
		WHERE source = $1 ORDER BY seq, ctid`, source)
	if err != nil {
		return fmt.Errorf("read rejects of %s: %w", source, err)
	}
	defer rows.Close()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("reject file: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for rows.Next() {
		rec := RejectRecord{Table: source}
		if err := rows.Scan(&rec.Key, &rec.Column, &rec.Value, &rec.Reason); err != nil {
			f.Close()
			return fmt.Errorf("read rejects of %s: %w", source, err)
		}
		if err := enc.Encode(rec); err != nil {
			f.Close()
			return fmt.Errorf("reject file: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		f.Close()
		return fmt.Errorf("read rejects of %s: %w", source, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("reject file: %w", err)
	}
	return f.Close()
}
