// Package diff compares two HTTP responses to the same request — the reference (legacy, "left") and
// the candidate (modern, "right") — and says field by field how they differ. It is pure: it does no
// I/O, keeps no state between comparisons and knows nothing of routes, queues or storage. The gateway
// mirrors requests and calls a Comparer; the store persists Results and Tallies; the CLI and the admin
// API show them.
//
// # Comparing
//
// Compile turns Options into a Comparer once (patterns are validated there); Comparer.Compare then
// never fails. It compares the status code, a set of headers (DefaultHeaders unless configured;
// Content-Type by meaning, so "application/json; charset=UTF-8" equals "application/json;charset=utf-8"),
// and the bodies, after undoing Content-Encoding (gzip, deflate, br; the decoded size is bounded
// like the received one, so a compressed bomb only skips the comparison).
//
// Bodies are compared as JSON when both parse and one declares a JSON Content-Type (application/json,
// anything+json), or when neither does but both parse anyway. When a side declares JSON and only one
// parses, that is a "body" difference naming the invalid side. Everything else is text, normalised as
// Options.Text says (exact bytes by default) and reported at the first differing line.
//
// The JSON comparison is structural. Objects are compared by member name (order does not matter),
// arrays by index: arrays of different lengths give one array_size difference plus the differences of
// their common prefix, and arrays of equal length holding the same elements in another order give one
// array_order difference. Arrays matched by Options.UnorderedPaths are multisets: unmatched elements
// are missing (left) or extra (right). Numbers are compared by exact decimal value (1 = 1.0 = 1e0 =
// 10E-1; 12345678901234567890 ≠ 12345678901234567891, no float64 rounding), strings by their
// unescaped text ("\u00e9" = "é", but "é" ≠ "e\u0301": no Unicode normalisation). Values of different
// JSON types (string "1", number 1) are a "type" difference; true vs false is a "value" difference.
//
// # Paths
//
// A difference's Path is "status", "header:Canonical-Name", or a JSON path of the body: "$" is the
// whole body, ".name" a member whose name is made of ASCII letters, digits, '_' and '-' (not starting
// with a digit or '-'), "['any name']" any other member (with \' and \\ escaped), "[3]" an array
// element. FieldKey turns indices into [*], which is how differences are aggregated per field.
//
// # Ignore rules
//
// Options.IgnorePaths, UnorderedPaths and RedactPaths are patterns over those paths (see Pattern):
// the path syntax plus ".*" (any member), "[*]" (any element) and "..name" (at any depth). A
// difference whose path, or an ancestor's path, matches an ignore pattern is dropped; ignored members
// also do not count when arrays are matched as multisets or checked for a reordering. Patterns are
// matched segment by segment by an automaton carried down the document, never with regular
// expressions, at a cost per node independent of how many patterns use "..".
//
// # Noise
//
// Following Twitter's Diffy, a mirrored request can also be sent to the reference twice. Tally
// counts, per field, in how many reference-vs-candidate comparisons the field differed (primary) and in
// how many reference-vs-reference ones (noise). Classify then calls a field a Defect only when its
// primary rate p exceeds its noise rate n by more than a relative and an absolute threshold:
// p - n > rel × n and p - n > abs (defaults 0.2 and 0.0003). Timestamps and random ids, which differ
// between any two calls, come out as Noise.
//
// # Redaction and bounds
//
// Differences carry sample values, which may hold personal data and secrets. Unless
// Options.DisableRedaction is set, every value passes through a Redactor before it enters a
// Difference: configured paths are replaced, and built-in detectors replace e-mail addresses,
// Luhn-valid card numbers, bearer tokens, API keys and secret-looking values (see Redactor).
// Credential headers (Authorization, Cookie, Set-Cookie, ...) are never shown.
//
// Everything is bounded: the body size (MaxBodyBytes, larger bodies skip the comparison), the number
// of differences listed (MaxDifferences, the rest are counted in Result.Truncated), the length of each
// shown value (MaxValueBytes) and the depth of the structural comparison (MaxDepth; deeper values are
// compared as compact text). Parsing keeps its own stack, so a 10,000-deep document is no danger.
package diff
