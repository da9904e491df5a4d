package verify

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// matchByKey pairs the rows of both sides by key: a key only in the source is a missing row, only
// in the target an extra one, and a key on both sides with different fields a changed row. Floats
// that agree within the tolerance are equal (docs/verify.md).
func (c *comparer) matchByKey(src, dst [][]byte) error {
	bySrc := map[string][][]field{}
	var order []string
	for _, text := range src {
		f, err := parseRow(text, c.t.cols)
		if err != nil {
			return fmt.Errorf("source %s: %w", c.t.plan.Source.Name, err)
		}
		k := keyText(f, c.t.key)
		if _, seen := bySrc[k]; !seen {
			order = append(order, k)
		}
		bySrc[k] = append(bySrc[k], f)
	}
	for _, text := range dst {
		f, err := parseRow(text, c.t.cols)
		if err != nil {
			return fmt.Errorf("target %s: %w", c.t.plan.Target, err)
		}
		k := keyText(f, c.t.key)
		rows := bySrc[k]
		if len(rows) == 0 {
			c.res.Extra = append(c.res.Extra, Row{Key: c.keyValues(f), Count: 1})
			continue
		}
		bySrc[k] = rows[1:]
		if cols := c.diffColumns(rows[0], f); cols != nil {
			c.res.Changed = append(c.res.Changed, ChangedRow{Key: c.keyValues(f), Columns: cols})
		}
	}
	for _, k := range order {
		for _, f := range bySrc[k] {
			c.res.Missing = append(c.res.Missing, Row{Key: c.keyValues(f), Count: 1, Note: c.rejectNote(f)})
		}
	}
	return nil
}

// matchMultisets compares the rows of a table without a primary key as multisets: a row text
// found more often on one side is missing or extra that many times.
func (c *comparer) matchMultisets(src, dst [][]byte) error {
	count := map[string]int{}
	first := map[string][]byte{}
	for _, t := range src {
		count[string(t)]++
		first[string(t)] = t
	}
	for _, t := range dst {
		count[string(t)]--
		first[string(t)] = t
	}
	for text, n := range count {
		if n == 0 {
			continue
		}
		f, err := parseRow(first[text], c.t.cols)
		if err != nil {
			return fmt.Errorf("table %s: %w", c.t.plan.Source.Name, err)
		}
		all := make([]int, len(c.t.cols))
		for i := range all {
			all[i] = i
		}
		r := Row{Key: c.values(f, all), Count: abs(n)}
		if n > 0 {
			c.res.Missing = append(c.res.Missing, r)
		} else {
			c.res.Extra = append(c.res.Extra, r)
		}
	}
	return nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// diffColumns returns the columns whose fields differ beyond the tolerance; nil when none does.
func (c *comparer) diffColumns(src, dst []field) []ColumnDiff {
	var out []ColumnDiff
	for i := range c.t.cols {
		col := &c.t.cols[i]
		if bytes.Equal(src[i].raw, dst[i].raw) || closeEnough(col, src[i], dst[i]) {
			continue
		}
		d := ColumnDiff{Column: col.plan.Target, Redacted: col.sensitive}
		if !col.sensitive {
			d.Source, d.Target = src[i].display(col), dst[i].display(col)
		}
		out = append(out, d)
	}
	return out
}

// closeEnough compares floats (and points) with the tolerance: two values are equal when they
// differ by at most one unit of their prec-th significant digit.
func closeEnough(c *column, a, b field) bool {
	if a.null || b.null || a.bad || b.bad {
		return false
	}
	switch c.kind {
	case kindFloat:
		return floatsClose(string(a.text), string(b.text), c.prec)
	case kindPoint:
		ax, ay, ok1 := parsePointText(a.text)
		bx, by, ok2 := parsePointText(b.text)
		return ok1 && ok2 && near(ax, bx, 15) && near(ay, by, 15)
	}
	return false
}

func floatsClose(a, b string, prec int) bool {
	x, err1 := parseCanonFloat(a)
	y, err2 := parseCanonFloat(b)
	return err1 == nil && err2 == nil && near(x, y, prec)
}

// parseCanonFloat reads a normalised float: DIGITSeEXP (SQL mode), x and the bits in hex (stream
// mode), NaN, Inf or -Inf.
func parseCanonFloat(s string) (float64, error) {
	switch {
	case s == "Inf":
		return math.Inf(1), nil
	case s == "-Inf":
		return math.Inf(-1), nil
	case len(s) > 0 && s[0] == 'x':
		if f, ok := floatOfBits(s); ok {
			return f, nil
		}
	}
	return strconv.ParseFloat(s, 64)
}

func near(x, y float64, prec int) bool {
	switch {
	case x == y, math.IsNaN(x) && math.IsNaN(y):
		return true
	case math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0):
		return false
	}
	return math.Abs(x-y) <= math.Pow(10, float64(1-prec))*max(math.Abs(x), math.Abs(y))
}

// keyValues shows a row's key.
func (c *comparer) keyValues(f []field) []Value { return c.values(f, c.t.key) }

func (c *comparer) values(f []field, idx []int) []Value {
	out := make([]Value, len(idx))
	for i, k := range idx {
		col := &c.t.cols[k]
		out[i] = Value{Column: col.plan.Target, Redacted: col.sensitive}
		if !col.sensitive {
			out[i].Value = f[k].display(col)
		}
	}
	return out
}

// rejectNote says that the load rejected a missing row, with the reason it recorded, unless the
// column is sensitive: the loader's reasons may quote the value.
func (c *comparer) rejectNote(f []field) string {
	if len(c.rejects) == 0 {
		return ""
	}
	parts := make([]string, len(c.t.key))
	for i, k := range c.t.key {
		parts[i] = c.t.cols[k].plan.Source.Name + "=" + strconv.Quote(string(f[k].text))
	}
	r, ok := c.rejects[strings.Join(parts, ",")]
	if !ok {
		return ""
	}
	for i := range c.t.cols {
		if col := &c.t.cols[i]; col.plan.Source.Name == r.column && col.sensitive {
			return "rejected by the load: column " + r.column + " (sensitive: the reason is not shown)"
		}
	}
	return "rejected by the load: column " + r.column + ": " + r.reason
}
