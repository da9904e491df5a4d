package shop

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Faults are deliberate defects the modern implementation can be started with, so that the demo has
// something for ficus to catch. The zero value is a faithful implementation.
type Faults struct {
	// PriceBug makes GET /api/products/{id} drop the last digit of price_cents for every fourth
	// product (a rounding bug in the new pricing code): the defect the parallel run must find.
	PriceBug bool
	// Failing, when set and true, makes GET /api/products/{id} answer 500: an outage the demo
	// switches on at run time so that an automated rollout has something to roll back from. Nil
	// never fails.
	Failing *atomic.Bool
}

// NewModern returns the modern implementation of the shop API over db: a router with one handler per
// endpoint, a repository for data access, typed responses, and errors mapped to statuses in one place.
// It answers exactly like NewLegacy unless faults asks otherwise.
func NewModern(db *sql.DB, faults Faults) http.Handler {
	m := &modern{repo: repository{db: db}, faults: faults}
	mux := http.NewServeMux()
	m.handle(mux, "/healthz", methods{"GET": m.health})
	m.handle(mux, "/api/users", methods{"GET": m.listUsers})
	m.handle(mux, "/api/users/{id}", methods{"GET": m.getUser, "PUT": m.putUser})
	m.handle(mux, "/api/users/{id}/orders", methods{"GET": m.listUserOrders})
	m.handle(mux, "/api/orders/{id}", methods{"GET": m.getOrder})
	m.handle(mux, "/api/products", methods{"GET": m.listProducts})
	m.handle(mux, "/api/products/{id}", methods{"GET": m.getProduct})
	mux.Handle("/", m.endpoint(func(*http.Request) (any, error) { return nil, &apiError{http.StatusNotFound, "not found"} }))
	return mux
}

type modern struct {
	repo   repository
	faults Faults // consulted by the handlers a fault applies to
}

// modernHandler answers a request with a value to encode as JSON, or an error.
type modernHandler func(*http.Request) (any, error)

// methods maps HTTP methods to their handlers on one path.
type methods map[string]modernHandler

// handle registers the handlers of path, and answers the methods it lacks with 405. (A pattern with
// a method wins over the same pattern without one.)
func (m *modern) handle(mux *http.ServeMux, path string, hs methods) {
	for method, h := range hs {
		mux.Handle(method+" "+path, m.endpoint(h))
	}
	mux.Handle(path, m.endpoint(func(*http.Request) (any, error) {
		return nil, &apiError{http.StatusMethodNotAllowed, "method not allowed"}
	}))
}

// apiError is an error with the status and message the client sees.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

// endpoint adapts h to http.Handler; it is the one place where errors become statuses.
func (m *modern) endpoint(h modernHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		status := http.StatusOK
		if err != nil {
			status, v = errorResponse(err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	})
}

func errorResponse(err error) (int, any) {
	type body struct {
		Error string `json:"error"`
	}
	var api *apiError
	var nf *notFoundError
	switch {
	case errors.As(err, &api):
		return api.status, body{api.message}
	case errors.As(err, &nf):
		return http.StatusNotFound, body{nf.Error()}
	default:
		return http.StatusInternalServerError, body{"internal error"}
	}
}

// pathID parses the {id} wildcard; an id that is not a number names no entity of kind.
func pathID(r *http.Request, kind string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, &notFoundError{kind: kind}
	}
	return id, nil
}

func (m *modern) health(*http.Request) (any, error) {
	return struct {
		Status string `json:"status"`
	}{"ok"}, nil
}

func (m *modern) listUsers(r *http.Request) (any, error) { return m.repo.users(r.Context()) }

func (m *modern) getUser(r *http.Request) (any, error) {
	id, err := pathID(r, "user")
	if err != nil {
		return nil, err
	}
	return m.repo.user(r.Context(), id)
}

func (m *modern) putUser(r *http.Request) (any, error) {
	id, err := pathID(r, "user")
	if err != nil {
		return nil, err
	}
	var p userPatch
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		return nil, &apiError{http.StatusBadRequest, "invalid JSON body"}
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return m.repo.updateUser(r.Context(), id, p)
}

func (p userPatch) validate() error {
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		return &apiError{http.StatusBadRequest, "name must not be empty"}
	}
	if p.Email != nil && !strings.Contains(*p.Email, "@") {
		return &apiError{http.StatusBadRequest, "email must contain @"}
	}
	return nil
}

func (m *modern) listUserOrders(r *http.Request) (any, error) {
	id, err := pathID(r, "user")
	if err != nil {
		return nil, err
	}
	return m.repo.ordersOf(r.Context(), id)
}

// stampedOrder is one order with the time the answer was generated, as the legacy page had it.
type stampedOrder struct {
	order
	GeneratedAt string `json:"generated_at"`
}

func (m *modern) getOrder(r *http.Request) (any, error) {
	id, err := pathID(r, "order")
	if err != nil {
		return nil, err
	}
	o, err := m.repo.order(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return stampedOrder{o, generatedAt()}, nil
}

func (m *modern) listProducts(r *http.Request) (any, error) { return m.repo.products(r.Context()) }

func (m *modern) getProduct(r *http.Request) (any, error) {
	if m.faults.Failing != nil && m.faults.Failing.Load() {
		return nil, &apiError{http.StatusInternalServerError, "products are failing"}
	}
	id, err := pathID(r, "product")
	if err != nil {
		return nil, err
	}
	p, err := m.repo.product(r.Context(), id)
	if err == nil && m.faults.PriceBug && p.ID%4 == 0 {
		p.PriceCents = p.PriceCents / 10 * 10
	}
	return p, err
}
