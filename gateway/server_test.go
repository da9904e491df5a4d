package gateway

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// serveNew starts NewServer(cfg, g) on a loopback listener and returns its base URL.
func serveNew(t *testing.T, cfg *config.Config, h http.Handler) (*http.Server, string) {
	t.Helper()
	srv, err := NewServer(cfg, h)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http"
	go func() {
		if cfg.TLS != nil {
			_ = srv.ServeTLS(ln, "", "")
		} else {
			_ = srv.Serve(ln)
		}
	}()
	if cfg.TLS != nil {
		scheme = "https"
	}
	t.Cleanup(func() { srv.Close() })
	return srv, scheme + "://" + ln.Addr().String()
}

func TestHTTP2FromClients(t *testing.T) {
	up := newEchoServer(t)
	pki := newTestPKI(t)
	tests := []struct {
		name      string
		tls       *config.ServerTLS
		client    func() *http.Transport
		wantProto string
	}{
		{
			name: "h2c with prior knowledge",
			client: func() *http.Transport {
				p := new(http.Protocols)
				p.SetUnencryptedHTTP2(true)
				return &http.Transport{Protocols: p}
			},
			wantProto: "http",
		},
		{
			name: "h2 negotiated over TLS",
			tls:  &config.ServerTLS{CertFile: pki.serverCert, KeyFile: pki.serverKey},
			client: func() *http.Transport {
				p := new(http.Protocols)
				p.SetHTTP2(true)
				return &http.Transport{Protocols: p, TLSClientConfig: &tls.Config{RootCAs: pki.pool}}
			},
			wantProto: "https",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := proxyConfig([]string{up.URL}, []string{up.URL})
			cfg.TLS = tt.tls
			g, err := New(cfg, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, base := serveNew(t, cfg, g)
			c := &http.Client{Transport: tt.client()}
			req, _ := http.NewRequest(http.MethodGet, base+"/h2", nil)
			got, res := echo(t, c, req)
			if res.ProtoMajor != 2 {
				t.Errorf("client spoke %s, want HTTP/2", res.Proto)
			}
			if p := got.Header.Get("X-Forwarded-Proto"); p != tt.wantProto {
				t.Errorf("X-Forwarded-Proto = %q, want %q", p, tt.wantProto)
			}
			if side := res.Header.Get(DefaultBackendHeader); side != "legacy" {
				t.Errorf("backend header = %q", side)
			}
		})
	}
}

func TestServerDefaults(t *testing.T) {
	srv, err := NewServer(&config.Config{}, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	if srv.Addr != DefaultListen || srv.ReadHeaderTimeout == 0 || srv.IdleTimeout == 0 || srv.ReadTimeout != 0 || srv.WriteTimeout != 0 {
		t.Errorf("server = addr %q read header %v idle %v read %v write %v", srv.Addr, srv.ReadHeaderTimeout, srv.IdleTimeout, srv.ReadTimeout, srv.WriteTimeout)
	}
	if !srv.Protocols.HTTP1() || !srv.Protocols.UnencryptedHTTP2() {
		t.Errorf("protocols = %v, want HTTP/1 and h2c", srv.Protocols)
	}
	if _, err := NewServer(&config.Config{TLS: &config.ServerTLS{CertFile: "/nonexistent", KeyFile: "/nonexistent"}}, http.NotFoundHandler()); err == nil {
		t.Error("NewServer accepted a missing certificate")
	}
}

func TestShutdownDrainsARequestInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	}))
	defer up.Close()
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	g, err := New(cfg, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, base := serveNew(t, cfg, g)
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		done <- result{res.StatusCode, string(b), err}
	}()
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	// Shutdown closes the listener first; once a new connection is refused, the drain is under way.
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", base[len("http://"):])
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	close(release)
	if r := <-done; r.err != nil || r.status != http.StatusOK || r.body != "finished" {
		t.Errorf("request in flight during Shutdown got %d %q %v, want 200 finished", r.status, r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
