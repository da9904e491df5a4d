package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Database URLs carry passwords. The file references them as ${NAME} so that they stay out of it,
// and every message that shows a URL shows it through MaskURL, so that they stay out of terminals
// and logs too.

// SourceSchemes and TargetSchemes list the URL schemes a migration's source and target may have. A
// source without a scheme is a path to a SQLite file.
var (
	SourceSchemes = []string{"mysql", "mariadb", "postgres", "postgresql", "sqlite", "file"}
	TargetSchemes = []string{"postgres", "postgresql"}
)

// maskedPassword replaces passwords in URLs shown to people; url.URL.Redacted uses the same.
const maskedPassword = "xxxxx"

var (
	envName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]+$`)
)

// ExpandURL replaces every ${NAME} in s with the value of the environment variable NAME, as env
// (os.LookupEnv) gives it. A reference in the user or password part of a URL
// (scheme://user:${PASSWORD}@host) is percent-encoded, so that a password holding @, :, / or # needs
// no escaping in the environment; anywhere else the value is inserted as it is. A "$" not followed
// by "{" is kept. An unset variable, a malformed reference or a name that is not a variable name is
// an error; the message names the variable, never its value.
func ExpandURL(s string, env func(string) (string, bool)) (string, error) {
	var b strings.Builder
	userStart, userEnd := userinfoSpan(s)
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		start := i + j
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return "", errors.New(`"${" without a closing "}"`)
		}
		name := s[start+2 : start+end]
		if !envName.MatchString(name) {
			return "", fmt.Errorf("${%s} is not a variable reference: use ${NAME} with letters, digits and _", name)
		}
		v, ok := env(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		if start >= userStart && start < userEnd {
			v = url.User(v).String()
		}
		b.WriteString(v)
		i = start + end + 1
	}
	return b.String(), nil
}

// userinfoSpan returns the byte range of the user information (user:password) in the URL s, whose
// ${NAME} references are not yet expanded; an empty range when s has none.
func userinfoSpan(s string) (start, end int) {
	i := strings.Index(s, "://")
	if i < 0 || !urlScheme.MatchString(s[:i]) {
		return 0, 0
	}
	start = i + 3
	j := start
	for j < len(s) && strings.IndexByte("/?#", s[j]) < 0 {
		if strings.HasPrefix(s[j:], "${") {
			if k := strings.IndexByte(s[j:], '}'); k > 0 {
				j += k + 1
				continue
			}
		}
		j++
	}
	at := strings.LastIndexByte(s[start:j], '@')
	if at < 0 {
		return 0, 0
	}
	return start, start + at
}

// URLScheme returns the lower-case scheme of a database URL, or "" when s has none (a plain path).
func URLScheme(s string) string {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || !urlScheme.MatchString(scheme) {
		return ""
	}
	return strings.ToLower(scheme)
}

// CheckSourceURL checks that s (expanded) is a URL ficus migrates from. The message shows s masked.
func CheckSourceURL(s string) error {
	switch scheme := URLScheme(s); scheme {
	case "":
		if strings.TrimSpace(s) == "" {
			return errors.New("is empty")
		}
		return nil
	case "sqlite", "file":
		return nil
	case "mysql", "mariadb", "postgres", "postgresql":
		return checkNetworkURL(s)
	default:
		return fmt.Errorf("%q has the unknown scheme %q; allowed: mysql://, mariadb://, postgres://, postgresql://, sqlite:, file: or a plain path to a SQLite file",
			MaskURL(s), scheme)
	}
}

// CheckTargetURL checks that s (expanded) is a PostgreSQL URL. The message shows s masked.
func CheckTargetURL(s string) error {
	switch scheme := URLScheme(s); scheme {
	case "postgres", "postgresql":
		return checkNetworkURL(s)
	case "":
		return fmt.Errorf("%q is not a URL; the target is a PostgreSQL URL such as postgres://user@host:5432/db", MaskURL(s))
	default:
		return fmt.Errorf("%q has the scheme %q; the target is PostgreSQL: %s://", MaskURL(s), scheme, strings.Join(TargetSchemes, ":// or "))
	}
}

// checkNetworkURL checks a server URL. url.Parse's own message is not shown: it quotes the URL, or
// the part of it around the problem, which may be the password.
func checkNetworkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a valid URL; percent-encode special characters (@ : / ? # %%) in the user name and password",
			MaskURL(s))
	case u.Host == "" && u.Opaque == "":
		return fmt.Errorf("%q names no host; write scheme://user:password@host:port/database", MaskURL(s))
	case strings.Trim(u.Path, "/") == "":
		return fmt.Errorf("%q names no database; write scheme://user:password@host:port/database", MaskURL(s))
	}
	return nil
}

// secretParams are query parameters whose values MaskURL hides.
var secretParams = []string{"password", "passwd", "pwd", "pass", "sslpassword", "secret"}

// MaskURL returns s with its password, and the values of password-like query parameters, replaced
// by xxxxx, for messages and displays. A string that does not parse as a URL has everything between
// the first ":" and the last "@" masked.
func MaskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || strings.Contains(u.Opaque, "@") {
		return maskRaw(s)
	}
	if u.RawQuery != "" {
		q := u.Query()
		masked := false
		for k := range q {
			for _, p := range secretParams {
				if strings.EqualFold(k, p) {
					q[k] = []string{maskedPassword}
					masked = true
				}
			}
		}
		if masked {
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

func maskRaw(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return s
	}
	user := rest[:at]
	if c := strings.IndexByte(user, ':'); c >= 0 {
		user = user[:c+1] + maskedPassword
	}
	return prefix + user + rest[at:]
}
