package audit

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ficus-dev/ficus"
)

// The kinds of Problem that Verify reports.
const (
	// KindEdited: the entry's content does not match its Hash.
	KindEdited = "edited"
	// KindDeleted: entries are missing before this one (a Seq gap), or its PrevHash is not the Hash
	// of the entry before it and matches no other entry either.
	KindDeleted = "deleted"
	// KindTruncated: the head record names entries that are not there, or a Hash that differs from
	// the newest entry's.
	KindTruncated = "truncated"
	// KindReordered: the entry was sealed at another position of the log than where it is now.
	KindReordered = "reordered"
)

// Problem is one inconsistency found by Verify.
type Problem struct {
	// Seq is the entry at which the problem shows; for missing entries, the first missing Seq.
	Seq int64 `json:"seq"`
	// Kind is one of KindEdited, KindDeleted, KindTruncated, KindReordered.
	Kind string `json:"kind"`
	// Detail explains the problem to a person.
	Detail string `json:"detail"`
}

func (p Problem) String() string { return fmt.Sprintf("seq %d: %s: %s", p.Seq, p.Kind, p.Detail) }

// Verify checks a whole log, given in Seq order as a store returns it, against the head record
// (headSeq, headHash) that the store keeps apart from the entries. It returns nil when the log is
// intact; an empty log with a zero head is intact.
func Verify(entries []ficus.AuditEntry, headSeq int64, headHash string) []Problem {
	v := verifier{
		bySeq:      make(map[string]int64, len(entries)),
		successor:  make(map[string]int64, len(entries)),
		headSeq:    headSeq,
		headHash:   headHash,
		reportedAt: make(map[int64]bool),
	}
	entries = v.inSeqOrder(entries)
	for _, e := range entries {
		v.bySeq[e.Hash] = e.Seq
		v.successor[e.PrevHash] = e.Seq
	}
	prev := ficus.AuditEntry{} // Seq 0 and Hash "": what the first entry follows
	for _, e := range entries {
		v.checkContent(e)
		v.checkLink(prev, e)
		prev = e
	}
	v.checkHead(prev)
	return v.problems
}

type verifier struct {
	bySeq     map[string]int64 // Hash → Seq of the entry that has it
	successor map[string]int64 // PrevHash → Seq of the entry that names it
	headSeq   int64
	headHash  string
	problems  []Problem
	// reportedAt marks entries already reported as reordered, so that one swap is not also
	// reported as a broken link at the same entry.
	reportedAt map[int64]bool
}

