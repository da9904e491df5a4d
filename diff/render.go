package diff

import (
	"unicode/utf8"
)

// redactedValue replaces a value under a redacted path.
const redactedValue = `"[redacted]"`

// renderFactor is how much more than Options.MaxValueBytes is rendered before redaction, so that a
// secret cut by the rendering bound is still whole where the final truncation can show it.
const renderFactor = 4

// value renders node i of d, whose states are at so, as a Difference shows it: compact JSON with
// redacted paths replaced, built-in detectors applied, truncated.
func (w *walker) value(d *document, i int32, so int) string {
	if w.c.redactor != nil && w.c.match.accepts(w.state(so), roleRedact) {
		return redactedValue
	}
	limit := w.c.maxValue * renderFactor
	w.out = w.render(w.out[:0], d, i, so, limit)
	s := string(w.out)
	if w.c.redactor != nil {
		var key []byte
		if n := len(w.path); n > 0 && !w.path[n-1].isIndex {
			key = w.path[n-1].key
		}
		s = w.c.redactor.value(key, s)
	}
	return truncate(s, w.c.maxValue)
}

// render appends node i as compact JSON, stopping once b is longer than limit. Each level appends at
// least one byte before descending, so the recursion is bounded by limit however deep the document.
func (w *walker) render(b []byte, d *document, i int32, so int, limit int) []byte {
	if len(b) > limit {
		return b
	}
	n := &d.nodes[i]
	switch n.class {
	case classString:
		if !n.esc {
			return append(b, d.span(i)...)
		}
		raw := d.span(i)
		w.strA = unescape(w.strA[:0], raw[1:len(raw)-1])
		return appendString(b, w.strA)
	case classArray:
		b = append(b, '[')
		k := 0
		for c := n.child; c >= 0 && len(b) <= limit; c, k = d.nodes[c].next, k+1 {
			if k > 0 {
				b = append(b, ',')
			}
			co := w.enter(so, true, k, nil)
			b = w.renderChild(b, d, c, co, limit)
			w.leave(co)
		}
		return append(b, ']')
	case classObject:
		b = append(b, '{')
		first := true
		for c := n.child; c >= 0 && len(b) <= limit; c = d.nodes[c].next {
			if !first {
				b = append(b, ',')
			}
			first = false
			key := d.key(c)
			b = appendString(b, key)
			b = append(b, ':')
			co := w.enter(so, false, 0, key)
			b = w.renderChild(b, d, c, co, limit)
			w.leave(co)
		}
		return append(b, '}')
	}
	return append(b, d.span(i)...)
}

func (w *walker) renderChild(b []byte, d *document, c int32, co int, limit int) []byte {
	if w.c.redactor != nil && w.c.match.accepts(w.state(co), roleRedact) {
		return append(b, redactedValue...)
	}
	return w.render(b, d, c, co, limit)
}

// appendString appends s as a JSON string, escaping only what JSON requires.
func appendString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// truncate cuts s to at most limit bytes on a character boundary, marking the cut with "…".
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
