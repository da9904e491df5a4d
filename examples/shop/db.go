// Package shop is a small sample "shop" HTTP API implemented twice, for trying ficus out: a legacy
// implementation written like an old monolith (one handler, SQL and JSON built inline) and a modern one
// (a router, a repository and typed responses). Both answer every request identically, byte for byte,
// when they serve the same data; OpenDB creates that data.
//
// The package owns only the sample services. It knows nothing about ficus: ficus sees two HTTP
// backends, as it would in a real migration.
package shop

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// The size of the seeded data set.
const (
	SeedUsers    = 50
	SeedProducts = 20
	SeedOrders   = 200
)

// memoryDBs numbers in-memory databases so that each OpenDB("") gets its own.
var memoryDBs atomic.Int64

// OpenDB opens the SQLite database at path, creating the schema and seeding the sample data when it is
// empty. An empty path opens a private in-memory database that lives until the *sql.DB is closed.
// Opening the same file twice gives two services the same data; two in-memory databases are seeded
// with the same data too, since the seed is deterministic.
func OpenDB(ctx context.Context, path string) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	if path == "" {
		dsn = fmt.Sprintf("file:shop-%d?mode=memory&cache=shared", memoryDBs.Add(1))
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open shop db: %w", err)
	}
	// One connection: SQLite serialises writers anyway, and an in-memory database must keep a
	// connection open for its data to survive.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := seed(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

const schema = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  price_cents INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL,
  status TEXT NOT NULL,
  total_cents INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user ON orders(user_id);
`

var (
	firstNames = []string{"Ada", "Alan", "Barbara", "Dennis", "Edsger", "Frances", "Grace", "John", "Ken", "Margaret", "Niklaus", "Radia", "Tony"}
	lastNames  = []string{"Hopper", "Knuth", "Liskov", "Ritchie", "Thompson", "Allen", "Perlman", "Hamilton", "Wirth", "Dijkstra", "Backus"}
	products   = []string{"Fig tree", "Watering can", "Pruning shears", "Clay pot", "Potting soil", "Garden gloves",
		"Trowel", "Seed tray", "Plant food", "Grow light", "Mister", "Moss pole", "Terrarium", "Rake",
		"Hose", "Kneeler", "Twine", "Labels", "Compost bin", "Sun hat"}
	statuses = []string{"new", "paid", "shipped", "delivered", "cancelled"}
)

// seedEpoch anchors the seeded timestamps, so that they never depend on when the data was created.
var seedEpoch = time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)

// seed creates the schema and, when the database has no users yet, inserts the deterministic data set.
func seed(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create shop schema: %w", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed shop db: %w", err)
	}
	defer tx.Rollback()
	for _, insert := range []func(context.Context, *sql.Tx) error{seedUsers, seedProducts, seedOrders} {
		if err := insert(ctx, tx); err != nil {
			return fmt.Errorf("seed shop db: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed shop db: %w", err)
	}
	return nil
}

func seedUsers(ctx context.Context, tx *sql.Tx) error {
	for id := 1; id <= SeedUsers; id++ {
		first, last := firstNames[id%len(firstNames)], lastNames[(id*7)%len(lastNames)]
		email := fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), id)
		created := seedEpoch.Add(time.Duration(id*37) * time.Hour).Format(time.RFC3339)
		if _, err := tx.ExecContext(ctx, "INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?)",
			id, first+" "+last, email, created); err != nil {
			return fmt.Errorf("insert user %d: %w", id, err)
		}
	}
	return nil
}

func seedProducts(ctx context.Context, tx *sql.Tx) error {
	for id := 1; id <= SeedProducts; id++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO products (id, sku, name, price_cents) VALUES (?, ?, ?, ?)",
			id, fmt.Sprintf("FIG-%04d", id), products[id-1], productPrice(id)); err != nil {
			return fmt.Errorf("insert product %d: %w", id, err)
		}
	}
	return nil
}

func productPrice(id int) int { return 299 + (id*733)%4000 }

func seedOrders(ctx context.Context, tx *sql.Tx) error {
	for id := 1; id <= SeedOrders; id++ {
		// 17 and 7 are coprime with 50 and 20, so every user gets orders and every product sells.
		user, product, quantity := 1+(id*17)%SeedUsers, 1+(id*7)%SeedProducts, 1+id%4
		created := seedEpoch.AddDate(1, 0, 0).Add(time.Duration(id*13) * time.Hour).Format(time.RFC3339)
		if _, err := tx.ExecContext(ctx, `INSERT INTO orders (id, user_id, product_id, quantity, status, total_cents, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, user, product, quantity, statuses[id%len(statuses)], quantity*productPrice(product), created); err != nil {
			return fmt.Errorf("insert order %d: %w", id, err)
		}
	}
	return nil
}

// generatedAt is the moment an answer is generated, to the nanosecond: it differs between any two
// calls, which is what makes it noise rather than a defect when legacy and modern are compared.
func generatedAt() string { return time.Now().UTC().Format(time.RFC3339Nano) }
