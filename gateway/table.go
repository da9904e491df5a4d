package gateway

import (
	"fmt"
	"net/http"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// Table is the compiled, immutable route table; the gateway swaps it with an atomic pointer. Decide
// is safe for concurrent use and does not allocate. The zero value has no routes and matches nothing.
type Table struct {
	routes   []*Route
	byName   map[string]*Route
	override *override
}

// Route is one compiled route of a Table. It is immutable once compiled.
type Route struct {
	// Name is the route's name from the config file.
	Name string
	// Index is the route's position in config order, from 0.
	Index int
	// State is the route's current stage and weight; State.Route is Name.
	State ficus.RouteState
	// Config is the route as configured; it is shared with the config and must not be changed.
	Config *config.Route

	match  matcher
	sticky sticky
}

// Reason says why a side was chosen.
type Reason uint8

// The reasons for a Decision. ByStage covers legacy and modern stages; BySticky is a canary's
// bucket; ByOverride is a valid override from the request.
const (
	ByStage Reason = iota
	BySticky
	ByOverride
)

func (r Reason) String() string {
	switch r {
	case ByStage:
		return "stage"
	case BySticky:
		return "sticky"
	case ByOverride:
		return "override"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Decision is where one request goes and why.
type Decision struct {
	// Route is the first route that matched.
	Route *Route
	// Side serves the request.
	Side ficus.Side
	// By says why Side was chosen.
	By Reason
	// OverrideRejected is set when the request carried an override with a wrong secret, an unknown
	// side or no "SIDE:SECRET" form; the override was ignored.
	OverrideRejected bool
}

// Compile builds a table from cfg. states, typically the persisted run-time states, replace the
// configured stage and weight of the route with the same name; states for unknown routes are
// ignored (a route may have been removed from the file). A route with no stage is legacy.
func Compile(cfg *config.Config, states []ficus.RouteState) (*Table, error) {
	ov, err := compileOverride(cfg.Override)
	if err != nil {
		return nil, fmt.Errorf("compile routes: %w", err)
	}
	t := &Table{override: ov, byName: make(map[string]*Route, len(cfg.Routes))}
	for i := range cfg.Routes {
		rt, err := compileRoute(&cfg.Routes[i], i)
		if err != nil {
			return nil, fmt.Errorf("compile routes: %w", err)
		}
		if t.byName[rt.Name] != nil {
			return nil, fmt.Errorf("compile routes: %w", ficus.Errorf(ficus.EInvalid, "route name %q is used twice", rt.Name))
		}
		t.routes = append(t.routes, rt)
		t.byName[rt.Name] = rt
	}
	for _, st := range states {
		if rt := t.byName[st.Route]; rt != nil {
			if rt.State, err = st.Normalize(); err != nil {
				return nil, fmt.Errorf("compile routes: persisted state of %q: %w", st.Route, err)
			}
		}
	}
	return t, nil
}

func compileRoute(rc *config.Route, index int) (*Route, error) {
	m, err := compileMatch(rc.Match)
	if err != nil {
		return nil, fmt.Errorf("route %q: %w", rc.Name, err)
	}
	st := ficus.RouteState{Route: rc.Name, Stage: rc.Stage, Weight: rc.Weight}
	if st.Stage == "" {
		st.Stage = ficus.StageLegacy
	}
	if st, err = st.Normalize(); err != nil {
		return nil, fmt.Errorf("route %q: %w", rc.Name, err)
	}
	return &Route{Name: rc.Name, Index: index, State: st, Config: rc, match: m, sticky: compileSticky(rc.Sticky)}, nil
}

// Decide picks the first route matching r, in config order, and the side that serves r. It returns
// false when no route matches. It does not allocate for an already clean path.
func (t *Table) Decide(r *http.Request) (Decision, bool) {
	host, p := requestHost(r), cleanPath(r.URL.Path)
	for _, rt := range t.routes {
		if rt.match.matches(r, host, p) {
			return t.decide(rt, r), true
		}
	}
	return Decision{}, false
}

func (t *Table) decide(rt *Route, r *http.Request) Decision {
	d := Decision{Route: rt}
	side, present, ok := t.override.side(r)
	if ok {
		d.Side, d.By = side, ByOverride
		return d
	}
	d.OverrideRejected = present
	switch rt.State.Stage {
	case ficus.StageModern:
		d.Side, d.By = ficus.SideModern, ByStage
	case ficus.StageCanary:
		d.Side, d.By = ficus.SideLegacy, BySticky
		if bucket(rt.sticky.key(r)) < threshold(rt.State.Weight) {
			d.Side = ficus.SideModern
		}
	default:
		d.Side, d.By = ficus.SideLegacy, ByStage
	}
	return d
}

// WithState returns a new table in which one route's state is st, normalised with st.Normalize.
// It shares the compiled matchers with t and never changes t, so requests already deciding on t are
// unaffected. An unknown route is an ENotFound *ficus.Error; an invalid state is EInvalid.
func (t *Table) WithState(st ficus.RouteState) (*Table, error) {
	old := t.byName[st.Route]
	if old == nil {
		return nil, ficus.Errorf(ficus.ENotFound, "route %q not found", st.Route)
	}
	st, err := st.Normalize()
	if err != nil {
		return nil, err
	}
	changed := *old
	changed.State = st
	nt := &Table{override: t.override, routes: make([]*Route, len(t.routes)), byName: make(map[string]*Route, len(t.byName))}
	for i, rt := range t.routes {
		if rt == old {
			rt = &changed
		}
		nt.routes[i] = rt
		nt.byName[rt.Name] = rt
	}
	return nt, nil
}

// Routes returns the routes in config order. The slice must not be changed.
func (t *Table) Routes() []*Route { return t.routes }

// Route returns the route with that name, or nil if there is none.
func (t *Table) Route(name string) *Route { return t.byName[name] }

// OverrideHeader returns the request header that carries overrides, so the proxy can strip it
// before forwarding; "" when overrides are off or not read from a header.
func (t *Table) OverrideHeader() string {
	if t.override == nil {
		return ""
	}
	return t.override.header
}

// OverrideCookie returns the cookie that carries overrides, so the proxy can strip it before
// forwarding; "" when overrides are off or not read from a cookie.
func (t *Table) OverrideCookie() string {
	if t.override == nil {
		return ""
	}
	return t.override.cookie
}
