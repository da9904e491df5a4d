// Package control changes route states at run time: it validates a change, persists it together with its
// audit entry, and only then applies it to the gateway, so that what serves traffic is always what the
// store says. It implements ficus.RouteService for the admin API (and, later, the rollout controller).
//
// It owns neither the HTTP edge (admin) nor proxying (gateway) nor persistence (store); it orders them.
package control

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

// Applier is the part of the gateway that control drives: one atomic swap per change.
type Applier interface {
	SetState(st ficus.RouteState) error
}

// Service implements ficus.RouteService. Changes are serialised by a mutex; the proxy's hot path never
// takes it.
type Service struct {
	store ficus.RouteStore
	gw    Applier
	now   func() time.Time

	mu     sync.Mutex
	cfg    *config.Config
	states map[string]ficus.RouteState // persisted run-time states by route name
}

var _ ficus.RouteService = (*Service)(nil)

// Options tune a Service. The zero value is ready to use.
type Options struct {
	// Now is the clock for UpdatedAt and audit times; nil means time.Now.
	Now func() time.Time
}

// New returns a Service over cfg whose persisted states are read from store. gw must already serve
// those states (build it with the same States).
func New(ctx context.Context, cfg *config.Config, store ficus.RouteStore, gw Applier, o Options) (*Service, error) {
	s := &Service{store: store, gw: gw, now: o.Now, cfg: cfg}
	if s.now == nil {
		s.now = time.Now
	}
	states, err := store.RouteStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("read route states: %w", err)
	}
	s.states = make(map[string]ficus.RouteState, len(states))
	for _, st := range states {
		s.states[st.Route] = st
	}
	return s, nil
}

// LoadStates returns the persisted states in store, for building the gateway before the Service.
func LoadStates(ctx context.Context, store ficus.RouteStore) ([]ficus.RouteState, error) {
	states, err := store.RouteStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("read route states: %w", err)
	}
	return states, nil
}

// Reload switches to a new config: apply receives the persisted states (which keep winning over the
// file) and must install the new config in the gateway; the Service switches only if apply succeeds.
// Changes wait while a reload runs, so none is lost between the two.
func (s *Service) Reload(cfg *config.Config, apply func(states []ficus.RouteState) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	states := make([]ficus.RouteState, 0, len(s.states))
	for _, st := range s.states {
		states = append(states, st)
	}
	if err := apply(states); err != nil {
		return err
	}
	s.cfg = cfg
	return nil
}

// Routes lists every route of the config, in file order.
func (s *Service) Routes(ctx context.Context) ([]ficus.RouteStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ficus.RouteStatus, 0, len(s.cfg.Routes))
	for i := range s.cfg.Routes {
		out = append(out, s.status(&s.cfg.Routes[i]))
	}
	return out, nil
}

// Route returns one route by name.
func (s *Service) Route(ctx context.Context, name string) (ficus.RouteStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.route(name)
	if r == nil {
		return ficus.RouteStatus{}, ficus.Errorf(ficus.ENotFound, "route %q does not exist", name)
	}
	return s.status(r), nil
}

// SetStage changes a route's stage and weight. Setting the state a route already has is a no-op and is
// not audited.
func (s *Service) SetStage(ctx context.Context, actor string, st ficus.RouteState) (ficus.RouteStatus, error) {
	return s.change(ctx, actor, "route.stage", st)
}

// Rollback sends every client of the route to legacy. It is always audited, even when the route was
// already on legacy, because an operator's rollback is a decision worth recording.
func (s *Service) Rollback(ctx context.Context, actor, name string) (ficus.RouteStatus, error) {
	return s.change(ctx, actor, "route.rollback", ficus.RouteState{Route: name, Stage: ficus.StageLegacy})
}

func (s *Service) change(ctx context.Context, actor, action string, st ficus.RouteState) (ficus.RouteStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.route(st.Route)
	if r == nil {
		return ficus.RouteStatus{}, ficus.Errorf(ficus.ENotFound, "route %q does not exist", st.Route)
	}
	if st.Stage == ficus.StageCanary && math.Abs(st.Weight*100-math.Round(st.Weight*100)) > 1e-6 {
		return ficus.RouteStatus{}, ficus.Errorf(ficus.EInvalid, "weight %v has more than two decimals", st.Weight)
	}
	st, err := st.Normalize()
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	before := s.current(r)
	if action == "route.stage" && before.Stage == st.Stage && before.Weight == st.Weight {
		return s.status(r), nil
	}
	st.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	st.UpdatedBy = actor
	entry := ficus.AuditEntry{
		Time:   st.UpdatedAt,
		Actor:  actor,
		Action: action,
		Target: "route/" + r.Name,
		Before: stageJSON(before),
		After:  stageJSON(st),
	}
	if _, err := s.store.SetRouteState(ctx, st, entry); err != nil {
		return ficus.RouteStatus{}, fmt.Errorf("persist route %s: %w", r.Name, err)
	}
	s.states[r.Name] = st
	if err := s.gw.SetState(st); err != nil {
		return ficus.RouteStatus{}, fmt.Errorf("apply route %s: %w", r.Name, err)
	}
	return s.status(r), nil
}

func (s *Service) route(name string) *config.Route {
	for i := range s.cfg.Routes {
		if s.cfg.Routes[i].Name == name {
			return &s.cfg.Routes[i]
		}
	}
	return nil
}

// current is the state a route serves now: the persisted one if any, else the file's.
func (s *Service) current(r *config.Route) ficus.RouteState {
	if st, ok := s.states[r.Name]; ok {
		return st
	}
	st, err := ficus.RouteState{Route: r.Name, Stage: r.Stage, Weight: r.Weight}.Normalize()
	if err != nil {
		// config.Validate rejects such a route; show it as the file has it.
		return ficus.RouteState{Route: r.Name, Stage: r.Stage, Weight: r.Weight}
	}
	return st
}

func (s *Service) status(r *config.Route) ficus.RouteStatus {
	st := s.current(r)
	source := "config"
	if _, ok := s.states[r.Name]; ok {
		source = "runtime"
	}
	return ficus.RouteStatus{
		RouteState:   st,
		Match:        r.Match.String(),
		Sticky:       r.Sticky.String(),
		Source:       source,
		ConfigStage:  r.Stage,
		ConfigWeight: r.Weight,
	}
}

// stageJSON is the audit form of a state: just what changed hands, not who or when (those are the entry's).
func stageJSON(st ficus.RouteState) json.RawMessage {
	b, _ := json.Marshal(struct {
		Stage  ficus.Stage `json:"stage"`
		Weight float64     `json:"weight"`
	}{st.Stage, st.Weight})
	return b
}
