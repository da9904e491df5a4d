package diff

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextMode says how bodies that are not JSON are normalised before they are compared. Flags combine;
// the zero value compares exact bytes.
type TextMode uint8

const (
	// TextNewlines turns CRLF and lone CR into LF.
	TextNewlines TextMode = 1 << iota
	// TextTrimSpace removes white space at the start and end of every line, and blank lines at the
	// start and end of the body.
	TextTrimSpace
	// TextCollapseSpace turns every run of spaces and tabs inside a line into one space.
	TextCollapseSpace

	textAll = TextNewlines | TextTrimSpace | TextCollapseSpace
)

var textNames = []struct {
	mode TextMode
	name string
}{{TextNewlines, "newlines"}, {TextTrimSpace, "trim"}, {TextCollapseSpace, "collapse"}}

// ParseTextMode reads a mode as configuration writes it: "exact" or "" for bytes, or a comma-separated
// list of "newlines", "trim" and "collapse".
func ParseTextMode(s string) (TextMode, error) {
	var m TextMode
	if s == "" || s == "exact" {
		return 0, nil
	}
	for _, part := range strings.Split(s, ",") {
		i := -1
		for j, tn := range textNames {
			if strings.TrimSpace(part) == tn.name {
				i = j
			}
		}
		if i < 0 {
			return 0, fmt.Errorf("text mode %q: unknown %q (want exact, or newlines, trim, collapse)", s, part)
		}
		m |= textNames[i].mode
	}
	return m, nil
}

// String returns the mode as ParseTextMode reads it.
func (m TextMode) String() string {
	if m == 0 {
		return "exact"
	}
	var names []string
	for _, tn := range textNames {
		if m&tn.mode != 0 {
			names = append(names, tn.name)
		}
	}
	return strings.Join(names, ",")
}

func (m TextMode) valid() bool { return m&^textAll == 0 }

// normalize returns b normalised by m; b itself when m is zero.
func (m TextMode) normalize(b []byte) []byte {
	if m == 0 {
		return b
	}
	if m&TextNewlines != 0 {
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	}
	if m&(TextTrimSpace|TextCollapseSpace) == 0 {
		return b
	}
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		if m&TextTrimSpace != 0 {
			l = bytes.TrimSpace(l)
		}
		if m&TextCollapseSpace != 0 {
			l = collapse(l)
		}
		lines[i] = l
	}
	if m&TextTrimSpace != 0 {
		for len(lines) > 0 && len(lines[0]) == 0 {
			lines = lines[1:]
		}
		for len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

func collapse(l []byte) []byte {
	out := make([]byte, 0, len(l))
	space := false
	for _, c := range l {
		if c == ' ' || c == '\t' {
			if !space {
				out = append(out, ' ')
			}
			space = true
			continue
		}
		space = false
		out = append(out, c)
	}
	return out
}

// textDifference describes where two different normalised bodies first part: the line for text, the
// byte offset for anything that is not UTF-8.
func textDifference(l, r []byte) Difference {
	d := Difference{Path: "$", Kind: KindBody}
	if !utf8.Valid(l) || !utf8.Valid(r) {
		at := 0
		for at < len(l) && at < len(r) && l[at] == r[at] {
			at++
		}
		d.Note = fmt.Sprintf("bodies differ at byte %d (left %d bytes, right %d bytes)", at, len(l), len(r))
		d.Left, d.Right = quoteWindow(l, at), quoteWindow(r, at)
		return d
	}
	ll, rl := lines(l), lines(r)
	i := 0
	for i < len(ll) && i < len(rl) && bytes.Equal(ll[i], rl[i]) {
		i++
	}
	if i == len(ll) && i == len(rl) {
		d.Note = "bodies differ only in the final newline"
		return d
	}
	d.Note = fmt.Sprintf("bodies differ at line %d (left has %s, right %s)", i+1, count(len(ll), "line"), count(len(rl), "line"))
	if i < len(ll) {
		d.Left = showLine(ll[i])
	}
	if i < len(rl) {
		d.Right = showLine(rl[i])
	}
	return d
}

// lines splits b into lines; a final newline ends the last line rather than starting an empty one.
func lines(b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

// showLine returns a line as text, quoted when it holds control characters (a CR, say) that would
// otherwise be invisible.
func showLine(l []byte) string {
	for _, c := range l {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return strconv.Quote(string(l))
		}
	}
	return string(l)
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// quoteWindow shows up to 64 bytes of b from offset at, quoted so that binary is readable.
func quoteWindow(b []byte, at int) string {
	if at >= len(b) {
		return ""
	}
	return strconv.Quote(string(b[at:min(len(b), at+64)]))
}
