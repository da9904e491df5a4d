package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rolloutConfig is a ficus config whose users route has a fast canary plan: 1 s analysis windows, so
// that the whole rollout takes seconds.
func rolloutConfig(t *testing.T, legacy, modern string) string {
	return rolloutConfigIn(t, t.TempDir(), legacy, modern, "        error_rate: {max: 0.05, max_increase: 0.02, min_requests: 10}\n")
}

func rolloutConfigIn(t *testing.T, dir, legacy, modern, gates string) string {
	t.Helper()
	path := filepath.Join(dir, "ficus.yaml")
	body := fmt.Sprintf(`listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  tokens: [{name: ops, role: operator, token_env: FICUS_TEST_OPS_TOKEN}]
store: state.db
shutdown_timeout: 5s
backends:
  legacy: {urls: [%s]}
  modern: {urls: [%s]}
routes:
  - name: users
    match: {path_prefix: /api/users}
    sticky: {header: X-User-Id}
    rollout:
      interval: 1s
      failures_allowed: 0
      steps:
        - weight: 20
        - pause: 2s
        - weight: 50
        - pause: 2s
        - weight: 100
      gates:
%s  - name: default
`, legacy, modern, gates)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// load sends requests as 100 rotating users until stop is closed, counting answers by status class.
func load(ts *testServe, stop chan struct{}) (wait func() (ok, failed int64)) {
	var okN, failedN atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, ts.proxy+"/api/users/1", nil)
				req.Header.Set("X-User-Id", fmt.Sprintf("u%d", (w*1000+i)%100))
				res, err := client.Do(req)
				if err != nil || res.StatusCode >= 500 {
					failedN.Add(1)
				} else {
					okN.Add(1)
				}
				if res != nil {
					res.Body.Close()
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	return func() (int64, int64) { wg.Wait(); return okN.Load(), failedN.Load() }
}

func TestServeRolloutOfAGoodModernReachesEveryClient(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy, modern := side(t, "legacy"), side(t, "modern")
	ts := startServe(t, rolloutConfig(t, legacy.URL, modern.URL))
	stop := make(chan struct{})
	wait := load(ts, stop)
	defer func() { close(stop); wait() }()

	if code, body := ts.api(http.MethodPost, "/api/v1/routes/users/rollout/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, body)
	}
	waitForLong(t, 30*time.Second, "the rollout to complete", func() bool {
		_, r := ts.api(http.MethodGet, "/api/v1/routes/users", "")
		return r["stage"] == "modern" || r["weight"] == 100.0
	})
	if got, err := ts.get(http.DefaultClient, "/api/users/1", "someone"); err != nil || got != "modern" {
		t.Fatalf("after the rollout a client was served by %q (err %v)", got, err)
	}
	_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
	if !hasAction(audit, "rollout.promoted") || !hasAction(audit, "rollout.started") {
		t.Fatalf("the audit log lacks the rollout's promotions: %v", audit)
	}
}

func TestServeRollsBackAModernThatStartsFailing(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy := side(t, "legacy")
	var modernServed atomic.Int64
	modern := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		modernServed.Add(1)
		http.Error(w, `{"error":"broken"}`, http.StatusInternalServerError)
	}))
	defer modern.Close()
	ts := startServe(t, rolloutConfig(t, legacy.URL, modern.URL))
	stop := make(chan struct{})
	wait := load(ts, stop)

	if code, body := ts.api(http.MethodPost, "/api/v1/routes/users/rollout/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, body)
	}
	waitForLong(t, 30*time.Second, "the rollback", func() bool {
		_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
		return hasAction(audit, "rollout.rolled_back")
	})
	_, r := ts.api(http.MethodGet, "/api/v1/routes/users", "")
	if r["stage"] != "legacy" {
		t.Fatalf("after the rollback the route is %v", r)
	}
	// Every client is back on legacy for the next request: no failure after the switch.
	before := modernServed.Load()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	_, failed := wait()
	if modernServed.Load() != before {
		t.Fatalf("modern still served %d requests after the rollback", modernServed.Load()-before)
	}
	if failed > modernServed.Load() {
		t.Fatalf("%d requests failed but modern served only %d: legacy's clients failed too", failed, modernServed.Load())
	}
}

func hasAction(audit map[string]any, action string) bool {
	entries, _ := audit["entries"].([]any)
	for _, e := range entries {
		if m, _ := e.(map[string]any); m["action"] == action {
			return true
		}
	}
	return false
}

