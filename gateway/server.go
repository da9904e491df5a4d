package gateway

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// DefaultListen is the proxy listener's address when the config sets none.
const DefaultListen = "127.0.0.1:8080"

// Limits of the proxy listener. There is no read or write timeout on whole requests: uploads,
// downloads and event streams may last as long as they make progress.
const (
	readHeaderTimeout = 10 * time.Second
	// idleTimeout exceeds the usual client pools' 90s so that clients, not ficus, close idle
	// keep-alive connections and never race a request against ficus's close.
	idleTimeout    = 120 * time.Second
	maxHeaderBytes = 1 << 20
)

// NewServer returns a net/http server for h with the proxy listener's limits. Without cfg.TLS it
// speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c); with cfg.TLS, srv.TLSConfig holds the
// certificate and HTTP/2 is negotiated by ALPN: start it with srv.ServeTLS(l, "", "").
//
// The proxy listener itself is NewProxyServer's *Server, which uses this server for TLS and for
// the h2c connections its own HTTP/1.1 loop hands over.
func NewServer(cfg *config.Config, h http.Handler) (*http.Server, error) {
	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		Protocols:         new(http.Protocols),
	}
	if srv.Addr == "" {
		srv.Addr = DefaultListen
	}
	srv.Protocols.SetHTTP1(true)
	if cfg.TLS == nil {
		srv.Protocols.SetUnencryptedHTTP2(true)
		return srv, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("proxy listener tls: %w", err)
	}
	srv.Protocols.SetHTTP2(true)
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return srv, nil
}
