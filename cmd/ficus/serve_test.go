package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// side is a real backend that answers with its own name, so a test can tell who served a request.
func side(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"served_by":%q,"path":%q}`, name, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const testToken = "ops-secret-for-tests"

type testServe struct {
	t          *testing.T
	configPath string
	proxy      string // http://host:port
	admin      string
	stop       func() error
	stderr     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeConfig(t *testing.T, dir, legacy, modern, extraRoutes string) string {
	t.Helper()
	path := filepath.Join(dir, "ficus.yaml")
	body := fmt.Sprintf(`listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  tokens:
    - {name: ops, role: operator, token_env: FICUS_TEST_OPS_TOKEN}
store: state.db
shutdown_timeout: 5s
backends:
  legacy: {urls: [%s]}
  modern: {urls: [%s]}
routes:
  - name: users
    match: {path: "/api/users/{id}", methods: [GET, PUT]}
    stage: canary
    weight: 10
    sticky: {header: X-User-Id}
%s  - name: default
    stage: legacy
`, legacy, modern, extraRoutes)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startServe runs `ficus serve` in-process on free ports and stops it when the test ends.
func startServe(t *testing.T, configPath string) *testServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServe{t: t, configPath: configPath, stderr: &syncBuffer{}}
	readyc := make(chan [2]net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, configPath, ts.stderr, func(p, a net.Addr) { readyc <- [2]net.Addr{p, a} })
	}()
	select {
	case addrs := <-readyc:
		ts.proxy = "http://" + addrs[0].String()
		ts.admin = "http://" + addrs[1].String()
	case err := <-done:
		cancel()
		t.Fatalf("serve ended before it was ready: %v\n%s", err, ts.stderr.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("serve was not ready within 20s\n%s", ts.stderr.String())
	}
	var once sync.Once
	var stopErr error
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = fmt.Errorf("serve did not stop within 20s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("stop serve: %v\n%s", err, ts.stderr.String())
		}
	})
	return ts
}

// get sends a proxied request as user and returns the side that served it.
func (ts *testServe) get(client *http.Client, path, user string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, ts.proxy+path, nil)
	if user != "" {
		req.Header.Set("X-User-Id", user)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	var got struct {
		ServedBy string `json:"served_by"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return "", fmt.Errorf("decode %q: %w", body, err)
	}
	if hdr := resp.Header.Get("X-Ficus-Backend"); hdr != got.ServedBy {
		return "", fmt.Errorf("X-Ficus-Backend says %q but %q served", hdr, got.ServedBy)
	}
	return got.ServedBy, nil
}

func (ts *testServe) api(method, path, body string) (int, map[string]any) {
	ts.t.Helper()
	req, _ := http.NewRequest(method, ts.admin+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		ts.t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func TestServeMovesARouteAtRunTimeWithoutFailingARequest(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy, modern := side(t, "legacy"), side(t, "modern")
	ts := startServe(t, writeConfig(t, t.TempDir(), legacy.URL, modern.URL, ""))

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			for i := 0; ; i++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				if _, err := ts.get(client, "/api/users/7", fmt.Sprintf("u%d-%d", w, i%50)); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	changes := []string{
		`{"stage":"canary","weight":25}`, `{"stage":"modern"}`, `{"stage":"canary","weight":50}`, `{"stage":"legacy"}`,
	}
	for i := range 60 {
		if i%5 == 4 {
			if code, body := ts.api(http.MethodPost, "/api/v1/routes/users/rollback", ""); code != http.StatusOK {
				t.Fatalf("rollback: %d %v", code, body)
			}
			continue
		}
		if code, body := ts.api(http.MethodPut, "/api/v1/routes/users/stage", changes[i%len(changes)]); code != http.StatusOK {
			t.Fatalf("set stage: %d %v", code, body)
		}
	}
	close(stopLoad)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed during stage changes; first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
	}
	if ok.Load() < 100 {
		t.Fatalf("only %d requests were sent during the changes; the load did not run", ok.Load())
	}

	// The last change was a rollback: every client is on legacy for the very next request.
	for i := range 50 {
		got, err := ts.get(http.DefaultClient, "/api/users/1", fmt.Sprintf("user-%d", i))
		if err != nil || got != "legacy" {
			t.Fatalf("after rollback user-%d was served by %q (err %v), want legacy", i, got, err)
		}
	}
}

func TestServeKeepsARunTimeStageAcrossARestart(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy, modern := side(t, "legacy"), side(t, "modern")
	cfg := writeConfig(t, t.TempDir(), legacy.URL, modern.URL, "")

	first := startServe(t, cfg)
	if code, body := first.api(http.MethodPut, "/api/v1/routes/users/stage", `{"stage":"modern"}`); code != http.StatusOK {
		t.Fatalf("set stage: %d %v", code, body)
	}
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	second := startServe(t, cfg)
	code, body := second.api(http.MethodGet, "/api/v1/routes/users", "")
	if code != http.StatusOK || body["stage"] != "modern" || body["source"] != "runtime" {
		t.Fatalf("after restart the route is %v (status %d), want stage modern from the runtime store", body, code)
	}
	if got, err := second.get(http.DefaultClient, "/api/users/3", "anyone"); err != nil || got != "modern" {
		t.Fatalf("after restart served by %q (err %v), want modern", got, err)
	}

	// The change is in the audit log, and the chain verifies.
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--config", cfg}, &out, &errOut); err != nil {
		t.Fatalf("audit verify: %v\n%s%s", err, out.String(), errOut.String())
	}
	code, audit := second.api(http.MethodGet, "/api/v1/audit", "")
	entries, _ := audit["entries"].([]any)
	if code != http.StatusOK || len(entries) != 1 {
		t.Fatalf("audit: status %d, %d entries (%v), want the one change", code, len(entries), audit)
	}
	e := entries[0].(map[string]any)
	if e["actor"] != "ops" || e["action"] != "route.stage" || e["target"] != "route/users" {
		t.Fatalf("audit entry %v does not record who changed what", e)
	}
}

