// Package testdb starts throwaway PostgreSQL and MariaDB servers for tests.
//
// Every server is a real one, started from the Debian binaries by the test
// process itself on a free loopback port, with its own temporary directory; it
// never touches a server the machine already runs. Servers are tuned for
// speed, not durability (no fsync), and are configured for change data
// capture: PostgreSQL with wal_level=logical, MariaDB with a ROW binary log.
//
// A test that wants a server of its own calls StartPostgres or StartMariaDB
// (about a second each); the server is stopped and its directory removed when
// the test ends, even if it fails or panics. Most packages share one server per
// test process instead, and give each test its own database:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
//	func TestLoad(t *testing.T) {
//		url := testdb.SharedPostgres(t).NewDatabase(t)
//		...
//	}
//
// When the server binaries are missing the test fails, naming the Debian
// package to install; `make test` installs them (scripts/test-deps.sh).
//
// Servers run with Pdeathsig=SIGKILL, so a test binary that is killed does
// not leave them running. The package owns nothing else: it does not create
// schemas or load data, and it offers no fakes.
package testdb
