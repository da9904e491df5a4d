package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// maxIdentBytes is PostgreSQL's NAMEDATALEN-1: longer names are silently
// truncated by the server, which can make two distinct names collide.
const maxIdentBytes = 63

// Ident returns name as a PostgreSQL identifier: bare when PostgreSQL would
// read it back unchanged (lower case, no reserved word), double-quoted
// otherwise. name must already fit (see FitName).
func Ident(name string) string {
	if isBareIdent(name) && !reserved[name] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QualifiedIdent returns schema.name quoted, or just name when schema is empty.
func QualifiedIdent(schema, name string) string {
	if schema == "" {
		return Ident(name)
	}
	return Ident(schema) + "." + Ident(name)
}

func isBareIdent(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '$'):
		default:
			return false
		}
	}
	return true
}

// FitName returns name unchanged when it fits PostgreSQL's 63-byte limit.
// A longer name is cut on a character boundary and given a suffix derived
// from the whole name, so that two long names sharing their first 63 bytes
// stay distinct, and the same name always gets the same result.
func FitName(name string) string {
	if len(name) <= maxIdentBytes {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "_" + hex.EncodeToString(sum[:])[:8]
	cut := maxIdentBytes - len(suffix)
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + suffix
}

// reserved lists PostgreSQL's reserved key words (those that cannot be a
// column or table name unquoted), from the key word appendix of the
// PostgreSQL manual, plus non-reserved words that are unsafe as bare names.
var reserved = func() map[string]bool {
	words := `all analyse analyze and any array as asc asymmetric authorization binary both case cast check
collate collation column concurrently constraint create cross current_catalog current_date current_role
current_schema current_time current_timestamp current_user default deferrable desc distinct do else end
except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into
is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on
only or order outer overlaps placing primary references returning right select session_user similar some
symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when
where window with between bigint bit boolean char character coalesce dec decimal exists extract float
greatest grouping inout int integer interval json least national nchar none normalize nullif numeric out
overlay position precision real row setof smallint substring time timestamp treat trim values varchar
xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
xmltable`
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}()
