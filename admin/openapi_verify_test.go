package admin

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/verify"
)

// The verification schemas must name exactly the members a real result has, so that the document
// cannot drift from the JSON that GET /api/v1/migration/verify serves.
func TestOpenAPIVerifySchemasMatchTheResult(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	v := "1"
	res := verify.Result{Status: verify.Different, Partial: true, Sample: 0.1, Source: "s", Target: "t", Started: time.Now(), Finished: time.Now(),
		Tables: []verify.TableResult{{Source: "a", Target: "b", Status: verify.Failed, Error: "e", HashedIn: "ficus", Segmentation: "key ranges",
			Missing: []verify.Row{{Key: []verify.Value{{Column: "id", Value: &v, Redacted: true}}, Count: 1, Note: "n"}},
			Extra:   []verify.Row{},
			Changed: []verify.ChangedRow{{Key: []verify.Value{{Column: "id", Value: &v}}, Columns: []verify.ColumnDiff{{Column: "c", Source: &v, Redacted: true}}}}}}}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var result map[string]any
	if err := json.Unmarshal(b, &result); err != nil {
		t.Fatal(err)
	}
	table := result["tables"].([]any)[0].(map[string]any)
	row := table["missing"].([]any)[0].(map[string]any)
	changed := table["changed"].([]any)[0].(map[string]any)
	for schema, value := range map[string]map[string]any{"VerifyResult": result, "VerifyTable": table, "VerifyRow": row,
		"VerifyValue": row["key"].([]any)[0].(map[string]any), "VerifyChangedRow": changed,
		"VerifyColumnDiff": changed["columns"].([]any)[0].(map[string]any), "VerifyUnexplored": table["unexplored"].(map[string]any)} {
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
					t.Errorf("required %q is not in the result", r)
				}
			}
		})
	}
}
