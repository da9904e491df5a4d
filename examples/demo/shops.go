package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/ficus-dev/ficus/examples/shop"
)

// shops are the legacy and the modern sample shop, served in-process on free loopback ports, each on
// its own in-memory database seeded with the same data.
type shops struct {
	legacyURL, modernURL string
	// failing, once set, makes the modern shop answer 500 on /api/products/{id}: the demo's bad rollout.
	failing atomic.Bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
	dbs    []*sql.DB
}

func startShops(ctx context.Context) (*shops, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &shops{cancel: cancel}
	var err error
	if s.legacyURL, err = s.start(ctx, func(db *sql.DB) http.Handler { return shop.NewLegacy(db) }); err == nil {
		s.modernURL, err = s.start(ctx, func(db *sql.DB) http.Handler {
			return shop.NewModern(db, shop.Faults{PriceBug: true, Failing: &s.failing})
		})
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *shops) start(ctx context.Context, newHandler func(*sql.DB) http.Handler) (string, error) {
	db, err := shop.OpenDB(ctx, "")
	if err != nil {
		return "", err
	}
	s.dbs = append(s.dbs, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for a shop: %w", err)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Serve only fails when the listener does; the demo then fails on the requests it sends.
		_ = shop.Serve(ctx, ln, newHandler(db))
	}()
	return "http://" + ln.Addr().String(), nil
}

// stop shuts both shops down and waits for them.
func (s *shops) stop() {
	s.cancel()
	s.wg.Wait()
	for _, db := range s.dbs {
		db.Close()
	}
}
