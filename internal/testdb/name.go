package testdb

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

var databaseSeq atomic.Int64

// databaseName returns a name unique in this process that says which test
// made the database, so that a leftover one can be traced. It uses only
// [a-z0-9_], which needs no quoting in PostgreSQL or MariaDB, and stays
// within both engines' 63-byte limit.
func databaseName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return fmt.Sprintf("t_%s_%d", strings.TrimSuffix(b.String(), "_"), databaseSeq.Add(1))
}
