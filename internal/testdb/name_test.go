package testdb

import (
	"regexp"
	"strings"
	"testing"
)

func TestDatabaseNamesNeedNoQuotingAndAreUnique(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]bool{}
	for _, name := range []string{
		"plain",
		"Mixed Case/with spaces and-dashes",
		strings.Repeat("very long test name ", 10),
		"名前",
		"plain",
	} {
		t.Run(name, func(t *testing.T) {
			got := databaseName(t)
			if !valid.MatchString(got) || len(got) > 63 {
				t.Errorf("databaseName = %q: not a plain identifier of at most 63 bytes", got)
			}
			if seen[got] {
				t.Errorf("databaseName = %q twice", got)
			}
			seen[got] = true
		})
	}
}
