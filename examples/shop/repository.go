package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

type user struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
}

type product struct {
	ID         int64  `json:"id"`
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
}

type order struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"user_id"`
	ProductID  int64  `json:"product_id"`
	Quantity   int64  `json:"quantity"`
	Status     string `json:"status"`
	TotalCents int64  `json:"total_cents"`
	CreatedAt  string `json:"created_at"`
}

// userPatch is a partial update of a user; nil fields stay as they are.
type userPatch struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

// notFoundError says that no entity of a kind has the requested id.
type notFoundError struct{ kind string }

func (e *notFoundError) Error() string { return e.kind + " not found" }

// repository is the modern implementation's data access: typed queries, no HTTP.
type repository struct{ db *sql.DB }

const (
	userColumns    = "id, name, email, created_at"
	productColumns = "id, sku, name, price_cents"
	orderColumns   = "id, user_id, product_id, quantity, status, total_cents, created_at"
)

func (u *user) fields() []any    { return []any{&u.ID, &u.Name, &u.Email, &u.CreatedAt} }
func (p *product) fields() []any { return []any{&p.ID, &p.SKU, &p.Name, &p.PriceCents} }
func (o *order) fields() []any {
	return []any{&o.ID, &o.UserID, &o.ProductID, &o.Quantity, &o.Status, &o.TotalCents, &o.CreatedAt}
}

// scannable is a row type that can name the destinations of its columns.
type scannable[T any] interface {
	*T
	fields() []any
}

func queryAll[T any, P scannable[T]](ctx context.Context, db *sql.DB, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := rows.Scan(P(&v).fields()...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return out, nil
}

func queryOne[T any, P scannable[T]](ctx context.Context, db *sql.DB, kind, query string, args ...any) (T, error) {
	var v T
	err := db.QueryRowContext(ctx, query, args...).Scan(P(&v).fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return v, &notFoundError{kind: kind}
	}
	if err != nil {
		return v, fmt.Errorf("get %s: %w", kind, err)
	}
	return v, nil
}

func (r repository) users(ctx context.Context) ([]user, error) {
	return queryAll[user](ctx, r.db, "SELECT "+userColumns+" FROM users ORDER BY id")
}

func (r repository) user(ctx context.Context, id int64) (user, error) {
	return queryOne[user](ctx, r.db, "user", "SELECT "+userColumns+" FROM users WHERE id = ?", id)
}

// updateUser applies p to the user and returns the user as stored afterwards.
func (r repository) updateUser(ctx context.Context, id int64, p userPatch) (user, error) {
	_, err := r.db.ExecContext(ctx, "UPDATE users SET name = coalesce(?, name), email = coalesce(?, email) WHERE id = ?",
		p.Name, p.Email, id)
	if err != nil {
		return user{}, fmt.Errorf("update user: %w", err)
	}
	return r.user(ctx, id)
}

func (r repository) ordersOf(ctx context.Context, userID int64) ([]order, error) {
	if _, err := r.user(ctx, userID); err != nil {
		return nil, err
	}
	return queryAll[order](ctx, r.db, "SELECT "+orderColumns+" FROM orders WHERE user_id = ? ORDER BY id", userID)
}

func (r repository) order(ctx context.Context, id int64) (order, error) {
	return queryOne[order](ctx, r.db, "order", "SELECT "+orderColumns+" FROM orders WHERE id = ?", id)
}

func (r repository) products(ctx context.Context) ([]product, error) {
	return queryAll[product](ctx, r.db, "SELECT "+productColumns+" FROM products ORDER BY id")
}

func (r repository) product(ctx context.Context, id int64) (product, error) {
	return queryOne[product](ctx, r.db, "product", "SELECT "+productColumns+" FROM products WHERE id = ?", id)
}
