package diff

import (
	"math"
	"net/http"
	"regexp"
	"strings"
)

// Redactor removes personal data and secrets from sample values before they are stored or shown.
// It applies configured JSON path patterns (the whole value under a matching path becomes
// "[redacted]") and built-in detectors that work on any text:
//
//   - e-mail addresses → [redacted:email]
//   - card numbers: 13 to 19 digits, spaces or dashes allowed between them, that pass the Luhn check
//     (so that ids and timestamps of the same length are kept) → [redacted:card]
//   - bearer tokens ("Bearer xxx") → Bearer [redacted:token]; JSON Web Tokens → [redacted:token]
//   - API keys of well-known shapes (sk_live_…, pk_test_…, AKIA…, ghp_…/gho_…/ghs_…, xoxb-…, AIza…)
//     → [redacted:key]
//   - long high-entropy values (16 or more characters of hex or base64, entropy at least 3 bits per
//     character) written after a name that sounds secret (key, token, secret, password, credential,
//     session, auth), as "name": "value" or name=value, or as the value of such a JSON member →
//     [redacted:secret]
//
// The values of credential headers (Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key,
// X-Auth-Token) are always replaced entirely. A Redactor is immutable and safe for concurrent use.
// What it cannot catch: secrets of no recognisable shape under innocent names, and data split across
// two values; configure RedactPaths for those.
type Redactor struct {
	paths []*Pattern
}

// NewRedactor returns a Redactor for the given path patterns (nil: built-in detectors only).
func NewRedactor(paths []string) (*Redactor, error) {
	ps, err := compilePatterns("redact path", paths)
	if err != nil {
		return nil, err
	}
	return &Redactor{paths: ps}, nil
}

var (
	emailRE   = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	cardRE    = regexp.MustCompile(`\b(?:\d[ \-]?){12,18}\d\b`)
	bearerRE  = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*`)
	jwtRE     = regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	apiKeyRE  = regexp.MustCompile(`\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35})`)
	namedRE   = regexp.MustCompile(`(?i)([A-Za-z0-9_\-]*(?:key|token|secret|passw(?:or)?d|pwd|credential|session|auth)[A-Za-z0-9_\-]*"?\s*[:=]\s*"?)([A-Za-z0-9+/=_\-.]{16,})`)
	secretKey = regexp.MustCompile(`(?i)(?:key|token|secret|passw(?:or)?d|pwd|credential|session|auth)`)
)

// credentialHeaders are never shown, whatever their value looks like.
var credentialHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
	"X-Api-Key": true, "X-Auth-Token": true,
}

// Text applies the built-in detectors to s. Each regular expression runs only when a cheap test finds
// what its matches must contain, so that ordinary values cost a few byte scans.
func (r *Redactor) Text(s string) string {
	if len(s) < 6 { // the shortest thing a detector finds, an e-mail such as a@b.co
		return s
	}
	if containsFold(s, "bearer") {
		s = bearerRE.ReplaceAllString(s, "Bearer [redacted:token]")
	}
	if strings.Contains(s, "eyJ") {
		s = jwtRE.ReplaceAllString(s, "[redacted:token]")
	}
	if strings.ContainsAny(s, "_-") || strings.Contains(s, "AKIA") || strings.Contains(s, "AIza") {
		s = apiKeyRE.ReplaceAllString(s, "[redacted:key]")
	}
	if len(s) >= 20 && strings.ContainsAny(s, ":=") {
		s = namedRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := namedRE.FindStringSubmatch(m)
			if !highEntropy(sub[2]) {
				return m
			}
			return sub[1] + "[redacted:secret]"
		})
	}
	if strings.IndexByte(s, '@') >= 0 {
		s = emailRE.ReplaceAllString(s, "[redacted:email]")
	}
	if countDigits(s) >= 13 {
		s = cardRE.ReplaceAllStringFunc(s, func(m string) string {
			if luhn(m) {
				return "[redacted:card]"
			}
			return m
		})
	}
	return s
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// containsFold reports whether s contains the lower-case ASCII word sub in any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// Header returns the value of header name as it may be shown.
func (r *Redactor) Header(name, value string) string {
	if credentialHeaders[http.CanonicalHeaderKey(name)] {
		return "[redacted]"
	}
	return r.Text(value)
}

// Covers reports whether a value at path (a Difference.Path) is under a configured redacted path.
func (r *Redactor) Covers(path string) bool {
	for _, p := range r.paths {
		if p.Covers(path) {
			return true
		}
	}
	return false
}

// Value returns a value found at path as it may be shown: "[redacted]" under a configured path, else
// with the detectors applied (including the secret-name rule for the path's last member name).
// Values inside a larger JSON value under redacted paths are only replaced by Comparer, which knows
// the document's structure.
func (r *Redactor) Value(path, value string) string {
	if r.Covers(path) {
		return redactedValue
	}
	var key []byte
	if segs, err := parseSegments(path, false); err == nil && len(segs) > 0 && segs[len(segs)-1].kind == segKey {
		key = []byte(segs[len(segs)-1].key)
	}
	return r.value(key, value)
}

// Difference returns d with its values redacted, for differences that did not come from a Comparer
// with redaction on.
func (r *Redactor) Difference(d Difference) Difference {
	if name, ok := strings.CutPrefix(d.Path, "header:"); ok {
		d.Left, d.Right = r.Header(name, d.Left), r.Header(name, d.Right)
		return d
	}
	if strings.HasPrefix(d.Path, "$") && d.Kind != KindArraySize {
		d.Left, d.Right = r.Value(d.Path, d.Left), r.Value(d.Path, d.Right)
		return d
	}
	d.Left, d.Right = r.Text(d.Left), r.Text(d.Right)
	return d
}

// value redacts a rendered JSON value found under the member name key (nil for array elements).
func (r *Redactor) value(key []byte, s string) string {
	if key != nil && secretKey.Match(key) {
		if v := strings.Trim(s, `"`); len(v) >= 16 && highEntropy(v) {
			return `"[redacted:secret]"`
		}
	}
	return r.Text(s)
}

// highEntropy reports whether s looks random: at least 3 bits of Shannon entropy per character, which
// hex and base64 secrets have and words, repeated characters and most identifiers do not.
func highEntropy(s string) bool {
	if len(s) < 16 {
		return false
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(s))
			h -= p * math.Log2(p)
		}
	}
	return h >= 3
}

// luhn reports whether the digits of s (other characters skipped) pass the Luhn checksum.
func luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && n <= 19 && sum%10 == 0
}
