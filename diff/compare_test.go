package diff

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustCompile(t testing.TB, o Options) *Comparer {
	t.Helper()
	c, err := Compile(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonResponse(body string) Response {
	return Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
}

// bigArray returns {"items":[...]} with n objects; change(i) may alter element i's text.
func bigArray(n int, elem func(i int) string) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(elem(i))
	}
	b.WriteString("]}")
	return b.String()
}

func TestHugeDocuments(t *testing.T) {
	const n = 50_000
	base := func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"item %d","price":%d.5}`, i, i, i) }
	tests := []struct {
		name      string
		right     string
		opts      Options
		want      []string // "kind path" of each listed difference
		total     int      // listed + truncated
		countOnly bool     // only check that the first MaxDifferences are listed and the rest counted
	}{
		{
			name:  "identical elements in a different spelling are equal",
			right: bigArray(n, func(i int) string { return fmt.Sprintf(`{"price":%d.50,"name":"item %d","id":%d.0}`, i, i, i) }),
		},
		{
			name: "three changed elements are found by index",
			right: bigArray(n, func(i int) string {
				if i == 7 || i == 25_000 || i == n-1 {
					return fmt.Sprintf(`{"id":%d,"name":"item %d","price":0}`, i, i)
				}
				return base(i)
			}),
			want:  []string{"value $.items[7].price", "value $.items[25000].price", "value $.items[49999].price"},
			total: 3,
		},
		{
			name:  "a reversed array is one array_order difference",
			right: bigArray(n, func(i int) string { return base(n - 1 - i) }),
			want:  []string{"array_order $.items"},
			total: 1,
		},
		{
			name:  "a reversed unordered array is equal",
			right: bigArray(n, func(i int) string { return base(n - 1 - i) }),
			opts:  Options{UnorderedPaths: []string{"$.items"}},
		},
		{
			name:  "a shorter array gives its size and no per-element noise",
			right: bigArray(n-10, base),
			want:  []string{"array_size $.items"},
			total: 1,
		},
		{
			name:      "every element changed lists the first hundred and counts the rest",
			right:     bigArray(n, func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"item %d","price":1}`, i, i) }),
			total:     n,
			countOnly: true,
		},
	}
	left := jsonResponse(bigArray(n, base))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.MaxBodyBytes = 16 << 20 // the documents are about 2 MB
			c := mustCompile(t, tt.opts)
			start := time.Now()
			res := c.Compare(left, jsonResponse(tt.right))
			t.Logf("%d elements compared in %v", n, time.Since(start))
			if tt.countOnly {
				if len(res.Differences) != DefaultMaxDifferences || res.Truncated != n-DefaultMaxDifferences {
					t.Fatalf("listed %d, truncated %d", len(res.Differences), res.Truncated)
				}
				return
			}
			var got []string
			for _, d := range res.Differences {
				got = append(got, string(d.Kind)+" "+d.Path)
			}
			if !reflect.DeepEqual(got, tt.want) || len(res.Differences)+res.Truncated != tt.total || res.Equal != (tt.total == 0) {
				t.Fatalf("got %v (+%d more, equal %v), want %v", got, res.Truncated, res.Equal, tt.want)
			}
		})
	}
}

func TestDeepNestingDoesNotExhaustTheStack(t *testing.T) {
	deep := func(n int, leaf string) string {
		return strings.Repeat("[", n) + leaf + strings.Repeat("]", n)
	}
	tests := []struct {
		name        string
		left, right string
		opts        Options
		wantEqual   bool
		wantPath    string
	}{
		{name: "10,000-deep identical arrays are equal", left: deep(10_000, "1"), right: deep(10_000, "1"), wantEqual: true},
		{name: "a difference at depth 10,000 is found below the depth limit as text",
			left: deep(10_000, "1"), right: deep(10_000, "2"), wantPath: "$" + strings.Repeat("[0]", DefaultMaxDepth)},
		{name: "a difference within the depth limit is found at its path",
			left: deep(50, "1"), right: deep(50, "2"), wantPath: "$" + strings.Repeat("[0]", 50)},
		{name: "beyond the depth limit white space still does not count",
			left: deep(100, "1"), right: deep(100, " 1 "), opts: Options{MaxDepth: 10}, wantEqual: true},
		{name: "200,000-deep documents parse and compare",
			left: deep(200_000, "true"), right: deep(200_000, "false"), wantPath: "$" + strings.Repeat("[0]", DefaultMaxDepth)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustCompile(t, tt.opts).Compare(jsonResponse(tt.left), jsonResponse(tt.right))
			if res.Equal != tt.wantEqual {
				t.Fatalf("Equal = %v: %+v", res.Equal, res)
			}
			if tt.wantPath != "" && (len(res.Differences) != 1 || res.Differences[0].Path != tt.wantPath) {
				t.Fatalf("differences: %d, first path length %d", len(res.Differences), len(res.Differences[0].Path))
			}
		})
	}
}

