package diff

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var reportT0 = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

// fixedClock returns a clock that advances a second per call, so that samples have distinct times.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := reportT0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func differing(diffs ...Difference) Result { return Result{Differences: diffs} }

func value(path, left, right string) Difference {
	return Difference{Path: path, Kind: KindValue, Left: left, Right: right}
}

// shopObservations is a parallel run in which legacy stamps every answer with a fresh generated_at
// (noise: it differs between two legacy calls too) and modern gets one price in four wrong (a defect).
func shopObservations(n int) []Observation {
	var obs []Observation
	for i := range n {
		stamp := value("$.generated_at", fmt.Sprintf(`"t%d"`, i), fmt.Sprintf(`"t%d"`, i+1))
		primary := differing(stamp)
		if i%4 == 0 {
			primary = differing(stamp, value("$.items[0].price", "12.5", `"12.50"`), value("$.items[1].price", "3", `"3.00"`))
		}
		noise := differing(value("$.generated_at", fmt.Sprintf(`"t%d"`, i), fmt.Sprintf(`"t%d"`, i+2)))
		obs = append(obs, Observation{Route: "shop", Endpoint: "GET /orders/{id}", Primary: primary, Noise: &noise})
	}
	return obs
}

func record(c *Collector, obs []Observation) {
	for _, o := range obs {
		c.Record(o)
	}
}

func findField(t *testing.T, ep EndpointReport, field string) FieldReport {
	t.Helper()
	for _, f := range ep.Fields {
		if f.Field == field {
			return f
		}
	}
	t.Fatalf("field %s not in report: %+v", field, ep.Fields)
	return FieldReport{}
}

func TestCollectorTellsNoiseFromADefect(t *testing.T) {
	c := NewCollector(CollectorOptions{Now: fixedClock()})
	record(c, shopObservations(100))
	rep := c.Report("shop")
	if rep.Compared != 100 || rep.Different != 100 || rep.Equal != 0 || rep.NoiseRuns != 100 {
		t.Fatalf("counts = %+v", rep.Counts)
	}
	if rep.Defective != 25 || rep.DefectRate != 0.25 {
		t.Errorf("defective = %d (rate %v), want 25 (0.25): only the requests with a wrong price", rep.Defective, rep.DefectRate)
	}
	if got := c.DiffRate("shop"); got != (Rate{Defective: 25, Compared: 100}) || got.Value() != 0.25 {
		t.Errorf("DiffRate = %+v", got)
	}
	if got := c.EndpointDiffRate("shop", "GET /orders/{id}"); got != (Rate{Defective: 25, Compared: 100}) {
		t.Errorf("EndpointDiffRate = %+v", got)
	}
	ep := rep.Endpoints[0]
	price := findField(t, ep, "$.items[*].price")
	if price.Verdict != Defect || price.Count != 25 || price.Noise != 0 {
		t.Errorf("price = %+v, want a defect counted once per request (25)", price)
	}
	stamp := findField(t, ep, "$.generated_at")
	if stamp.Verdict != Noise || stamp.Count != 100 || stamp.Noise != 100 {
		t.Errorf("generated_at = %+v, want noise", stamp)
	}
	if ep.Fields[0].Field != "$.items[*].price" {
		t.Errorf("first field = %s, want the defect first", ep.Fields[0].Field)
	}
}

func TestAnEqualComparisonIsNeitherDifferentNorDefective(t *testing.T) {
	c := NewCollector(CollectorOptions{})
	c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: Result{Equal: true}})
	rep := c.Report("r")
	if rep.Compared != 1 || rep.Equal != 1 || rep.Different != 0 || rep.Defective != 0 {
		t.Errorf("counts = %+v", rep.Counts)
	}
}

func TestWithoutNoiseRunsEveryDifferingFieldIsADefect(t *testing.T) {
	c := NewCollector(CollectorOptions{})
	for range 10 {
		c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: differing(value("$.a", "1", "2"))})
	}
	if got := c.DiffRate("r"); got != (Rate{Defective: 10, Compared: 10}) {
		t.Errorf("DiffRate = %+v", got)
	}
}

