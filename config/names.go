package config

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// routeName is what a route name may look like: it appears in URLs, metric labels and audit targets.
var routeName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2): the syntax of header names,
// method names and cookie names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// isHostName reports whether s is a DNS name ("api.example.com", "localhost") or an IP address.
func isHostName(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// checkHostPort checks a listen address: "host:port" or ":port", the port a number.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port, e.g. 127.0.0.1:8080 or :8080", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port: it must be a number from 0 to 65535", s)
	}
	if host != "" && !isHostName(host) {
		return fmt.Errorf("%q has no valid host: use a host name, an IP address, or nothing for every interface", s)
	}
	return nil
}
