package verify

import (
	"math/rand/v2"
	"testing"
	"time"
)

// appendTimestamp's arithmetic fast path must print what time.Time prints, across the calendar.
func TestAppendTimestampMatchesTheCalendar(t *testing.T) {
	lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix() - pgEpoch
	hi := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix() - pgEpoch
	r := rand.New(rand.NewPCG(1, 2))
	check := func(micros int64) {
		secs, frac := floorDiv(micros, 1e6)
		want := time.Unix(secs+pgEpoch, frac*1000).UTC().Format("2006-01-02 15:04:05.000000")
		if got := string(appendTimestamp(nil, micros)); got != want {
			t.Fatalf("appendTimestamp(%d) = %s, want %s", micros, got, want)
		}
	}
	for _, s := range []int64{lo, hi, 0, -1, 86399, 86400, -86400, 951782400 - pgEpoch /* 2000-02-29 */} {
		check(s * 1e6)
		check(s*1e6 + 999999)
	}
	for range 200000 {
		check(lo*1e6 + r.Int64N((hi-lo)*1e6))
	}
}
