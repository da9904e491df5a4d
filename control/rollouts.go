package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/rollout"
)

// RolloutStore persists rollouts' progress, one State per route, and takes their timeline into the
// audit log. store/sqlite implements it.
type RolloutStore interface {
	rollout.StateStore
	// RolloutStates returns every persisted rollout by route name.
	RolloutStates(ctx context.Context) (map[string]rollout.State, error)
	// AppendAudit seals e into the audit log's hash chain and stores it.
	AppendAudit(ctx context.Context, e ficus.AuditEntry) (ficus.AuditEntry, error)
}

// ActorConfig is the actor of a rollout started by auto_start.
const ActorConfig = "config"

// DefaultTickEvery is how often Rollouts.Run ticks the rollouts: a decision (a rollback above all)
// takes effect within this time of the analysis that made it.
const DefaultTickEvery = time.Second

// auditTimeout bounds the audit append of one event: Emit runs under a controller's lock.
const auditTimeout = 5 * time.Second

// RolloutsOptions wire Rollouts to what observes the routes. Observer is required.
type RolloutsOptions struct {
	// Observer reports each route's traffic on both sides; required.
	Observer rollout.Observer
	// Metrics runs metric gates' queries; nil refuses to start a plan with metric gates.
	Metrics rollout.MetricQuerier
	// LegacyHealthy says whether legacy can take a route's clients back before an automatic rollback;
	// nil reports it healthy (the plan's legacy_health still judges legacy's error rate).
	LegacyHealthy func(ctx context.Context, route string) (ok bool, reason string)
	// Notify receives every rollout event after the audit log (a notify.Notifier); nil notifies no one.
	Notify rollout.Events
	// Now is the rollouts' clock; nil means time.Now.
	Now func() time.Time
	// TickEvery is how often Run ticks; 0 means DefaultTickEvery.
	TickEvery time.Duration
	// Logger receives failed ticks and audit appends, which cannot be returned to anyone; nil logs
	// nothing.
	Logger *slog.Logger
}

// RolloutStatus is a route's rollout as the API and CLI show it: its plan and its state, timeline
// (History) and latest analysis included.
type RolloutStatus struct {
	rollout.State
	// Strategy and Steps are the plan of the rollout, or of the config when none has started; both
	// empty when the route has no plan.
	Strategy rollout.Strategy `json:"strategy,omitempty"`
	Steps    []rollout.Step   `json:"steps,omitempty"`
}

// Rollouts runs one rollout.Controller per route: it starts rollouts from the config's plans (or a
// plan given at start), forwards operators' commands, continues persisted rollouts after a restart,
// ticks them, and takes every event into the audit log and to the notifier. Route changes go through
// the Service, so they are persisted, audited and applied like any other.
type Rollouts struct {
	svc   *Service
	store RolloutStore
	o     RolloutsOptions

	mu    sync.Mutex
	ctrls map[string]*managed
}

type managed struct {
	c    *rollout.Controller
	plan rollout.Plan
}

