package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// This test is internal to the package because it compares the document with the endpoint table
// that the mux is built from.

type openAPIOperation struct {
	Description string                `json:"description"`
	Security    []map[string][]string `json:"security"`
	Responses   map[string]any        `json:"responses"`
}

func loadOpenAPI(t *testing.T) (doc map[string]any, ops map[string]openAPIOperation) {
	t.Helper()
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var typed struct {
		OpenAPI string                                 `json:"openapi"`
		Paths   map[string]map[string]openAPIOperation `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &typed); err != nil {
		t.Fatalf("openapi.json paths: %v", err)
	}
	if !strings.HasPrefix(typed.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", typed.OpenAPI)
	}
	ops = map[string]openAPIOperation{}
	for path, methods := range typed.Paths {
		for method, op := range methods {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return doc, ops
}

func TestOpenAPIDescribesExactlyTheServedEndpoints(t *testing.T) {
	_, ops := loadOpenAPI(t)
	var documented, served []string
	for k := range ops {
		documented = append(documented, k)
	}
	for _, ep := range endpoints {
		served = append(served, ep.method+" "+ep.path)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("openapi.json and the endpoint table differ:\ndocumented: %q\nserved:     %q", documented, served)
	}
}

func TestOpenAPIStatesEachOperationsRole(t *testing.T) {
	_, ops := loadOpenAPI(t)
	for _, ep := range endpoints {
		op, ok := ops[ep.method+" "+ep.path]
		if !ok {
			continue // reported by TestOpenAPIDescribesExactlyTheServedEndpoints
		}
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			if ep.role == "" {
				if len(op.Security) != 0 || !strings.Contains(op.Description, "Role: none (public") {
					t.Errorf("public endpoint: security %v, description %q", op.Security, op.Description)
				}
				return
			}
			if len(op.Security) != 1 || op.Security[0]["bearer"] == nil {
				t.Errorf("security = %v, want the bearer scheme", op.Security)
			}
			if want := fmt.Sprintf("Role: **%s** or higher.", ep.role); !strings.Contains(op.Description, want) {
				t.Errorf("description %q does not say %q", op.Description, want)
			}
			for _, status := range []string{"200", "401", "403"} {
				if op.Responses[status] == nil {
					t.Errorf("response %s is not documented", status)
				}
			}
		})
	}
}

func TestOpenAPIReferencesResolve(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	var refs []string
	collectRefs(doc, &refs)
	if len(refs) == 0 {
		t.Fatal("no $ref found; the walk is broken")
	}
	for _, ref := range refs {
		if _, err := resolve(doc, ref); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
	for _, name := range []string{"RouteStatus", "RouteState", "AuditEntry", "Error", "StageRequest"} {
		if _, err := resolve(doc, "#/components/schemas/"+name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
	if _, err := resolve(doc, "#/components/securitySchemes/bearer"); err != nil {
		t.Errorf("bearer scheme: %v", err)
	}
}

func collectRefs(v any, refs *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				*refs = append(*refs, s)
			}
			collectRefs(x, refs)
		}
	case []any:
		for _, x := range v {
			collectRefs(x, refs)
		}
	}
}

func resolve(doc map[string]any, ref string) (any, error) {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("not a local reference")
	}
	var cur any = doc
	for _, part := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok || m[part] == nil {
			return nil, fmt.Errorf("%q not found", part)
		}
		cur = m[part]
	}
	return cur, nil
}

// The served document must be the embedded one, reachable without a token even when tokens exist.
func TestOpenAPIIsServedWithoutToken(t *testing.T) {
	srv := httptest.NewServer(New(Options{Routes: nopRoutes{}, Audit: nopAudit{}, Tokens: []config.Token{{Name: "a", Role: config.RoleAdmin, Secret: "s"}}}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("served document: %v", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || doc["openapi"] == nil {
		t.Errorf("got %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), doc["openapi"])
	}
}

// nopRoutes and nopAudit satisfy New's requirements in a test that never reaches them; calling a
// method would panic on the nil embedded interface.
type (
	nopRoutes struct{ ficus.RouteService }
	nopAudit  struct{ ficus.AuditLog }
)
