package gateway

import "time"

// The hot path reads the clock several times per request, for deadlines, idle times and the Date
// header. time.Now reads both the wall clock and the monotonic clock; deadlines and durations only
// need the monotonic one, which costs half as much.

// monoEpoch is the origin of monoNow.
var monoEpoch = time.Now()

// monoNow reads the monotonic clock: the time since monoEpoch.
func monoNow() time.Duration { return time.Since(monoEpoch) }

// monoTime is the time.Time at mono, for deadlines. Its monotonic reading is exact, which is what
// deadlines go by; its wall clock reading is monoEpoch's advanced by mono.
func monoTime(mono time.Duration) time.Time { return monoEpoch.Add(mono) }
