package admin

import (
	"net/http"

	"github.com/ficus-dev/ficus/config"
)

// endpoint is one operation of the API. The table below is the single list the mux is built from
// and that the OpenAPI test compares openapi.json against.
type endpoint struct {
	method string
	// path is a Go ServeMux pattern path; its {wildcards} are written the way OpenAPI writes them.
	path string
	// role is the least role a token needs; "" means public, no token looked at.
	role config.Role
	// handle serves the request; actor is the name of the caller's token ("" when none was needed).
	handle func(s *server, w http.ResponseWriter, r *http.Request, actor string) error
}

var endpoints = []endpoint{
	{http.MethodGet, "/healthz", "", (*server).healthz},
	{http.MethodGet, "/readyz", "", (*server).readyz},
	{http.MethodGet, "/metrics", "", (*server).serveMetrics},
	{http.MethodGet, "/api/v1/openapi.json", "", (*server).openAPI},
	{http.MethodGet, "/api/v1/routes", config.RoleViewer, (*server).listRoutes},
	{http.MethodGet, "/api/v1/routes/{name}", config.RoleViewer, (*server).getRoute},
	{http.MethodPut, "/api/v1/routes/{name}/stage", config.RoleOperator, (*server).setStage},
	{http.MethodPost, "/api/v1/routes/{name}/rollback", config.RoleOperator, (*server).rollback},
	{http.MethodGet, "/api/v1/routes/{name}/diff", config.RoleViewer, (*server).getDiff},
	{http.MethodDelete, "/api/v1/routes/{name}/diff", config.RoleOperator, (*server).resetDiff},
	{http.MethodGet, "/api/v1/routes/{name}/rollout", config.RoleViewer, (*server).getRollout},
	{http.MethodPost, "/api/v1/routes/{name}/rollout/start", config.RoleOperator, startRollout},
	{http.MethodPost, "/api/v1/routes/{name}/rollout/promote", config.RoleOperator, promoteRollout},
	{http.MethodPost, "/api/v1/routes/{name}/rollout/pause", config.RoleOperator, pauseRollout},
	{http.MethodPost, "/api/v1/routes/{name}/rollout/resume", config.RoleOperator, resumeRollout},
	{http.MethodPost, "/api/v1/routes/{name}/rollout/abort", config.RoleOperator, abortRollout},
	{http.MethodGet, "/api/v1/audit", config.RoleViewer, (*server).listAudit},
	{http.MethodGet, "/api/v1/migration/verify", config.RoleViewer, (*server).getVerify},
}
