package pgcopy

// NewTextEncoder is NewEncoder made to write the text format even when
// every column has a binary encoding, so tests can load the same values
// both ways.
func NewTextEncoder(cols []Column) (*Encoder, error) { return newEncoder(cols, true) }
