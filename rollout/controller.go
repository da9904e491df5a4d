package rollout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ficus-dev/ficus"
)

// Config is what a Controller needs.
type Config struct {
	// Route is the route's name; required.
	Route string
	// Plan is the rollout plan; it is validated by New.
	Plan Plan
	// Observer reports the route's traffic; required.
	Observer Observer
	// Metrics runs the plan's metric gates' queries; nil makes them inconclusive, so New refuses a
	// plan with metric gates without it.
	Metrics MetricQuerier
	// Actuator carries out the decisions; required.
	Actuator Actuator
	// Events receives the timeline as it happens; nil emits nothing (State.History still has it).
	Events Events
	// Store persists the State after every change; nil persists nothing.
	Store StateStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Controller runs one route's rollout. It decides in Tick and in the operator's commands, and acts
// only through the Actuator; it starts no goroutine and never sleeps. Its methods are safe for
// concurrent use.
type Controller struct {
	cfg   Config
	steps []Step

	mu sync.Mutex
	st State
	// lastTick is when observed time was last accounted; evalFrom is where the next analysis window
	// begins. Neither is persisted: after a restart both are the restart time.
	lastTick time.Time
	evalFrom time.Time
}

// New returns a controller for a rollout that has not started; call Start, or Restore a persisted one.
func New(cfg Config) (*Controller, error) {
	switch {
	case cfg.Route == "":
		return nil, ficus.Errorf(ficus.EInvalid, "rollout: no route")
	case cfg.Observer == nil || cfg.Actuator == nil:
		return nil, ficus.Errorf(ficus.EInvalid, "rollout %s: an observer and an actuator are required", cfg.Route)
	case len(cfg.Plan.Gates.Metrics) > 0 && cfg.Metrics == nil:
		return nil, ficus.Errorf(ficus.EInvalid, "rollout %s: metric gates need a metrics source", cfg.Route)
	}
	if err := cfg.Plan.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Controller{cfg: cfg, steps: cfg.Plan.steps(), st: State{Route: cfg.Route}}, nil
}

// State returns a copy of the rollout's state.
func (c *Controller) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.History = append([]Event(nil), c.st.History...)
	return st
}

// Start begins the rollout at its first step on behalf of actor.
func (c *Controller) Start(ctx context.Context, actor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.Phase != "" {
		return ficus.Errorf(ficus.EConflict, "rollout of %s was already started (%s)", c.cfg.Route, c.st.Phase)
	}
	now := c.cfg.Now()
	c.st.Phase, c.st.StartedAt, c.st.StartedBy = PhaseRunning, now, actor
	c.lastTick, c.evalFrom = now, now
	c.emit(now, EventStarted, actor, fmt.Sprintf("%s rollout of %d steps", c.strategy(), len(c.steps)), nil)
	err := c.enter(ctx, now, 0, actor)
	return errors.Join(err, c.save(ctx))
}

// Tick accounts the time passed, judges the gates when an analysis window is over, and promotes or
// rolls back on the verdict. Call it about once a second; a decision takes effect within the Tick
// that made it.
func (c *Controller) Tick(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.st.Phase.Active() {
		return nil
	}
	now := c.cfg.Now()
	c.account(now)
	err := c.tick(ctx, now)
	return errors.Join(err, c.save(ctx))
}

func (c *Controller) tick(ctx context.Context, now time.Time) error {
	if c.st.RollbackPending != "" {
		return c.rollback(ctx, now, c.st.RollbackPending, c.st.LastAnalysis)
	}
	if !c.st.Applied {
		if err := c.apply(ctx, now, ActorRollout); err != nil || !c.st.Phase.Active() {
			return err
		}
	}
	if now.Sub(c.evalFrom) >= c.cfg.Plan.interval() {
		if err := c.analyse(ctx, now); err != nil || !c.st.Phase.Active() {
			return err
		}
	}
	return c.maybeAdvance(ctx, now)
}

