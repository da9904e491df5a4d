package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
)

const (
	// users is how many distinct clients each round of traffic simulates.
	users = 200
	// backendHeader is the response header in which ficus names the side that served a request.
	backendHeader = "X-Ficus-Backend"
	// tolerance is how far, in percentage points, the share of users on modern may be from the weight.
	tolerance = 5.0
)

// tally records which side served each user in one round of traffic.
type tally struct {
	sideOf map[string]string // user → legacy or modern
	legacy []string          // users served by legacy, in order
	modern []string          // users served by modern, in order
}

func (t tally) modernShare() float64 { return 100 * float64(len(t.modern)) / float64(users) }

// userID names the i-th simulated client (1-based).
func userID(i int) string { return fmt.Sprintf("user-%04d", i) }

// round sends one GET /api/users/{id} through ficus for each of the users, as that user (X-User-Id),
// and counts which side answered.
func (d *demo) round(ctx context.Context) (tally, error) {
	t := tally{sideOf: map[string]string{}}
	for i := 1; i <= users; i++ {
		u := userID(i)
		side, err := d.get(ctx, fmt.Sprintf("/api/users/%d", 1+(i-1)%50), u)
		if err != nil {
			return t, err
		}
		t.sideOf[u] = side
		switch side {
		case "legacy":
			t.legacy = append(t.legacy, u)
		case "modern":
			t.modern = append(t.modern, u)
		default:
			return t, fmt.Errorf("GET %s as %s: %s is %q, want legacy or modern", "/api/users/{id}", u, backendHeader, side)
		}
	}
	return t, nil
}

// get sends one GET through ficus as user and returns the side that served it; anything but a 200 is
// an error, since both shops answer every request the demo sends.
func (d *demo) get(ctx context.Context, path, user string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.setup.proxyURL()+path, nil)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", path, err)
	}
	req.Header.Set("X-User-Id", user)
	res, err := d.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s through ficus: %w", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s through ficus as %s: %s: %s", path, user, res.Status, strings.TrimSpace(string(body)))
	}
	return res.Header.Get(backendHeader), nil
}

// printTally draws the split as two bars.
func (d *demo) printTally(t tally) {
	const width = 40
	bar := func(n int) string {
		w := int(math.Round(float64(n) * width / users))
		return strings.Repeat("#", w) + strings.Repeat(" ", width-w)
	}
	fmt.Fprintf(d.out, "  legacy  %s %3d users\n", bar(len(t.legacy)), len(t.legacy))
	fmt.Fprintf(d.out, "  modern  %s %3d users\n", bar(len(t.modern)), len(t.modern))
}

// checkShare fails unless the share of users on modern is within tolerance of weight.
func checkShare(t tally, weight float64) error {
	if got := t.modernShare(); math.Abs(got-weight) > tolerance {
		return fmt.Errorf("at weight %v, %.1f%% of users were served by modern, want %v ± %v", weight, got, weight, tolerance)
	}
	return nil
}

// checkSticky fails when a user that modern served before a weight increase is served by legacy after.
func checkSticky(before, after tally) error {
	for _, u := range before.modern {
		if side := after.sideOf[u]; side != "modern" {
			return fmt.Errorf("sticky canary broken: %s was on modern before the weight grew, and on %s after", u, side)
		}
	}
	return nil
}
