// Package audit owns the hash chain of ficus's audit log: how an entry is sealed into the chain (Seal)
// and how a stored log is checked (Verify). It is pure: it neither stores nor reads entries; the store
// adapters call Seal inside the transaction that appends an entry, and `ficus audit verify` feeds
// Verify what a store returns.
//
// # What the chain proves
//
// Every entry's Hash is SHA-256 over a canonical encoding of its content and of the Hash of the entry
// before it (PrevHash). Stores also keep a head record — the Seq and Hash of the newest entry — apart
// from the entries. Against that, Verify detects:
//
//   - an entry whose content was changed after it was written ("edited");
//   - an entry removed from the middle of the log, with or without renumbering the rest ("deleted");
//   - entries removed from the end, or a head record that does not match the newest entry ("truncated");
//   - entries whose Seq was changed so that they appear in another order ("reordered").
//
// # What it does not prove
//
// The hash is not keyed: anyone who can write the store can also recompute hashes. Someone who rewrites
// an entry and then re-seals every entry after it and updates the head record consistently produces a
// log that verifies. Only a head hash kept somewhere the attacker cannot write catches that: `ficus
// audit verify` prints the head Seq and Hash so that operators can record them elsewhere (a ticket, a
// chat message, another system's log) and later check, with CheckRecorded (`ficus audit verify
// --recorded SEQ:HASH`), that the entry at that Seq still has that Hash.
// The chain also says nothing about whether an entry was true when written: it proves the log has not
// changed since, not that the actor or the time in it are genuine.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
	"time"

	"github.com/ficus-dev/ficus"
)

// encodingVersion starts every hashed encoding, so that a future change of the encoding can never
// produce the same bytes as this one for a different entry.
const encodingVersion = "ficus-audit-v1"

// TimeLayout is how an entry's time is written into the hash: RFC 3339 in UTC with exactly six
// fractional digits. Stores that keep times as text use it too, so that what is stored is what was hashed.
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Seal returns e made ready to store after the entry whose hash is prevHash ("" for the first entry):
// its Time is normalised to UTC with microsecond precision, Before and After are compacted when they
// are valid JSON, PrevHash is set, and Hash covers all of it. e.Seq must already be set.
func Seal(prevHash string, e ficus.AuditEntry) ficus.AuditEntry {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Before = compact(e.Before)
	e.After = compact(e.After)
	e.PrevHash = prevHash
	e.Hash = hashOf(e)
	return e
}

// hashOf returns the hex SHA-256 of e's canonical encoding: every field except Hash itself. Verify uses
// it to recompute what Seal computed.
func hashOf(e ficus.AuditEntry) string {
	h := sha256.New()
	writeField(h, []byte(encodingVersion))
	writeField(h, []byte(strconv.FormatInt(e.Seq, 10)))
	writeField(h, []byte(e.Time.UTC().Format(TimeLayout)))
	writeField(h, []byte(e.Actor))
	writeField(h, []byte(e.Action))
	writeField(h, []byte(e.Target))
	writeField(h, compact(e.Before))
	writeField(h, compact(e.After))
	writeField(h, []byte(e.PrevHash))
	return hex.EncodeToString(h.Sum(nil))
}

// writeField writes b prefixed with its length, so that moving bytes from one field to the next
// always changes the encoding ("ab"+"c" and "a"+"bc" differ). An absent JSON document is written as
// length 0, which no valid JSON document has.
func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// compact removes insignificant whitespace from a JSON document, so that reformatting a stored
// document does not count as an edit. Invalid JSON is returned unchanged: it is still hashed byte for
// byte, and stores reject it before sealing anyway.
func compact(doc json.RawMessage) json.RawMessage {
	if len(doc) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, doc); err != nil {
		return doc
	}
	return buf.Bytes()
}
