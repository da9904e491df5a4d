package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/ficus-dev/ficus/admin"
	"github.com/ficus-dev/ficus/verify"
)

// lastVerify stands for the migration's target (package verify tests reading and writing it
// against a real PostgreSQL): it returns res, or err.
type lastVerify struct {
	res *verify.Result
	err error
}

func (l lastVerify) Last(context.Context) (*verify.Result, error) { return l.res, l.err }

func sampleVerifyResult() *verify.Result {
	v := "12.50"
	return &verify.Result{Status: verify.Different, Sample: 1, Source: "mysql://app:xxxxx@legacy/shop", Started: testTime, Finished: testTime,
		Tables: []verify.TableResult{{Source: "orders", Target: "orders", Status: verify.Different, HashedIn: "database",
			Segmentation: "key ranges", SourceRows: 3, TargetRows: 3, Segments: 1, SegmentsDiffering: 1,
			Missing: []verify.Row{}, Extra: []verify.Row{},
			Changed: []verify.ChangedRow{{Key: []verify.Value{{Column: "id", Value: &v}},
				Columns: []verify.ColumnDiff{{Column: "email", Redacted: true}}}}}}}
}

func TestGetVerifyServesTheLastResult(t *testing.T) {
	want := sampleVerifyResult()
	f := newFixture(t, admin.Options{Tokens: testTokens, Verify: lastVerify{res: want}})
	r := f.call(t, http.MethodGet, "/api/v1/migration/verify", viewerToken, "")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got verify.Result
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("served %+v, want %+v", got, *want)
	}
}

func TestGetVerifyErrors(t *testing.T) {
	tests := []struct {
		name       string
		service    admin.VerifyService
		token      string
		wantStatus int
		wantCode   string
		wantText   string
	}{
		{"before any verification it is not found", lastVerify{err: verify.ErrNoResult}, viewerToken, http.StatusNotFound, "not_found", "ficus verify"},
		{"without a migration target it is unavailable", nil, viewerToken, http.StatusServiceUnavailable, "unavailable", "no migration target"},
		{"an unreadable target is unavailable", lastVerify{err: errors.New("dial tcp: connection refused")}, viewerToken,
			http.StatusServiceUnavailable, "unavailable", "server log"},
		{"without a token it is refused", lastVerify{res: sampleVerifyResult()}, "", http.StatusUnauthorized, "unauthorized", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, admin.Options{Tokens: testTokens, Verify: tt.service})
			r := f.call(t, http.MethodGet, "/api/v1/migration/verify", tt.token, "")
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			code, msg := r.apiError(t)
			if code != tt.wantCode || !strings.Contains(msg, tt.wantText) {
				t.Errorf("error %s %q, want %s containing %q", code, msg, tt.wantCode, tt.wantText)
			}
			if strings.Contains(msg, "connection refused") {
				t.Errorf("the message leaks the cause: %q", msg)
			}
		})
	}
}
