package postgres

import (
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// Errors a caller may test with errors.Is; each wraps the driver's error.
var (
	// ErrUnreachable: no server answered at the address.
	ErrUnreachable = errors.New("server unreachable")
	// ErrAccessDenied: the server refused the user or password.
	ErrAccessDenied = errors.New("access denied")
	// ErrUnknownDatabase: the database does not exist.
	ErrUnknownDatabase = errors.New("unknown database")
	// ErrUnknownSchema: the schema the URL's schema parameter names does
	// not exist in the database.
	ErrUnknownSchema = errors.New("unknown schema")
	// ErrPrivileges: the user may not connect to the database, use the
	// schema or read one of its tables.
	ErrPrivileges = errors.New("missing privileges")
)

// SQLSTATE codes, from the PostgreSQL manual's appendix A.
const (
	invalidAuthorization = "28000" // also "no pg_hba.conf entry"
	invalidPassword      = "28P01"
	invalidCatalogName   = "3D000"
	insufficientPrivs    = "42501"
)

// classify wraps err with the matching sentinel, keeping the original.
func classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case invalidPassword, invalidAuthorization:
			return fmt.Errorf("%w: %w", ErrAccessDenied, err)
		case invalidCatalogName:
			return fmt.Errorf("%w: %w", ErrUnknownDatabase, err)
		case insufficientPrivs:
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