func TestSkippedRequestsAreCountedByReason(t *testing.T) {
	c := NewCollector(CollectorOptions{})
	for _, o := range []Observation{
		{Route: "r", Endpoint: "GET /a", Skipped: "queue_full"},
		{Route: "r", Endpoint: "GET /a", Skipped: "queue_full"},
		{Route: "r", Endpoint: "GET /b", Skipped: "modern_timeout", Primary: differing(value("$.x", "1", "2"))},
		{Route: "r", Endpoint: "GET /b", Primary: Result{Skipped: SkipBodyTooLarge}},
	} {
		c.Record(o)
	}
	rep := c.Report("r")
	want := map[SkipReason]int{"queue_full": 2, "modern_timeout": 1, SkipBodyTooLarge: 1}
	if fmt.Sprint(rep.Skipped) != fmt.Sprint(want) || rep.Compared != 0 || rep.Different != 0 {
		t.Errorf("counts = %+v, want skipped %v and nothing compared", rep.Counts, want)
	}
	for _, ep := range rep.Endpoints {
		if len(ep.Fields) != 0 {
			t.Errorf("%s has fields %+v from a skipped request", ep.Endpoint, ep.Fields)
		}
	}
}

func TestSamplesAreBoundedAndTheOldestRollOff(t *testing.T) {
	c := NewCollector(CollectorOptions{Samples: 3, Now: fixedClock()})
	for i := 1; i <= 10; i++ {
		c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: differing(value(fmt.Sprintf("$.list[%d]", i), "0", fmt.Sprint(i)))})
	}
	f := findField(t, c.Report("r").Endpoints[0], "$.list[*]")
	var got []string
	for _, s := range f.Samples {
		got = append(got, s.Path+"="+s.Right)
	}
	if want := "[$.list[8]=8 $.list[9]=9 $.list[10]=10]"; fmt.Sprint(got) != want {
		t.Errorf("samples = %v, want the newest three, oldest first: %s", got, want)
	}
	if !f.Samples[0].At.Before(f.Samples[2].At) {
		t.Errorf("sample times %v are not in order", f.Samples)
	}
}

func TestNegativeSamplesKeepNone(t *testing.T) {
	c := NewCollector(CollectorOptions{Samples: -1})
	c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: differing(value("$.a", "1", "2"))})
	if f := findField(t, c.Report("r").Endpoints[0], "$.a"); len(f.Samples) != 0 {
		t.Errorf("samples = %v, want none", f.Samples)
	}
}

func TestFieldsBeyondTheLimitAreDroppedAndCountAsDefects(t *testing.T) {
	c := NewCollector(CollectorOptions{MaxFields: 2})
	noise := differing(value("$.a", "1", "2"), value("$.b", "1", "2"))
	for range 4 {
		c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: noise, Noise: &noise})
	}
	c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: differing(value("$.a", "1", "2"), value("$.c", "1", "2"))})
	ep := c.Report("r").Endpoints[0]
	if len(ep.Fields) != 2 || ep.DroppedFields != 1 {
		t.Errorf("fields %d, dropped %d; want 2 and 1", len(ep.Fields), ep.DroppedFields)
	}
	if ep.Defective != 1 {
		t.Errorf("defective = %d, want 1: the request with the untracked field", ep.Defective)
	}
}

func TestEndpointsBeyondTheLimitAreFoldedTogether(t *testing.T) {
	c := NewCollector(CollectorOptions{MaxEndpoints: 2})
	for _, e := range []string{"GET /a", "GET /b", "GET /c", "GET /d", "GET /a"} {
		c.Record(Observation{Route: "r", Endpoint: e, Primary: Result{Equal: true}})
	}
	rep := c.Report("r")
	got := map[string]int{}
	for _, ep := range rep.Endpoints {
		got[ep.Endpoint] = ep.Compared
	}
	want := map[string]int{"GET /a": 2, "GET /b": 1, OverflowEndpoint: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) || rep.Compared != 5 {
		t.Errorf("endpoints = %v (total %d), want %v (total 5)", got, rep.Compared, want)
	}
}

