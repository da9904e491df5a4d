package verify

import (
	"bytes"
	"strconv"
	"time"
)

// pgEpoch is PostgreSQL's timestamp epoch, 2000-01-01 UTC, in Unix seconds: PostgreSQL rounds
// timestamps to a precision in microseconds since then, which decides how ties go before 2000.
const pgEpoch = 946684800

// clock is a parsed date and time of day, the time in microseconds.
type clock struct {
	year, month, day int
	micros           int64 // since midnight
	offset           int   // zone offset in seconds east of UTC
	hasTime, hasZone bool
	bc               bool
}

// canonTimestamp writes YYYY-MM-DD HH:MM:SS.ffffff in UTC, rounded to prec fractional digits as
// PostgreSQL rounds a timestamp(prec). A zone offset counts only when zoned (timestamptz);
// PostgreSQL ignores it for a timestamp without time zone.
func canonTimestamp(buf, v []byte, prec int, zoned bool) value {
	if out, ok := plainTimestamp(buf, v, prec, zoned); ok {
		return value{text: out}
	}
	switch string(v) {
	case "infinity", "-infinity":
		return value{text: append(buf, v...)}
	}
	c, ok := parseClock(v)
	if !ok {
		return value{bad: "not a timestamp: " + quoteShort(v)}
	}
	t := time.Date(c.year, time.Month(c.month), c.day, 0, 0, 0, 0, time.UTC)
	if t.Year() != c.year || int(t.Month()) != c.month || t.Day() != c.day {
		return value{bad: "not a valid date: " + quoteShort(v)}
	}
	if c.bc {
		t = time.Date(1-c.year, time.Month(c.month), c.day, 0, 0, 0, 0, time.UTC)
	}
	micros := (t.Unix()-pgEpoch)*1e6 + c.micros
	if zoned && c.hasZone {
		micros -= int64(c.offset) * 1e6
	}
	micros = roundMicros(micros, prec)
	return value{text: appendTimestamp(buf, micros)}
}

// plainTimestamp is the common case without arithmetic: YYYY-MM-DD HH:MM:SS with at most prec
// fractional digits, in UTC (no zone, Z, +00 or +00:00) or a zone that does not count.
func plainTimestamp(buf, v []byte, prec int, zoned bool) ([]byte, bool) {
	if len(v) < 19 || v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' ||
		!allDigits(v[:4]) || !allDigits(v[5:7]) || !allDigits(v[8:10]) || !allDigits(v[11:13]) || !allDigits(v[14:16]) || !allDigits(v[17:19]) {
		return nil, false
	}
	if !validClock(num(v[:4]), num(v[5:7]), num(v[8:10]), num(v[11:13]), num(v[14:16]), num(v[17:19])) {
		return nil, false // the careful path says what is wrong
	}
	rest, frac := v[19:], []byte(nil)
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		frac, rest = rest[1:n], rest[n:]
		if len(frac) == 0 || len(frac) > prec {
			return nil, false
		}
	}
	switch string(rest) {
	case "", "Z", "+00", "+00:00":
	default:
		if zoned || rest[0] != '+' && rest[0] != '-' || bytes.HasSuffix(rest, []byte("BC")) {
			return nil, false
		}
	}
	buf = append(append(buf, v[:19]...), '.')
	buf = append(buf, frac...)
	return append(buf, "000000"[len(frac):]...), true
}

// num reads a short run of digits.
func num(d []byte) int {
	n := 0
	for _, x := range d {
		n = n*10 + int(x-'0')
	}
	return n
}

// validClock reports a real date (year 1 to 9999) and time of day.
func validClock(y, m, d, hh, mm, ss int) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 || hh > 23 || mm > 59 || ss > 59 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// roundMicros rounds to prec fractional digits the way PostgreSQL's AdjustTimestampForTypmod does:
// half away from its epoch.
func roundMicros(t int64, prec int) int64 {
	if prec >= 6 || prec < 0 {
		return t
	}
	scale := int64(1)
	for range 6 - prec {
		scale *= 10
	}
	if t >= 0 {
		return (t + scale/2) / scale * scale
	}
	return -((-t + scale/2) / scale * scale)
}

