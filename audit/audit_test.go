package audit

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
)

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 123456789, time.FixedZone("CET", 3600))

func entry(seq int64) ficus.AuditEntry {
	return ficus.AuditEntry{
		Seq:    seq,
		Time:   t0.Add(time.Duration(seq) * time.Second),
		Actor:  "alice",
		Action: "route.stage",
		Target: "route/users",
		Before: json.RawMessage(`{"stage": "legacy"}`),
		After:  json.RawMessage(`{"stage": "canary", "weight": 5}`),
	}
}

// chain returns n sealed entries, seqs 1..n.
func chain(n int) []ficus.AuditEntry {
	var out []ficus.AuditEntry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Seal(prev, entry(int64(i)))
		out = append(out, e)
		prev = e.Hash
	}
	return out
}

func TestSealNormalisesWhatItHashes(t *testing.T) {
	e := Seal("abc", entry(1))
	if got, want := e.Time, t0.Add(time.Second).UTC().Truncate(time.Microsecond); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time = %v, want %v in UTC", got, want)
	}
	if got := string(e.After); got != `{"stage":"canary","weight":5}` {
		t.Errorf("After = %s, want it compacted", got)
	}
	if e.PrevHash != "abc" || len(e.Hash) != 64 {
		t.Errorf("PrevHash = %q, Hash = %q; want abc and 64 hex digits", e.PrevHash, e.Hash)
	}
}

func TestSealIsDeterministicAcrossRepresentations(t *testing.T) {
	a := entry(7)
	b := a
	b.Time = a.Time.UTC().Add(-400 * time.Nanosecond) // below microsecond precision
	b.Before = json.RawMessage("{\n  \"stage\" :\t\"legacy\"\n}")
	if ha, hb := Seal("p", a).Hash, Seal("p", b).Hash; ha != hb {
		t.Errorf("hashes differ for the same entry written differently: %s vs %s", ha, hb)
	}
}

func TestSealHashesEveryField(t *testing.T) {
	base := entry(3)
	cases := map[string]func(e *ficus.AuditEntry){
		"seq":                               func(e *ficus.AuditEntry) { e.Seq = 4 },
		"time by one microsecond":           func(e *ficus.AuditEntry) { e.Time = e.Time.Add(time.Microsecond) },
		"actor":                             func(e *ficus.AuditEntry) { e.Actor = "bob" },
		"action":                            func(e *ficus.AuditEntry) { e.Action = "route.rollback" },
		"target":                            func(e *ficus.AuditEntry) { e.Target = "route/orders" },
		"before":                            func(e *ficus.AuditEntry) { e.Before = json.RawMessage(`{"stage":"modern"}`) },
		"after":                             func(e *ficus.AuditEntry) { e.After = nil },
		"before becomes JSON null":          func(e *ficus.AuditEntry) { e.Before = json.RawMessage(`null`) },
		"a byte moves from actor to action": func(e *ficus.AuditEntry) { e.Actor, e.Action = "alic", "eroute.stage" },
	}
	want := Seal("prev", base).Hash
	if got := Seal("other", base).Hash; got == want {
		t.Errorf("changing PrevHash kept the hash")
	}
	for name, change := range cases {
		t.Run(name+" changes the hash", func(t *testing.T) {
			e := base
			change(&e)
			if got := Seal("prev", e).Hash; got == want {
				t.Errorf("hash unchanged")
			}
		})
	}
}

