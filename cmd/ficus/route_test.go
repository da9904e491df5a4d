package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/config"
)

// routeMemory is an in-memory ficus.RouteService and (empty) ficus.AuditLog behind a real admin API
// server; the real service is tested end to end by the serve tests.
type routeMemory struct {
	mu        sync.Mutex
	routes    []ficus.RouteStatus
	lastActor string
}

var routeTestTime = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

func (m *routeMemory) Routes(context.Context) ([]ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.routes), nil
}

func (m *routeMemory) Route(_ context.Context, name string) (ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, err := m.find(name)
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	return m.routes[i], nil
}

func (m *routeMemory) SetStage(_ context.Context, actor string, st ficus.RouteState) (ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, err := m.find(st.Route)
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	if st, err = st.Normalize(); err != nil {
		return ficus.RouteStatus{}, err
	}
	st.UpdatedAt, st.UpdatedBy = routeTestTime, actor
	m.routes[i].RouteState, m.routes[i].Source, m.lastActor = st, "runtime", actor
	return m.routes[i], nil
}

func (m *routeMemory) Rollback(ctx context.Context, actor, name string) (ficus.RouteStatus, error) {
	return m.SetStage(ctx, actor, ficus.RouteState{Route: name, Stage: ficus.StageLegacy})
}

func (m *routeMemory) find(name string) (int, error) {
	i := slices.IndexFunc(m.routes, func(r ficus.RouteStatus) bool { return r.Route == name })
	if i < 0 {
		return 0, ficus.Errorf(ficus.ENotFound, "no route named %q", name)
	}
	return i, nil
}

func (m *routeMemory) AppendAudit(_ context.Context, e ficus.AuditEntry) (ficus.AuditEntry, error) {
	return e, nil
}
func (m *routeMemory) AuditEntries(context.Context, ficus.AuditFilter) ([]ficus.AuditEntry, error) {
	return nil, nil
}
func (m *routeMemory) AllAuditEntries(context.Context) ([]ficus.AuditEntry, error) { return nil, nil }
func (m *routeMemory) AuditHead(context.Context) (int64, string, error)            { return 0, "", nil }

const (
	routeViewerToken   = "route-viewer-secret"
	routeOperatorToken = "route-operator-secret"
)

var routeTestTokens = []config.Token{
	{Name: "dash", Role: config.RoleViewer, Secret: routeViewerToken},
	{Name: "ops", Role: config.RoleOperator, Secret: routeOperatorToken},
}

// newRouteServer runs the admin API over two routes and clears the environment the command reads.
func newRouteServer(t *testing.T, tokens []config.Token) (*httptest.Server, *routeMemory) {
	t.Helper()
	t.Setenv("FICUS_ADMIN", "")
	t.Setenv("FICUS_TOKEN", "")
	m := &routeMemory{routes: []ficus.RouteStatus{
		{
			RouteState: ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 10, UpdatedAt: routeTestTime.Add(-time.Hour), UpdatedBy: "alice"},
			Match:      "GET,PUT /api/users/{id}", Sticky: "header X-User-Id, then client IP",
			Source: "runtime", ConfigStage: ficus.StageLegacy,
		},
		{
			RouteState: ficus.RouteState{Route: "everything", Stage: ficus.StageLegacy},
			Match:      "*", Sticky: "client IP", Source: "config", ConfigStage: ficus.StageLegacy,
		},
	}}
	srv := httptest.NewServer(admin.New(admin.Options{Routes: m, Audit: m, Tokens: tokens}))
	t.Cleanup(srv.Close)
	return srv, m
}

func runRoute(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), err
}

func TestRouteListPrintsAnAlignedTable(t *testing.T) {
	srv, _ := newRouteServer(t, nil)
	out, err := runRoute(t, "route", "list", "--admin", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := `ROUTE       STAGE   WEIGHT  MATCH                    STICKY                            UPDATED               BY
users       canary  10%     GET,PUT /api/users/{id}  header X-User-Id, then client IP  2026-11-23T18:30:00Z  alice
everything  legacy  0%      *                        client IP                         -                     -
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestRouteListAsJSON(t *testing.T) {
	srv, _ := newRouteServer(t, routeTestTokens)
	out, err := runRoute(t, "route", "list", "--admin", srv.URL, "--token", routeViewerToken, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Routes []ficus.RouteStatus `json:"routes"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got.Routes) != 2 || got.Routes[0].Route != "users" || got.Routes[0].Weight != 10 {
		t.Errorf("routes = %+v", got.Routes)
	}
}