// account adds the time since the last tick to the step's observed time, unless an operator paused.
func (c *Controller) account(now time.Time) {
	frozen := c.st.Paused && c.st.PausedBy != ActorRollout
	if d := now.Sub(c.lastTick); d > 0 && c.st.Applied && !frozen {
		c.st.Elapsed += d
	}
	c.lastTick = now
}

// analyse judges the window [evalFrom, now) and acts on the verdict.
func (c *Controller) analyse(ctx context.Context, now time.Time) error {
	from := c.evalFrom
	c.evalFrom = now
	w, werr := c.cfg.Observer.Window(ctx, c.cfg.Route, from, now)
	if werr == nil {
		c.st.StepCompared += w.Diff.Compared
		c.st.StepRequests += w.Modern.Requests
	}
	a := c.cfg.Plan.Gates.analyse(ctx, w, werr, c.cfg.Metrics, c.cfg.Route, from, now, c.scope())
	c.st.LastAnalysis = &a
	return c.judge(ctx, now, a, w, werr == nil)
}

// scope says what the current step lets the gates judge, from the route state it is in.
func (c *Controller) scope() scope {
	for i := min(c.st.StepIndex, len(c.steps)-1); i >= 0; i-- {
		switch s := c.steps[i]; s.Kind {
		case StepShadow:
			return scope{shadow: true}
		case StepWeight:
			return scope{legacyIdle: s.Percent >= ficus.MaxWeight}
		case StepCutover:
			return scope{legacyIdle: true}
		}
	}
	return scope{}
}

func (c *Controller) judge(ctx context.Context, now time.Time, a Analysis, w Window, haveWindow bool) error {
	c.st.LastVerdict = a.Verdict
	switch a.Verdict {
	case Fail:
		c.st.ConsecutiveFailures++
		if n, allowed := c.st.ConsecutiveFailures, c.cfg.Plan.FailuresAllowed; n <= allowed {
			c.emit(now, EventFailed, ActorRollout, fmt.Sprintf("failing analysis %d of %d allowed: %s", n, allowed, a.Reason), &a)
			return nil
		}
		return c.rollbackOrHold(ctx, now, a, w, haveWindow)
	case Inconclusive:
		if !c.st.Paused {
			c.st.Paused, c.st.PausedBy, c.st.PauseReason = true, ActorRollout, a.Reason
			c.emit(now, EventInconclusive, ActorRollout, "paused until data suffices: "+a.Reason, &a)
		} else {
			if c.st.PausedBy == ActorRollout {
				c.st.PauseReason = a.Reason
			}
			c.note(now, &a)
		}
		return nil
	}
	c.st.ConsecutiveFailures = 0
	switch {
	case c.st.Phase == PhaseHeld:
		c.st.Phase, c.st.HeldReason = PhaseRunning, ""
		c.emit(now, EventResumed, ActorRollout, "gates pass again; hold ended: "+a.Reason, &a)
	case c.st.Paused && c.st.PausedBy == ActorRollout:
		c.st.Paused, c.st.PausedBy, c.st.PauseReason = false, "", ""
		c.emit(now, EventResumed, ActorRollout, "data suffices again: "+a.Reason, &a)
	default:
		c.note(now, &a)
	}
	return nil
}

// rollbackOrHold rolls back unless legacy is unhealthy too, in which case moving clients back would
// move them onto a broken side: the rollout holds and says so instead, and checks again at the next
// failing analysis.
func (c *Controller) rollbackOrHold(ctx context.Context, now time.Time, a Analysis, w Window, haveWindow bool) error {
	if ok, why := c.legacyHealthy(ctx, w, haveWindow); !ok {
		c.st.HeldReason = why
		if c.st.Phase != PhaseHeld {
			c.st.Phase = PhaseHeld
			c.emit(now, EventHeld, ActorRollout, fmt.Sprintf(
				"modern fails but legacy is unhealthy too (%s): holding instead of rolling back, operator attention needed; %s",
				why, a.Reason), &a)
		} else {
			c.note(now, &a)
		}
		return nil
	}
	return c.rollback(ctx, now, fmt.Sprintf("failing analyses in a row: %d (failures_allowed %d): %s",
		c.st.ConsecutiveFailures, c.cfg.Plan.FailuresAllowed, a.Reason), &a)
}