func TestTooManyFieldCombinationsCountAsDefective(t *testing.T) {
	c := NewCollector(CollectorOptions{MaxSignatures: 2})
	both := differing(value("$.a", "1", "2"), value("$.b", "1", "2"))
	for _, r := range []Result{differing(value("$.a", "1", "2")), differing(value("$.b", "1", "2")), both, both} {
		c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: r, Noise: &both})
	}
	ep := c.Report("r").Endpoints[0]
	if ep.Unclassified != 2 || ep.Defective != 2 {
		t.Errorf("unclassified %d, defective %d; want 2 and 2 (every field is noise)", ep.Unclassified, ep.Defective)
	}
}

// Personal data and secrets must be gone before a sample is kept: neither the report nor the
// exported document may carry them.
func TestSamplesAreRedactedBeforeTheyAreKept(t *testing.T) {
	secrets := []string{"alice@example.com", "4111 1111 1111 1111", "4111111111111111", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "s3cr3tT0k3nValue"}
	c := NewCollector(CollectorOptions{})
	c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: differing(
		value("$.email", `"alice@example.com"`, `"ALICE@example.com"`),
		value("$.card", `"4111 1111 1111 1111"`, `"4111111111111111"`),
		value("$.note", `"Bearer s3cr3tT0k3nValue"`, `"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"`),
		Difference{Path: "header:Set-Cookie", Kind: KindHeader, Left: "sid=s3cr3tT0k3nValue", Right: ""},
	)})
	rep, err := json.Marshal(c.Report("r"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := c.Export("r")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(rep), s) || strings.Contains(string(doc), s) {
			t.Errorf("%q survived redaction:\nreport %s\nexport %s", s, rep, doc)
		}
	}
	if !strings.Contains(string(rep), "[redacted:email]") || !strings.Contains(string(rep), "[redacted:card]") {
		t.Errorf("report shows no redaction marks: %s", rep)
	}
}

func TestRedactionOffForARouteKeepsValues(t *testing.T) {
	c := NewCollector(CollectorOptions{Redactor: func(string) *Redactor { return nil }})
	c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: differing(value("$.email", `"a@example.com"`, `"b@example.com"`))})
	if s := findField(t, c.Report("r").Endpoints[0], "$.email").Samples[0]; s.Left != `"a@example.com"` {
		t.Errorf("sample = %+v, want the raw value when redaction is off", s)
	}
}

func TestExportThenImportGivesTheSameReport(t *testing.T) {
	clock := fixedClock()
	c := NewCollector(CollectorOptions{Now: clock})
	record(c, shopObservations(40))
	c.Record(Observation{Route: "shop", Endpoint: "GET /health", Skipped: "modern_error"})
	doc, err := c.Export("shop")
	if err != nil {
		t.Fatal(err)
	}
	fresh := NewCollector(CollectorOptions{Now: clock})
	if err := fresh.Import("shop", doc); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(c.Report("shop"))
	got, _ := json.Marshal(fresh.Report("shop"))
	if string(got) != string(want) {
		t.Errorf("imported report differs:\ngot  %s\nwant %s", got, want)
	}
	// Recording after an import extends the same signatures rather than starting new ones.
	record(fresh, shopObservations(40))
	if r := fresh.DiffRate("shop"); r != (Rate{Defective: 20, Compared: 80}) {
		t.Errorf("DiffRate after more records = %+v, want 20 of 80", r)
	}
}

func TestImportRefusesForeignDocuments(t *testing.T) {
	c := NewCollector(CollectorOptions{})
	c.Record(Observation{Route: "shop", Endpoint: "GET /a", Primary: Result{Equal: true}})
	doc, _ := c.Export("shop")
	tests := []struct {
		name, route string
		doc         []byte
	}{
		{"a document of another route", "users", doc},
		{"a newer version", "shop", []byte(`{"version": 2, "route": "shop"}`)},
		{"not JSON", "shop", []byte(`{`)},
	}
	for _, tc := range tests {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			if err := c.Import(tc.route, tc.doc); err == nil {
				t.Error("Import succeeded")
			}
		})
	}
	if r := c.Report("shop"); r.Compared != 1 {
		t.Errorf("a refused import changed the route: %+v", r.Counts)
	}
}

