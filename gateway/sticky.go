package gateway

import (
	"math"
	"math/bits"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/ficus-dev/ficus/config"
)

// buckets is how many slots the sticky key is hashed into; a weight with two decimals maps to a whole
// number of buckets.
const buckets = 10_000

// sticky is a route's compiled canary key: the header when the request has it, else the cookie, else
// the client IP.
type sticky struct {
	header string // canonical name; "" = not used
	cookie string // "" = not used
}

func compileSticky(s config.Sticky) sticky {
	st := sticky{cookie: s.Cookie}
	if s.Header != "" {
		st.header = textproto.CanonicalMIMEHeaderKey(s.Header)
	}
	return st
}

// key returns the request's assignment key without allocating.
func (s sticky) key(r *http.Request) string {
	if s.header != "" {
		if v := r.Header[s.header]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	if s.cookie != "" {
		if v, ok := cookieValue(r.Header, s.cookie); ok && v != "" {
			return v
		}
	}
	return clientIP(r.RemoteAddr)
}

// bucket hashes key into [0, buckets). The hash is deliberately not salted per route: at equal
// weights a client then lands on the same side on every route, so one user's page does not mix
// answers from legacy for one endpoint and modern for the next, and raising the weight of several
// routes together moves whole clients rather than a different random subset per route.
func bucket(key string) uint32 {
	// FNV-1a 64, then a finaliser so that every input bit reaches the high bits that the
	// multiply-shift reduction below uses.
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	hi, _ := bits.Mul64(h, buckets)
	return uint32(hi)
}

// threshold is the number of buckets, counted from 0, that a canary at weight sends to modern. A
// bucket's side depends only on whether it is below the threshold, so raising the weight only ever
// moves clients from legacy to modern.
func threshold(weight float64) uint32 {
	return uint32(math.Round(weight * buckets / 100))
}

// cookieValue finds a cookie by scanning the Cookie headers, because r.Cookie allocates.
func cookieValue(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && k == name {
				if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				return v, true
			}
		}
	}
	return "", false
}

// clientIP returns the host part of a RemoteAddr such as "192.0.2.1:1234" or "[2001:db8::1]:1234".
func clientIP(remoteAddr string) string {
	return stripPort(remoteAddr)
}
