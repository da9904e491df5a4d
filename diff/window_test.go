package diff

import (
	"testing"
	"time"

	"github.com/ficus-dev/ficus"
)

// steppedClock is a clock the test sets.
type steppedClock struct{ t time.Time }

func (c *steppedClock) now() time.Time { return c.t }

func TestWindowCountsTheComparisonsOfItsSeconds(t *testing.T) {
	clock := &steppedClock{t: reportT0}
	c := NewCollector(CollectorOptions{Now: clock.now})
	obs := shopObservations(8) // one in four carries a wrong price; generated_at is noise
	record(c, obs[:4])         // in the first second: one defective
	clock.t = reportT0.Add(time.Second)
	record(c, obs[4:]) // in the next: one defective
	clock.t = reportT0.Add(2*time.Second + 500*time.Millisecond)
	c.Record(Observation{Route: "shop", Endpoint: "GET /orders/{id}"}) // equal, in the third

	tests := []struct {
		name     string
		from, to time.Time
		want     Rate
	}{
		{"the first second holds the first four", reportT0, reportT0.Add(time.Second), Rate{Defective: 1, Compared: 4}},
		{"the next second holds the next four", reportT0.Add(time.Second), reportT0.Add(2 * time.Second), Rate{Defective: 1, Compared: 4}},
		{"a window is cut at whole seconds", reportT0.Add(900 * time.Millisecond), reportT0.Add(2900 * time.Millisecond), Rate{Defective: 2, Compared: 8}},
		{"a window reaching into the future ends now", reportT0, reportT0.Add(time.Hour), Rate{Defective: 2, Compared: 8}},
		{"an empty window counts nothing", reportT0.Add(-time.Minute), reportT0, Rate{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Window("shop", tt.from, tt.to)
			if err != nil || got != tt.want {
				t.Errorf("Window = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	t.Run("the window's defects agree with the report's", func(t *testing.T) {
		clock.t = reportT0.Add(time.Minute)
		got, _ := c.Window("shop", reportT0, clock.t)
		if r := c.DiffRate("shop"); got != r {
			t.Errorf("Window over everything = %+v, DiffRate = %+v", got, r)
		}
	})
}

func TestAWindowOlderThanTheRingIsAnError(t *testing.T) {
	clock := &steppedClock{t: reportT0}
	c := NewCollector(CollectorOptions{Now: clock.now})
	record(c, shopObservations(4))
	clock.t = reportT0.Add(WindowSpan)
	if _, err := c.Window("shop", reportT0, reportT0.Add(time.Second)); ficus.ErrorCode(err) != ficus.EInvalid {
		t.Errorf("Window of an expired interval: %v, want %s", err, ficus.EInvalid)
	}
	if r, err := c.Window("shop", reportT0.Add(time.Second), clock.t); err != nil || r != (Rate{}) {
		t.Errorf("Window of the retained quiet part = %+v, %v; want nothing", r, err)
	}
}

func TestARecycledSecondForgetsItsOldComparisons(t *testing.T) {
	clock := &steppedClock{t: reportT0}
	c := NewCollector(CollectorOptions{Now: clock.now})
	record(c, shopObservations(4))
	clock.t = reportT0.Add(WindowSpan) // the same bucket, a later second
	c.Record(Observation{Route: "shop", Endpoint: "GET /orders/{id}"})
	from := clock.t
	clock.t = clock.t.Add(time.Second)
	if r, _ := c.Window("shop", from, clock.t); r != (Rate{Compared: 1}) {
		t.Errorf("Window = %+v, want one equal comparison", r)
	}
}

func TestUnclassifiedComparisonsAreDefectiveInTheirWindow(t *testing.T) {
	clock := &steppedClock{t: reportT0}
	c := NewCollector(CollectorOptions{MaxSignatures: 1, Now: clock.now})
	both := differing(value("$.a", "1", "2"), value("$.b", "1", "2"))
	for _, r := range []Result{differing(value("$.a", "1", "2")), both} {
		c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: r, Noise: &both})
	}
	clock.t = reportT0.Add(time.Second)
	// Both fields are noise; the second comparison's signature did not fit, so it counts as defective.
	if r, _ := c.Window("r", reportT0, reportT0.Add(time.Second)); r != (Rate{Defective: 1, Compared: 2}) {
		t.Errorf("Window = %+v, want 1 defective of 2", r)
	}
}

func TestResetForgetsTheWindows(t *testing.T) {
	clock := &steppedClock{t: reportT0}
	c := NewCollector(CollectorOptions{Now: clock.now})
	record(c, shopObservations(4))
	c.Reset("shop")
	clock.t = reportT0.Add(time.Second)
	if r, _ := c.Window("shop", reportT0, reportT0.Add(time.Second)); r != (Rate{}) {
		t.Errorf("Window after Reset = %+v, want nothing", r)
	}
}
