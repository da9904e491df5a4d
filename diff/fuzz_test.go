package diff

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func jsonValid(b []byte) bool { return json.Valid(b) }

func FuzzCompare(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":1}`, `{"a":1.0}`},
		{`[1,2,3]`, `[3,2,1]`},
		{`{"a":{"b":[1,{"c":"\u00e9"}]}}`, `{"a":{"b":[1,{"c":"é"}],"d":null}}`},
		{`"x"`, `not json`},
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`1e999999999999999999999`, `10e999999999999999999998`},
		{``, `{}`},
		{"line\r\n", "line\n"},
		{`[[[[[[[[[[1]]]]]]]]]]`, `[[[[[[[[[[2]]]]]]]]]]`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), true)
		f.Add([]byte(s[0]), []byte(s[1]), false)
	}
	c, err := Compile(Options{
		IgnorePaths:    []string{"$..ts", "$.a[*].b"},
		UnorderedPaths: []string{"$.set", "$..tags"},
		MaxDepth:       20,
		Text:           TextTrimSpace | TextNewlines,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, left, right []byte, declareJSON bool) {
		h := http.Header{}
		if declareJSON {
			h.Set("Content-Type", "application/json")
		}
		l, r := Response{Status: 200, Header: h, Body: left}, Response{Status: 200, Header: h, Body: right}
		res := c.Compare(l, r)
		if again := c.Compare(l, r); !reflect.DeepEqual(res, again) {
			t.Fatalf("not deterministic:\n%+v\n%+v", res, again)
		}
		if res.Equal != (len(res.Differences) == 0 && res.Truncated == 0 && res.Skipped == "") {
			t.Fatalf("Equal disagrees with the differences: %+v", res)
		}
		for _, body := range [][]byte{left, right} {
			self := Response{Status: 200, Header: h, Body: body}
			copied := Response{Status: 200, Header: h, Body: append([]byte(nil), body...)}
			if res := c.Compare(self, copied); !res.Equal {
				t.Fatalf("a body differs from itself: %+v", res)
			}
			var d document
			if err := d.parse(body); (err == nil) != json.Valid(body) {
				t.Fatalf("parser says %v, encoding/json says valid=%v", err, json.Valid(body))
			}
		}
	})
}
