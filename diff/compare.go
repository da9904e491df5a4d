package diff

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Compare compares right (the candidate) with left (the reference): status, the configured headers,
// then the bodies. It never fails: undecodable or invalid bodies are differences, and bodies over the
// limit skip the comparison.
func (c *Comparer) Compare(left, right Response) Result {
	if int64(len(left.Body)) > c.maxBody || int64(len(right.Body)) > c.maxBody {
		return Result{Skipped: SkipBodyTooLarge}
	}
	lb, lerr := decodeBody(left, c.maxBody)
	rb, rerr := decodeBody(right, c.maxBody)
	if errors.Is(lerr, errTooLarge) || errors.Is(rerr, errTooLarge) {
		return Result{Skipped: SkipBodyTooLarge}
	}
	w := c.walkers.Get().(*walker)
	defer c.walkers.Put(w)
	w.reset()
	if left.Status != right.Status {
		w.add(Difference{Path: "status", Kind: KindStatus, Left: strconv.Itoa(left.Status), Right: strconv.Itoa(right.Status)})
	}
	c.compareHeaders(w, left.Header, right.Header)
	switch {
	case lerr != nil || rerr != nil:
		c.undecodable(w, left, right, lerr, rerr)
	case !bytes.Equal(lb, rb):
		c.compareBodies(w, lb, rb, isJSONType(left.Header), isJSONType(right.Header))
	}
	res := Result{Equal: w.total == 0, Differences: w.diffs, Truncated: w.total - len(w.diffs)}
	w.reset()
	return res
}

func (c *Comparer) compareHeaders(w *walker, lh, rh http.Header) {
	for _, name := range c.headers {
		lv, lok := headerValue(lh, name)
		rv, rok := headerValue(rh, name)
		if lv == rv && lok == rok || name == "Content-Type" && lok && rok && mediaTypesEqual(lv, rv) {
			continue
		}
		d := Difference{Path: "header:" + name, Kind: KindHeader, Left: lv, Right: rv}
		switch {
		case !lok:
			d.Note = "absent on the left"
		case !rok:
			d.Note = "absent on the right"
		}
		if c.redactor != nil {
			d.Left, d.Right = redactHeader(c.redactor, name, lok, d.Left), redactHeader(c.redactor, name, rok, d.Right)
		}
		d.Left, d.Right = truncate(d.Left, c.maxValue), truncate(d.Right, c.maxValue)
		w.add(d)
	}
}

// redactHeader redacts a header value, leaving an absent one empty.
func redactHeader(r *Redactor, name string, present bool, v string) string {
	if !present {
		return ""
	}
	return r.Header(name, v)
}

// headerValue joins a header's values the way a single line would carry them.
func headerValue(h http.Header, name string) (string, bool) {
	vs := h[name]
	if len(vs) == 0 {
		return "", false
	}
	if len(vs) == 1 {
		return vs[0], true
	}
	return strings.Join(vs, ", "), true
}

// mediaTypesEqual compares Content-Type values by meaning: case of the type and of the charset,
// spacing and parameter order do not matter.
func mediaTypesEqual(a, b string) bool {
	at, ap, aerr := mime.ParseMediaType(a)
	bt, bp, berr := mime.ParseMediaType(b)
	if aerr != nil || berr != nil || at != bt || len(ap) != len(bp) {
		return false
	}
	for k, v := range ap {
		w, ok := bp[k]
		if !ok || v != w && !(k == "charset" && strings.EqualFold(v, w)) {
			return false
		}
	}
	return true
}

// isJSONType reports whether Content-Type declares JSON: application/json or any type ending in +json.
func isJSONType(h http.Header) bool {
	v, _ := headerValue(h, "Content-Type")
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.ToLower(strings.TrimSpace(v))
	return v == "application/json" || strings.HasSuffix(v, "+json")
}

// undecodable reports bodies whose Content-Encoding could not be undone. Two identical bodies that
// fail alike are equal: the candidate behaves as the reference does.
func (c *Comparer) undecodable(w *walker, left, right Response, lerr, rerr error) {
	if lerr != nil && rerr != nil && bytes.Equal(left.Body, right.Body) {
		return
	}
	for _, side := range []struct {
		name string
		err  error
	}{{"left", lerr}, {"right", rerr}} {
		if side.err != nil {
			w.add(Difference{Path: "$", Kind: KindBody, Note: fmt.Sprintf("%s body cannot be decoded: %v", side.name, side.err)})
		}
	}
}

// compareBodies compares two decoded bodies that differ in bytes: as JSON when both parse (whatever
// their Content-Type says); as a "body" difference naming the invalid side when one side declares JSON
// and only one parses; as text otherwise.
func (c *Comparer) compareBodies(w *walker, lb, rb []byte, lJSON, rJSON bool) {
	lerr := w.left.parse(lb)
	rerr := w.right.parse(rb)
	switch {
	case lerr == nil && rerr == nil:
		w.diffJSON()
	case (lJSON || rJSON) && (lerr == nil) != (rerr == nil):
		side, body, err := "left", lb, lerr
		if rerr != nil {
			side, body, err = "right", rb, rerr
		}
		note := fmt.Sprintf("%s body is not valid JSON: %v", side, err)
		if len(bytes.TrimSpace(body)) == 0 {
			note = side + " body is empty, the other is JSON"
		}
		w.add(Difference{Path: "$", Kind: KindBody, Note: note})
	default:
		ln, rn := c.text.normalize(lb), c.text.normalize(rb)
		if bytes.Equal(ln, rn) {
			return
		}
		if !w.room() {
			w.total++
			return
		}
		d := textDifference(ln, rn)
		if c.redactor != nil {
			d.Left, d.Right = c.redactor.Text(truncate(d.Left, c.maxValue*renderFactor)), c.redactor.Text(truncate(d.Right, c.maxValue*renderFactor))
		}
		d.Left, d.Right = truncate(d.Left, c.maxValue), truncate(d.Right, c.maxValue)
		w.add(d)
	}
}
