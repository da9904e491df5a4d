package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/audit"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/store/sqlite"
)

func init() { commands = append(commands, newAuditCmd) }

// auditFlags locate the store file; the audit commands read it directly, so they work while the
// server is down, and while it runs (SQLite's WAL lets a reader in beside the writer).
type auditFlags struct {
	store, config string
}

func newAuditCmd(g *globals) *cobra.Command {
	f := &auditFlags{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List and verify the tamper-evident audit log",
		Long: `audit reads the audit log from the store file: every change of a route's stage, every rollback and
every decision, each entry chained to the one before by a SHA-256 hash.

The store is --store PATH, else the store of --config FILE (default ficus.yaml). The file is read
directly, so these commands work whether or not 'ficus serve' is running.`,
		Example: `  ficus audit list --target route/users
  ficus audit verify --store /var/lib/ficus/ficus.db`,
		Args: cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.store, "store", "", "store file (default: the store of --config)")
	pf.StringVarP(&f.config, "config", "c", "ficus.yaml", "config file naming the store")
	cmd.AddCommand(newAuditListCmd(g, f), newAuditVerifyCmd(g, f))
	return cmd
}

// open opens the existing store; a missing file is an error, never a new empty log.
func (f *auditFlags) open(ctx context.Context) (*sqlite.DB, error) {
	path := f.store
	if path == "" {
		cfg, err := config.LoadForClient(f.config)
		if err != nil {
			return nil, err
		}
		path = cfg.Store
	}
	return sqlite.OpenExisting(ctx, path)
}

func newAuditListCmd(g *globals, f *auditFlags) *cobra.Command {
	var filter ficus.AuditFilter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show audit entries, newest first",
		Long: `list prints audit entries newest first: seq, time (UTC), actor, action, target, and the state
before → after.`,
		Example: `  ficus audit list
  ficus audit list --target route/users --limit 20
  ficus audit list --output json | jq '.entries[] | select(.actor == "rollout")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if filter.Limit < 0 {
				return fmt.Errorf("--limit %d: must be positive", filter.Limit)
			}
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			entries, err := db.AuditEntries(cmd.Context(), filter)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printAuditJSON(g.stdout, map[string]any{"entries": auditNonNil(entries)})
			}
			return printAuditTable(g.stdout, entries)
		},
	}
	cmd.Flags().StringVar(&filter.Target, "target", "", "only entries for this target, e.g. route/users")
	cmd.Flags().IntVar(&filter.Limit, "limit", 100, "at most this many entries")
	cmd.Flags().Int64Var(&filter.AfterSeq, "after", 0, "only entries with a greater seq")
	return cmd
}

func newAuditVerifyCmd(g *globals, f *auditFlags) *cobra.Command {
	var recorded string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit entry was edited, deleted or reordered",
		Long: `verify recomputes the hash chain of the whole audit log and compares its end with the head record
the store keeps apart from the entries. It prints the head seq and hash: record them somewhere the
store's users cannot write (a ticket, a chat message), because someone able to write the store can
rewrite the newest entries and the head together, and only an earlier head kept elsewhere shows that.
Pass it back with --recorded SEQ:HASH to check that the log still holds it.

Exits with status 1 after listing the problems when the log does not verify.`,
		Example: `  ficus audit verify
  ficus audit verify --recorded 1842:9f86d081884c7d65...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rec *auditHead
			if recorded != "" {
				h, err := parseAuditHead(recorded)
				if err != nil {
					return err
				}
				rec = &h
			}
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			report, err := verifyAudit(cmd.Context(), db, rec)
			if err != nil {
				return err
			}
			if g.output == "json" {
				err = printAuditJSON(g.stdout, report)
			} else {
				err = report.print(g.stdout)
			}
			if err != nil {
				return err
			}
			if !report.OK {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&recorded, "recorded", "", "a head printed by an earlier verify, SEQ:HASH, that the log must still hold")
	return cmd
}

type auditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

func parseAuditHead(s string) (auditHead, error) {
	seqText, hash, ok := strings.Cut(s, ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if !ok || err != nil || seq < 1 || hash == "" {
		return auditHead{}, fmt.Errorf("--recorded %q: want SEQ:HASH as printed by 'ficus audit verify'", s)
	}
	return auditHead{Seq: seq, Hash: strings.ToLower(hash)}, nil
}

// auditReport is what verify prints, as text or as JSON.
type auditReport struct {
	OK       bool            `json:"ok"`
	Entries  int             `json:"entries"`
	Head     auditHead       `json:"head"`
	Problems []audit.Problem `json:"problems"`
}

func verifyAudit(ctx context.Context, db *sqlite.DB, recorded *auditHead) (auditReport, error) {
	var r auditReport
	all, seq, hash, err := db.ReadAuditLog(ctx)
	if err != nil {
		return r, err
	}
	r.Entries, r.Head = len(all), auditHead{Seq: seq, Hash: hash}
	r.Problems = audit.Verify(all, seq, hash)
	if recorded != nil {
		r.Problems = append(r.Problems, audit.CheckRecorded(all, recorded.Seq, recorded.Hash)...)
	}
	r.OK = len(r.Problems) == 0
	r.Problems = auditNonNil(r.Problems)
	return r, nil
}

func (r auditReport) print(w io.Writer) error {
	if r.OK {
		_, err := fmt.Fprintf(w, "audit log OK: %d entries, head seq %d hash %s\n", r.Entries, r.Head.Seq, r.Head.Hash)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "audit log FAILED verification: %s in %d entries (head record: seq %d hash %s)\n",
		auditPlural(len(r.Problems), "problem"), r.Entries, r.Head.Seq, r.Head.Hash)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  seq %d: %s: %s\n", p.Seq, p.Kind, p.Detail)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func printAuditTable(w io.Writer, entries []ficus.AuditEntry) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "no audit entries")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME (UTC)\tACTOR\tACTION\tTARGET\tCHANGE")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.UTC().Format(time.DateTime),
			auditOrDash(e.Actor), e.Action, auditOrDash(e.Target), auditChange(e.Before, e.After))
	}
	return tw.Flush()
}

// auditChange shows a change on one line: "before → after", a dash for a side that is absent.
func auditChange(before, after json.RawMessage) string {
	if len(before) == 0 && len(after) == 0 {
		return "-"
	}
	return auditOrDash(string(before)) + " → " + auditOrDash(string(after))
}

func auditPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func auditOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printAuditJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// auditNonNil makes an empty list print as [] rather than null in JSON.
func auditNonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
