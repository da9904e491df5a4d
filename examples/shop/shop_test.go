package shop

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// startBoth serves the legacy and the modern implementation, each on its own freshly seeded database.
func startBoth(t *testing.T) (legacyURL, modernURL string) {
	t.Helper()
	start := func(newHandler func(*testing.T) http.Handler) string {
		srv := httptest.NewServer(newHandler(t))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	return start(func(t *testing.T) http.Handler { return NewLegacy(openTestDB(t)) }),
		start(func(t *testing.T) http.Handler { return NewModern(openTestDB(t), Faults{}) })
}

func openTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := OpenDB(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type response struct {
	status      int
	contentType string
	body        string
}

func do(t *testing.T, method, url, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header.Get("Content-Type"), stampPattern.ReplaceAllString(string(b), `"generated_at":"<stamp>"`)}
}

// stampPattern finds the generated_at field that differs on every call (by design: it is the demo's
// noise); the comparisons below are about everything else.
var stampPattern = regexp.MustCompile(`"generated_at":"[^"]*"`)

// The cases run in order against both implementations, so a PUT is seen by the requests after it.
var identicalCases = []struct {
	name         string
	method, path string
	body         string
	status       int
}{
	{"health answers ok", "GET", "/healthz", "", 200},
	{"the user list has every user", "GET", "/api/users", "", 200},
	{"a user is found by id", "GET", "/api/users/7", "", 200},
	{"an unknown user is a JSON 404", "GET", "/api/users/999", "", 404},
	{"a non-numeric user id is a JSON 404", "GET", "/api/users/abc", "", 404},
	{"a user's orders are listed", "GET", "/api/users/7/orders", "", 200},
	{"orders of an unknown user are a 404", "GET", "/api/users/999/orders", "", 404},
	{"an order is found by id", "GET", "/api/orders/42", "", 200},
	{"an unknown order is a 404", "GET", "/api/orders/201", "", 404},
	{"the product list has every product", "GET", "/api/products", "", 200},
	{"a product is found by id", "GET", "/api/products/3", "", 200},
	{"an unknown product is a 404", "GET", "/api/products/0", "", 404},
	{"a PUT updates name and email", "PUT", "/api/users/7", `{"name":"Grace <Hopper>","email":"grace@example.com"}`, 200},
	{"the update is visible afterwards", "GET", "/api/users/7", "", 200},
	{"a PUT of only the name keeps the email", "PUT", "/api/users/8", `{"name":"Ken T"}`, 200},
	{"an empty PUT changes nothing", "PUT", "/api/users/9", `{}`, 200},
	{"a PUT with broken JSON is a 400", "PUT", "/api/users/7", `{"name":`, 400},
	{"a PUT with an empty name is a 400", "PUT", "/api/users/7", `{"name":"  "}`, 400},
	{"a PUT with a bad email is a 400", "PUT", "/api/users/7", `{"email":"nowhere"}`, 400},
	{"a PUT of an unknown user is a 404", "PUT", "/api/users/999", `{"name":"Nobody"}`, 404},
	{"the list shows the updates", "GET", "/api/users", "", 200},
	{"a method the endpoint lacks is a 405", "DELETE", "/api/users/7", "", 405},
	{"a PUT on a read-only endpoint is a 405", "PUT", "/api/products/3", `{}`, 405},
	{"an unknown path is a 404", "GET", "/api/nothing", "", 404},
	{"a trailing slash is an unknown path", "GET", "/api/users/", "", 404},
	{"a path below an endpoint is unknown", "GET", "/api/users/7/orders/1", "", 404},
}

func TestLegacyAndModernAnswerIdentically(t *testing.T) {
	legacyURL, modernURL := startBoth(t)
	for _, tc := range identicalCases {
		t.Run(tc.name, func(t *testing.T) {
			l := do(t, tc.method, legacyURL+tc.path, tc.body)
			m := do(t, tc.method, modernURL+tc.path, tc.body)
			if l != m {
				t.Fatalf("%s %s differs:\nlegacy: %d %s %s\nmodern: %d %s %s", tc.method, tc.path,
					l.status, l.contentType, l.body, m.status, m.contentType, m.body)
			}
			if l.status != tc.status {
				t.Errorf("status = %d, want %d (body %s)", l.status, tc.status, l.body)
			}
			if l.contentType != "application/json" || !json.Valid([]byte(l.body)) {
				t.Errorf("want a JSON response, got %q: %s", l.contentType, l.body)
			}
		})
	}
}

// The data set is what the demo and the README promise; identical answers alone would not catch a
// seed that both implementations read the same wrong way.
func TestSeedIsTheDocumentedDataSet(t *testing.T) {
	legacyURL, _ := startBoth(t)
	counts := []struct {
		name string
		path string
		want int
	}{
		{"there are 50 users", "/api/users", SeedUsers},
		{"there are 20 products", "/api/products", SeedProducts},
		{"every user has 4 of the 200 orders", "/api/users/1/orders", SeedOrders / SeedUsers},
	}
	for _, tc := range counts {
		t.Run(tc.name, func(t *testing.T) {
			var items []map[string]any
			if err := json.Unmarshal([]byte(do(t, "GET", legacyURL+tc.path, "").body), &items); err != nil {
				t.Fatal(err)
			}
			if len(items) != tc.want {
				t.Errorf("got %d items, want %d", len(items), tc.want)
			}
		})
	}
	got := do(t, "GET", legacyURL+"/api/orders/1", "").body
	want := `{"id":1,"user_id":18,"product_id":8,"quantity":2,"status":"paid","total_cents":4326,"created_at":"2022-03-01T22:00:00Z","generated_at":"<stamp>"}` + "\n"
	if got != want {
		t.Errorf("order 1 = %s, want %s", got, want)
	}
}

func TestAFileDatabaseIsSeededOnceAndKeepsChanges(t *testing.T) {
	path := t.TempDir() + "/shop.db"
	ctx := context.Background()
	db, err := OpenDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewModern(db, Faults{}))
	do(t, "PUT", srv.URL+"/api/users/1", `{"name":"Renamed"}`)
	srv.Close()
	db.Close()

	db, err = OpenDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv = httptest.NewServer(NewLegacy(db))
	defer srv.Close()
	if got := do(t, "GET", srv.URL+"/api/users/1", "").body; !strings.Contains(got, `"name":"Renamed"`) {
		t.Errorf("after reopening, user 1 = %s, want the renamed user", got)
	}
	var users []map[string]any
	json.Unmarshal([]byte(do(t, "GET", srv.URL+"/api/users", "").body), &users)
	if len(users) != SeedUsers {
		t.Errorf("after reopening there are %d users, want %d (seeded twice?)", len(users), SeedUsers)
	}
}