func TestValuesInDifferencesAreBounded(t *testing.T) {
	long := strings.Repeat("é", 1000)
	res := mustCompile(t, Options{MaxValueBytes: 51}).Compare(
		jsonResponse(`{"a":"`+long+`","deep":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}`),
		jsonResponse(`{"a":"x"}`))
	for _, d := range res.Differences {
		if len(d.Left) > 51+len("…") || len(d.Right) > 51+len("…") {
			t.Errorf("%s: value of %d/%d bytes", d.Path, len(d.Left), len(d.Right))
		}
		if !strings.HasSuffix(d.Left, "…") {
			t.Errorf("%s: cut value not marked: %q", d.Path, d.Left)
		}
	}
}

func TestCompareIsSafeForConcurrentUse(t *testing.T) {
	c := mustCompile(t, Options{IgnorePaths: []string{"$..ts"}, UnorderedPaths: []string{"$.tags"}})
	left := jsonResponse(`{"a":1,"ts":1,"tags":["x","y"],"list":[1,2,3]}`)
	right := jsonResponse(`{"a":2,"ts":2,"tags":["y","x"],"list":[3,2,1]}`)
	want := c.Compare(left, right)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := c.Compare(left, right); !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestJSONDetection(t *testing.T) {
	text := http.Header{"Content-Type": {"text/plain"}}
	tests := []struct {
		name        string
		left, right Response
		wantKind    Kind
		wantEqual   bool
	}{
		{"bodies that both parse are JSON without a content type",
			Response{Body: []byte(`{"a":1}`)}, Response{Body: []byte(`{ "a" : 1.0 }`)}, "", true},
		{"bodies that both parse are JSON even as text/plain",
			Response{Header: text, Body: []byte(`[1]`)}, Response{Header: text, Body: []byte(`[1.0]`)}, "", true},
		{"a vendor +json type is JSON",
			Response{Header: http.Header{"Content-Type": {"application/vnd.api+json"}}, Body: []byte(`{}`)},
			Response{Header: http.Header{"Content-Type": {"application/vnd.api+json"}}, Body: []byte(`nope`)}, KindBody, false},
		{"text that does not parse on one side is compared as text",
			Response{Body: []byte(`1`)}, Response{Body: []byte(`one`)}, KindBody, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustCompile(t, Options{}).Compare(tt.left, tt.right)
			if res.Equal != tt.wantEqual || !tt.wantEqual && res.Differences[len(res.Differences)-1].Kind != tt.wantKind {
				t.Fatalf("%+v", res)
			}
		})
	}
}

func TestParserAgreesWithTheStandardLibraryOnExamples(t *testing.T) {
	for _, s := range []string{`{}`, `[]`, ` 1 `, `-0.5e+10`, `"\u00e9"`, `{"a":[1,{"b":null}]}`, `01`, `1.`, `.5`, `-`,
		`[1,]`, `{"a":1,}`, `{"a" 1}`, `"\x"`, "\"\x01\"", `tru`, `nul`, `[1 2]`, `{"a":1}}`, `"\ud800"`, "\ufeff{}", ``, ` `} {
		var d document
		err := d.parse([]byte(s))
		if (err == nil) != jsonValid([]byte(s)) {
			t.Errorf("%q: parse error %v, encoding/json valid %v", s, err, jsonValid([]byte(s)))
		}
	}
}

func TestSkippedResultsHaveNoDifferences(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 100)
	res := mustCompile(t, Options{MaxBodyBytes: 99}).Compare(Response{Status: 200, Body: big}, Response{Status: 500})
	if res.Skipped != SkipBodyTooLarge || res.Equal || len(res.Differences) != 0 {
		t.Fatalf("%+v", res)
	}
}