func TestServeReloadsOnSIGHUPAndKeepsTheOldConfigWhenTheNewIsBad(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy, modern := side(t, "legacy"), side(t, "modern")
	dir := t.TempDir()
	cfg := writeConfig(t, dir, legacy.URL, modern.URL, "")
	ts := startServe(t, cfg)

	// A new route that sends /api/orders to modern appears after SIGHUP.
	writeConfig(t, dir, legacy.URL, modern.URL, "  - name: orders\n    match: {path_prefix: /api/orders}\n    stage: modern\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the orders route after reload", func() bool {
		got, err := ts.get(http.DefaultClient, "/api/orders/1", "")
		return err == nil && got == "modern"
	})

	// A broken file is refused; the running config stays.
	if err := os.WriteFile(cfg, []byte("listen: [oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload failure in the log", func() bool { return strings.Contains(ts.stderr.String(), "reload failed") })
	if got, err := ts.get(http.DefaultClient, "/api/orders/1", ""); err != nil || got != "modern" {
		t.Fatalf("after a bad reload /api/orders went to %q (err %v), want modern as before", got, err)
	}
}

func TestConfigCheckReportsProblemsWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen: 127.0.0.1:8080\nroutes:\n  - name: users\n    stage: canery\n"), 0o644)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"config", "check", bad}, &out, &errOut)
	if err == nil {
		t.Fatalf("config check accepted a bad file:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), bad+":4:") || !strings.Contains(errOut.String(), "legacy, shadow, canary, modern") {
		t.Fatalf("config check output does not name file:line and the allowed stages:\n%s", errOut.String())
	}

	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	good := writeConfig(t, dir, "http://127.0.0.1:1", "http://127.0.0.1:2", "")
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), []string{"config", "check", good}, &out, &errOut); err != nil {
		t.Fatalf("config check refused a good file: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "OK, 2 routes") {
		t.Fatalf("config check output: %q", out.String())
	}
}

func TestConfigCheckAcceptsAMigrationOnlyFileAndMasksItsPassword(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "migration.yaml")
	t.Setenv("FICUS_TEST_DB_PASSWORD", "s3cret")
	os.WriteFile(path, []byte("migration:\n  source: mysql://app:${FICUS_TEST_DB_PASSWORD}@db:3306/shop\n  target: postgres://app@pg:5432/shop\n"), 0o644)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"config", "check", path}, &out, &errOut); err != nil {
		t.Fatalf("config check refused a migration-only file: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "migration: mysql://app:") || strings.Contains(out.String(), "s3cret") {
		t.Fatalf("config check output shows no masked migration, or the password:\n%s", out.String())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeShadowsComparesAndKeepsNoSecretInTheReport(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	const email, card = "ada.lovelace@example.com", "4111 1111 1111 1111"
	legacy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"served_by":"legacy","email":%q,"card":%q,"price":10}`, email, card)
	}))
	defer legacy.Close()
	var shadowHeader atomic.Value
	modern := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		shadowHeader.Store(r.Header.Get("X-Ficus-Shadow"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"served_by":"modern","email":"someone.else@example.org","card":"5500 0000 0000 0004","price":11}`)
	}))
	defer modern.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, legacy.URL, modern.URL, "")
	ts := startServe(t, cfg)
	if code, body := ts.api(http.MethodPut, "/api/v1/routes/users/stage", `{"stage":"shadow"}`); code != http.StatusOK {
		t.Fatalf("set stage: %d %v", code, body)
	}
	for i := range 20 {
		if got, err := ts.get(http.DefaultClient, "/api/users/1", fmt.Sprint(i)); err != nil || got != "legacy" {
			t.Fatalf("in stage shadow a client was served by %q (err %v)", got, err)
		}
	}
	var report map[string]any
	waitFor(t, "20 comparisons", func() bool {
		_, report = ts.api(http.MethodGet, "/api/v1/routes/users/diff", "")
		n, _ := report["compared"].(float64)
		return n >= 20
	})
	if shadowHeader.Load() != "1" {
		t.Errorf("modern saw X-Ficus-Shadow %v, want 1", shadowHeader.Load())
	}
	raw, _ := json.Marshal(report)
	if !strings.Contains(string(raw), `"$.price"`) {
		t.Fatalf("the report does not name $.price: %s", raw)
	}
	if err := ts.stop(); err != nil { // flushes the results to the store
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "state.db*"))
	var stored []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		stored = append(stored, b...)
	}
	if !bytes.Contains(stored, []byte("$.price")) {
		t.Fatalf("the results were not saved in the store (%v), so its absence of secrets proves nothing", files)
	}
	for _, where := range append(files, "API") {
		content := raw
		if where != "API" {
			content, _ = os.ReadFile(where)
		}
		for _, secret := range []string{email, card, "someone.else@example.org", "5500 0000 0000 0004"} {
			if bytes.Contains(content, []byte(secret)) {
				t.Errorf("%s holds %q", where, secret)
			}
		}
	}
}

func TestAnUnknownOutputFormatIsRefused(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"route", "list", "--output", "yaml"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `--output "yaml" is not one of text, json`) {
		t.Fatalf("err = %v", err)
	}
}
