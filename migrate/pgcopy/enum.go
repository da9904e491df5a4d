package pgcopy

import (
	"bytes"
	"fmt"
)

// labelSet is an enum's labels, searched by a scan when there are few and
// by a map otherwise; either way without allocating.
type labelSet struct {
	list []string
	set  map[string]struct{}
}

func newLabelSet(labels []string) labelSet {
	s := labelSet{list: labels}
	if len(labels) > 8 {
		s.set = make(map[string]struct{}, len(labels))
		for _, l := range labels {
			s.set[l] = struct{}{}
		}
	}
	return s
}

func (s *labelSet) has(v []byte) bool {
	if s.set != nil {
		_, ok := s.set[string(v)]
		return ok
	}
	for _, l := range s.list {
		if l == string(v) {
			return true
		}
	}
	return false
}

func (s *labelSet) check(v []byte) error {
	if s.has(v) {
		return nil
	}
	if err := checkText(v); err != nil {
		return err
	}
	return fmt.Errorf("%q is not one of the enum's %d labels", v, len(s.list))
}

// binEnum appends an enum value: its binary form is the label's text.
func binEnum(c *column, dst, v []byte) ([]byte, error) {
	if err := c.labels.check(v); err != nil {
		return dst, err
	}
	return append(dst, v...), nil
}

func textEnum(c *column, dst, v []byte) ([]byte, error) {
	if err := c.labels.check(v); err != nil {
		return dst, err
	}
	return appendEscaped(dst, v), nil
}

// eachLabel calls fn for each label of a MySQL SET value "a,b"; the empty
// string is the empty set. MySQL forbids commas in SET labels.
func eachLabel(v []byte, fn func(label []byte) error) error {
	if len(v) == 0 {
		return nil
	}
	for {
		i := bytes.IndexByte(v, ',')
		if i < 0 {
			return fn(v)
		}
		if err := fn(v[:i]); err != nil {
			return err
		}
		v = v[i+1:]
	}
}

// binEnumArray appends a SET value as a one-dimensional array of the enum
// (element type c.elemOID), or an empty array for the empty set.
func binEnumArray(c *column, dst, v []byte) ([]byte, error) {
	if len(v) == 0 {
		dst = appendUint32(appendUint32(dst, 0), 0) // no dimensions, no NULLs
		return appendUint32(dst, c.elemOID), nil
	}
	dst = appendUint32(appendUint32(dst, 1), 0)
	dst = appendUint32(dst, c.elemOID)
	dst = appendUint32(dst, uint32(bytes.Count(v, []byte{','})+1))
	dst = appendUint32(dst, 1) // lower bound
	err := eachLabel(v, func(label []byte) error {
		if err := c.labels.check(label); err != nil {
			return err
		}
		dst = append(appendUint32(dst, uint32(len(label))), label...)
		return nil
	})
	return dst, err
}

// textEnumArray appends a SET value as an array literal {"a","b"}, escaped
// for the array syntax and then for COPY.
func textEnumArray(c *column, dst, v []byte) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	err := eachLabel(v, func(label []byte) error {
		if err := c.labels.check(label); err != nil {
			return err
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		for _, b := range label {
			switch {
			case b == '"':
				dst = append(dst, '\\', '\\', '"')
			case b == '\\':
				dst = append(dst, '\\', '\\', '\\', '\\')
			case copyEscapes[b] != 0:
				dst = append(dst, '\\', copyEscapes[b])
			default:
				dst = append(dst, b)
			}
		}
		dst = append(dst, '"')
		return nil
	})
	return append(dst, '}'), err
}
