package gateway

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// override lets a tester force a side with "SIDE:SECRET" in a header or cookie. A nil *override
// means overrides are off.
type override struct {
	header string // canonical; "" = not read from a header
	cookie string // "" = not read from a cookie
	secret string
}

func compileOverride(o *config.Override) (*override, error) {
	if o == nil {
		return nil, nil
	}
	if o.Secret == "" {
		// An empty secret would let "modern:" force a side for anyone.
		return nil, errors.New("override: the secret is empty")
	}
	ov := &override{cookie: o.Cookie, secret: o.Secret}
	if o.Header != "" {
		ov.header = textproto.CanonicalMIMEHeaderKey(o.Header)
	}
	return ov, nil
}

// side returns the forced side. present reports whether the request carried an override at all; a
// present override with a bad format, side or secret yields ok false and is ignored by the caller.
func (o *override) side(r *http.Request) (side ficus.Side, present, ok bool) {
	if o == nil {
		return "", false, false
	}
	v, present := o.value(r)
	if !present {
		return "", false, false
	}
	s, secret, found := strings.Cut(v, ":")
	side = ficus.Side(s)
	if !found || !side.Valid() || !equalSecret(secret, o.secret) {
		return "", true, false
	}
	return side, true, true
}

// value returns the header's value when the header is present, else the cookie's.
func (o *override) value(r *http.Request) (string, bool) {
	if o.header != "" {
		if v := r.Header[o.header]; len(v) > 0 {
			return v[0], true
		}
	}
	if o.cookie != "" {
		return cookieValue(r.Header, o.cookie)
	}
	return "", false
}

// equalSecret compares in time independent of where the values differ, so that the secret cannot be
// guessed byte by byte from response times. It works on strings to avoid allocating []byte copies.
func equalSecret(got, want string) bool {
	if len(got) != len(want) {
		return false
	}
	var diff byte
	for i := 0; i < len(got); i++ {
		diff |= got[i] ^ want[i]
	}
	return subtle.ConstantTimeByteEq(diff, 0) == 1
}
