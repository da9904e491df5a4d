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
	c.name = p.Source.Name
	k, mods := kindOf(col)
	c.kind = k
	c.modifiers = modifiersOf(k, planTypeName(p), mods)
	names := p.Transforms
	switch k {
	case kindEnumArray:
		// The binary array is built from the set's labels themselves.
		if len(names) == 0 || names[len(names)-1] != "set-to-array" {
			c.kind = kindOther
		} else {
			names = names[:len(names)-1]
		}
		c.elemOID = col.ElemOID
	}
	if c.kind == kindEnum || c.kind == kindEnumArray {
		c.labels = newLabelSet(p.EnumLabels)
	}
	if p.Source.Type == "bit" && hasTransform(names, "bits-to-bitstring") {
		c.bitSource = p.Source.Length
	}
	if strings.EqualFold(p.Source.Charset, "latin1") && c.kind.textual() && !hasAny(names, rawTransforms) {
		names = append([]string{"latin1-decode"}, names...)
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

func hasTransform(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
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
	for i := range c.steps {
		if v == nil {
			return nil, nil
		}
		s := &c.steps[i]
		var err error
		if v, err = s.fn(v, &s.buf); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (c *column) fail(v []byte, err error) *ValueError {
	return &ValueError{Column: c.name, Value: printable(v), Reason: err.Error()}
}
