package rollout

import "time"

// Phase is where a rollout stands as a whole.
type Phase string

// The phases. The zero value, "", means not started.
const (
	PhaseRunning    Phase = "running"
	PhaseHeld       Phase = "held" // modern fails but legacy is unhealthy too: no promotion, no rollback
	PhaseCompleted  Phase = "completed"
	PhaseRolledBack Phase = "rolled_back"
	PhaseAborted    Phase = "aborted"
)

// Active reports whether the rollout is under way (running or held).
func (p Phase) Active() bool { return p == PhaseRunning || p == PhaseHeld }

// maxHistory bounds State.History; older events stay in the audit log.
const maxHistory = 200

// State is a rollout's progress, serialisable to JSON and persisted after every change.
type State struct {
	// Route is the route's name; Phase is "" until the rollout starts.
	Route string `json:"route"`
	Phase Phase  `json:"phase"`
	// StepIndex is the 0-based index of the current step among the plan's steps (plus the cutover of
	// a blue-green plan); it equals their number while the final switch to modern is pending.
	StepIndex int `json:"step_index"`
	// StepStartedAt is when the current step's route state took effect; zero until it has.
	StepStartedAt time.Time `json:"step_started_at,omitzero"`
	// Elapsed is the time observed in the current step: time ficus was running while the step was in
	// effect, excluding operator pauses. Time while ficus was down does not count.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Applied reports that the current step's route state is in effect; false while a SetState is
	// to be retried.
	Applied bool `json:"applied"`
	// StepCompared and StepRequests count the shadow comparisons and modern's requests observed in
	// the current step's analysis windows.
	StepCompared int64 `json:"step_compared"`
	StepRequests int64 `json:"step_requests"`
	// ConsecutiveFailures counts failing analyses since the last passing one.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// Paused stops promotion (gates keep running, and a failure still rolls back). PausedBy is
	// ActorRollout when the pause is for inconclusive data, which ends by itself once data suffices;
	// otherwise the operator who paused, and only Resume ends it.
	Paused      bool   `json:"paused"`
	PausedBy    string `json:"paused_by,omitempty"`
	PauseReason string `json:"pause_reason,omitempty"`
	// HeldReason says why legacy was judged unhealthy while the phase is held.
	HeldReason string `json:"held_reason,omitempty"`
	// RollbackPending is the reason of a decided rollback whose SetState failed; it is retried at the
	// next tick. Empty when none is pending.
	RollbackPending string `json:"rollback_pending,omitempty"`
	// LastVerdict is the verdict of the latest analysis in the current step; "" when there has been
	// none since the step began or since a restart, so that a step never completes on stale data.
	LastVerdict Verdict `json:"last_verdict,omitempty"`
	// LastAnalysis is the latest analysis, for display; nil before the first.
	LastAnalysis *Analysis `json:"last_analysis,omitempty"`
	// StartedAt and StartedBy say when and by whom the rollout started; FinishedAt when it completed,
	// rolled back or was aborted (zero while under way).
	StartedAt  time.Time `json:"started_at,omitzero"`
	StartedBy  string    `json:"started_by,omitempty"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// History is the timeline, oldest first, bounded to the newest 200 events.
	History []Event `json:"history,omitempty"`
}
