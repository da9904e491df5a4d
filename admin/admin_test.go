package admin_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/config"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	viewerToken   = "viewer-secret"
	operatorToken = "operator-secret"
	adminToken    = "admin-secret"
)

var testTokens = []config.Token{
	{Name: "dash", Role: config.RoleViewer, Secret: viewerToken},
	{Name: "ops", Role: config.RoleOperator, Secret: operatorToken},
	{Name: "root", Role: config.RoleAdmin, Secret: adminToken},
}

// fixture is a real admin API server over an in-memory route service.
type fixture struct {
	srv  *httptest.Server
	mem  *memory
	logs *bytes.Buffer
}

// newFixture serves admin.New(o); Routes, Audit and Logger are filled in by the fixture.
func newFixture(t *testing.T, o admin.Options) *fixture {
	t.Helper()
	f := &fixture{mem: newMemory(), logs: &bytes.Buffer{}}
	o.Routes, o.Audit = f.mem, f.mem
	o.Logger = slog.New(slog.NewTextHandler(f.logs, nil))
	f.srv = httptest.NewServer(admin.New(o))
	t.Cleanup(f.srv.Close)
	return f
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request; a non-empty body is sent as application/json unless header says otherwise.
func (f *fixture) call(t *testing.T, method, path, token, body string, header ...string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// apiError decodes an error body, failing the test when the body is not exactly the error shape.
func (r result) apiError(t *testing.T) (code, message string) {
	t.Helper()
	var eb struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("status %d: body is not an API error (%v): %s", r.status, err, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	return eb.Error.Code, eb.Error.Message
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body: %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	notReady := errors.New("store: database is locked")
	tests := []struct {
		name       string
		ready      func() error
		method     string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"healthz is always ok", func() error { return notReady }, "GET", "/healthz", 200, `{"status":"ok"}`},
		{"readyz without a check is ready", nil, "GET", "/readyz", 200, `{"status":"ready"}`},
		{"readyz is ready when the check passes", func() error { return nil }, "GET", "/readyz", 200, `{"status":"ready"}`},
		{"readyz says why it is not ready", func() error { return notReady }, "GET", "/readyz", 503,
			`{"error":{"code":"unavailable","message":"not ready: store: database is locked"}}`},
		{"HEAD healthz works for probes", nil, "HEAD", "/healthz", 200, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{Ready: tt.ready, Tokens: testTokens})
			r := f.call(t, tt.method, tt.path, "", "")
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body: %s", r.status, tt.wantStatus, r.body)
			}
			if got := compact(t, r.body); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
		})
	}
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, b)
	}
	return buf.String()
}

func TestMetrics(t *testing.T) {
	t.Run("served by the metrics handler", func(t *testing.T) {
		metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "ficus_up 1")
		})
		f := newFixture(t, admin.Options{Metrics: metrics, Tokens: testTokens})
		r := f.call(t, "GET", "/metrics", "", "")
		if r.status != 200 || string(r.body) != "ficus_up 1\n" {
			t.Errorf("got %d %q, want 200 \"ficus_up 1\\n\"", r.status, r.body)
		}
	})
	t.Run("404 without a metrics handler", func(t *testing.T) {
		f := newFixture(t, admin.Options{})
		r := f.call(t, "GET", "/metrics", "", "")
		if code, _ := r.apiError(t); r.status != 404 || code != ficus.ENotFound {
			t.Errorf("got %d %s, want 404 not_found", r.status, code)
		}
	})
}

func TestListAndGetRoutes(t *testing.T) {
	f := newFixture(t, admin.Options{Tokens: testTokens})

	var list struct {
		Routes []ficus.RouteStatus `json:"routes"`
	}
	f.call(t, "GET", "/api/v1/routes", viewerToken, "").decode(t, &list)
	if len(list.Routes) != 2 || list.Routes[0].Route != "users" || list.Routes[1].Route != "catch-all" {
		t.Fatalf("routes = %+v, want users and catch-all in config order", list.Routes)
	}
	if list.Routes[0].Weight != 10 || list.Routes[0].Match != "GET,PUT /api/users/{id}" {
		t.Errorf("users = %+v, want weight 10 and its match", list.Routes[0])
	}

	var one ficus.RouteStatus
	r := f.call(t, "GET", "/api/v1/routes/users", viewerToken, "")
	r.decode(t, &one)
	if one.Route != "users" || one.Stage != ficus.StageCanary || one.Sticky != "header X-User-Id, then client IP" {
		t.Errorf("route = %+v", one)
	}
	if !bytes.Contains(r.body, []byte("\n  \"route\": \"users\"")) {
		t.Errorf("body is not indented for curl readers:\n%s", r.body)
	}

	r = f.call(t, "GET", "/api/v1/routes/nope", viewerToken, "")
	if code, msg := r.apiError(t); r.status != 404 || code != ficus.ENotFound || msg != `no route named "nope"` {
		t.Errorf("unknown route: %d %s %q", r.status, code, msg)
	}
}

