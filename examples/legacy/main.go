// Command legacy serves the sample shop API with the legacy implementation (one big handler, hand-built SQL), for trying ficus out by hand:
//
//	go run ./examples/legacy --listen 127.0.0.1:8001 [--db shop-legacy.db]
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
		fmt.Fprintln(os.Stderr, "legacy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("legacy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8001", "address to listen on")
	dbPath := fs.String("db", "", "SQLite file to use, seeded when empty (default: in memory)")
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
	fmt.Fprintf(stderr, "legacy shop listening on http://%s\n", ln.Addr())
	return shop.Serve(ctx, ln, shop.NewLegacy(db))
}
