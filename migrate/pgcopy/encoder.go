// Package pgcopy turns source rows, in the canonical form migrate.Source
// documents, into PostgreSQL COPY data: the binary format when every target
// column has a binary encoding here, else the text format for the whole
// table. It applies each column's transforms, checks every value the way
// PostgreSQL's input would (so that a bad value is one rejected row, not a
// failed COPY) and appends to the caller's buffer without allocating for the
// common types. It owns no connection beyond Lookup's catalog query; the
// loader (migrate/load) streams the bytes.
package pgcopy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ficus-dev/ficus/migrate"
)

// Format is a COPY data format.
type Format int

// The COPY formats.
const (
	Binary Format = iota
	Text
)

func (f Format) String() string {
	if f == Text {
		return "text"
	}
	return "binary"
}

// Column is one target column to encode.
type Column struct {
	// Plan is the column's conversion: Source (type, charset, labels), Target
	// name, Type (the PostgreSQL type as in DDL), Transforms. Required.
	Plan *migrate.ColumnPlan
	// OID is the target column's type OID as PostgreSQL reports it
	// (pg_attribute.atttypid); 0 means unknown: the encoder goes by
	// Plan.Type.
	OID uint32
	// ElemOID is an array type's element type OID (pg_type.typelem); 0 for
	// other types. An enum array encodes in binary only when it is known.
	ElemOID uint32
}

// Encoder encodes the rows of one table. It keeps per-column scratch space,
// so one Encoder serves one goroutine at a time; NewEncoder is cheap enough
// to call per chunk.
type Encoder struct {
	format Format
	cols   []column
	names  []string // target column names, for CopySQL
}

// column is a Column compiled for encoding.
type column struct {
	name   string // source name, for errors
	kind   kind
	steps  []step
	encode func(c *column, dst, v []byte) ([]byte, error)
	modifiers
	// labels are an enum's labels; elemOID an enum array's element type.
	labels  labelSet
	elemOID uint32
	// bitSource is the bit width of a MySQL BIT source, which bounds a
	// varbit value's leading zero padding; 0 means none.
	bitSource int
	// notNull rejects a NULL here rather than let it fail the whole COPY.
	notNull bool
}

// step is one transform with its own reusable buffer.
type step struct {
	fn  migrate.Transform
	buf []byte
}

// NewEncoder compiles cols. It picks Binary when every column has a binary
// encoding, else Text for the whole table; it fails on a column it cannot
// encode at all, such as one with an unknown transform.
func NewEncoder(cols []Column) (*Encoder, error) {
	return newEncoder(cols, false)
}

func newEncoder(cols []Column, forceText bool) (*Encoder, error) {
	e := &Encoder{format: Binary, cols: make([]column, len(cols)), names: make([]string, len(cols))}
	for i := range cols {
		if err := compile(&e.cols[i], &cols[i]); err != nil {
			return nil, err
		}
		e.names[i] = cols[i].Plan.Target
		if codecs[e.cols[i].kind].binary == nil {
			e.format = Text
		}
	}
	if forceText {
		e.format = Text
	}
	for i := range e.cols {
		c := &e.cols[i]
		c.encode = codecs[c.kind].binary
		if e.format == Text {
			c.encode = codecs[c.kind].text
		}
	}
	return e, nil
}

// compile prepares one column: its kind, modifiers and transform steps.
func compile(c *column, col *Column) error {
	p := col.Plan
	if p == nil || p.Source == nil {
		return errors.New("pgcopy: a column without a plan or source")
	}
	c.name, c.notNull = p.Source.Name, p.NotNull
	k, name, mods := kindOf(col)
	c.kind, c.elemOID = k, col.ElemOID
	c.modifiers = modifiersOf(k, name, mods)
	names := c.ownTransforms(p.Transforms)
	if c.kind == kindEnum || c.kind == kindEnumArray {
		c.labels = newLabelSet(p.EnumLabels)
	}
	if p.Source.Type == "bit" && hasTransform(names, "bits-to-bitstring") {
		c.bitSource = p.Source.Length
	}
	if c.kind.textual() && !hasAny(names, rawTransforms) {
		c.steps = append(c.steps, decodeStep(p.Source.Charset)...)
	}
	for _, name := range names {
		fn, err := migrate.LookupTransform(name)
		if err != nil {
			return fmt.Errorf("pgcopy: column %s: %w", p.Source.Name, err)
		}
		c.steps = append(c.steps, step{fn: fn})
	}
	return nil
}

// ownTransforms drops from names what the column's codec does itself: an
// enum array is built from the set's labels, when set-to-array comes last
// (else the array literal goes to PostgreSQL as text), and the JSON codecs
// check what text-to-jsonb checks.
func (c *column) ownTransforms(names []string) []string {
	switch c.kind {
	case kindEnumArray:
		if len(names) == 0 || names[len(names)-1] != "set-to-array" {
			c.kind = kindOther
			return names
		}
		return names[:len(names)-1]
	case kindJSON, kindJSONB:
		return without(names, "text-to-jsonb")
	}
	return names
}