func TestListRoutesIsAnEmptyArrayWithoutRoutes(t *testing.T) {
	f := newFixture(t, admin.Options{})
	f.mem.routes = nil
	r := f.call(t, "GET", "/api/v1/routes", "", "")
	if got := compact(t, r.body); got != `{"routes":[]}` {
		t.Errorf("body = %s, want {\"routes\":[]}", got)
	}
}

func TestSetStage(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStage  ficus.Stage
		wantWeight float64
	}{
		{"canary with a weight", `{"stage":"canary","weight":25}`, ficus.StageCanary, 25},
		{"canary with two decimals", `{"stage":"canary","weight":0.25}`, ficus.StageCanary, 0.25},
		{"modern needs no weight", `{"stage":"modern"}`, ficus.StageModern, 100},
		{"legacy ignores a weight", `{"stage":"legacy","weight":40}`, ficus.StageLegacy, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{Tokens: testTokens})
			var got ficus.RouteStatus
			f.call(t, "PUT", "/api/v1/routes/users/stage", operatorToken, tt.body).decode(t, &got)
			if got.Stage != tt.wantStage || got.Weight != tt.wantWeight || got.UpdatedBy != "ops" || !got.UpdatedAt.Equal(testTime) {
				t.Errorf("got %+v, want %s %v by ops at %v", got.RouteState, tt.wantStage, tt.wantWeight, testTime)
			}
			if f.mem.lastActor != "ops" {
				t.Errorf("actor passed to the service = %q, want the token's name ops", f.mem.lastActor)
			}
		})
	}
}

