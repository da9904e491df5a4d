// Package ficus holds the domain types that every part of ficus shares: the stages a route can be in,
// the sides that can serve it, a route's run-time state, audit entries, domain errors, and the small
// storage interfaces that adapters (store/sqlite, later store/postgres) implement.
//
// It owns no behaviour beyond validation of these values; the gateway acts, the store persists, the
// admin API exposes, and cmd/ficus wires them together.
package ficus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Stage is where a route stands in its move from legacy to modern.
type Stage string

// The stages a route can be in. StageShadow serves every client from legacy and mirrors requests to
// modern to compare the answers; StageCanary sends a sticky share of clients (the route's weight) to
// modern.
const (
	StageLegacy Stage = "legacy"
	StageShadow Stage = "shadow"
	StageCanary Stage = "canary"
	StageModern Stage = "modern"
)

// Stages lists every valid stage, in the order a migration goes through them.
var Stages = []Stage{StageLegacy, StageShadow, StageCanary, StageModern}

// StageList is the valid stages for messages: "legacy, shadow, canary, modern".
const StageList = "legacy, shadow, canary, modern"

// Valid reports whether s is one of Stages.
func (s Stage) Valid() bool {
	for _, v := range Stages {
		if s == v {
			return true
		}
	}
	return false
}

// Side is a backend that can serve a request.
type Side string

// The two sides ficus stands between.
const (
	SideLegacy Side = "legacy"
	SideModern Side = "modern"
)

// Valid reports whether s is legacy or modern.
func (s Side) Valid() bool { return s == SideLegacy || s == SideModern }

// MaxWeight is the canary weight that sends every client to modern.
const MaxWeight = 100

// RouteState is a route's stage and canary weight. The config file gives the initial state; a state
// changed at run time (admin API, CLI, rollout) is persisted and wins over the file after a restart.
type RouteState struct {
	// Route is the route's name as in the config file.
	Route string `json:"route"`
	// Stage is the route's stage.
	Stage Stage `json:"stage"`
	// Weight is the share of clients, in percent (0-100, two decimals are honoured), that a canary
	// sends to modern. It is 0 for legacy and shadow and 100 for modern.
	Weight float64 `json:"weight"`
	// UpdatedAt is when the state was last changed; zero when it comes from the config file.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// UpdatedBy names who changed it last (a token name, "config", "rollout"); empty when from the file.
	UpdatedBy string `json:"updated_by,omitempty"`
}

// Normalize fills the weight implied by the stage (legacy 0, modern 100) and validates the state.
func (s RouteState) Normalize() (RouteState, error) {
	if !s.Stage.Valid() {
		return s, Errorf(EInvalid, "stage %q is not one of "+StageList, s.Stage)
	}
	if s.Weight < 0 || s.Weight > MaxWeight {
		return s, Errorf(EInvalid, "weight %v is outside 0-100", s.Weight)
	}
	switch s.Stage {
	case StageLegacy, StageShadow:
		s.Weight = 0
	case StageModern:
		s.Weight = MaxWeight
	}
	return s, nil
}

