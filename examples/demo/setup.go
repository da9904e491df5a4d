package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// setup is where everything of one demo run lives: addresses, files and the operator token.
type setup struct {
	legacyURL, modernURL string
	// proxyAddr and adminAddr are ficus's two listeners.
	proxyAddr, adminAddr string
	// configPath, storePath and logPath are files in the run's work directory.
	configPath, storePath, logPath string
	// token is the operator token, handed to ficus as FICUS_DEMO_TOKEN.
	token string
}

func (s setup) proxyURL() string { return "http://" + s.proxyAddr }
func (s setup) adminURL() string { return "http://" + s.adminAddr }

// env is what every ficus process of the demo gets on top of the demo's own environment: the token
// the config file names, and where the CLI finds the admin API and which token it presents.
func (s setup) env() []string {
	return append(os.Environ(), "FICUS_DEMO_TOKEN="+s.token, "FICUS_ADMIN="+s.adminURL(), "FICUS_TOKEN="+s.token)
}

// newSetup picks free ports and a fresh token, and writes the config file into dir.
func newSetup(dir string, sh *shops) (setup, error) {
	s := setup{
		legacyURL:  sh.legacyURL,
		modernURL:  sh.modernURL,
		configPath: filepath.Join(dir, "ficus.yaml"),
		storePath:  filepath.Join(dir, "ficus.db"),
		logPath:    filepath.Join(dir, "ficus.log"),
	}
	var err error
	if s.proxyAddr, err = freeAddr(); err != nil {
		return s, err
	}
	if s.adminAddr, err = freeAddr(); err != nil {
		return s, err
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	s.token = "demo-" + hex.EncodeToString(secret)
	if err := os.WriteFile(s.configPath, []byte(s.config()), 0o600); err != nil {
		return s, fmt.Errorf("write demo config: %w", err)
	}
	return s, nil
}

// freeAddr returns a loopback address that was free a moment ago. ficus binds it itself, so another
// process could take it in between; on a developer machine that is rare enough for a demo.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// config is examples/ficus.yaml with this run's addresses and files.
func (s setup) config() string {
	q := strconv.Quote
	return `# Written by the ficus demo; examples/ficus.yaml is the same setup, documented.
listen: ` + q(s.proxyAddr) + `
admin:
  listen: ` + q(s.adminAddr) + `
  tokens:
    - name: demo-operator
      role: operator
      token_env: FICUS_DEMO_TOKEN
store: ` + q(s.storePath) + `
shutdown_timeout: 5s
backends:
  legacy:
    urls: [` + q(s.legacyURL) + `]
  modern:
    urls: [` + q(s.modernURL) + `]
routes:
  - name: users
    match:
      path: /api/users/{id}
      methods: [GET, PUT]
    sticky:
      header: X-User-Id
    stage: legacy
    rollout:
      interval: 1s
      steps:
        - weight: 10
        - pause: 1s
        - weight: 50
        - pause: 1s
        - weight: 100
      gates:
        error_rate: {max: 0.05, max_increase: 0.02, min_requests: 10}
  - name: orders
    match:
      path_prefix: /api/orders
    mirror:
      noise: true
  - name: catalog
    match:
      path_prefix: /api/products
    sticky:
      header: X-User-Id
    mirror:
      noise: true
    rollout:
      interval: 1s
      steps:
        - weight: 20
        - pause: 5s
        - weight: 50
        - weight: 100
      gates:
        error_rate: {max: 0.05, max_increase: 0.02, min_requests: 10}
  - name: default
    stage: legacy
`
}
