package diff

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
)

// Defaults applied by Compile to zero-valued Options fields.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxDifferences = 100
	DefaultMaxValueBytes  = 200
	DefaultMaxDepth       = 1000
)

// DefaultHeaders are the headers compared when Options.Headers is nil: the ones a client acts on.
// Date, Server, request ids, Content-Length (bodies are compared instead) and validators such as ETag
// and Last-Modified (they legitimately differ between implementations) are left out.
var DefaultHeaders = []string{"Content-Type", "Cache-Control", "Expires", "Location", "Vary", "Content-Language"}

// maxBodyLimit keeps every body offset within the parser's int32 spans.
const maxBodyLimit = 1 << 30

// Options configures a Comparer. The zero value compares status, DefaultHeaders and bodies with the
// defaults below, and redacts samples.
type Options struct {
	// Headers lists the headers compared (any case). Nil means DefaultHeaders; an empty non-nil slice
	// compares no header.
	Headers []string
	// IgnoreHeaders are removed from Headers, so that a route can drop one default header. Nil: none.
	IgnoreHeaders []string
	// IgnorePaths are patterns (see Pattern) of body paths whose differences are dropped, with
	// everything below them. Nil: none.
	IgnorePaths []string
	// UnorderedPaths are patterns of arrays compared as multisets: the same elements in any order are
	// equal, and unmatched elements are reported as missing or extra. Nil: none.
	UnorderedPaths []string
	// Text says how bodies that are not compared as JSON are normalised first. Zero: exact bytes.
	Text TextMode
	// MaxBodyBytes bounds each body, as received and once decoded; a larger one skips the comparison
	// with SkipBodyTooLarge. Zero means DefaultMaxBodyBytes (1 MiB); at most 1 GiB.
	MaxBodyBytes int64
	// MaxDifferences bounds Result.Differences; the rest are only counted in Result.Truncated. Zero
	// means DefaultMaxDifferences (100).
	MaxDifferences int
	// MaxValueBytes bounds Difference.Left and Right; longer values are cut and end in "…". Zero means
	// DefaultMaxValueBytes (200).
	MaxValueBytes int
	// MaxDepth is how deep the structural comparison descends; values nested deeper are compared as
	// compact text (spelling differences of numbers and escapes then count, ignore rules no longer
	// apply). Zero means DefaultMaxDepth (1000).
	MaxDepth int
	// RedactPaths are patterns of body paths whose values never appear in a Difference; the built-in
	// detectors (see Redactor) apply everywhere regardless. Nil: none.
	RedactPaths []string
	// DisableRedaction turns redaction off entirely, for tests and local debugging only. False (the
	// zero value) keeps it on.
	DisableRedaction bool
}

// Comparer compares responses under compiled Options. It is immutable and safe for concurrent use.
type Comparer struct {
	headers  []string // canonical names, in the order compared
	text     TextMode
	maxBody  int64
	maxDiffs int
	maxValue int
	maxDepth int
	match    *matcher
	redactor *Redactor // nil when redaction is disabled
	walkers  sync.Pool
}

// Compile validates o once, so that comparing never fails on configuration. Errors name the option
// and the bad pattern.
func Compile(o Options) (*Comparer, error) {
	c := &Comparer{
		text:     o.Text,
		maxBody:  orDefault(o.MaxBodyBytes, DefaultMaxBodyBytes),
		maxDiffs: orDefault(o.MaxDifferences, DefaultMaxDifferences),
		maxValue: orDefault(o.MaxValueBytes, DefaultMaxValueBytes),
		maxDepth: orDefault(o.MaxDepth, DefaultMaxDepth),
	}
	switch {
	case c.maxBody < 0 || c.maxBody > maxBodyLimit:
		return nil, fmt.Errorf("max body bytes %d: must be between 0 and %d", c.maxBody, maxBodyLimit)
	case c.maxDiffs < 0:
		return nil, fmt.Errorf("max differences %d: must not be negative", c.maxDiffs)
	case c.maxValue < 0:
		return nil, fmt.Errorf("max value bytes %d: must not be negative", c.maxValue)
	case c.maxDepth < 0:
		return nil, fmt.Errorf("max depth %d: must not be negative", c.maxDepth)
	}
	if !o.Text.valid() {
		return nil, fmt.Errorf("text mode %d: unknown flags", o.Text)
	}
	c.headers = headerSet(o.Headers, o.IgnoreHeaders)
	var byRole [numRoles][]*Pattern
	var err error
	if byRole[roleIgnore], err = compilePatterns("ignore path", o.IgnorePaths); err != nil {
		return nil, err
	}
	if byRole[roleUnordered], err = compilePatterns("unordered path", o.UnorderedPaths); err != nil {
		return nil, err
	}
	if !o.DisableRedaction {
		if c.redactor, err = NewRedactor(o.RedactPaths); err != nil {
			return nil, err
		}
		byRole[roleRedact] = c.redactor.paths
	}
	c.match = newMatcher(byRole)
	c.walkers.New = func() any { return &walker{c: c} }
	return c, nil
}

func orDefault[T int | int64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// headerSet returns the canonical names of headers minus ignore, without duplicates.
func headerSet(headers, ignore []string) []string {
	if headers == nil {
		headers = DefaultHeaders
	}
	var out []string
	for _, h := range headers {
		h = http.CanonicalHeaderKey(h)
		if slices.Contains(out, h) || slices.ContainsFunc(ignore, func(i string) bool { return http.CanonicalHeaderKey(i) == h }) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// Redactor returns the Redactor the Comparer applies to sample values, so that callers redact what
// they store next to a Result (a request URL, say) the same way; nil when redaction is disabled.
func (c *Comparer) Redactor() *Redactor { return c.redactor }