func (c *Controller) legacyHealthy(ctx context.Context, w Window, haveWindow bool) (bool, string) {
	if ok, why := c.cfg.Actuator.LegacyHealthy(ctx); !ok {
		return false, why
	}
	maxRate := c.cfg.Plan.LegacyHealth.MaxErrorRate
	if l := w.Legacy; maxRate > 0 && haveWindow && l.Requests >= DefaultMinRequests && l.errorRate() > maxRate {
		return false, fmt.Sprintf("legacy error rate %s (%d/%d) is above %s", pct(l.errorRate()), l.Errors, l.Requests, pct(maxRate))
	}
	return true, ""
}

// rollback sends every client to legacy with one SetState. When that fails the decision stands and
// is retried at the next tick.
func (c *Controller) rollback(ctx context.Context, now time.Time, reason string, a *Analysis) error {
	st := ficus.RouteState{Route: c.cfg.Route, Stage: ficus.StageLegacy}
	if err := c.cfg.Actuator.SetState(ctx, ActorRollout, st); err != nil {
		c.st.RollbackPending = reason
		return fmt.Errorf("roll back %s: %w", c.cfg.Route, err)
	}
	c.st.RollbackPending = ""
	c.emit(now, EventRolledBack, ActorRollout, "rolled back to legacy: "+reason, a)
	c.st.Phase, c.st.FinishedAt = PhaseRolledBack, now
	return nil
}

// maybeAdvance moves to the next step when the current one is done and the latest analysis in it
// passed.
func (c *Controller) maybeAdvance(ctx context.Context, now time.Time) error {
	if c.st.Phase != PhaseRunning || c.st.Paused || !c.st.Applied || c.st.LastVerdict != Pass {
		return nil
	}
	done, why := c.stepDone(c.steps[c.st.StepIndex])
	if !done {
		return nil
	}
	c.emit(now, EventPromoted, ActorRollout, fmt.Sprintf("step %d (%s) done: %s; %s",
		c.st.StepIndex+1, c.steps[c.st.StepIndex], why, c.st.LastAnalysis.Reason), c.st.LastAnalysis)
	return c.enter(ctx, now, c.st.StepIndex+1, ActorRollout)
}

func (c *Controller) stepDone(s Step) (bool, string) {
	observed := fmt.Sprintf("%v observed", c.st.Elapsed.Round(time.Second))
	switch s.Kind {
	case StepShadow:
		if c.st.Elapsed < s.For || c.st.StepCompared < s.MinRequests {
			return false, ""
		}
		return true, fmt.Sprintf("%s, %d requests compared", observed, c.st.StepCompared)
	case StepPause:
		if s.Manual || c.st.Elapsed < s.For {
			return false, ""
		}
		return true, observed
	case StepCutover:
		if c.st.Elapsed < s.For {
			return false, ""
		}
		return true, "rollback window over, " + observed
	}
	return true, "analysis passed"
}

// enter makes step i the current one and puts its route state in effect on behalf of actor;
// i == len(steps) finishes.
func (c *Controller) enter(ctx context.Context, now time.Time, i int, actor string) error {
	c.st.StepIndex = i
	c.st.Applied, c.st.Elapsed, c.st.StepStartedAt = false, 0, time.Time{}
	c.st.StepCompared, c.st.StepRequests, c.st.LastVerdict = 0, 0, ""
	if c.st.Paused && c.st.PausedBy == ActorRollout {
		c.st.Paused, c.st.PausedBy, c.st.PauseReason = false, "", ""
	}
	return c.apply(ctx, now, actor)
}

