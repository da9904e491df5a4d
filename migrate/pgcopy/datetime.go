package pgcopy

import (
	"errors"
	"fmt"
	"math"
)

const (
	usecPerSec = int64(1_000_000)
	usecPerDay = 86_400 * usecPerSec
	// unixToPG is the number of days from 1970-01-01 to 2000-01-01,
	// PostgreSQL's epoch.
	unixToPG = 10_957
)

// PostgreSQL's limits (datatype/timestamp.h), in days and microseconds
// since 2000-01-01: from Julian day 0 (4714-11-24 BC) up to, not
// including, 294277-01-01 for timestamps and 5874898-01-01 for dates.
var (
	minDay          = int64(-2_451_545)
	endTimestampDay = daysFromCivil(294_277, 1, 1)
	endDateDay      = daysFromCivil(5_874_898, 1, 1)
)

var (
	errDateSyntax = errors.New("invalid input syntax for a date or timestamp: want YYYY-MM-DD[ HH:MM:SS[.ffffff]][zone]")
	errTimeSyntax = errors.New("invalid input syntax for type time: want HH:MM:SS[.ffffff]")
	errZeroDate   = errors.New("zero date: PostgreSQL has no year 0, month 0 or day 0 (the zero-date-to-null transform loads it as NULL)")
	errFieldRange = errors.New("date/time field value out of range")
)

// dateTime is a parsed date or timestamp.
type dateTime struct {
	// infinite is +1 for infinity, -1 for -infinity, 0 for a date.
	infinite int
	// year is astronomical: 1 BC is 0.
	year, month, day     int
	hour, minute, second int
	usec                 int64
	// offset is the zone's offset east of UTC in seconds.
	offset int
}

// parseDateTime reads "YYYY-MM-DD[( |T)HH:MM[:SS[.f]][zone]][ BC]",
// "infinity" or "-infinity". Years may have more than four digits; the
// zone is Z or ±HH[[:]MM[[:]SS]].
func parseDateTime(v []byte) (dateTime, error) {
	s := trimSpace(v)
	var d dateTime
	p, clock, ok := d.fixedLayout(s)
	if !ok {
		if d.infinite = infinity(s); d.infinite != 0 {
			return d, nil
		}
		var err error
		if p, clock, err = d.looseLayout(s); err != nil {
			return d, err
		}
	}
	if clock {
		if p, ok = d.parseZone(s, p); !ok {
			return d, errDateSyntax
		}
	}
	bc := false
	if rest := s[p:]; equalFold(rest, " bc") || equalFold(rest, " ad") {
		bc = rest[1] == 'b' || rest[1] == 'B'
		p = len(s)
	}
	if p != len(s) {
		return d, errDateSyntax
	}
	return d, d.check(bc)
}

// fixedLayout reads the form sources print, "YYYY-MM-DD" with an optional
// " HH:MM:SS[.f]", by position; ok is false for anything else.
func (d *dateTime) fixedLayout(s []byte) (p int, clock, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' || !digitsAt(s, 0, 1, 2, 3, 5, 6, 8, 9) {
		return 0, false, false
	}
	d.year = int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	d.month = int(s[5]-'0')*10 + int(s[6]-'0')
	d.day = int(s[8]-'0')*10 + int(s[9]-'0')
	if len(s) < 12 || s[10] != ' ' && s[10] != 'T' || !isDigit(s[11]) {
		return 10, false, true
	}
	if len(s) < 19 || s[13] != ':' || s[16] != ':' || !digitsAt(s, 11, 12, 14, 15, 17, 18) {
		return 0, false, false
	}
	d.hour = int(s[11]-'0')*10 + int(s[12]-'0')
	d.minute = int(s[14]-'0')*10 + int(s[15]-'0')
	d.second = int(s[17]-'0')*10 + int(s[18]-'0')
	return d.parseFraction(s, 19), true, true
}

