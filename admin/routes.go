package admin

import (
	"net/http"

	"github.com/ficus-dev/ficus"
)

// routesBody is the response of GET /api/v1/routes; an object rather than a bare array so that
// fields can be added without breaking clients.
type routesBody struct {
	Routes []ficus.RouteStatus `json:"routes"`
}

func (s *server) listRoutes(w http.ResponseWriter, r *http.Request, _ string) error {
	routes, err := s.routes.Routes(r.Context())
	if err != nil {
		return err
	}
	if routes == nil {
		routes = []ficus.RouteStatus{}
	}
	return writeJSON(w, http.StatusOK, routesBody{Routes: routes})
}

func (s *server) getRoute(w http.ResponseWriter, r *http.Request, _ string) error {
	st, err := s.routes.Route(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

// stageRequest is the body of PUT /api/v1/routes/{name}/stage. Pointers tell a missing field from a
// zero one.
type stageRequest struct {
	Stage  *ficus.Stage `json:"stage"`
	Weight *float64     `json:"weight"`
}

func (s *server) setStage(w http.ResponseWriter, r *http.Request, actor string) error {
	var req stageRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.Stage == nil {
		return ficus.Errorf(ficus.EInvalid, `field "stage" is required: one of `+ficus.StageList)
	}
	if *req.Stage == ficus.StageCanary && req.Weight == nil {
		return ficus.Errorf(ficus.EInvalid, `field "weight" is required for stage canary: the percent of clients sent to modern`)
	}
	st := ficus.RouteState{Route: r.PathValue("name"), Stage: *req.Stage}
	if req.Weight != nil {
		st.Weight = *req.Weight
	}
	status, err := s.routes.SetStage(r.Context(), actor, st)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, status)
}

func (s *server) rollback(w http.ResponseWriter, r *http.Request, actor string) error {
	status, err := s.routes.Rollback(r.Context(), actor, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, status)
}
