package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/admin"
)

func TestClientReadsAndChangesRoutes(t *testing.T) {
	f := newFixture(t, admin.Options{Tokens: testTokens})
	c := admin.NewClient(f.srv.URL+"/", operatorToken, f.srv.Client())
	ctx := context.Background()

	routes, err := c.Routes(ctx)
	if err != nil || len(routes) != 2 || routes[0].Route != "users" {
		t.Fatalf("Routes = %+v, %v", routes, err)
	}
	st, err := c.SetStage(ctx, ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 25})
	if err != nil || st.Weight != 25 || st.UpdatedBy != "ops" {
		t.Fatalf("SetStage = %+v, %v", st, err)
	}
	st, err = c.Route(ctx, "users")
	if err != nil || st.Stage != ficus.StageCanary || st.Weight != 25 {
		t.Fatalf("Route = %+v, %v", st, err)
	}
	st, err = c.Rollback(ctx, "users")
	if err != nil || st.Stage != ficus.StageLegacy || st.UpdatedBy != "ops" {
		t.Fatalf("Rollback = %+v, %v", st, err)
	}
	entries, err := c.Audit(ctx, ficus.AuditFilter{Target: "route/users", AfterSeq: 1, Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Action != "route.rollback" {
		t.Fatalf("Audit = %+v, %v", entries, err)
	}
	if want := (ficus.AuditFilter{Target: "route/users", AfterSeq: 1, Limit: 10}); f.mem.lastFilter != want {
		t.Errorf("filter reaching the log = %+v, want %+v", f.mem.lastFilter, want)
	}
}

func TestClientReturnsAPIErrorsAsDomainErrors(t *testing.T) {
	f := newFixture(t, admin.Options{Tokens: testTokens})
	ctx := context.Background()
	tests := []struct {
		name        string
		token       string
		call        func(*admin.Client) error
		wantCode    string
		wantMessage string
	}{
		{"an unknown route", viewerToken, func(c *admin.Client) error { _, err := c.Route(ctx, "nope"); return err },
			ficus.ENotFound, `no route named "nope"`},
		{"a viewer changing a stage", viewerToken,
			func(c *admin.Client) error {
				_, err := c.SetStage(ctx, ficus.RouteState{Route: "users", Stage: ficus.StageModern})
				return err
			},
			ficus.EForbidden, `token "dash" has role viewer; this needs operator`},
		{"no token", "", func(c *admin.Client) error { _, err := c.Routes(ctx); return err },
			ficus.EUnauthorized, "missing bearer token: send the header Authorization: Bearer TOKEN"},
		{"an invalid weight", adminToken,
			func(c *admin.Client) error {
				_, err := c.SetStage(ctx, ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: -1})
				return err
			},
			ficus.EInvalid, "weight -1 is outside 0-100"},
		{"a route name that needs escaping", viewerToken, func(c *admin.Client) error { _, err := c.Route(ctx, "a/b c"); return err },
			ficus.ENotFound, `no route named "a/b c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(admin.NewClient(f.srv.URL, tt.token, nil))
			e, ok := errors.AsType[*ficus.Error](err)
			if !ok || e.Code != tt.wantCode || e.Message != tt.wantMessage {
				t.Errorf("err = %#v, want code %s message %q", err, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

func TestClientNamesAnUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := admin.NewClient(url, "", nil).Routes(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "admin API at "+url+" is unreachable: ") {
		t.Errorf("err = %v, want it to name %s as unreachable", err, url)
	}
}

func TestClientExplainsANonAPIResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream connect error", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err := admin.NewClient(srv.URL, "", nil).Route(context.Background(), "users")
	e, ok := errors.AsType[*ficus.Error](err)
	if !ok || e.Code != ficus.EInternal || !strings.Contains(e.Message, "502 Bad Gateway") || !strings.Contains(e.Message, "upstream connect error") {
		t.Errorf("err = %#v, want an internal error quoting the 502 and its body", err)
	}
}