func appendTimestamp(buf []byte, micros int64) []byte {
	secs, frac := floorDiv(micros, 1e6)
	days, sod := floorDiv(secs, 86400)
	if y, m, d := civil(days + pgEpoch/86400); y >= 1 && y <= 9999 { // the common case, without time.Time
		n := len(buf)
		buf = append(buf, "0000-00-00 00:00:00.000000"...)
		b := buf[n:]
		putDigits(b[0:4], y)
		putDigits(b[5:7], m)
		putDigits(b[8:10], d)
		putDigits(b[11:13], sod/3600)
		putDigits(b[14:16], sod/60%60)
		putDigits(b[17:19], sod%60)
		putDigits(b[20:26], frac)
		return buf
	}
	t := time.Unix(secs+pgEpoch, 0).UTC()
	y := t.Year()
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPadded(buf, int64(y), 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int64(t.Month()), 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, int64(t.Day()), 2)
	buf = append(buf, ' ')
	buf = appendClock(buf, int64(t.Hour())*3600e6+int64(t.Minute())*60e6+int64(t.Second())*1e6+frac)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q, r = q-1, r+b
	}
	return q, r
}

// civil is the proleptic Gregorian date of a day number (days since 1970-01-01), by Howard
// Hinnant's civil_from_days.
func civil(days int64) (y, m, d int64) {
	era, doe := floorDiv(days+719468, 146097)
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// putDigits writes 0 <= n < 10^len(d) into d, zero-padded.
func putDigits(d []byte, n int64) {
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
}

// appendClock writes a time of day in microseconds as HH:MM:SS.ffffff.
func appendClock(buf []byte, micros int64) []byte {
	buf = appendPadded(buf, micros/3600e6, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, micros/60e6%60, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, micros/1e6%60, 2)
	buf = append(buf, '.')
	return appendPadded(buf, micros%1e6, 6)
}

// appendPadded writes a non-negative n with at least width digits.
func appendPadded(buf []byte, n int64, width int) []byte {
	var d [20]byte
	i := len(d)
	for n > 0 || i > len(d)-width {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(buf, d[i:]...)
}

func canonDate(buf, v []byte) value {
	c, ok := parseClock(v)
	if !ok {
		return value{bad: "not a date: " + quoteShort(v)}
	}
	t := time.Date(c.year, time.Month(c.month), c.day, 0, 0, 0, 0, time.UTC)
	if t.Year() != c.year || int(t.Month()) != c.month || t.Day() != c.day {
		return value{bad: "not a valid date: " + quoteShort(v)}
	}
	buf = appendPadded(buf, int64(c.year), 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int64(c.month), 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, int64(c.day), 2)
	if c.bc {
		buf = append(buf, " BC"...)
	}
	return value{text: buf}
}

// canonTime writes HH:MM:SS.ffffff rounded to prec digits; PostgreSQL's time holds 00:00:00 to
// 24:00:00, so anything else could not have been loaded.
func canonTime(buf, v []byte, prec int) value {
	if len(v) >= 8 && len(v) <= 15 && v[2] == ':' && v[5] == ':' && allDigits(v[:2]) && allDigits(v[3:5]) && allDigits(v[6:8]) &&
		v[0] <= '2' && v[3] <= '5' && v[6] <= '5' && (len(v) == 8 || v[8] == '.' && len(v) > 9 && len(v)-9 <= prec && allDigits(v[9:])) && string(v[:2]) < "24" {
		buf = append(buf, v...)
		if len(v) == 8 {
			buf = append(buf, '.')
		}
		for range 15 - max(len(v), 9) {
			buf = append(buf, '0')
		}
		return value{text: buf}
	}
	micros, ok := parseTimeOfDay(v)
	if !ok {
		return value{bad: "not a time: " + quoteShort(v)}
	}
	micros = roundMicros(micros, prec)
	if micros < 0 || micros > 24*3600e6 {
		return value{bad: "time out of range: " + quoteShort(v)}
	}
	return value{text: appendClock(buf, micros)}
}

// parseClock reads [YYYY]Y-MM-DD, optionally followed by a time ("T" or a space, HH:MM[:SS[.f]])
// and a zone (Z, ±HH, ±HH:MM, ±HHMM), and " BC".
func parseClock(v []byte) (clock, bool) {
	var c clock
	s := v
	if bytes.HasSuffix(s, []byte(" BC")) {
		c.bc, s = true, s[:len(s)-3]
	}
	y, rest, ok := number(s, 4, 6)
	if !ok || len(rest) < 6 || rest[0] != '-' || rest[3] != '-' {
		return c, false
	}
	m, _, ok1 := number(rest[1:3], 2, 2)
	d, _, ok2 := number(rest[4:6], 2, 2)
	if !ok1 || !ok2 {
		return c, false
	}
	c.year, c.month, c.day = int(y), int(m), int(d)
	rest = rest[6:]
	if len(rest) == 0 {
		return c, true
	}
	if rest[0] != ' ' && rest[0] != 'T' {
		return c, false
	}
	rest = rest[1:]
	end := bytes.IndexAny(rest, "Z+-")
	timePart, zone := rest, []byte(nil)
	if end >= 0 {
		timePart, zone = rest[:end], rest[end:]
	}
	micros, ok := parseTimeOfDay(timePart)
	if !ok {
		return c, false
	}
	c.micros, c.hasTime = micros, true
	if len(zone) > 0 {
		off, ok := parseZone(zone)
		if !ok {
			return c, false
		}
		c.offset, c.hasZone = off, true
	}
	return c, true
}

// parseTimeOfDay reads [-]H+:MM[:SS[.fraction]] into microseconds, the fraction rounded half up
// to microseconds.
func parseTimeOfDay(v []byte) (int64, bool) {
	s := bytes.TrimSpace(v)
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	h, rest, ok := number(s, 1, 4)
	if !ok || len(rest) < 3 || rest[0] != ':' {
		return 0, false
	}
	m, rest, ok := number(rest[1:], 2, 2)
	if !ok || m > 59 {
		return 0, false
	}
	var sec, frac int64
	if len(rest) > 0 {
		if rest[0] != ':' {
			return 0, false
		}
		sec, rest, ok = number(rest[1:], 2, 2)
		if !ok || sec > 60 {
			return 0, false
		}
		if len(rest) > 0 {
			if rest[0] != '.' || len(rest) == 1 || !allDigits(rest[1:]) {
				return 0, false
			}
			frac = fractionMicros(rest[1:])
		}
	}
	t := ((h*60+m)*60+sec)*1e6 + frac
	if neg {
		t = -t
	}
	return t, true
}

// fractionMicros turns the digits after the point into microseconds, rounding half up.
func fractionMicros(d []byte) int64 {
	var n int64
	for i := range 6 {
		n *= 10
		if i < len(d) {
			n += int64(d[i] - '0')
		}
	}
	if len(d) > 6 && d[6] >= '5' {
		n++
	}
	return n
}

func parseZone(z []byte) (int, bool) {
	if string(z) == "Z" {
		return 0, true
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = bytes.ReplaceAll(z[1:], []byte{':'}, nil)
	if len(z) != 2 && len(z) != 4 && len(z) != 6 || !allDigits(z) {
		return 0, false
	}
	secs := 0
	for i, unit := range []int{3600, 60, 1} {
		if 2*i+2 <= len(z) {
			n, _ := strconv.Atoi(string(z[2*i : 2*i+2]))
			secs += n * unit
		}
	}
	return sign * secs, true
}

// number reads between minDigits and maxDigits decimal digits at the start of s.
func number(s []byte, minDigits, maxDigits int) (int64, []byte, bool) {
	i := 0
	var n int64
	for i < len(s) && i < maxDigits && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int64(s[i]-'0')
		i++
	}
	return n, s[i:], i >= minDigits
}
