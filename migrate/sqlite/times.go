package sqlite

import (
	"strings"
	"time"

	"github.com/ficus-dev/ficus/migrate"
)

// timeKind says how a column's text values are put in canonical form.
type timeKind uint8

const (
	// asStored: the text as it is.
	asStored timeKind = iota
	// dateText: a column declared DATE, whose text is made YYYY-MM-DD.
	dateText
	// timestampText: a column declared DATETIME or TIMESTAMP, whose text
	// is made YYYY-MM-DD HH:MM:SS[.ffffff][+00].
	timestampText
)

// timeKinds gives the kind of each column. Key columns stay as stored: a
// keyset chunk compares the last key it read with the stored values.
func timeKinds(t *migrate.Table, columns []string) []timeKind {
	key := map[string]bool{}
	for _, k := range t.PrimaryKey {
		key[k] = true
	}
	out := make([]timeKind, len(columns))
	for i, name := range columns {
		c := t.Column(name)
		switch {
		case c == nil || key[name]:
		case c.Type == "date":
			out[i] = dateText
		case c.Type == "datetime" || c.Type == "timestamp":
			out[i] = timestampText
		}
	}
	return out
}

// timeLayouts are the forms of SQLite's date and time functions
// (https://www.sqlite.org/lang_datefunc.html, formats 1 to 7, with
// fractions of any length) and Go's time.Time.String, which database
// drivers have been known to store; Z07:00 reads Z and offsets.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

// appendTime appends s in canonical form when kind asks for it and s is a
// date or time in a form SQLite's functions accept; anything else as it is,
// for the load to accept or reject.
func appendTime(b []byte, s string, kind timeKind) []byte {
	switch {
	case kind == asStored:
		return append(b, s...)
	case kind == dateText && len(s) == 10 && isDate(s):
		return append(b, s...)
	case kind == timestampText && isPlainTimestamp(s):
		return append(b, s...)
	}
	if i := strings.Index(s, " m="); i > 0 { // time.Time.String's monotonic clock
		s = s[:i]
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return appendTimeValue(b, t, kind)
		}
	}
	return append(b, s...)
}

// appendTimeValue prints t as a date (on its own calendar) or as a
// timestamp in UTC.
func appendTimeValue(b []byte, t time.Time, kind timeKind) []byte {
	if kind == dateText {
		return t.AppendFormat(b, "2006-01-02")
	}
	return append(t.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999"), "+00"...)
}

// isPlainTimestamp reports the form datetime() stores, already canonical:
// YYYY-MM-DD HH:MM:SS with up to six fractional digits and no zone.
func isPlainTimestamp(s string) bool {
	if len(s) < 19 || !isDate(s[:10]) || s[10] != ' ' || !digitsAt(s, 11, 12, 14, 15, 17, 18) || s[13] != ':' || s[16] != ':' {
		return false
	}
	frac := s[19:]
	if frac == "" {
		return true
	}
	if frac[0] != '.' || len(frac) < 2 || len(frac) > 7 {
		return false
	}
	for i := 1; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return false
		}
	}
	return true
}

// isDate reports YYYY-MM-DD, digits and dashes only.
func isDate(s string) bool {
	return len(s) == 10 && digitsAt(s, 0, 1, 2, 3, 5, 6, 8, 9) && s[4] == '-' && s[7] == '-'
}

func digitsAt(s string, at ...int) bool {
	for _, i := range at {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