func TestRouteGet(t *testing.T) {
	srv, _ := newRouteServer(t, nil)
	out, err := runRoute(t, "route", "get", "users", "--admin", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := `route:    users
stage:    canary 10%
match:    GET,PUT /api/users/{id}
sticky:   header X-User-Id, then client IP
source:   runtime (config file: legacy)
updated:  2026-11-23T18:30:00Z by alice
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}

	out, err = runRoute(t, "route", "get", "users", "--admin", srv.URL, "-o", "json")
	var st ficus.RouteStatus
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Route != "users" || st.Sticky == "" {
		t.Errorf("json: %v %s", err, out)
	}
}

func TestRouteSetAndRollbackConfirmInOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a canary weight change", []string{"set", "users", "--stage", "canary", "--weight", "25"}, "users: canary 10% → canary 25% (by ops)\n"},
		{"a fractional weight", []string{"set", "users", "--stage", "canary", "--weight", "12.5"}, "users: canary 10% → canary 12.5% (by ops)\n"},
		{"a cutover", []string{"set", "users", "--stage", "modern"}, "users: canary 10% → modern (by ops)\n"},
		{"a rollback", []string{"rollback", "users"}, "users: canary 10% → legacy (rolled back by ops)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := newRouteServer(t, routeTestTokens)
			args := append([]string{"route", "--admin", srv.URL, "--token", routeOperatorToken}, tt.args...)
			out, err := runRoute(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
			if m.lastActor != "ops" {
				t.Errorf("actor = %q, want the token's name ops", m.lastActor)
			}
		})
	}
}

func TestRouteSetPrintsTheNewStateAsJSON(t *testing.T) {
	srv, _ := newRouteServer(t, routeTestTokens)
	t.Setenv("FICUS_TOKEN", routeOperatorToken)
	out, err := runRoute(t, "route", "set", "users", "--stage", "canary", "--weight", "30", "--admin", srv.URL, "-o", "json")
	var st ficus.RouteStatus
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Weight != 30 || st.UpdatedBy != "ops" {
		t.Errorf("got %v %s, want canary 30 by ops (token from FICUS_TOKEN)", err, out)
	}
}

func TestRouteErrors(t *testing.T) {
	tests := []struct {
		name    string
		tokens  []config.Token
		args    []string
		wantErr string
	}{
		{"a change without a token says how to pass one", routeTestTokens,
			[]string{"rollback", "users"},
			"missing bearer token: send the header Authorization: Bearer TOKEN (pass --token or set FICUS_TOKEN)"},
		{"a viewer may not change a stage", routeTestTokens,
			[]string{"set", "users", "--stage", "modern", "--token", routeViewerToken},
			`token "dash" has role viewer; this needs operator`},
		{"a server without tokens refuses changes", nil,
			[]string{"set", "users", "--stage", "modern", "--token", "anything"},
			"no admin token is configured, so the API is read-only: add admin.tokens to the config to allow changes"},
		{"an unknown route", nil, []string{"get", "nope"}, `no route named "nope"`},
		{"a canary without weight", nil, []string{"set", "users", "--stage", "canary"},
			"--weight is required with --stage canary: the percent of clients sent to modern"},
		{"a weight with a stage that implies one", nil, []string{"set", "users", "--stage", "modern", "--weight", "50"},
			"--weight only applies to --stage canary; modern implies its own weight"},
		{"an unknown stage", nil, []string{"set", "users", "--stage", "beta"}, `--stage "beta" is not one of legacy, shadow, canary, modern`},
		{"a missing stage", nil, []string{"set", "users"}, `required flag(s) "stage" not set`},
		{"a weight out of range", routeTestTokens, []string{"set", "users", "--stage", "canary", "--weight", "150", "--token", routeOperatorToken},
			"weight 150 is outside 0-100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := newRouteServer(t, tt.tokens)
			out, err := runRoute(t, append([]string{"route", "--admin", srv.URL}, tt.args...)...)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if out != "" || m.lastActor != "" {
				t.Errorf("a failed command printed %q or changed a route (actor %q)", out, m.lastActor)
			}
		})
	}
}

func TestRouteNamesAnUnreachableAdminAPI(t *testing.T) {
	srv, _ := newRouteServer(t, nil)
	url := srv.URL
	srv.Close()
	_, err := runRoute(t, "route", "list", "--admin", url)
	if err == nil || !strings.Contains(err.Error(), "admin API at "+url+" is unreachable") {
		t.Errorf("err = %v, want it to name %s", err, url)
	}
}

func TestRouteFindsTheAdminAPI(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ficus.yaml")
	cfg := "admin:\n  listen: 0.0.0.0:9191\nbackends:\n  legacy:\n    urls: [http://127.0.0.1:8081]\n  modern:\n    urls: [http://127.0.0.1:8082]\nroutes:\n  - name: everything\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, flag, env, config, want string
	}{
		{"the flag wins", "http://flag:1", "http://env:2", cfgPath, "http://flag:1"},
		{"an explicit config file's admin.listen comes next, dialed on loopback", "", "http://env:2", cfgPath, "http://127.0.0.1:9191"},
		{"then the environment", "", "http://env:2", "", "http://env:2"},
		{"else the default listener", "", "", "", "http://127.0.0.1:9090"},
		{"an address without scheme gets http", "10.0.0.5:9090", "", "", "http://10.0.0.5:9090"},
		{"https is kept", "https://ficus.internal", "", "", "https://ficus.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := routeAdminURL(tt.flag, tt.env, tt.config)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("a broken config file is reported", func(t *testing.T) {
		_, err := routeAdminURL("", "", filepath.Join(dir, "missing.yaml"))
		if err == nil || !strings.HasPrefix(err.Error(), "find the admin API in "+filepath.Join(dir, "missing.yaml")+": ") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestRouteListUsesFICUS_ADMIN(t *testing.T) {
	srv, _ := newRouteServer(t, nil)
	t.Setenv("FICUS_ADMIN", srv.URL)
	out, err := runRoute(t, "route", "list")
	if err != nil || !strings.Contains(out, "everything") {
		t.Errorf("got %v %q", err, out)
	}
}

func TestRouteHelpShowsExamples(t *testing.T) {
	for _, sub := range []string{"list", "get", "set", "rollback"} {
		t.Run(sub, func(t *testing.T) {
			out, err := runRoute(t, "route", sub, "--help")
			if err != nil || !strings.Contains(out, "Examples:\n  ficus route "+sub) || !strings.Contains(out, "--admin") {
				t.Errorf("help for %s: %v\n%s", sub, err, out)
			}
		})
	}
}

// The server must never see a request for a flag mistake; the handler fails the test if it does.
func TestRouteSetChecksFlagsBeforeCallingTheServer(t *testing.T) {
	t.Setenv("FICUS_ADMIN", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}))
	defer srv.Close()
	if _, err := runRoute(t, "route", "set", "users", "--stage", "canary", "--admin", srv.URL); err == nil {
		t.Error("want an error for a canary without --weight")
	}
}
