// Command modern serves the sample shop API with the modern implementation (a router and a repository), for trying ficus out by hand:
//
//	go run ./examples/modern --listen 127.0.0.1:8002 [--db shop-modern.db] [--price-bug]
//
// Without --db the data lives in memory and is seeded afresh at every start.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/ficus-dev/ficus/examples/shop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "modern:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("modern", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8002", "address to listen on")
	dbPath := fs.String("db", "", "SQLite file to use, seeded when empty (default: in memory)")
	var faults shop.Faults
	fs.BoolVar(&faults.PriceBug, "price-bug", false, "answer a wrong price_cents for every fourth product (a defect for the parallel run to find)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := shop.OpenDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(stderr, "modern shop listening on http://%s\n", ln.Addr())
	return shop.Serve(ctx, ln, shop.NewModern(db, faults))
}
