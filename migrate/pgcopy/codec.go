package pgcopy

// A codec appends one non-NULL value (after the column's transforms) in
// one format; on error what it appended is discarded by AppendRow.
type codec struct {
	// binary appends the value's binary form; nil means the type has none
	// here and the table goes in Text.
	binary func(c *column, dst, v []byte) ([]byte, error)
	// text appends the value as COPY text, escaped.
	text func(c *column, dst, v []byte) ([]byte, error)
}

var codecs = [...]codec{
	kindOther:       {nil, textOther},
	kindInt2:        {binInt2, textInt2},
	kindInt4:        {binInt4, textInt4},
	kindInt8:        {binInt8, textInt8},
	kindNumeric:     {binNumeric, textNumeric},
	kindFloat4:      {binFloat4, textFloat4},
	kindFloat8:      {binFloat8, textFloat8},
	kindBool:        {binBool, textBool},
	kindString:      {binString, textString},
	kindBytea:       {binBytea, textBytea},
	kindTimestamptz: {binTimestamp, textTimestamp},
	kindTimestamp:   {binTimestamp, textTimestamp},
	kindDate:        {binDate, textDate},
	kindTime:        {binTime, textTime},
	kindEnum:        {binEnum, textEnum},
	kindEnumArray:   {binEnumArray, textEnumArray},
	kindJSON:        {binJSON, textJSON},
	kindJSONB:       {binJSON, textJSON},
	kindBit:         {binBit, textBit},
	kindVarbit:      {binBit, textBit},
	kindPoint:       {binPoint, textPoint},
	kindUUID:        {binUUID, textUUID},
}

// trimSpace drops the ASCII white space around v, which PostgreSQL's
// input functions for numbers and dates ignore too.
func trimSpace(v []byte) []byte {
	for len(v) > 0 && isSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// equalFold reports whether v is word, ignoring ASCII case; word is lower
// case.
func equalFold(v []byte, word string) bool {
	if len(v) != len(word) {
		return false
	}
	for i := range v {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}

func appendUint32(dst []byte, n uint32) []byte {
	return append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendUint64(dst []byte, n uint64) []byte {
	return append(dst, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
