package pgcopy

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckJSON compares the validator with encoding/json's, which differs
// only where PostgreSQL is stricter: unpaired surrogate escapes.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, -2.5e+3, "x\u00e9\ud83d\ude00", true, false, null, {}], "b": {"c": []}}`,
		`  "plain"  `, `0`, `-0.0e-0`, `01`, `1.`, `.5`, `[1,]`, `{"a" 1}`, `{"a":1,}`, `"\x"`, `"\u12"`,
		`"\ud800"`, `"\ud800\u0041"`, `"\udc00"`, "\"tab\there\"", `[[[[]]]]`, `nul`, `truex`, `"\u0000"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if !utf8.Valid(v) {
			return
		}
		err := checkJSON(v, false)
		want := json.Valid(v)
		if err == nil && !want || err != nil && want && !strings.Contains(err.Error(), "surrogate") && !strings.Contains(err.Error(), "NUL character") {
			t.Fatalf("%q: checkJSON says %v, json.Valid %v", v, err, want)
		}
	})
}

func TestCheckJSONBoundsTheNesting(t *testing.T) {
	deep := strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1)
	if err := checkJSON([]byte(deep), true); err == nil || !strings.Contains(err.Error(), "nesting too deep") {
		t.Errorf("err = %v", err)
	}
	ok := strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	if err := checkJSON([]byte(ok), true); err != nil {
		t.Errorf("err = %v", err)
	}
}
