package rollout

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTimelineReadsWell pins the JSON of a rollback event, as it goes to the audit log, the timeline
// and notifications: a slower modern, judged by every gate. Run with -update after a deliberate change.
func TestTimelineReadsWell(t *testing.T) {
	slower := good
	slower.latency += 50 * time.Millisecond
	h := newHarness(t, Plan{Gates: allGates, Steps: []Step{weight(10), weight(50)}}, healthy)
	h.start()
	h.run(30*time.Second, nil)
	h.obs.set(scenario{legacy: good, modern: slower})
	h.run(30*time.Second, nil)

	ev, ok := h.ev.last(EventRolledBack)
	if !ok {
		t.Fatalf("not rolled back: %v", h.ev.kinds())
	}
	ev.Evidence.Results[1].Evidence.Latency.MannWhitney.P = 0 // far below any alpha; its last digits are float noise
	got, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "rolled_back_event.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(got)+"\n" {
		t.Errorf("rolled back event:\n%s\nwant:\n%s", got, want)
	}
}