// AuditEntry is one record of the append-only, hash-chained audit log.
type AuditEntry struct {
	// Seq numbers entries from 1 without gaps; it is set by the store.
	Seq int64 `json:"seq"`
	// Time is when the change happened (UTC, microsecond precision).
	Time time.Time `json:"time"`
	// Actor is who made the change: a token name, "config" or "rollout".
	Actor string `json:"actor"`
	// Action names what happened, e.g. "route.stage", "route.rollback", "diff.reset".
	Action string `json:"action"`
	// Target is what it happened to, e.g. "route/users".
	Target string `json:"target"`
	// Before and After are JSON documents of the state before and after; nil when not applicable.
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
	// PrevHash is the Hash of the entry before (empty for the first); Hash covers every field above
	// and PrevHash. Both are hex SHA-256 and set by audit.Seal.
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// AuditFilter selects audit entries. The zero value selects the newest 100 entries.
type AuditFilter struct {
	// Target, when not empty, keeps only entries for that target.
	Target string
	// AfterSeq, when positive, keeps only entries with a greater Seq.
	AfterSeq int64
	// Limit caps the number of entries returned, newest first; 0 means 100.
	Limit int
}

// RouteStore persists run-time route states together with their audit entries.
type RouteStore interface {
	// RouteStates returns every persisted route state.
	RouteStates(ctx context.Context) ([]RouteState, error)
	// SetRouteState persists st and appends e to the audit log in one transaction, sealing e into the
	// hash chain; it returns the sealed entry.
	SetRouteState(ctx context.Context, st RouteState, e AuditEntry) (AuditEntry, error)
}

// AuditLog is the append-only audit log.
type AuditLog interface {
	// AppendAudit seals e into the hash chain and stores it.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// AuditEntries returns entries selected by f, newest first.
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// AllAuditEntries returns every entry in Seq order, for verification.
	AllAuditEntries(ctx context.Context) ([]AuditEntry, error)
	// AuditHead returns the Seq and Hash of the newest entry as recorded separately from the entries
	// themselves, so that deleting the newest entries is detected too. Zero values when empty.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
}

// Error codes of domain errors. The admin API maps them to HTTP statuses in one place.
const (
	EInvalid      = "invalid"      // the request or value is malformed or out of range
	ENotFound     = "not_found"    // no such route, entry, ...
	EConflict     = "conflict"     // the change conflicts with the current state
	EUnauthorized = "unauthorized" // no or unknown credentials
	EForbidden    = "forbidden"    // credentials lack the role
	EUnavailable  = "unavailable"  // a dependency is down
	EInternal     = "internal"     // a bug or an unexpected failure
)

// Error is a domain error with a machine-readable code and a message for people.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and EInternal otherwise.
func ErrorCode(err error) string {
	if e, ok := asError(err); ok {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of err if it is (or wraps) an *Error, and a generic text otherwise,
// so that internal details do not leak to API clients.
func ErrorMessage(err error) string {
	if e, ok := asError(err); ok {
		return e.Message
	}
	return "internal error"
}

// RouteStatus is what the API and CLI show of a route: its state plus a summary of its config.
type RouteStatus struct {
	RouteState
	// Match is a human-readable summary of the route's match conditions, e.g. "GET,PUT /api/users/{id}".
	Match string `json:"match"`
	// Sticky describes the canary key, e.g. "header X-User-Id, then cookie sid, then client IP".
	Sticky string `json:"sticky"`
	// Source is "config" when the state comes from the config file, "runtime" when it was changed
	// at run time and persisted.
	Source string `json:"source"`
	// ConfigStage and ConfigWeight are the state the config file asks for; a rollback returns to
	// stage legacy regardless.
	ConfigStage  Stage   `json:"config_stage"`
	ConfigWeight float64 `json:"config_weight"`
}

// RouteService reads and changes route states at run time. Every change is validated, persisted with
// its audit entry, and applied to the gateway for the very next request.
type RouteService interface {
	// Routes lists every route in config order.
	Routes(ctx context.Context) ([]RouteStatus, error)
	// Route returns one route, or an ENotFound error.
	Route(ctx context.Context, name string) (RouteStatus, error)
	// SetStage changes a route's stage and weight on behalf of actor.
	SetStage(ctx context.Context, actor string, st RouteState) (RouteStatus, error)
	// Rollback sends every client of the route to legacy at once on behalf of actor.
	Rollback(ctx context.Context, actor, name string) (RouteStatus, error)
}

// DiffStore persists the parallel run's aggregated results, one document per route. The documents
// are opaque to the store (diff.Collector writes and reads them) and bounded in size by the collector.
type DiffStore interface {
	// SaveDiffReport stores doc as route's results, replacing any earlier document.
	SaveDiffReport(ctx context.Context, route string, doc []byte) error
	// DiffReports returns every stored document by route name.
	DiffReports(ctx context.Context) (map[string][]byte, error)
	// DeleteDiffReport removes route's results (there may be none) and appends e to the audit log in
	// one transaction, sealing e into the hash chain; it returns the sealed entry.
	DeleteDiffReport(ctx context.Context, route string, e AuditEntry) (AuditEntry, error)
}