func digitsAt(s []byte, at ...int) bool {
	for _, i := range at {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// looseLayout reads the date and time with any number of digits per field.
func (d *dateTime) looseLayout(s []byte) (p int, clock bool, err error) {
	ok := true
	if d.year, p, ok = number(s, p, 7); !ok || p >= len(s) || s[p] != '-' {
		return p, false, errDateSyntax
	}
	if d.month, p, ok = number(s, p+1, 2); !ok || p >= len(s) || s[p] != '-' {
		return p, false, errDateSyntax
	}
	if d.day, p, ok = number(s, p+1, 2); !ok {
		return p, false, errDateSyntax
	}
	if p+1 < len(s) && (s[p] == ' ' || s[p] == 'T') && isDigit(s[p+1]) {
		p, err = d.parseClock(s, p+1, errDateSyntax)
		return p, true, err
	}
	return p, false, nil
}

func infinity(s []byte) int {
	switch {
	case equalFold(s, "infinity"), equalFold(s, "+infinity"):
		return 1
	case equalFold(s, "-infinity"):
		return -1
	}
	return 0
}

// number reads 1 to max digits at p.
func number(s []byte, p, max int) (n, next int, ok bool) {
	start := p
	for p < len(s) && isDigit(s[p]) && p-start < max {
		n = n*10 + int(s[p]-'0')
		p++
	}
	return n, p, p > start
}

// parseClock reads "HH:MM[:SS[.f]]" at p; the hour may have more digits
// (MySQL's TIME goes to 838).
func (d *dateTime) parseClock(s []byte, p int, syntax error) (int, error) {
	ok := true
	if d.hour, p, ok = number(s, p, 4); !ok || p >= len(s) || s[p] != ':' {
		return p, syntax
	}
	if d.minute, p, ok = number(s, p+1, 2); !ok {
		return p, syntax
	}
	if p < len(s) && s[p] == ':' {
		if d.second, p, ok = number(s, p+1, 2); !ok {
			return p, syntax
		}
		p = d.parseFraction(s, p)
	}
	return p, nil
}

// parseFraction reads an optional ".f" at p. Digits past the sixth round.
func (d *dateTime) parseFraction(s []byte, p int) int {
	if p >= len(s) || s[p] != '.' {
		return p
	}
	p++
	scale := usecPerSec
	for ; p < len(s) && isDigit(s[p]); p++ {
		digit := int64(s[p] - '0')
		switch scale /= 10; {
		case scale > 0:
			d.usec += digit * scale
		case scale == 0 && digit >= 5:
			d.usec++
		}
	}
	return p
}

// parseZone reads an optional zone at p.
func (d *dateTime) parseZone(s []byte, p int) (int, bool) {
	q := p
	if q < len(s) && s[q] == ' ' && q+1 < len(s) && (s[q+1] == '+' || s[q+1] == '-') {
		q++
	}
	if q >= len(s) {
		return p, true
	}
	if s[q] == 'Z' || s[q] == 'z' {
		return q + 1, true
	}
	if s[q] != '+' && s[q] != '-' {
		return p, true
	}
	sign := 1
	if s[q] == '-' {
		sign = -1
	}
	h, q, ok := number(s, q+1, 2)
	if !ok {
		return p, false
	}
	var m, sec int
	if m, q, ok = zonePart(s, q); ok {
		sec, q, _ = zonePart(s, q)
	}
	if h > 15 || m > 59 || sec > 59 {
		return p, false
	}
	d.offset = sign * (h*3600 + m*60 + sec)
	return q, true
}

// zonePart reads ":MM" or "MM" of a zone.
func zonePart(s []byte, p int) (int, int, bool) {
	q := p
	if q < len(s) && s[q] == ':' {
		q++
	}
	if q+1 < len(s) && isDigit(s[q]) && isDigit(s[q+1]) {
		return int(s[q]-'0')*10 + int(s[q+1]-'0'), q + 2, true
	}
	return 0, p, false
}

// check validates the fields and makes the year astronomical.
func (d *dateTime) check(bc bool) error {
	if d.month == 0 || d.day == 0 || d.year == 0 && !bc {
		return errZeroDate
	}
	if bc {
		if d.year == 0 {
			return errFieldRange
		}
		d.year = 1 - d.year
	}
	if d.month > 12 || d.day > daysIn(d.year, d.month) {
		return errFieldRange
	}
	if d.minute > 59 || d.second > 60 || d.hour > 24 || d.hour == 24 && (d.minute > 0 || d.second > 0 || d.usec > 0) {
		return errFieldRange
	}
	return nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 2000-01-01 to a proleptic Gregorian date,
// year astronomical (Howard Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := int64(floorDiv(y, 400))
	yoe := int64(y) - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146_097 + doe - 719_468 - unixToPG
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(days int64) (y, m, d int) {
	z := days + unixToPG + 719_468
	era := z / 146_097
	if z < 0 && z%146_097 != 0 {
		era--
	}
	doe := z - era*146_097
	yoe := (doe - doe/1460 + doe/36_524 - doe/146_096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func (d *dateTime) clock() int64 {
	return int64((d.hour*60+d.minute)*60+d.second)*usecPerSec + d.usec
}

// timestamp returns microseconds since 2000-01-01, in UTC for timestamptz
// (the zone applied) and wall time for timestamp (the zone ignored, as
// PostgreSQL's input does), rounded to the column's precision.
func timestamp(c *column, v []byte) (int64, error) {
	d, err := parseDateTime(v)
	if err != nil {
		return 0, err
	}
	switch d.infinite {
	case 1:
		return math.MaxInt64, nil
	case -1:
		return math.MinInt64, nil
	}
	days := daysFromCivil(d.year, d.month, d.day)
	if days < minDay-1 || days >= endTimestampDay {
		return 0, errors.New("timestamp out of range")
	}
	t := days*usecPerDay + d.clock()
	if c.kind == kindTimestamptz {
		t -= int64(d.offset) * usecPerSec
	}
	t = roundFraction(t, c.frac)
	if t < minDay*usecPerDay || t >= endTimestampDay*usecPerDay {
		return 0, errors.New("timestamp out of range")
	}
	return t, nil
}

// roundFraction rounds microseconds to frac fractional digits, half away
// from zero, as PostgreSQL's typmod does.
func roundFraction(t int64, frac int) int64 {
	if frac >= 6 {
		return t
	}
	scale := pow10usec[frac]
	if t >= 0 {
		return (t + scale/2) / scale * scale
	}
	return -((-t + scale/2) / scale * scale)
}

var pow10usec = [6]int64{1_000_000, 100_000, 10_000, 1_000, 100, 10}

func binTimestamp(c *column, dst, v []byte) ([]byte, error) {
	t, err := timestamp(c, v)
	if err != nil {
		return dst, err
	}
	return appendUint64(dst, uint64(t)), nil
}

func textTimestamp(c *column, dst, v []byte) ([]byte, error) {
	t, err := timestamp(c, v)
	if err != nil {
		return dst, err
	}
	switch t {
	case math.MaxInt64:
		return append(dst, "infinity"...), nil
	case math.MinInt64:
		return append(dst, "-infinity"...), nil
	}
	days := floorDiv64(t, usecPerDay)
	y, m, d := civilFromDays(days)
	dst = appendYMD(dst, y, m, d)
	dst = appendClock(append(dst, ' '), t-days*usecPerDay)
	if c.kind == kindTimestamptz {
		dst = append(dst, '+', '0', '0')
	}
	return appendEra(dst, y), nil
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// date returns days since 2000-01-01. A time part is ignored, as
// PostgreSQL's date input does.
func date(v []byte) (int64, error) {
	d, err := parseDateTime(v)
	if err != nil {
		return 0, err
	}
	switch d.infinite {
	case 1:
		return math.MaxInt32, nil
	case -1:
		return math.MinInt32, nil
	}
	days := daysFromCivil(d.year, d.month, d.day)
	if days < minDay || days >= endDateDay {
		return 0, errors.New("date out of range")
	}
	return days, nil
}

func binDate(_ *column, dst, v []byte) ([]byte, error) {
	days, err := date(v)
	if err != nil {
		return dst, err
	}
	return appendUint32(dst, uint32(int32(days))), nil
}

func textDate(_ *column, dst, v []byte) ([]byte, error) {
	days, err := date(v)
	if err != nil {
		return dst, err
	}
	switch days {
	case math.MaxInt32:
		return append(dst, "infinity"...), nil
	case math.MinInt32:
		return append(dst, "-infinity"...), nil
	}
	y, m, d := civilFromDays(days)
	return appendEra(appendYMD(dst, y, m, d), y), nil
}

// timeOfDay reads "HH:MM[:SS[.f]]" into microseconds, refusing what
// PostgreSQL's time cannot hold: MySQL's negative times and those past 24
// hours (TIME is also a duration there).
func timeOfDay(c *column, v []byte) (int64, error) {
	s := trimSpace(v)
	if len(s) > 0 && s[0] == '-' {
		return 0, fmt.Errorf("time %s is negative; PostgreSQL's time goes from 00:00:00 to 24:00:00", s)
	}
	var d dateTime
	p, err := d.parseClock(s, 0, errTimeSyntax)
	if err != nil {
		return 0, err
	}
	if p != len(s) {
		return 0, errTimeSyntax
	}
	if d.minute > 59 || d.second > 59 {
		return 0, errFieldRange
	}
	t := roundFraction(d.clock(), c.frac)
	if t > usecPerDay {
		return 0, fmt.Errorf("time %s is past 24:00:00, the end of PostgreSQL's time", s)
	}
	return t, nil
}

func binTime(c *column, dst, v []byte) ([]byte, error) {
	t, err := timeOfDay(c, v)
	if err != nil {
		return dst, err
	}
	return appendUint64(dst, uint64(t)), nil
}

func textTime(c *column, dst, v []byte) ([]byte, error) {
	t, err := timeOfDay(c, v)
	if err != nil {
		return dst, err
	}
	return appendClock(dst, t), nil
}

// appendYMD appends YYYY-MM-DD, the year at least four digits and as
// PostgreSQL prints it (1 BC is 0001, with appendEra's suffix).
func appendYMD(dst []byte, y, m, d int) []byte {
	if y <= 0 {
		y = 1 - y
	}
	dst = appendPadded(dst, y, 4)
	dst = appendPadded(append(dst, '-'), m, 2)
	return appendPadded(append(dst, '-'), d, 2)
}

func appendEra(dst []byte, y int) []byte {
	if y <= 0 {
		return append(dst, " BC"...)
	}
	return dst
}

// appendClock appends HH:MM:SS and the fraction without trailing zeros.
func appendClock(dst []byte, t int64) []byte {
	sec := t / usecPerSec
	dst = appendPadded(dst, int(sec/3600), 2)
	dst = appendPadded(append(dst, ':'), int(sec/60%60), 2)
	dst = appendPadded(append(dst, ':'), int(sec%60), 2)
	if frac := t % usecPerSec; frac != 0 {
		digits := 6
		for frac%10 == 0 {
			frac /= 10
			digits--
		}
		dst = appendPadded(append(dst, '.'), int(frac), digits)
	}
	return dst
}

func appendPadded(dst []byte, n, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n > 0 || len(buf)-i < width {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, buf[i:]...)
}