// utf8Charsets are the source character sets whose text is UTF-8 already
// ("" for sources without charsets, binary for bytes cast to text).
var utf8Charsets = map[string]bool{"": true, "utf8": true, "utf8mb3": true, "utf8mb4": true, "ascii": true, "binary": true}

// decodeStep is the first step of a text column: decoding latin1 (cp1252,
// as MySQL's latin1 is), nothing for UTF-8, and for any other character
// set a check that the value is ASCII, the only text that reads the same
// in every one of them.
func decodeStep(charset string) []step {
	charset = strings.ToLower(charset)
	switch {
	case charset == "latin1":
		return []step{{fn: migrate.Transforms["latin1-decode"]}}
	case utf8Charsets[charset]:
		return nil
	}
	return []step{{fn: func(v []byte, _ *[]byte) ([]byte, error) {
		for i, b := range v {
			if b >= utf8.RuneSelf {
				return nil, fmt.Errorf("byte 0x%02x at %d: text in character set %s is not decoded, only ASCII loads", b, i, charset)
			}
		}
		return v, nil
	}}}
}

func hasTransform(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

func without(names []string, name string) []string {
	var out []string
	for _, n := range names {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

func hasAny(names []string, set map[string]bool) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

// Format is the COPY format the encoder writes.
func (e *Encoder) Format() Format { return e.format }

// CopySQL returns the COPY statement that reads the encoder's rows into
// schema.table (both unquoted; an empty schema means the search path).
func (e *Encoder) CopySQL(schema, table string) string {
	var b strings.Builder
	b.WriteString("COPY " + migrate.QualifiedIdent(schema, table) + " (")
	for i, n := range e.names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(migrate.Ident(n))
	}
	b.WriteString(") FROM STDIN")
	if e.format == Binary {
		b.WriteString(" (FORMAT binary)")
	}
	return b.String()
}

// binaryHeader is the signature, flags (no OIDs) and an empty header
// extension.
var binaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// Header returns what precedes the rows: the binary header, or nil for
// Text. The caller must not modify it.
func (e *Encoder) Header() []byte {
	if e.format == Binary {
		return binaryHeader
	}
	return nil
}

// Trailer returns what follows the rows: the binary format's end marker,
// or nil for Text. The caller must not modify it.
func (e *Encoder) Trailer() []byte {
	if e.format == Binary {
		return []byte{0xff, 0xff}
	}
	return nil
}

// AppendRow appends one tuple for row (the values of the columns in order,
// canonical form, nil for NULL) to dst. When a value does not convert it
// returns dst cut back to its original length and a *ValueError; any other
// error (a row of the wrong width) means the caller is broken.
func (e *Encoder) AppendRow(dst []byte, row [][]byte) ([]byte, error) {
	if len(row) != len(e.cols) {
		return dst, fmt.Errorf("pgcopy: a row of %d values for %d columns", len(row), len(e.cols))
	}
	if e.format == Text {
		return e.appendText(dst, row)
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.cols)))
	for i := range e.cols {
		c := &e.cols[i]
		v, err := c.transform(row[i])
		if err != nil {
			return dst[:start], c.fail(row[i], err)
		}
		if v == nil {
			dst = append(dst, 0xff, 0xff, 0xff, 0xff)
			continue
		}
		at := len(dst)
		dst, err = c.encode(c, append(dst, 0, 0, 0, 0), v)
		if err != nil {
			return dst[:start], c.fail(row[i], err)
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}

func (e *Encoder) appendText(dst []byte, row [][]byte) ([]byte, error) {
	start := len(dst)
	for i := range e.cols {
		c := &e.cols[i]
		if i > 0 {
			dst = append(dst, '\t')
		}
		v, err := c.transform(row[i])
		if err != nil {
			return dst[:start], c.fail(row[i], err)
		}
		if v == nil {
			dst = append(dst, '\\', 'N')
			continue
		}
		if dst, err = c.encode(c, dst, v); err != nil {
			return dst[:start], c.fail(row[i], err)
		}
	}
	return append(dst, '\n'), nil
}

// transform runs the column's transforms over v.
func (c *column) transform(v []byte) ([]byte, error) {
	in := v
	for i := 0; i < len(c.steps) && v != nil; i++ {
		s := &c.steps[i]
		var err error
		if v, err = s.fn(v, &s.buf); err != nil {
			return nil, err
		}
	}
	if v == nil && c.notNull {
		if in != nil {
			return nil, errBecameNull
		}
		return nil, errNull
	}
	return v, nil
}

var (
	errNull       = errors.New("NULL in a NOT NULL column")
	errBecameNull = errors.New("the value becomes NULL (a transform such as zero-date-to-null) in a NOT NULL column")
)

func (c *column) fail(v []byte, err error) *ValueError {
	return &ValueError{Column: c.name, Value: printable(v), Reason: err.Error()}
}