func waitForLong(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestServeRollsBackAModern50msSlowerOnTheLatencyGate(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy := side(t, "legacy")
	modern := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		fmt.Fprint(w, `{"served_by":"modern"}`)
	}))
	defer modern.Close()
	gates := "        latency: {max_increase: 0.1, alpha: 0.05, min_samples: 10}\n"
	ts := startServe(t, rolloutConfigIn(t, t.TempDir(), legacy.URL, modern.URL, gates))
	stop := make(chan struct{})
	wait := load(ts, stop)
	defer func() { close(stop); wait() }()
	if code, body := ts.api(http.MethodPost, "/api/v1/routes/users/rollout/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, body)
	}
	waitForLong(t, 30*time.Second, "the latency rollback", func() bool {
		_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
		return hasAction(audit, "rollout.rolled_back")
	})
	_, status := ts.api(http.MethodGet, "/api/v1/routes/users/rollout", "")
	raw, _ := json.Marshal(status)
	if !strings.Contains(string(raw), "latency") {
		t.Fatalf("the rollout's record does not name the latency gate: %s", raw)
	}
}

func TestServeRolloutWithoutTrafficIsInconclusiveAndMovesNothing(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy, modern := side(t, "legacy"), side(t, "modern")
	ts := startServe(t, rolloutConfig(t, legacy.URL, modern.URL))
	if code, body := ts.api(http.MethodPost, "/api/v1/routes/users/rollout/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, body)
	}
	waitForLong(t, 30*time.Second, "an inconclusive analysis", func() bool {
		_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
		return hasAction(audit, "rollout.inconclusive")
	})
	_, r := ts.api(http.MethodGet, "/api/v1/routes/users", "")
	if r["weight"] != 20.0 {
		t.Fatalf("without traffic the route moved to %v, want it held at the first step's 20%%", r)
	}
	_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
	if hasAction(audit, "rollout.promoted") || hasAction(audit, "rollout.rolled_back") {
		t.Fatalf("an inconclusive rollout promoted or rolled back: %v", audit)
	}
}

func TestServeResumesARolloutAfterARestart(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy, modern := side(t, "legacy"), side(t, "modern")
	cfg := rolloutConfig(t, legacy.URL, modern.URL)
	first := startServe(t, cfg)
	stop := make(chan struct{})
	wait := load(first, stop)
	if code, body := first.api(http.MethodPost, "/api/v1/routes/users/rollout/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, body)
	}
	waitForLong(t, 30*time.Second, "the first promotion", func() bool {
		_, audit := first.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
		return hasAction(audit, "rollout.promoted")
	})
	close(stop)
	wait()
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	second := startServe(t, cfg)
	_, st := second.api(http.MethodGet, "/api/v1/routes/users/rollout", "")
	raw, _ := json.Marshal(st)
	if !strings.Contains(string(raw), `"promoted"`) {
		t.Fatalf("after the restart the rollout's timeline was lost: %s", raw)
	}
	stop2 := make(chan struct{})
	wait2 := load(second, stop2)
	defer func() { close(stop2); wait2() }()
	waitForLong(t, 30*time.Second, "the resumed rollout to complete", func() bool {
		_, r := second.api(http.MethodGet, "/api/v1/routes/users", "")
		return r["stage"] == "modern" || r["weight"] == 100.0
	})
}

func TestServeHoldsInsteadOfRollingBackOntoABrokenLegacy(t *testing.T) {
	t.Setenv("FICUS_TEST_OPS_TOKEN", testToken)
	legacy := side(t, "legacy")
	modern := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	defer modern.Close()
	ts := startServe(t, rolloutConfig(t, legacy.URL, modern.URL))
	legacy.Close() // legacy is down too: moving clients back would not help them
	stop := make(chan struct{})
	wait := load(ts, stop)
	defer func() { close(stop); wait() }()
	if code, body := ts.api(http.MethodPost, "/api/v1/routes/users/rollout/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, body)
	}
	waitForLong(t, 30*time.Second, "the rollout to hold", func() bool {
		_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
		return hasAction(audit, "rollout.held")
	})
	_, audit := ts.api(http.MethodGet, "/api/v1/audit?target=route/users&limit=200", "")
	if hasAction(audit, "rollout.rolled_back") {
		t.Fatalf("the rollout rolled back onto a legacy that is down: %v", audit)
	}
	if _, r := ts.api(http.MethodGet, "/api/v1/routes/users", ""); r["stage"] != "canary" {
		t.Fatalf("the held route is %v, want it left in canary", r)
	}
}