func (v *verifier) add(seq int64, kind, format string, args ...any) {
	v.problems = append(v.problems, Problem{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// inSeqOrder reports entries that come after a greater Seq and returns them sorted, so that the
// checks that follow see each entry next to its neighbours.
func (v *verifier) inSeqOrder(entries []ficus.AuditEntry) []ficus.AuditEntry {
	var maxSeq int64
	sorted := true
	for _, e := range entries {
		if e.Seq < maxSeq {
			v.add(e.Seq, KindReordered, "listed after seq %d", maxSeq)
			sorted = false
		}
		maxSeq = max(maxSeq, e.Seq)
	}
	if sorted {
		return entries
	}
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b ficus.AuditEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return entries
}

// checkContent recomputes e's hash. When it does not match, the entry may still be intact but moved:
// its neighbours in the chain (the entry whose Hash is e's PrevHash, the entry that names e's Hash as
// its PrevHash, or the head record) suggest where e was sealed, and if e's content hashes right at
// one of those Seqs, it was reordered rather than edited.
func (v *verifier) checkContent(e ficus.AuditEntry) {
	if hashOf(e) == e.Hash {
		return
	}
	if orig, ok := v.sealedAt(e); ok {
		v.add(e.Seq, KindReordered, "entry stored at seq %d was sealed as seq %d", e.Seq, orig)
		v.reportedAt[e.Seq] = true
		return
	}
	v.add(e.Seq, KindEdited, "content does not match its hash %s", short(e.Hash))
}

func (v *verifier) sealedAt(e ficus.AuditEntry) (int64, bool) {
	var candidates []int64
	if next, ok := v.successor[e.Hash]; ok && e.Hash != "" {
		candidates = append(candidates, next-1)
	}
	if before, ok := v.bySeq[e.PrevHash]; ok && e.PrevHash != "" {
		candidates = append(candidates, before+1)
	}
	if e.Hash == v.headHash && v.headSeq > 0 {
		candidates = append(candidates, v.headSeq)
	}
	for _, seq := range candidates {
		moved := e
		moved.Seq = seq
		if seq != e.Seq && hashOf(moved) == e.Hash {
			return seq, true
		}
	}
	return 0, false
}

// checkLink checks that e directly follows prev: the next Seq, and a PrevHash equal to prev's Hash.
func (v *verifier) checkLink(prev, e ficus.AuditEntry) {
	switch {
	case e.Seq == prev.Seq:
		v.add(e.Seq, KindReordered, "seq %d appears twice", e.Seq)
	case e.Seq > prev.Seq+1:
		v.add(prev.Seq+1, KindDeleted, "seq %s missing", seqRange(prev.Seq+1, e.Seq-1))
	case e.PrevHash == prev.Hash || v.reportedAt[e.Seq]:
	case v.isKnownHash(e.PrevHash):
		v.add(e.Seq, KindReordered, "follows the entry at seq %d, not seq %d", v.bySeq[e.PrevHash], prev.Seq)
	default:
		v.add(e.Seq, KindDeleted, "previous hash %s is not the hash of seq %d (%s) nor of any other entry",
			short(e.PrevHash), prev.Seq, short(prev.Hash))
	}
}

func (v *verifier) isKnownHash(h string) bool {
	_, ok := v.bySeq[h]
	return ok && h != ""
}

// checkHead compares the newest entry, last, with the head record.
func (v *verifier) checkHead(last ficus.AuditEntry) {
	switch {
	case v.headSeq > last.Seq:
		v.add(last.Seq+1, KindTruncated, "head record names seq %d but the log ends at seq %d (seq %s missing)",
			v.headSeq, last.Seq, seqRange(last.Seq+1, v.headSeq))
	case v.headSeq < last.Seq:
		v.add(v.headSeq, KindTruncated, "head record names seq %d but the log goes on to seq %d",
			v.headSeq, last.Seq)
	case v.headHash != last.Hash && v.isKnownHash(v.headHash):
		if seq := v.bySeq[v.headHash]; !v.reportedAt[seq] {
			v.add(seq, KindReordered, "head record names the entry now stored at seq %d", seq)
		}
	case v.headHash != last.Hash:
		v.add(last.Seq, KindTruncated, "head record hash %s differs from the hash of seq %d (%s)",
			short(v.headHash), last.Seq, short(last.Hash))
	}
}

func seqRange(from, to int64) string {
	if from == to {
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// short abbreviates a hash for messages; 16 hex digits are plenty to tell hashes apart by eye.
func short(h string) string {
	if h == "" {
		return `""`
	}
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// CheckRecorded compares a log with a head recorded earlier outside the store (the Seq and Hash that
// `ficus audit verify` printed then). This catches what Verify cannot: a tail rewritten and re-sealed
// together with the head record. It returns nil when the entry at seq still has hash.
func CheckRecorded(entries []ficus.AuditEntry, seq int64, hash string) []Problem {
	for _, e := range entries {
		if e.Seq != seq {
			continue
		}
		if e.Hash != hash {
			return []Problem{{Seq: seq, Kind: KindEdited, Detail: fmt.Sprintf(
				"the recorded head says seq %d has hash %s, it now has %s: the log was rewritten up to here",
				seq, short(hash), short(e.Hash))}}
		}
		return nil
	}
	return []Problem{{Seq: seq, Kind: KindTruncated, Detail: fmt.Sprintf("the recorded head seq %d is not in the log", seq)}}
}
