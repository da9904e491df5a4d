// Package rollout owns the progressive rollout of one route from legacy to modern: the plan, the
// gates that judge modern against legacy, and the state machine that promotes, pauses, holds and
// rolls back. It decides and never acts itself: traffic is observed through an Observer (and a
// MetricQuerier for Prometheus gates), decisions are carried out through an Actuator, and every
// transition and judgement goes to an Events sink. It has no HTTP and no SQL inside; cmd/ficus wires
// the gateway, the diff collector, the control service and the store to these interfaces.
//
// # The model
//
// A Plan is a list of steps: shadow (stage shadow, for a minimum time and number of comparisons),
// weight (stage canary at a percentage), pause (for a time, or until an operator promotes) and
// analysis (wait for one passing analysis). A canary goes to stage modern after its last step. A
// blue-green plan moves every client at once after its steps and keeps judging for a rollback window.
//
// Every Interval (30 s by default) the controller judges the window that just ended, the same
// interval for both sides so that a change of traffic affects both alike. Each gate says pass, fail
// or inconclusive; the analysis fails when any gate fails, else is inconclusive when any is:
//
//   - error rate: modern's 5xx, connection failures and timeouts, absolutely and over legacy's;
//   - latency: a Mann-Whitney U test and the Hodges-Lehmann shift relative to legacy's median, failing
//     only when the difference is significant and larger than the allowed increase (as Kayenta does);
//   - diff rate: shadow comparisons that found a difference beyond noise;
//   - metric: an aggregate of a Prometheus range query against a threshold.
//
// Gates that cannot apply to a step are skipped and say so: at 100% legacy has no traffic to compare
// latency with, and outside shadow the diff rate needs mirroring in canary.
//
// # Decisions
//
// A step is done when its own condition holds (time, comparisons, a manual promote) and the latest
// analysis in it passed; the controller then enters the next step. A failing analysis counts towards
// FailuresAllowed (consecutive; a pass resets the count); one more rolls back: a single SetState to
// legacy at the Tick that judged it. Before rolling back, legacy's health is checked; if legacy is
// failing too the rollout is held instead (no promotion, no rollback, an alert event), because
// moving clients onto a broken side helps no one. It leaves the hold when gates pass again, rolls
// back at a later failing analysis once legacy is healthy, or follows an operator's promote or abort.
//
// An inconclusive analysis (too few requests, samples or comparisons, or a data source that failed)
// pauses the rollout with the reason: it neither promotes nor rolls back, and it does not count as a
// failure. The pause ends by itself at the first passing analysis. Gates keep running through every
// step and every pause, so a failure is caught whenever it happens.
//
// # Time and restarts
//
// The controller has an injected clock and an explicit Tick; it starts no goroutine (Run is a thin
// loop around Tick). Its State is persisted after every change. Restore continues from the persisted
// step with the time observed before the restart; the time ficus was down does not count, and the
// first analysis after a restart covers only traffic after it, so a step never completes on data
// judged before the restart.
package rollout