func TestAnOrderCarriesATimestampThatDiffersOnEveryCall(t *testing.T) {
	legacyURL, modernURL := startBoth(t)
	for _, base := range []string{legacyURL, modernURL} {
		first, second := raw(t, base+"/api/orders/3"), raw(t, base+"/api/orders/3")
		if !strings.Contains(first, `"generated_at":"`) || first == second {
			t.Errorf("%s: two calls gave %s and %s; want a generated_at that differs", base, first, second)
		}
	}
}

func TestThePriceBugChangesEveryFourthProductOnly(t *testing.T) {
	legacy := httptest.NewServer(NewLegacy(openTestDB(t)))
	defer legacy.Close()
	buggy := httptest.NewServer(NewModern(openTestDB(t), Faults{PriceBug: true}))
	defer buggy.Close()
	differ := 0
	for id := 1; id <= SeedProducts; id++ {
		path := fmt.Sprintf("/api/products/%d", id)
		l, m := do(t, "GET", legacy.URL+path, ""), do(t, "GET", buggy.URL+path, "")
		if (l != m) != (id%4 == 0) {
			t.Errorf("product %d: legacy %s, modern %s", id, l.body, m.body)
		}
		if l != m {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("the price bug changed no product")
	}
}

func TestTheFailingSwitchFailsProductsOnlyWhileSet(t *testing.T) {
	var failing atomic.Bool
	srv := httptest.NewServer(NewModern(openTestDB(t), Faults{Failing: &failing}))
	defer srv.Close()
	for _, c := range []struct {
		set  bool
		path string
		want int
	}{
		{false, "/api/products/1", http.StatusOK},
		{true, "/api/products/1", http.StatusInternalServerError},
		{true, "/api/users/1", http.StatusOK},
		{false, "/api/products/1", http.StatusOK},
	} {
		failing.Store(c.set)
		if got := do(t, "GET", srv.URL+c.path, "").status; got != c.want {
			t.Errorf("failing=%v GET %s: status %d, want %d", c.set, c.path, got, c.want)
		}
	}
}

func raw(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