// NewRollouts continues the persisted rollouts (from their step, with the time they had observed) and
// starts those whose config says auto_start and that never ran. A persisted rollout that cannot
// continue (its route or plan left the config, or the plan has fewer steps now) and an auto-start that
// fails are logged and left out, so that ficus still serves; everything else is an error.
func NewRollouts(ctx context.Context, svc *Service, store RolloutStore, o RolloutsOptions) (*Rollouts, error) {
	if o.Observer == nil {
		return nil, ficus.Errorf(ficus.EInvalid, "rollouts: an observer is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TickEvery <= 0 {
		o.TickEvery = DefaultTickEvery
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Rollouts{svc: svc, store: store, o: o, ctrls: map[string]*managed{}}
	states, err := store.RolloutStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("load rollouts: %w", err)
	}
	for route, st := range states {
		if err := m.restore(ctx, route, st); err != nil {
			o.Logger.Error("rollout not continued", "route", route, "err", err)
		}
	}
	m.autoStart(ctx)
	return m, nil
}

func (m *Rollouts) restore(ctx context.Context, route string, st rollout.State) error {
	rc, exists := m.svc.rolloutConfig(route)
	if !exists {
		return ficus.Errorf(ficus.ENotFound, "route %q is no longer in the config", route)
	}
	if rc == nil {
		return ficus.Errorf(ficus.EInvalid, "route %q has no rollout plan in the config any more", route)
	}
	plan, err := rc.Plan()
	if err != nil {
		return err
	}
	c, err := m.controller(route, plan)
	if err != nil {
		return err
	}
	if err := c.Restore(ctx, st, m.o.Now()); err != nil {
		return err
	}
	m.ctrls[route] = &managed{c: c, plan: plan}
	return nil
}

func (m *Rollouts) autoStart(ctx context.Context) {
	for _, name := range m.svc.autoStartRoutes() {
		if _, ok := m.ctrls[name]; ok {
			continue
		}
		if _, err := m.Start(ctx, ActorConfig, name, nil); err != nil {
			m.o.Logger.Error("rollout auto_start failed", "route", name, "err", err)
		}
	}
}

func (m *Rollouts) controller(route string, plan rollout.Plan) (*rollout.Controller, error) {
	return rollout.New(rollout.Config{
		Route:    route,
		Plan:     plan,
		Observer: m.o.Observer,
		Metrics:  m.o.Metrics,
		Actuator: actuator{svc: m.svc, route: route, healthy: m.o.LegacyHealthy},
		Events:   events{m: m},
		Store:    m.store,
		Now:      m.o.Now,
	})
}

// Start begins a rollout of route on behalf of actor, with plan when not nil and else the route's plan
// in the config. A rollout already under way is an EConflict error; a finished one is replaced (its
// timeline stays in the audit log).
func (m *Rollouts) Start(ctx context.Context, actor, route string, plan *rollout.Plan) (RolloutStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rc, exists := m.svc.rolloutConfig(route)
	if !exists {
		return RolloutStatus{}, ficus.Errorf(ficus.ENotFound, "route %q does not exist", route)
	}
	if cur, ok := m.ctrls[route]; ok && cur.c.State().Phase.Active() {
		return RolloutStatus{}, ficus.Errorf(ficus.EConflict, "a rollout of %s is already under way", route)
	}
	var p rollout.Plan
	switch {
	case plan != nil:
		p = *plan
	case rc == nil:
		return RolloutStatus{}, ficus.Errorf(ficus.EInvalid, "route %q has no rollout plan in the config", route)
	default:
		var err error
		if p, err = rc.Plan(); err != nil {
			return RolloutStatus{}, err
		}
	}
	c, err := m.controller(route, p)
	if err != nil {
		return RolloutStatus{}, err
	}
	err = c.Start(ctx, actor)
	if c.State().Phase != "" {
		// Started, even if its first step's route change failed: Tick retries it.
		m.ctrls[route] = &managed{c: c, plan: p}
	}
	if err != nil {
		return RolloutStatus{}, fmt.Errorf("start rollout %s: %w", route, err)
	}
	return statusOf(c.State(), p), nil
}

// Promote ends the current step of route's rollout on behalf of actor, whatever the gates say.
func (m *Rollouts) Promote(ctx context.Context, actor, route string) (RolloutStatus, error) {
	return m.command(route, func(c *rollout.Controller) error { return c.Promote(ctx, actor) })
}

// Pause stops promotion of route's rollout until Resume; gates keep running and can still roll back.
func (m *Rollouts) Pause(ctx context.Context, actor, route, reason string) (RolloutStatus, error) {
	return m.command(route, func(c *rollout.Controller) error { return c.Pause(ctx, actor, reason) })
}

// Resume ends a pause of route's rollout.
func (m *Rollouts) Resume(ctx context.Context, actor, route string) (RolloutStatus, error) {
	return m.command(route, func(c *rollout.Controller) error { return c.Resume(ctx, actor) })
}

// Abort rolls route back to legacy on behalf of actor and ends its rollout.
func (m *Rollouts) Abort(ctx context.Context, actor, route, reason string) (RolloutStatus, error) {
	return m.command(route, func(c *rollout.Controller) error { return c.Abort(ctx, actor, reason) })
}

func (m *Rollouts) command(route string, do func(*rollout.Controller) error) (RolloutStatus, error) {
	mc, err := m.get(route)
	if err != nil {
		return RolloutStatus{}, err
	}
	if mc == nil {
		return RolloutStatus{}, ficus.Errorf(ficus.EConflict, "route %s has no rollout; start one first", route)
	}
	if err := do(mc.c); err != nil {
		return RolloutStatus{}, err
	}
	return statusOf(mc.c.State(), mc.plan), nil
}

// get returns route's rollout, nil when it has none, or an ENotFound error for an unknown route.
func (m *Rollouts) get(route string) (*managed, error) {
	if _, exists := m.svc.rolloutConfig(route); !exists {
		return nil, ficus.Errorf(ficus.ENotFound, "route %q does not exist", route)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ctrls[route], nil
}

// Status returns route's rollout: its plan, state and timeline. A route without a rollout has an
// empty phase and the config's plan, if any.
func (m *Rollouts) Status(ctx context.Context, route string) (RolloutStatus, error) {
	mc, err := m.get(route)
	if err != nil {
		return RolloutStatus{}, err
	}
	if mc != nil {
		return statusOf(mc.c.State(), mc.plan), nil
	}
	st := rollout.State{Route: route}
	rc, _ := m.svc.rolloutConfig(route)
	if rc == nil {
		return RolloutStatus{State: st}, nil
	}
	plan, err := rc.Plan()
	if err != nil {
		return RolloutStatus{}, err
	}
	return statusOf(st, plan), nil
}

func statusOf(st rollout.State, p rollout.Plan) RolloutStatus {
	s := RolloutStatus{State: st, Strategy: p.Strategy, Steps: p.Steps}
	if s.Strategy == "" {
		s.Strategy = rollout.StrategyCanary
	}
	return s
}

// Tick ticks every rollout under way once and returns their errors joined; Run calls it.
func (m *Rollouts) Tick(ctx context.Context) error {
	m.mu.Lock()
	ctrls := make([]*rollout.Controller, 0, len(m.ctrls))
	for _, mc := range m.ctrls {
		ctrls = append(ctrls, mc.c)
	}
	m.mu.Unlock()
	var errs []error
	for _, c := range ctrls {
		errs = append(errs, c.Tick(ctx))
	}
	return errors.Join(errs...)
}

// Run ticks the rollouts every TickEvery until ctx ends, logging failed ticks (each is retried at the
// next one).
func (m *Rollouts) Run(ctx context.Context) error {
	t := time.NewTicker(m.o.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := m.Tick(ctx); err != nil {
			m.o.Logger.Warn("rollout tick failed", "err", err)
		}
	}
}

// actuator carries a controller's decisions out through the Service, so that every route change of
// a rollout is persisted, audited (as route.stage, by the rollout or the operator) and applied.
type actuator struct {
	svc     *Service
	route   string
	healthy func(ctx context.Context, route string) (bool, string)
}

func (a actuator) SetState(ctx context.Context, actor string, st ficus.RouteState) error {
	_, err := a.svc.SetStage(ctx, actor, st)
	return err
}

func (a actuator) LegacyHealthy(ctx context.Context) (bool, string) {
	if a.healthy == nil {
		return true, ""
	}
	return a.healthy(ctx, a.route)
}

// events takes each rollout event into the audit log, then to the notifier.
type events struct{ m *Rollouts }

// rolloutAudit is the After document of a rollout's audit entry.
type rolloutAudit struct {
	Step     int               `json:"step,omitempty"`
	StepName string            `json:"step_name,omitempty"`
	Reason   string            `json:"reason"`
	Evidence *rollout.Analysis `json:"evidence,omitempty"`
}

func (e events) Emit(ev rollout.Event) {
	after, err := json.Marshal(rolloutAudit{Step: ev.Step, StepName: ev.StepName, Reason: ev.Reason, Evidence: ev.Evidence})
	if err != nil {
		e.m.o.Logger.Error("rollout event not audited", "route", ev.Route, "event", ev.Kind, "err", err)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
		_, err = e.m.store.AppendAudit(ctx, ficus.AuditEntry{
			Time:   ev.Time.UTC().Truncate(time.Microsecond),
			Actor:  ev.Actor,
			Action: "rollout." + string(ev.Kind),
			Target: "route/" + ev.Route,
			After:  after,
		})
		cancel()
		if err != nil {
			e.m.o.Logger.Error("rollout event not audited", "route", ev.Route, "event", ev.Kind, "err", err)
		}
	}
	if e.m.o.Notify != nil {
		e.m.o.Notify.Emit(ev)
	}
}

// rolloutConfig returns the route's rollout plan in the config (nil when it has none) and whether the
// route exists.
func (s *Service) rolloutConfig(name string) (*config.Rollout, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.route(name)
	if r == nil {
		return nil, false
	}
	return r.Rollout, true
}

// autoStartRoutes lists the routes whose plan says auto_start, in config order.
func (s *Service) autoStartRoutes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.cfg.Routes {
		if r.Rollout != nil && r.Rollout.AutoStart {
			out = append(out, r.Name)
		}
	}
	return out
}
