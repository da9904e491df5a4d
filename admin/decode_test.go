package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus"
)

// FuzzDecodeBody feeds arbitrary bodies to the strict decoder: it must never panic, and whatever it refuses
// must be refused as invalid or too_large, never as an internal error.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"stage":"canary","weight":25}`, `{"stage":"modern"}`, `{"Stage":"modern"}`, `{"stage":1}`,
		`{} {}`, `[]`, `null`, `{"weight":1e400}`, `{"stage":"\ud800"}`, ``, `{`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPut, "/api/v1/routes/x/stage", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var req stageRequest
		err := decodeBody(httptest.NewRecorder(), r, &req)
		if err == nil {
			return
		}
		if code := ficus.ErrorCode(err); code != ficus.EInvalid && code != eTooLarge {
			t.Errorf("body %q: error code %s (%v), want invalid", body, code, err)
		}
	})
}
