package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ficus-dev/ficus"
)

// memory is an in-memory ficus.RouteService and ficus.AuditLog for tests of the HTTP layer; the real
// ones (gateway + SQLite) are tested end to end in package control.
type memory struct {
	mu     sync.Mutex
	now    time.Time
	routes []ficus.RouteStatus
	log    []ficus.AuditEntry
	// lastActor is the actor of the last change, to check that the token's name is passed through.
	lastActor string
	// lastFilter is the filter of the last AuditEntries call.
	lastFilter ficus.AuditFilter
	// err, when set, is returned by every method, to exercise error mapping.
	err error
}

var (
	_ ficus.RouteService = (*memory)(nil)
	_ ficus.AuditLog     = (*memory)(nil)
)

var testTime = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

func newMemory() *memory {
	return &memory{
		now: testTime,
		routes: []ficus.RouteStatus{
			{
				RouteState: ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 10},
				Match:      "GET,PUT /api/users/{id}", Sticky: "header X-User-Id, then client IP",
				Source: "config", ConfigStage: ficus.StageCanary, ConfigWeight: 10,
			},
			{
				RouteState: ficus.RouteState{Route: "catch-all", Stage: ficus.StageLegacy},
				Match:      "*", Sticky: "client IP", Source: "config", ConfigStage: ficus.StageLegacy,
			},
		},
	}
}

func (m *memory) Routes(context.Context) ([]ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.routes), m.err
}

func (m *memory) Route(_ context.Context, name string) (ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, err := m.find(name)
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	return m.routes[i], nil
}

func (m *memory) SetStage(_ context.Context, actor string, st ficus.RouteState) (ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, err := m.find(st.Route)
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	st, err = st.Normalize()
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	return m.change(i, actor, "route.stage", st), nil
}

func (m *memory) Rollback(_ context.Context, actor, name string) (ficus.RouteStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, err := m.find(name)
	if err != nil {
		return ficus.RouteStatus{}, err
	}
	return m.change(i, actor, "route.rollback", ficus.RouteState{Route: name, Stage: ficus.StageLegacy}), nil
}

func (m *memory) find(name string) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	i := slices.IndexFunc(m.routes, func(r ficus.RouteStatus) bool { return r.Route == name })
	if i < 0 {
		return 0, ficus.Errorf(ficus.ENotFound, "no route named %q", name)
	}
	return i, nil
}

func (m *memory) change(i int, actor, action string, st ficus.RouteState) ficus.RouteStatus {
	before, _ := json.Marshal(m.routes[i].RouteState)
	st.UpdatedAt, st.UpdatedBy = m.now, actor
	m.routes[i].RouteState = st
	m.routes[i].Source = "runtime"
	after, _ := json.Marshal(st)
	m.lastActor = actor
	m.append(ficus.AuditEntry{Time: m.now, Actor: actor, Action: action, Target: "route/" + st.Route, Before: before, After: after})
	return m.routes[i]
}

func (m *memory) append(e ficus.AuditEntry) ficus.AuditEntry {
	e.Seq = int64(len(m.log) + 1)
	if len(m.log) > 0 {
		e.PrevHash = m.log[len(m.log)-1].Hash
	}
	e.Hash = fmt.Sprintf("hash-%d", e.Seq)
	m.log = append(m.log, e)
	return e
}

func (m *memory) AppendAudit(_ context.Context, e ficus.AuditEntry) (ficus.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.append(e), m.err
}

func (m *memory) AuditEntries(_ context.Context, f ficus.AuditFilter) ([]ficus.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastFilter = f
	if m.err != nil {
		return nil, m.err
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	var out []ficus.AuditEntry
	for _, e := range slices.Backward(m.log) {
		if (f.Target == "" || e.Target == f.Target) && e.Seq > f.AfterSeq && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memory) AllAuditEntries(context.Context) ([]ficus.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.log), m.err
}

func (m *memory) AuditHead(context.Context) (int64, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.log) == 0 {
		return 0, "", m.err
	}
	last := m.log[len(m.log)-1]
	return last.Seq, last.Hash, m.err
}
