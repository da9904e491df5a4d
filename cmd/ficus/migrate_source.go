package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/migrate"
	"github.com/ficus-dev/ficus/migrate/mysql"
)

// openSource connects to the legacy database u names, choosing the connector by the URL's scheme:
// mysql:// and mariadb:// (migrate/mysql), postgres:// and postgresql:// (migrate/postgres), sqlite:,
// file: or a plain path (migrate/sqlite). Errors show u with its password masked.
func openSource(ctx context.Context, u string) (migrate.Source, error) {
	src, err := openByScheme(ctx, u)
	if err != nil {
		return nil, redact(fmt.Errorf("open source: %w", err), u)
	}
	return src, nil
}

func openByScheme(ctx context.Context, u string) (migrate.Source, error) {
	if err := config.CheckSourceURL(u); err != nil {
		return nil, err
	}
	// Each case checks err before converting: a nil *Source in a non-nil interface would pass for an
	// open source.
	switch config.URLScheme(u) {
	case "mysql", "mariadb":
		s, err := mysql.Open(ctx, u)
		if err != nil {
			return nil, err
		}
		return s, nil
	case "postgres", "postgresql":
		return openPostgres(ctx, u)
	default: // sqlite:, file: or a path; CheckSourceURL refused every other scheme
		return openSQLite(ctx, u)
	}
}

// redactedError hides passwords in a message while errors.Is and errors.As still see the error.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with the passwords of urls masked in its message: connectors and drivers may
// quote a URL, or the part of it they failed to parse, in their errors.
func redact(err error, urls ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, u := range urls {
		if u == "" {
			continue
		}
		clean = strings.ReplaceAll(clean, u, config.MaskURL(u))
		for _, s := range urlSecrets(u) {
			clean = strings.ReplaceAll(clean, s, "xxxxx")
		}
	}
	if clean == msg {
		return err
	}
	return &redactedError{err: err, msg: clean}
}

// urlSecrets returns the password of u as written (perhaps percent-encoded) and decoded.
func urlSecrets(u string) []string {
	var out []string
	if raw := rawPassword(u); raw != "" {
		out = append(out, raw)
	}
	if parsed, err := url.Parse(u); err == nil {
		if pw, ok := parsed.User.Password(); ok && pw != "" {
			out = append(out, pw)
		}
	}
	return out
}

// rawPassword returns the password as written in u, between the first ":" after "://" and the last
// "@" before the query, whether or not u parses; "" when there is none.
func rawPassword(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, "?")
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return pw
}
