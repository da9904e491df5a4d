package diff

// Kind classifies a difference.
type Kind string

// The kinds of difference. Body kinds other than KindBody come from the structural JSON comparison.
const (
	KindValue      Kind = "value"       // same type, different value (true vs false, 1 vs 2, "a" vs "b")
	KindType       Kind = "type"        // different JSON types (string "1" vs number 1, null vs object)
	KindMissing    Kind = "missing"     // a member the left has and the right lacks (or an unmatched element of an unordered array)
	KindExtra      Kind = "extra"       // a member the right has and the left lacks (or an unmatched element of an unordered array)
	KindArraySize  Kind = "array_size"  // arrays of different lengths; Left and Right are the lengths
	KindArrayOrder Kind = "array_order" // the same elements in a different order
	KindStatus     Kind = "status"      // different status codes
	KindHeader     Kind = "header"      // a compared header differs or is absent on one side
	KindBody       Kind = "body"        // non-JSON bodies differ, a body is invalid JSON, or it fails to decode
)

// Difference is one way in which the right response differs from the left.
type Difference struct {
	// Path locates the difference: "status" for the status code, "header:Name" (canonical name) for a
	// header, and a JSON path for the body ("$" for the whole body, "$.items[3].price", "$['odd key']").
	Path string `json:"path"`
	// Kind classifies it.
	Kind Kind `json:"kind"`
	// Left and Right show the two values: compact JSON for JSON values, text for headers and text
	// bodies, empty for a side that has no value. They are redacted and truncated (ending in "…").
	Left  string `json:"left"`
	Right string `json:"right"`
	// Note explains what Left and Right cannot say, e.g. "right body is not valid JSON: invalid
	// character 'x' where a value is expected at offset 3"; empty when they speak for themselves.
	Note string `json:"note,omitempty"`
}

// SkipReason says why a pair of responses was not compared. It is a short fixed token, usable as a
// metric label.
type SkipReason string

// Reasons for skipping a comparison. Callers (the mirroring gateway) add their own, such as a full
// queue or a timed-out shadow request.
const (
	SkipBodyTooLarge SkipReason = "body_too_large" // a body, as received or once decoded, exceeds Options.MaxBodyBytes
)

// Result is the outcome of comparing two responses.
type Result struct {
	// Equal is true when nothing differs that is compared and not ignored, and the pair was not skipped.
	Equal bool `json:"equal"`
	// Differences lists the differences in a stable order (status, headers, body in document order),
	// at most Options.MaxDifferences of them.
	Differences []Difference `json:"differences,omitempty"`
	// Truncated counts the further differences that were found but not listed.
	Truncated int `json:"truncated,omitempty"`
	// Skipped is why the pair was not compared; empty when it was. A skipped result has no differences.
	Skipped SkipReason `json:"skipped,omitempty"`
}
