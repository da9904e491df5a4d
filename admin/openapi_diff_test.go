package admin

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/diff"
)

// The diff schemas must name exactly the members a real report has, so that the document cannot
// drift from the JSON that GET /api/v1/routes/{name}/diff serves.
func TestOpenAPIDiffSchemasMatchTheReport(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	c := diff.NewCollector(diff.CollectorOptions{Now: func() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) }})
	c.Record(diff.Observation{Route: "r", Endpoint: "GET /a", Primary: diff.Result{Differences: []diff.Difference{
		{Path: "$.a", Kind: diff.KindBody, Left: "x", Right: "y", Note: "right body is not valid JSON"},
	}}})
	b, err := json.Marshal(c.Report("r"))
	if err != nil {
		t.Fatal(err)
	}
	var report map[string]any
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	endpoint := report["endpoints"].([]any)[0].(map[string]any)
	field := endpoint["fields"].([]any)[0].(map[string]any)
	sample := field["samples"].([]any)[0].(map[string]any)
	for schema, value := range map[string]map[string]any{"DiffReport": report, "DiffEndpoint": endpoint, "DiffField": field, "DiffSample": sample} {
		t.Run(schema+" names every member", func(t *testing.T) {
			props, required := schemaMembers(t, doc, "#/components/schemas/"+schema)
			var members []string
			for k := range value {
				members = append(members, k)
			}
			slices.Sort(members)
			slices.Sort(props)
			if !slices.Equal(members, props) {
				t.Errorf("members %q, documented %q", members, props)
			}
			for _, r := range required {
				if _, ok := value[r]; !ok {
					t.Errorf("required %q is not in the report", r)
				}
			}
		})
	}
}

// schemaMembers collects the properties and required names of a schema, through allOf.
func schemaMembers(t *testing.T, doc map[string]any, ref string) (props, required []string) {
	t.Helper()
	v, err := resolve(doc, ref)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return members(t, doc, v.(map[string]any))
}

func members(t *testing.T, doc, s map[string]any) (props, required []string) {
	if r, ok := s["$ref"].(string); ok {
		return schemaMembers(t, doc, r)
	}
	if p, ok := s["properties"].(map[string]any); ok {
		for k := range p {
			props = append(props, k)
		}
	}
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			required = append(required, x.(string))
		}
	}
	parts, _ := s["allOf"].([]any)
	for _, p := range parts {
		pp, rr := members(t, doc, p.(map[string]any))
		props, required = append(props, pp...), append(required, rr...)
	}
	return props, required
}
