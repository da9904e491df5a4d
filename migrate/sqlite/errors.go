package sqlite

import (
	"errors"
	"fmt"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors a caller may test with errors.Is; each wraps the underlying error.
var (
	// ErrUnknownDatabase: no file at the path (Open does not create one).
	ErrUnknownDatabase = errors.New("no such database file")
	// ErrNotADatabase: the file is not an SQLite database, or is encrypted.
	ErrNotADatabase = errors.New("not an SQLite database")
	// ErrAccessDenied: the process may not read the file.
	ErrAccessDenied = errors.New("access denied")
)

// classify wraps err with the matching sentinel, keeping the original.
func classify(err error) error {
	var se *driver.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %w", ErrNotADatabase, err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return fmt.Errorf("%w: %w", ErrAccessDenied, err)
		}
	}
	return err
}
