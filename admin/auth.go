package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// authenticator checks bearer tokens against the configured ones.
type authenticator struct {
	tokens []knownToken
}

// knownToken keeps the SHA-256 of a secret rather than the secret, so that every comparison is
// between two 32-byte values and takes the same time whatever the presented token's length.
type knownToken struct {
	name string
	role config.Role
	hash [sha256.Size]byte
}

func newAuthenticator(tokens []config.Token) authenticator {
	var a authenticator
	for _, t := range tokens {
		if t.Secret == "" {
			continue
		}
		a.tokens = append(a.tokens, knownToken{name: t.Name, role: t.Role, hash: sha256.Sum256([]byte(t.Secret))})
	}
	return a
}

// authorize returns the name of the caller's token when it may act with role need. Public endpoints
// (need "") are open. Without configured tokens reads are open and everything else is refused, so
// that an admin listener exposed by mistake can never change a route.
func (a authenticator) authorize(r *http.Request, need config.Role) (actor string, err error) {
	if need == "" {
		return "", nil
	}
	if len(a.tokens) == 0 {
		if need == config.RoleViewer {
			return "", nil
		}
		return "", ficus.Errorf(ficus.EForbidden,
			"no admin token is configured, so the API is read-only: add admin.tokens to the config to allow changes")
	}
	secret, ok := bearer(r)
	if !ok {
		return "", ficus.Errorf(ficus.EUnauthorized, "missing bearer token: send the header Authorization: Bearer TOKEN")
	}
	t, ok := a.lookup(secret)
	if !ok {
		return "", ficus.Errorf(ficus.EUnauthorized, "unknown bearer token")
	}
	if rank(t.role) < rank(need) {
		return "", ficus.Errorf(ficus.EForbidden, "token %q has role %s; this needs %s", t.name, t.role, need)
	}
	return t.name, nil
}

// lookup compares secret with every token, without stopping at a match, so that the time taken says
// nothing about which token matched or how much of one did.
func (a authenticator) lookup(secret string) (knownToken, bool) {
	h := sha256.Sum256([]byte(secret))
	var found knownToken
	ok := false
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(h[:], t.hash[:]) == 1 && !ok {
			found, ok = t, true
		}
	}
	return found, ok
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header; the scheme is case-insensitive
// (RFC 9110).
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// rank orders roles so that each includes the ones below it; an unknown role ranks below viewer.
func rank(r config.Role) int {
	switch r {
	case config.RoleViewer:
		return 1
	case config.RoleOperator:
		return 2
	case config.RoleAdmin:
		return 3
	}
	return 0
}