// apply puts the current step's route state in effect. The step's observed time and its first
// analysis window start now, so no step is judged on traffic from before it.
func (c *Controller) apply(ctx context.Context, now time.Time, actor string) error {
	if c.st.StepIndex == len(c.steps) {
		return c.finish(ctx, now, actor)
	}
	s := c.steps[c.st.StepIndex]
	var st *ficus.RouteState
	switch s.Kind {
	case StepShadow:
		st = &ficus.RouteState{Route: c.cfg.Route, Stage: ficus.StageShadow}
	case StepWeight:
		st = &ficus.RouteState{Route: c.cfg.Route, Stage: ficus.StageCanary, Weight: s.Percent}
	case StepCutover:
		st = &ficus.RouteState{Route: c.cfg.Route, Stage: ficus.StageModern, Weight: ficus.MaxWeight}
	}
	if st != nil {
		if err := c.cfg.Actuator.SetState(ctx, actor, *st); err != nil {
			return fmt.Errorf("rollout %s step %d: %w", c.cfg.Route, c.st.StepIndex+1, err)
		}
	}
	c.st.Applied, c.st.StepStartedAt = true, now
	c.lastTick, c.evalFrom = now, now
	c.emit(now, EventStep, actor, fmt.Sprintf("step %d of %d: %s", c.st.StepIndex+1, len(c.steps), s), nil)
	return nil
}

// finish puts every client on modern (a blue-green rollout already has) and completes.
func (c *Controller) finish(ctx context.Context, now time.Time, actor string) error {
	if c.strategy() == StrategyCanary {
		st := ficus.RouteState{Route: c.cfg.Route, Stage: ficus.StageModern, Weight: ficus.MaxWeight}
		if err := c.cfg.Actuator.SetState(ctx, actor, st); err != nil {
			return fmt.Errorf("rollout %s to modern: %w", c.cfg.Route, err)
		}
	}
	c.st.Applied = true
	c.st.Phase, c.st.FinishedAt = PhaseCompleted, now
	c.emit(now, EventCompleted, actor, "every client is on modern", nil)
	return nil
}

func (c *Controller) strategy() Strategy {
	if c.cfg.Plan.Strategy == "" {
		return StrategyCanary
	}
	return c.cfg.Plan.Strategy
}

func (c *Controller) emit(now time.Time, kind EventKind, actor, reason string, a *Analysis) {
	ev := Event{Time: now, Route: c.cfg.Route, Kind: kind, Actor: actor, Reason: reason, Evidence: a}
	if c.st.Phase.Active() && c.st.StepIndex < len(c.steps) {
		ev.Step, ev.StepName = c.st.StepIndex+1, c.steps[c.st.StepIndex].String()
	}
	c.st.History = append(c.st.History, ev)
	if n := len(c.st.History) - maxHistory; n > 0 {
		c.st.History = append([]Event(nil), c.st.History[n:]...)
	}
	if c.cfg.Events != nil {
		c.cfg.Events.Emit(ev)
	}
}

// note hands a judgement that changed nothing to Events, keeping it out of the timeline.
func (c *Controller) note(now time.Time, a *Analysis) {
	if c.cfg.Events == nil {
		return
	}
	ev := Event{Time: now, Route: c.cfg.Route, Kind: EventAnalysed, Actor: ActorRollout, Reason: string(a.Verdict) + ": " + a.Reason, Evidence: a}
	if c.st.Phase.Active() && c.st.StepIndex < len(c.steps) {
		ev.Step, ev.StepName = c.st.StepIndex+1, c.steps[c.st.StepIndex].String()
	}
	c.cfg.Events.Emit(ev)
}

func (c *Controller) save(ctx context.Context) error {
	if c.cfg.Store == nil {
		return nil
	}
	if err := c.cfg.Store.SaveRolloutState(ctx, c.st); err != nil {
		return fmt.Errorf("save rollout %s: %w", c.cfg.Route, err)
	}
	return nil
}
