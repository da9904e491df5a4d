package rollout

import (
	"context"
	"time"

	"github.com/ficus-dev/ficus"
)

// ActorRollout is the actor the controller acts as in route changes and events.
const ActorRollout = "rollout"

// Actuator carries out the controller's decisions. The control service implements it (a state
// change is persisted with its audit entry and applied to the gateway for the next request); cmd/ficus
// wires it.
type Actuator interface {
	// SetState changes the route's stage and weight on behalf of actor.
	SetState(ctx context.Context, actor string, st ficus.RouteState) error
	// LegacyHealthy reports whether legacy can take the route's traffic back, and why not.
	LegacyHealthy(ctx context.Context) (ok bool, reason string)
}

// Events receives every transition and judgement, for the audit log, the timeline, notifications and
// event streams. Emit is called with the controller's lock held: it must not call back into the
// controller and should not block.
type Events interface {
	Emit(Event)
}

// StateStore persists a rollout's State after every change, so that Restore can continue it after a
// restart.
type StateStore interface {
	SaveRolloutState(ctx context.Context, st State) error
}

// EventKind says what happened.
type EventKind string

// The event kinds.
const (
	EventStarted      EventKind = "started"      // the rollout began
	EventStep         EventKind = "step"         // a step's route state took effect
	EventPromoted     EventKind = "promoted"     // a step was done (gates passed) or an operator skipped it
	EventPaused       EventKind = "paused"       // an operator paused the rollout
	EventResumed      EventKind = "resumed"      // a pause or hold ended, or the rollout continued after a restart
	EventInconclusive EventKind = "inconclusive" // too little data: paused until it suffices
	EventFailed       EventKind = "failed"       // a gate failed, within failures_allowed
	EventRolledBack   EventKind = "rolled_back"  // gates failed: every client is back on legacy
	EventHeld         EventKind = "held"         // gates failed but legacy is unhealthy too: staying put
	EventCompleted    EventKind = "completed"    // every client is on modern and the rollout is over
	EventAborted      EventKind = "aborted"      // an operator rolled back
	// EventAnalysed is a judgement that changed nothing (gates passed mid-step, a hold or an
	// inconclusive pause that goes on). It goes to Events (the audit log) with its evidence, but not
	// into the timeline, which keeps transitions only.
	EventAnalysed EventKind = "analysed"
)

// Event is one entry of a rollout's timeline.
type Event struct {
	// Time is when the controller decided, by its clock; Route is the route's name.
	Time  time.Time `json:"time"`
	Route string    `json:"route"`
	Kind  EventKind `json:"kind"`
	// Step is the 1-based number of the step the event happened in (for "step", the step entered);
	// 0 when the rollout is over.
	Step int `json:"step"`
	// StepName describes that step, e.g. "weight 20%"; empty once the rollout is over.
	StepName string `json:"step_name,omitempty"`
	// Actor is who caused the event: ActorRollout, or the operator's name.
	Actor string `json:"actor"`
	// Reason says why, with the deciding numbers.
	Reason string `json:"reason"`
	// Evidence is the analysis the decision rests on; nil for operators' commands and step changes.
	Evidence *Analysis `json:"evidence,omitempty"`
}