func TestSetStageRefusesInvalidStates(t *testing.T) {
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantMessage      string
	}{
		{"an unknown stage", "/api/v1/routes/users/stage", `{"stage":"beta"}`, 400, `stage "beta" is not one of legacy, shadow, canary, modern`},
		{"a weight over 100", "/api/v1/routes/users/stage", `{"stage":"canary","weight":101}`, 400, `weight 101 is outside 0-100`},
		{"a missing stage", "/api/v1/routes/users/stage", `{"weight":10}`, 400, `field "stage" is required: one of legacy, shadow, canary, modern`},
		{"a canary without weight", "/api/v1/routes/users/stage", `{"stage":"canary"}`, 400,
			`field "weight" is required for stage canary: the percent of clients sent to modern`},
		{"an unknown route", "/api/v1/routes/nope/stage", `{"stage":"modern"}`, 404, `no route named "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{Tokens: testTokens})
			r := f.call(t, "PUT", tt.path, adminToken, tt.body)
			if _, msg := r.apiError(t); r.status != tt.wantStatus || msg != tt.wantMessage {
				t.Errorf("got %d %q, want %d %q", r.status, msg, tt.wantStatus, tt.wantMessage)
			}
			if len(f.mem.log) != 0 {
				t.Errorf("a refused change was audited: %+v", f.mem.log)
			}
		})
	}
}

func TestRollback(t *testing.T) {
	f := newFixture(t, admin.Options{Tokens: testTokens})
	var got ficus.RouteStatus
	f.call(t, "POST", "/api/v1/routes/users/rollback", adminToken, "").decode(t, &got)
	if got.Stage != ficus.StageLegacy || got.Weight != 0 || got.UpdatedBy != "root" || got.Source != "runtime" {
		t.Errorf("after rollback: %+v, want legacy 0 by root from runtime", got)
	}
	if len(f.mem.log) != 1 || f.mem.log[0].Action != "route.rollback" || f.mem.log[0].Actor != "root" {
		t.Errorf("audit = %+v, want one route.rollback by root", f.mem.log)
	}
}

func TestAudit(t *testing.T) {
	f := newFixture(t, admin.Options{Tokens: testTokens})
	for _, body := range []string{`{"stage":"canary","weight":20}`, `{"stage":"canary","weight":30}`} {
		f.call(t, "PUT", "/api/v1/routes/users/stage", operatorToken, body).decode(t, &ficus.RouteStatus{})
	}
	f.call(t, "POST", "/api/v1/routes/catch-all/rollback", operatorToken, "").decode(t, &ficus.RouteStatus{})

	t.Run("lists entries newest first", func(t *testing.T) {
		var got struct {
			Entries []ficus.AuditEntry `json:"entries"`
		}
		f.call(t, "GET", "/api/v1/audit", viewerToken, "").decode(t, &got)
		if len(got.Entries) != 3 || got.Entries[0].Seq != 3 || got.Entries[2].Seq != 1 {
			t.Fatalf("entries = %+v, want seq 3, 2, 1", got.Entries)
		}
		e := got.Entries[1]
		if e.Actor != "ops" || e.Action != "route.stage" || e.Target != "route/users" || compact(t, e.After) == "" {
			t.Errorf("entry 2 = %+v", e)
		}
	})
	t.Run("passes the filter to the log", func(t *testing.T) {
		var got struct {
			Entries []ficus.AuditEntry `json:"entries"`
		}
		f.call(t, "GET", "/api/v1/audit?target=route/users&after_seq=1&limit=5", viewerToken, "").decode(t, &got)
		want := ficus.AuditFilter{Target: "route/users", AfterSeq: 1, Limit: 5}
		if f.mem.lastFilter != want {
			t.Errorf("filter = %+v, want %+v", f.mem.lastFilter, want)
		}
		if len(got.Entries) != 1 || got.Entries[0].Seq != 2 {
			t.Errorf("entries = %+v, want only seq 2", got.Entries)
		}
	})
	t.Run("an empty result is an empty array", func(t *testing.T) {
		r := f.call(t, "GET", "/api/v1/audit?target=route/none", viewerToken, "")
		if got := compact(t, r.body); got != `{"entries":[]}` {
			t.Errorf("body = %s", got)
		}
	})
}

func TestAuditRefusesBadQueries(t *testing.T) {
	tests := []struct{ name, query, wantMessage string }{
		{"a negative after_seq", "after_seq=-1", `query parameter after_seq="-1" must be an integer from 0 to 4611686018427387904`},
		{"a limit that is not a number", "limit=ten", `query parameter limit="ten" must be an integer from 1 to 1000`},
		{"a limit of zero", "limit=0", `query parameter limit="0" must be an integer from 1 to 1000`},
		{"a limit over the maximum", "limit=1001", `query parameter limit="1001" must be an integer from 1 to 1000`},
		{"a misspelt parameter", "afterseq=3", `unknown query parameter "afterseq"; allowed: target, after_seq, limit`},
	}
	f := newFixture(t, admin.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(t, "GET", "/api/v1/audit?"+tt.query, "", "")
			if code, msg := r.apiError(t); r.status != 400 || code != ficus.EInvalid || msg != tt.wantMessage {
				t.Errorf("got %d %s %q, want 400 invalid %q", r.status, code, msg, tt.wantMessage)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	const stageBody = `{"stage":"canary","weight":50}`
	type request struct{ method, path, body string }
	read := request{"GET", "/api/v1/routes", ""}
	readAudit := request{"GET", "/api/v1/audit", ""}
	stage := request{"PUT", "/api/v1/routes/users/stage", stageBody}
	rollback := request{"POST", "/api/v1/routes/users/rollback", ""}
	doc := request{"GET", "/api/v1/openapi.json", ""}
	tests := []struct {
		name       string
		tokens     []config.Token
		req        request
		token      string
		wantStatus int
		wantActor  string
	}{
		{"without configured tokens a read needs no token", nil, read, "", 200, ""},
		{"without configured tokens the audit log is readable", nil, readAudit, "", 200, ""},
		{"without configured tokens any presented token is ignored on reads", nil, read, "whatever", 200, ""},
		{"without configured tokens a stage change is refused", nil, stage, "", 403, ""},
		{"without configured tokens a rollback is refused even with a token", nil, rollback, adminToken, 403, ""},
		{"with tokens a read without token is unauthorized", testTokens, read, "", 401, ""},
		{"with tokens a read with an unknown token is unauthorized", testTokens, read, "guess", 401, ""},
		{"with tokens a change without token is unauthorized", testTokens, stage, "", 401, ""},
		{"with tokens a change with an unknown token is unauthorized", testTokens, rollback, "guess", 401, ""},
		{"a viewer may read", testTokens, read, viewerToken, 200, ""},
		{"a viewer may not change a stage", testTokens, stage, viewerToken, 403, ""},
		{"a viewer may not roll back", testTokens, rollback, viewerToken, 403, ""},
		{"an operator may change a stage", testTokens, stage, operatorToken, 200, "ops"},
		{"an operator may roll back", testTokens, rollback, operatorToken, 200, "ops"},
		{"an admin may change a stage", testTokens, stage, adminToken, 200, "root"},
		{"an admin may read", testTokens, readAudit, adminToken, 200, ""},
		{"the OpenAPI document needs no token", testTokens, doc, "", 200, ""},
		{"a token with an empty secret never matches", []config.Token{{Name: "empty", Role: config.RoleAdmin}, testTokens[0]}, stage, " ", 401, ""},
		{"a token with an unknown role may do nothing", []config.Token{{Name: "odd", Role: "superuser", Secret: "odd"}}, read, "odd", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{Tokens: tt.tokens})
			r := f.call(t, tt.req.method, tt.req.path, tt.token, tt.req.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body: %s", r.status, tt.wantStatus, r.body)
			}
			if f.mem.lastActor != tt.wantActor {
				t.Errorf("actor = %q, want %q", f.mem.lastActor, tt.wantActor)
			}
			if r.status == 200 {
				return
			}
			code, _ := r.apiError(t)
			wantCode := map[int]string{401: ficus.EUnauthorized, 403: ficus.EForbidden}[r.status]
			if code != wantCode {
				t.Errorf("code = %s, want %s", code, wantCode)
			}
			if got := r.header.Get("WWW-Authenticate"); (r.status == 401) != strings.HasPrefix(got, "Bearer") {
				t.Errorf("status %d with WWW-Authenticate %q; want a Bearer challenge exactly on 401", r.status, got)
			}
		})
	}
}

func TestAuthorizationMessages(t *testing.T) {
	tests := []struct {
		name        string
		tokens      []config.Token
		header      string
		wantMessage string
	}{
		{"no token configured", nil, "", "no admin token is configured, so the API is read-only: add admin.tokens to the config to allow changes"},
		{"missing token", testTokens, "", "missing bearer token: send the header Authorization: Bearer TOKEN"},
		{"basic auth instead of a token", testTokens, "Basic b3BzOnNlY3JldA==", "missing bearer token: send the header Authorization: Bearer TOKEN"},
		{"unknown token", testTokens, "Bearer nope", "unknown bearer token"},
		{"role too low", testTokens, "Bearer " + viewerToken, `token "dash" has role viewer; this needs operator`},
		{"scheme in lower case is accepted", testTokens, "bearer " + viewerToken, `token "dash" has role viewer; this needs operator`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{Tokens: tt.tokens})
			r := f.call(t, "POST", "/api/v1/routes/users/rollback", "", "", "Authorization", tt.header)
			if _, msg := r.apiError(t); msg != tt.wantMessage {
				t.Errorf("message = %q, want %q", msg, tt.wantMessage)
			}
		})
	}
}

func TestDomainErrorsMapToStatuses(t *testing.T) {
	tests := []struct {
		code       string
		wantStatus int
	}{
		{ficus.EInvalid, 400},
		{ficus.ENotFound, 404},
		{ficus.EConflict, 409},
		{ficus.EUnauthorized, 401},
		{ficus.EForbidden, 403},
		{ficus.EUnavailable, 503},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s is %d", tt.code, tt.wantStatus), func(t *testing.T) {
			f := newFixture(t, admin.Options{})
			f.mem.err = fmt.Errorf("service: %w", ficus.Errorf(tt.code, "the %s message", tt.code))
			r := f.call(t, "GET", "/api/v1/routes/users", "", "")
			code, msg := r.apiError(t)
			if r.status != tt.wantStatus || code != tt.code || msg != "the "+tt.code+" message" {
				t.Errorf("got %d %s %q", r.status, code, msg)
			}
		})
	}
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"a plain error", errors.New("open /var/lib/ficus/ficus.db: permission denied")},
		{"an internal domain error", ficus.Errorf(ficus.EInternal, "open /var/lib/ficus/ficus.db: permission denied")},
		{"an unknown code", ficus.Errorf("weird", "open /var/lib/ficus/ficus.db: permission denied")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{})
			f.mem.err = tt.err
			r := f.call(t, "GET", "/api/v1/audit", "", "")
			if code, msg := r.apiError(t); r.status != 500 || code != ficus.EInternal || msg != "internal error" {
				t.Errorf("got %d %s %q, want 500 internal \"internal error\"", r.status, code, msg)
			}
			if bytes.Contains(r.body, []byte("/var/lib")) {
				t.Errorf("response leaks details: %s", r.body)
			}
			if !strings.Contains(f.logs.String(), "permission denied") || !strings.Contains(f.logs.String(), "/api/v1/audit") {
				t.Errorf("log lacks the details: %s", f.logs)
			}
		})
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	f := newFixture(t, admin.Options{})
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
		wantAllow          string
	}{
		{"an unknown path is a JSON 404", "GET", "/api/v1/nope", 404, ficus.ENotFound, ""},
		{"the root is a JSON 404", "GET", "/", 404, ficus.ENotFound, ""},
		{"a route path with a trailing slash is a 404", "GET", "/api/v1/routes/", 404, ficus.ENotFound, ""},
		{"DELETE on a route is a 405", "DELETE", "/api/v1/routes/users", 405, "method_not_allowed", "GET, HEAD"},
		{"GET on stage is a 405", "GET", "/api/v1/routes/users/stage", 405, "method_not_allowed", "PUT"},
		{"PUT on rollback is a 405", "PUT", "/api/v1/routes/users/rollback", 405, "method_not_allowed", "POST"},
		{"POST on healthz is a 405", "POST", "/healthz", 405, "method_not_allowed", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call(t, tt.method, tt.path, "", "")
			code, _ := r.apiError(t)
			if r.status != tt.wantStatus || code != tt.wantCode || r.header.Get("Allow") != tt.wantAllow {
				t.Errorf("got %d %s Allow %q, want %d %s Allow %q", r.status, code, r.header.Get("Allow"), tt.wantStatus, tt.wantCode, tt.wantAllow)
			}
		})
	}
}

// TestStrictBodies pins the status and message of every kind of bad body in
// testdata/bad_bodies.golden; run with -update after changing a message on purpose.
func TestStrictBodies(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
	}{
		{"an unknown field", `{"stage":"canary","weight":25,"wieght":30}`, "application/json"},
		{"a field in the wrong case", `{"Stage":"modern"}`, "application/json"},
		{"trailing data", `{"stage":"modern"} {"stage":"legacy"}`, "application/json"},
		{"trailing garbage", `{"stage":"modern"}x`, "application/json"},
		{"a weight as a string", `{"stage":"canary","weight":"25"}`, "application/json"},
		{"a stage as a number", `{"stage":3}`, "application/json"},
		{"an array", `[{"stage":"modern"}]`, "application/json"},
		{"null", `null`, "application/json"},
		{"invalid JSON", `{"stage":modern}`, "application/json"},
		{"truncated JSON", `{"stage":"modern"`, "application/json"},
		{"an empty body", ``, "application/json"},
		{"a form content type", `{"stage":"modern"}`, "application/x-www-form-urlencoded"},
		{"no content type", `{"stage":"modern"}`, ""},
		{"JSON with a charset", `{"stage":"modern"}`, "application/json; charset=utf-8"},
		{"a body over 1 MiB", `{"stage":"modern","weight":` + strings.Repeat(" ", 1<<20) + `100}`, "application/json"},
	}
	f := newFixture(t, admin.Options{Tokens: testTokens})
	var got strings.Builder
	for _, tt := range tests {
		req, err := http.NewRequest("PUT", f.srv.URL+"/api/v1/routes/users/stage", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+operatorToken)
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&got, "%s\n%d %s\n\n", tt.name, resp.StatusCode, compact(t, b))
	}
	golden(t, "bad_bodies.golden", got.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
