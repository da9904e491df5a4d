package mysql

import (
	"errors"
	"fmt"
	"net"

	driver "github.com/go-sql-driver/mysql"
)

// Errors a caller may test with errors.Is; each wraps the driver's error.
var (
	// ErrUnreachable: no server answered at the address.
	ErrUnreachable = errors.New("server unreachable")
	// ErrAccessDenied: the server refused the user or password.
	ErrAccessDenied = errors.New("access denied")
	// ErrUnknownDatabase: the database does not exist.
	ErrUnknownDatabase = errors.New("unknown database")
	// ErrPrivileges: the user may not read the database or one of its tables.
	ErrPrivileges = errors.New("missing privileges")
)

// MySQL server error numbers, from the server's error message reference.
const (
	erDBAccessDenied    = 1044
	erAccessDenied      = 1045
	erBadDB             = 1049
	erTableAccessDenied = 1142
)

// classify wraps err with the matching sentinel, keeping the original.
func classify(err error) error {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erAccessDenied:
			return fmt.Errorf("%w: %w", ErrAccessDenied, err)
		case erBadDB:
			return fmt.Errorf("%w: %w", ErrUnknownDatabase, err)
		case erDBAccessDenied, erTableAccessDenied:
			return fmt.Errorf("%w: %w", ErrPrivileges, err)
		}
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return err
}
