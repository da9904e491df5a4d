package gateway

import (
	"fmt"
	"math"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"
)

func TestStickyKeyPrecedence(t *testing.T) {
	s := compileSticky(config.Sticky{Header: "x-user-id", Cookie: "sid"})
	tests := []struct {
		name   string
		header string
		cookie string
		remote string
		want   string
	}{
		{name: "the header beats the cookie and the IP", header: "u1", cookie: "sid=c1", remote: "192.0.2.1:1234", want: "u1"},
		{name: "the cookie beats the IP", cookie: "theme=dark; sid=c1", remote: "192.0.2.1:1234", want: "c1"},
		{name: "an empty header falls back to the cookie", header: "", cookie: "sid=c1", want: "c1"},
		{name: "a quoted cookie value is unquoted", cookie: `sid="c1"`, want: "c1"},
		{name: "a cookie whose name only ends like the key is not it", cookie: "xsid=c2", remote: "192.0.2.1:1234", want: "192.0.2.1"},
		{name: "the client IP is used without its port", remote: "192.0.2.1:1234", want: "192.0.2.1"},
		{name: "an IPv6 client IP loses brackets and port", remote: "[2001:db8::1]:1234", want: "2001:db8::1"},
		{name: "a client address without a port is used as is", remote: "192.0.2.9", want: "192.0.2.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRouteRequest("GET", "/")
			r.RemoteAddr = tt.remote
			if tt.header != "" {
				r.Header.Set("X-User-Id", tt.header)
			}
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			if got := s.key(r); got != tt.want {
				t.Errorf("key = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCookieInASecondCookieHeaderIsFound(t *testing.T) {
	r := newRouteRequest("GET", "/")
	r.Header.Add("Cookie", "a=1")
	r.Header.Add("Cookie", "b=2;sid=c3")
	if v, ok := cookieValue(r.Header, "sid"); !ok || v != "c3" {
		t.Errorf("cookieValue = %q, %v; want c3, true", v, ok)
	}
}

// TestRaisingTheWeightOnlyMovesClientsToModern checks, for 10,000 keys and every pair of weights
// w1 < w2 from a list, that a key on modern at w1 is still on modern at w2.
func TestRaisingTheWeightOnlyMovesClientsToModern(t *testing.T) {
	weights := []float64{0, 0.01, 1, 5, 10, 10.5, 25, 50, 75, 99, 99.99, 100}
	for k := 0; k < 10_000; k++ {
		b := bucket(fmt.Sprintf("client-%d", k))
		for i, w1 := range weights {
			for _, w2 := range weights[i+1:] {
				if b < threshold(w1) && b >= threshold(w2) {
					t.Fatalf("client-%d is on modern at weight %v but on legacy at %v", k, w1, w2)
				}
			}
		}
	}
}

func TestAClientOnModernAt10StaysThereAt25(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{{Name: "r", Stage: ficus.StageCanary, Weight: 10, Sticky: config.Sticky{Header: "X-User-Id"}}}}
	at10 := mustCompileTable(t, cfg, nil)
	at25, err := at10.WithState(ficus.RouteState{Route: "r", Stage: ficus.StageCanary, Weight: 25})
	if err != nil {
		t.Fatal(err)
	}
	onModern := 0
	for k := 0; k < 2_000; k++ {
		r := newRouteRequest("GET", "/")
		r.Header.Set("X-User-Id", fmt.Sprint(k))
		d10, _ := at10.Decide(r)
		d25, _ := at25.Decide(r)
		if d10.Side == ficus.SideModern {
			onModern++
			if d25.Side != ficus.SideModern {
				t.Fatalf("user %d is on modern at 10 but on %s at 25", k, d25.Side)
			}
		}
		if d10.By != BySticky {
			t.Fatalf("a canary decided by %s, want sticky", d10.By)
		}
	}
	if onModern == 0 {
		t.Fatal("no user was on modern at weight 10; the test proves nothing")
	}
}

func TestShareOnModernFollowsTheWeight(t *testing.T) {
	const keys = 20_000
	for _, w := range []float64{1, 10, 25, 50, 99} {
		t.Run(fmt.Sprintf("at weight %v", w), func(t *testing.T) {
			modern := 0
			for k := 0; k < keys; k++ {
				if bucket(fmt.Sprintf("user-%d", k)) < threshold(w) {
					modern++
				}
			}
			share := 100 * float64(modern) / keys
			if math.Abs(share-w) > 2 {
				t.Errorf("%.2f%% of clients on modern, want %v ± 2", share, w)
			}
		})
	}
}

func TestExtremeWeightsSendEveryoneOneWay(t *testing.T) {
	for k := 0; k < 10_000; k++ {
		b := bucket(fmt.Sprint(k))
		if b >= buckets {
			t.Fatalf("bucket %d is out of range", b)
		}
		if b < threshold(0) || b >= threshold(100) {
			t.Fatalf("key %d: bucket %d is on modern at 0 or on legacy at 100", k, b)
		}
	}
}

func TestAClientSeesTheSameSideOnEveryRouteAtEqualWeights(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{
		{Name: "users", Match: config.Match{PathPrefix: "/users"}, Stage: ficus.StageCanary, Weight: 30, Sticky: config.Sticky{Cookie: "sid"}},
		{Name: "orders", Match: config.Match{PathPrefix: "/orders"}, Stage: ficus.StageCanary, Weight: 30, Sticky: config.Sticky{Cookie: "sid"}},
	}}
	table := mustCompileTable(t, cfg, nil)
	for k := 0; k < 1_000; k++ {
		sides := map[string]ficus.Side{}
		for _, p := range []string{"/users/1", "/orders/1"} {
			r := newRouteRequest("GET", p)
			r.Header.Set("Cookie", fmt.Sprintf("sid=s%d", k))
			d, _ := table.Decide(r)
			sides[d.Route.Name] = d.Side
		}
		if sides["users"] != sides["orders"] {
			t.Fatalf("session s%d is on %s for users and %s for orders", k, sides["users"], sides["orders"])
		}
	}
}

func TestTheSameClientAlwaysGetsTheSameSide(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{{Name: "r", Stage: ficus.StageCanary, Weight: 50}}}
	table := mustCompileTable(t, cfg, nil)
	for k := 0; k < 200; k++ {
		r := newRouteRequest("GET", "/")
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:%d", k%256, 1000+k)
		first, _ := table.Decide(r)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:%d", k%256, 5000+k)
		again, _ := table.Decide(r)
		if first.Side != again.Side {
			t.Fatalf("client 198.51.100.%d moved from %s to %s with a new port", k%256, first.Side, again.Side)
		}
	}
}