func TestVerify(t *testing.T) {
	type head struct {
		seq  int64
		hash string
	}
	headOf := func(es []ficus.AuditEntry) head {
		if len(es) == 0 {
			return head{}
		}
		return head{es[len(es)-1].Seq, es[len(es)-1].Hash}
	}
	cases := []struct {
		name   string
		tamper func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head)
		want   []string // "seq kind"
	}{
		{
			name:   "an intact log verifies",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) { return es, h },
		},
		{
			name:   "an empty log with an empty head verifies",
			tamper: func([]ficus.AuditEntry, head) ([]ficus.AuditEntry, head) { return nil, head{} },
		},
		{
			name: "an edited actor is reported as edited at its seq",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				es[2].Actor = "mallory"
				return es, h
			},
			want: []string{"3 edited"},
		},
		{
			name: "reformatted JSON is not an edit",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				es[2].After = json.RawMessage("{ \"stage\": \"canary\",\n \"weight\": 5 }")
				return es, h
			},
		},
		{
			name: "a deleted middle entry is reported as deleted",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return append(es[:2:2], es[3:]...), h
			},
			want: []string{"3 deleted"},
		},
		{
			name: "a deleted first entry is reported as deleted",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return es[1:], h
			},
			want: []string{"1 deleted"},
		},
		{
			name: "a deletion hidden by renumbering is reported as deleted",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				es = append(es[:2:2], es[3:]...)
				for i := 2; i < len(es); i++ {
					es[i].Seq--
				}
				return es, head{h.seq - 1, h.hash}
			},
			// The renumbered entries no longer match their hashes, and the link at 3 is broken.
			want: []string{"3 edited", "3 deleted", "4 edited"},
		},
		{
			name: "a deleted newest entry is reported as truncated",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return es[:len(es)-1], h
			},
			want: []string{"5 truncated"},
		},
		{
			name: "a head hash that differs from the newest entry is reported as truncated",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return es, head{h.seq, "00" + h.hash[2:]}
			},
			want: []string{"5 truncated"},
		},
		{
			name: "entries beyond the head record are reported as truncated",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return es, headOf(es[:3])
			},
			want: []string{"3 truncated"},
		},
		{
			name: "a non-empty head over an empty log is reported as truncated",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return nil, h
			},
			want: []string{"1 truncated"},
		},
		{
			name: "two entries with swapped seqs are reported as reordered",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				es[1].Seq, es[3].Seq = es[3].Seq, es[1].Seq
				es[1], es[3] = es[3], es[1]
				return es, h
			},
			want: []string{"2 reordered", "3 reordered", "4 reordered", "5 reordered"},
		},
		{
			name: "the newest two entries swapped are reported as reordered",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				es[3].Seq, es[4].Seq = es[4].Seq, es[3].Seq
				es[3], es[4] = es[4], es[3]
				return es, h
			},
			want: []string{"4 reordered", "5 reordered"},
		},
		{
			name: "a seq that appears twice is reported as reordered",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				return append(es[:3:3], es[2:]...), h
			},
			want: []string{"3 reordered"},
		},
		{
			name: "entries out of seq order are reported as reordered",
			tamper: func(es []ficus.AuditEntry, h head) ([]ficus.AuditEntry, head) {
				es[1], es[2] = es[2], es[1]
				return es, h
			},
			want: []string{"2 reordered"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := chain(5)
			es, h := tc.tamper(es, headOf(es))
			var got []string
			for _, p := range Verify(es, h.seq, h.hash) {
				got = append(got, fmt.Sprintf("%d %s", p.Seq, p.Kind))
				if p.Detail == "" {
					t.Errorf("problem %v has no detail", p)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("problems = %v, want %v", got, tc.want)
				for _, p := range Verify(es, h.seq, h.hash) {
					t.Log(p)
				}
			}
		})
	}
}

func TestCheckRecorded(t *testing.T) {
	es := chain(5)
	recorded := es[3]
	rewritten := chain(5)
	rewritten[3].Actor = "mallory"
	prev := rewritten[2].Hash
	for i := 3; i < 5; i++ {
		rewritten[i] = Seal(prev, rewritten[i])
		prev = rewritten[i].Hash
	}
	cases := []struct {
		name    string
		entries []ficus.AuditEntry
		want    string
	}{
		{"a log that still holds the recorded head passes", es, "[]"},
		{"a log that grew since passes", append(es, Seal(es[4].Hash, entry(6))), "[]"},
		{"a tail rewritten and re-sealed is reported as edited", rewritten, "[4 edited]"},
		{"a log cut before the recorded head is reported as truncated", es[:3], "[4 truncated]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if p := Verify(tc.entries, tc.entries[len(tc.entries)-1].Seq, tc.entries[len(tc.entries)-1].Hash); len(p) != 0 {
				t.Fatalf("the log itself does not verify: %v", p)
			}
			var got []string
			for _, p := range CheckRecorded(tc.entries, recorded.Seq, recorded.Hash) {
				got = append(got, fmt.Sprintf("%d %s", p.Seq, p.Kind))
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("problems = %v, want %s", got, tc.want)
			}
		})
	}
}
