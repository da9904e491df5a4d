package shop

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// NewLegacy returns the legacy implementation of the shop API over db. It is written the way many
// monoliths grew: one handler that splits the path by hand, SQL assembled inline and JSON written
// field by field. It answers exactly like NewModern; only the code differs.
func NewLegacy(db *sql.DB) http.Handler { return &legacy{db: db} }

type legacy struct{ db *sql.DB }

func (s *legacy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(r.URL.Path, "/")[1:]
	for _, p := range seg {
		if p == "" {
			legacySend(w, http.StatusNotFound, legacyError("not found"))
			return
		}
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	path := strings.Join(seg, "/")
	switch {
	case path == "healthz":
		if !read {
			legacySend(w, http.StatusMethodNotAllowed, legacyError("method not allowed"))
			return
		}
		legacySend(w, http.StatusOK, legacyObject("status", "ok"))
	case path == "api/users" || path == "api/products":
		if !read {
			legacySend(w, http.StatusMethodNotAllowed, legacyError("method not allowed"))
			return
		}
		if seg[1] == "users" {
			s.list(w, r, "SELECT id, name, email, created_at FROM users ORDER BY id", legacyUser)
		} else {
			s.list(w, r, "SELECT id, sku, name, price_cents FROM products ORDER BY id", legacyProduct)
		}
	case len(seg) == 3 && seg[0] == "api" && (seg[1] == "users" || seg[1] == "products" || seg[1] == "orders"):
		id, err := strconv.ParseInt(seg[2], 10, 64)
		kind := strings.TrimSuffix(seg[1], "s")
		switch {
		case r.Method == http.MethodPut && kind == "user":
			if err != nil {
				legacySend(w, http.StatusNotFound, legacyError("user not found"))
				return
			}
			s.updateUser(w, r, id)
		case !read:
			legacySend(w, http.StatusMethodNotAllowed, legacyError("method not allowed"))
		case err != nil:
			legacySend(w, http.StatusNotFound, legacyError(kind+" not found"))
		case kind == "user":
			s.one(w, r, "user", "SELECT id, name, email, created_at FROM users WHERE id = "+strconv.FormatInt(id, 10), legacyUser)
		case kind == "product":
			s.one(w, r, "product", "SELECT id, sku, name, price_cents FROM products WHERE id = "+strconv.FormatInt(id, 10), legacyProduct)
		default:
			s.one(w, r, "order", legacyOrderQuery+" WHERE id = "+strconv.FormatInt(id, 10), legacyOrderStamped)
		}
	case len(seg) == 4 && seg[0] == "api" && seg[1] == "users" && seg[3] == "orders":
		if !read {
			legacySend(w, http.StatusMethodNotAllowed, legacyError("method not allowed"))
			return
		}
		id, err := strconv.ParseInt(seg[2], 10, 64)
		if err != nil {
			legacySend(w, http.StatusNotFound, legacyError("user not found"))
			return
		}
		var n int
		if err := s.db.QueryRowContext(r.Context(), "SELECT count(*) FROM users WHERE id = "+strconv.FormatInt(id, 10)).Scan(&n); err != nil {
			legacySend(w, http.StatusInternalServerError, legacyError("internal error"))
			return
		}
		if n == 0 {
			legacySend(w, http.StatusNotFound, legacyError("user not found"))
			return
		}
		s.list(w, r, legacyOrderQuery+" WHERE user_id = "+strconv.FormatInt(id, 10)+" ORDER BY id", legacyOrder)
	default:
		legacySend(w, http.StatusNotFound, legacyError("not found"))
	}
}

const legacyOrderQuery = "SELECT id, user_id, product_id, quantity, status, total_cents, created_at FROM orders"

// legacyRow turns the current row into a JSON object.
type legacyRow func(scan func(...any) error) (string, error)

func (s *legacy) list(w http.ResponseWriter, r *http.Request, query string, row legacyRow) {
	rows, err := s.db.QueryContext(r.Context(), query)
	if err != nil {
		legacySend(w, http.StatusInternalServerError, legacyError("internal error"))
		return
	}
	defer rows.Close()
	items := []string{}
	for rows.Next() {
		item, err := row(rows.Scan)
		if err != nil {
			legacySend(w, http.StatusInternalServerError, legacyError("internal error"))
			return
		}
		items = append(items, item)
	}
	if rows.Err() != nil {
		legacySend(w, http.StatusInternalServerError, legacyError("internal error"))
		return
	}
	legacySend(w, http.StatusOK, "["+strings.Join(items, ",")+"]")
}

func (s *legacy) one(w http.ResponseWriter, r *http.Request, kind, query string, row legacyRow) {
	item, err := row(s.db.QueryRowContext(r.Context(), query).Scan)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		legacySend(w, http.StatusNotFound, legacyError(kind+" not found"))
	case err != nil:
		legacySend(w, http.StatusInternalServerError, legacyError("internal error"))
	default:
		legacySend(w, http.StatusOK, item)
	}
}

