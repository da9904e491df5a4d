package gateway

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
)

// testPKI is a throwaway CA with a server and a client certificate, written as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
	pool                                                 *x509.CertPool
	server                                               tls.Certificate
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ficus test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{name}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		return writePEM(t, dir, name+".pem", "CERTIFICATE", der), writePEM(t, dir, name+".key", "EC PRIVATE KEY", keyDER)
	}
	p.serverCert, p.serverKey = issue("upstream.internal", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = issue("ficus-client", 3, x509.ExtKeyUsageClientAuth)
	if p.server, err = tls.LoadX509KeyPair(p.serverCert, p.serverKey); err != nil {
		t.Fatal(err)
	}
	return p
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLSUpstreamWithACustomCAAndAClientCertificate(t *testing.T) {
	pki := newTestPKI(t)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("hello " + r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	up.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.pool}
	up.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below are expected
	up.StartTLS()
	defer up.Close()

	full := config.UpstreamTLS{CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey, ServerName: "upstream.internal"}
	noClientCert := full
	noClientCert.CertFile, noClientCert.KeyFile = "", ""
	systemRoots := full
	systemRoots.CAFile = ""
	wrongName := full
	wrongName.ServerName = "other.internal"
	tests := []struct {
		name       string
		tls        config.UpstreamTLS
		wantStatus int
	}{
		{name: "the upstream is reached with the CA, the client certificate and the server name", tls: full, wantStatus: http.StatusOK},
		{name: "without a client certificate the upstream refuses", tls: noClientCert, wantStatus: http.StatusBadGateway},
		{name: "without the custom CA the upstream is not trusted", tls: systemRoots, wantStatus: http.StatusBadGateway},
		{name: "a server name that the certificate does not hold is refused", tls: wrongName, wantStatus: http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := proxyConfig([]string{up.URL}, []string{up.URL})
			cfg.Backends.Legacy.TLS = tt.tls
			_, ts := startGateway(t, cfg, Options{})
			status, _, body := get(t, ts.Client(), ts.URL+"/")
			if status != tt.wantStatus {
				t.Errorf("status = %d (%q), want %d", status, body, tt.wantStatus)
			}
			if status == http.StatusOK && body != "hello ficus-client" {
				t.Errorf("body = %q, want the client certificate's name", body)
			}
		})
	}
}

func TestBadUpstreamTLSFilesAreErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	notPEM := writePEM(t, t.TempDir(), "x", "NOTHING", nil)
	os.WriteFile(notPEM, []byte("garbage"), 0o600)
	for name, tc := range map[string]config.UpstreamTLS{
		"a missing CA file":             {CAFile: missing},
		"a CA file without certificate": {CAFile: notPEM},
		"a missing client key":          {CertFile: missing, KeyFile: missing},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := proxyConfig([]string{"https://127.0.0.1:1"}, []string{"http://127.0.0.1:1"})
			cfg.Backends.Legacy.TLS = tc
			if _, err := New(cfg, nil, Options{}); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

func TestTransportDefaults(t *testing.T) {
	tr, err := newTransport(&config.Backend{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.MaxIdleConnsPerHost != 512 || tr.ResponseHeaderTimeout != 60*time.Second || tr.IdleConnTimeout != 90*time.Second ||
		tr.TLSHandshakeTimeout != 5*time.Second || !tr.DisableCompression || tr.Proxy != nil {
		t.Errorf("zero backend config gave transport %+v", tr)
	}
}

func TestFastPathSurvivesConnectionsTheUpstreamClosed(t *testing.T) {
	up := newSideServer(t, "up")
	_, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var wg sync.WaitGroup
	for range 4 { // fill the pool with several connections
		wg.Go(func() { get(t, c, ts.URL+"/") })
	}
	wg.Wait()
	up.CloseClientConnections() // every pooled connection is now dead
	for i := range 6 {
		if status, _, body := get(t, c, ts.URL+"/"); status != http.StatusOK || body != "up" {
			t.Fatalf("request %d after the upstream closed its connections: %d %q", i, status, body)
		}
	}
}

func TestAStreamOutlivesTheResponseHeaderTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(3 * timeout) // the scenario: a stream that pauses longer than the timeout
		}
	}))
	defer up.Close()
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	cfg.Backends.Legacy.Timeouts.ResponseHeader = config.Duration(timeout)
	_, ts := startGateway(t, cfg, Options{})
	for range 2 { // the second request reuses the connection and its deadline
		status, _, body := get(t, ts.Client(), ts.URL+"/events")
		if want := "data: 0\n\ndata: 1\n\ndata: 2\n\n"; status != http.StatusOK || body != want {
			t.Errorf("got %d %q, want the whole stream", status, body)
		}
	}
}

func TestIdleFastPathConnectionsExpire(t *testing.T) {
	up := newSideServer(t, "up")
	cfg := proxyConfig([]string{up.URL}, []string{up.URL})
	cfg.Backends.Legacy.Timeouts.Idle = config.Duration(time.Millisecond)
	g, ts := startGateway(t, cfg, Options{})
	get(t, ts.Client(), ts.URL+"/")
	pool := g.cur.Load().backends[0].upstreams[0].h1
	if len(pool.idle) != 1 {
		t.Fatalf("%d idle connections after one request, want 1", len(pool.idle))
	}
	waitFor(t, func() bool {
		pool.expire()
		return len(pool.idle) == 0
	})
}

func TestAReplacedBackendClosesConnectionsReleasedLater(t *testing.T) {
	up := newSideServer(t, "up")
	g, ts := startGateway(t, proxyConfig([]string{up.URL}, []string{up.URL}), Options{})
	old := g.cur.Load().backends[0].upstreams[0].h1
	other := newSideServer(t, "other")
	if err := g.Reload(proxyConfig([]string{other.URL}, []string{other.URL}), nil); err != nil {
		t.Fatal(err)
	}
	if !old.closed.Load() {
		t.Error("the replaced backend's pool is still open")
	}
	if _, _, body := get(t, ts.Client(), ts.URL+"/"); body != "other" {
		t.Errorf("body after Reload = %q, want other", body)
	}
}

func TestWriteRequest(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://up.internal/a%2Fb?x=1", nil)
	req.Host = "shop.example"
	req.Header = http.Header{"Accept": {"application/json"}}
	var b strings.Builder
	w := bufio.NewWriter(&b)
	writeRequest(w, req)
	w.Flush()
	want := "GET /a%2Fb?x=1 HTTP/1.1\r\nHost: shop.example\r\nAccept: application/json\r\n\r\n"
	if b.String() != want {
		t.Errorf("request = %q, want %q", b.String(), want)
	}
}
