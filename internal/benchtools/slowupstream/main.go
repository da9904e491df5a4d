// Command slowupstream is a benchmark upstream that answers every request with the same small JSON
// body as ../shared/bench/proxy-peers.sh's upstreams, but only after a delay: the "modern that answers
// 500 ms late" of issue 3's shadow benchmark (scripts/bench-proxy.sh starts it).
//
//	go run ./internal/benchtools/slowupstream --listen 127.0.0.1:18091 --delay 500ms
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

const body = `{"id":42,"name":"Ada Lovelace","email":"ada@example.com","status":"active","balance":"1234.50","tags":["a","b","c"],"updated_at":"2026-01-01T00:00:00Z"}`

func main() {
	listen := flag.String("listen", "127.0.0.1:18091", "address to listen on")
	delay := flag.Duration("delay", 500*time.Millisecond, "how long to wait before answering")
	flag.Parse()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(*delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	})
	srv := &http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "slowupstream:", err)
		os.Exit(1)
	}
}