func (s *legacy) updateUser(w http.ResponseWriter, r *http.Request, id int64) {
	var body struct {
		Name  *string `json:"name"`
		Email *string `json:"email"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		legacySend(w, http.StatusBadRequest, legacyError("invalid JSON body"))
		return
	}
	sets, args := []string{}, []any{}
	if body.Name != nil {
		if strings.TrimSpace(*body.Name) == "" {
			legacySend(w, http.StatusBadRequest, legacyError("name must not be empty"))
			return
		}
		sets, args = append(sets, "name = ?"), append(args, *body.Name)
	}
	if body.Email != nil {
		if !strings.Contains(*body.Email, "@") {
			legacySend(w, http.StatusBadRequest, legacyError("email must contain @"))
			return
		}
		sets, args = append(sets, "email = ?"), append(args, *body.Email)
	}
	if len(sets) > 0 {
		_, err := s.db.ExecContext(r.Context(), "UPDATE users SET "+strings.Join(sets, ", ")+" WHERE id = "+strconv.FormatInt(id, 10), args...)
		if err != nil {
			legacySend(w, http.StatusInternalServerError, legacyError("internal error"))
			return
		}
	}
	s.one(w, r, "user", "SELECT id, name, email, created_at FROM users WHERE id = "+strconv.FormatInt(id, 10), legacyUser)
}

func legacyUser(scan func(...any) error) (string, error) {
	var id int64
	var name, email, created string
	if err := scan(&id, &name, &email, &created); err != nil {
		return "", err
	}
	return legacyObject("id", id, "name", name, "email", email, "created_at", created), nil
}

func legacyProduct(scan func(...any) error) (string, error) {
	var id, price int64
	var sku, name string
	if err := scan(&id, &sku, &name, &price); err != nil {
		return "", err
	}
	return legacyObject("id", id, "sku", sku, "name", name, "price_cents", price), nil
}

func legacyOrder(scan func(...any) error) (string, error) {
	var id, user, product, quantity, total int64
	var status, created string
	if err := scan(&id, &user, &product, &quantity, &status, &total, &created); err != nil {
		return "", err
	}
	return legacyObject("id", id, "user_id", user, "product_id", product, "quantity", quantity,
		"status", status, "total_cents", total, "created_at", created), nil
}

// legacyOrderStamped is one order as the old order page answered it: with the time it was generated,
// a field that differs on every call and that ficus's noise cancellation must recognise as noise.
func legacyOrderStamped(scan func(...any) error) (string, error) {
	o, err := legacyOrder(scan)
	if err != nil {
		return "", err
	}
	stamp, _ := json.Marshal(generatedAt())
	return o[:len(o)-1] + `,"generated_at":` + string(stamp) + "}", nil
}

// legacyObject writes a JSON object with its keys in the order given (alternating keys and values),
// as the original hand-written response templates did.
func legacyObject(kv ...any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[i])
		v, _ := json.Marshal(kv[i+1])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

func legacyError(msg string) string { return legacyObject("error", msg) }

func legacySend(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body + "\n"))
}