func TestResetForgetsARoute(t *testing.T) {
	c := NewCollector(CollectorOptions{})
	record(c, shopObservations(8))
	g := c.Generation("shop")
	c.Reset("shop")
	rep := c.Report("shop")
	if rep.Compared != 0 || len(rep.Endpoints) != 0 || !rep.Since.IsZero() {
		t.Errorf("after reset: %+v", rep)
	}
	if c.Generation("shop") == g {
		t.Error("the generation did not change")
	}
	if fmt.Sprint(c.Routes()) != "[shop]" {
		t.Errorf("Routes = %v", c.Routes())
	}
}

func TestConcurrentRecordsAreAllCounted(t *testing.T) {
	c := NewCollector(CollectorOptions{Samples: 2})
	obs := shopObservations(200)
	var wg sync.WaitGroup
	for w := range 8 {
		route := fmt.Sprint("r", w%2)
		wg.Go(func() {
			for _, o := range obs {
				o.Route = route
				c.Record(o)
			}
		})
		wg.Go(func() { _ = c.Report(route); _, _ = c.Export(route) })
	}
	wg.Wait()
	for _, r := range []string{"r0", "r1"} {
		if got := c.DiffRate(r); got != (Rate{Defective: 200, Compared: 800}) {
			t.Errorf("%s: DiffRate = %+v, want 200 of 800", r, got)
		}
	}
}

// Recording a comparison of known fields costs no allocation once their samples are taken and until
// the sample interval has passed.
func TestRecordDoesNotAllocateInTheSteadyState(t *testing.T) {
	c := NewCollector(CollectorOptions{Samples: 1, Now: func() time.Time { return reportT0 }})
	noise := differing(value("$.stamp", `"a"`, `"b"`))
	ob := Observation{Route: "r", Endpoint: "GET /a", Primary: differing(value("$.stamp", `"a"`, `"c"`), value("$.price", "1", "2")), Noise: &noise}
	c.Record(ob)
	if n := testing.AllocsPerRun(100, func() { c.Record(ob) }); n != 0 {
		t.Errorf("Record allocates %v times per call", n)
	}
}

// Import reads what the store gives back, which a damaged file or another version may have written:
// it must fail cleanly or yield a report, never panic.
func FuzzImport(f *testing.F) {
	c := NewCollector(CollectorOptions{Now: fixedClock()})
	record(c, shopObservations(8))
	doc, _ := c.Export("shop")
	f.Add(doc)
	f.Add([]byte(`{"version":1,"route":"shop","endpoints":[{"endpoint":"x","fields":[{"field":"$.a","kinds":[],"samples":[{}]}],"signatures":[{"fields":["$.a","$.a","$.b"],"count":-1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewCollector(CollectorOptions{Samples: 2, MaxFields: 3, MaxEndpoints: 2, MaxSignatures: 2})
		if err := c.Import("shop", data); err != nil {
			return
		}
		_ = c.Report("shop")
		if _, err := c.Export("shop"); err != nil {
			t.Fatalf("Export after Import: %v", err)
		}
	})
}

func TestAComparisonWhoseDifferencesAreAllUnlistedIsDefective(t *testing.T) {
	c := NewCollector(CollectorOptions{})
	c.Record(Observation{Route: "r", Endpoint: "GET /a", Primary: Result{Truncated: 3}})
	rep := c.Report("r")
	if rep.Different != 1 || rep.Defective != 1 || rep.Truncated != 1 {
		t.Errorf("counts = %+v, want one different, defective, truncated request", rep.Counts)
	}
}

// BenchmarkCollectorRecord records the shop's comparisons (a noise field, an array field, a second
// legacy call) from every P at once, as shadow workers do.
func BenchmarkCollectorRecord(b *testing.B) {
	c := NewCollector(CollectorOptions{})
	obs := shopObservations(64)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.Record(obs[i%len(obs)])
			i++
		}
	})
}
