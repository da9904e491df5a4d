package prom_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/prom"
)

// fakePrometheus serves canned answers of the Prometheus HTTP API (a real Prometheus cannot run
// here) and records the query it was asked.
func fakePrometheus(t *testing.T, status int, body string) (*prom.Client, *url.Values) {
	t.Helper()
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/prefix/api/v1/query_range" {
			http.NotFound(w, r)
			return
		}
		got = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return &prom.Client{URL: srv.URL + "/prefix/"}, &got
}

var (
	start = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	end   = start.Add(30 * time.Second)
)

func TestQueryRangeReadsTheSeriesValuesOldestFirst(t *testing.T) {
	c, got := fakePrometheus(t, 200, `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"route":"users"},"values":[[1795464000,"5"],[1795464015,"6.5"],[1795464030,"NaN"]]}]}}`)
	values, err := c.QueryRange(t.Context(), `sum(rate(ok{route="users"}[1m]))`, start, end, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(values) != 3 || values[0] != 5 || values[1] != 6.5 || !math.IsNaN(values[2]) {
		t.Errorf("values = %v, want [5 6.5 NaN]", values)
	}
	want := map[string]string{"query": `sum(rate(ok{route="users"}[1m]))`, "start": "1795464000", "end": "1795464030", "step": "15"}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
}

func TestQueryRangeResults(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr bool
		points  int
	}{
		{"no series is an empty result", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, false, 0},
		{"two series are an error", 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]},{"metric":{},"values":[[1,"2"]]}]}}`, true, 0},
		{"a query error is an error", 400, `{"status":"error","errorType":"bad_data","error":"parse error at char 5"}`, true, 0},
		{"a vector instead of a matrix is an error", 200, `{"status":"success","data":{"resultType":"vector","result":[]}}`, true, 0},
		{"a page that is not the API is an error", 502, `<html>bad gateway</html>`, true, 0},
		{"a value that is not a number is an error", 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"abc"]]}]}}`, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fakePrometheus(t, tc.status, tc.body)
			values, err := c.QueryRange(t.Context(), "up", start, end, 15*time.Second)
			if (err != nil) != tc.wantErr || len(values) != tc.points {
				t.Errorf("got %v, %v; want error %v and %d points", values, err, tc.wantErr, tc.points)
			}
		})
	}
}

func TestQueryRangeGivesUpAtTheTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &prom.Client{URL: srv.URL, Timeout: 50 * time.Millisecond}
	if _, err := c.QueryRange(t.Context(), "up", start, end, time.Second); err == nil {
		t.Error("a query that never answers returned no error")
	}
}

func TestQueryRangeOfAnUnreachableServerIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := &prom.Client{URL: srv.URL}
	if _, err := c.QueryRange(t.Context(), "up", start, end, time.Second); err == nil {
		t.Error("no error from a closed server")
	}
}

func TestFromConfigWithoutPrometheusIsANilInterface(t *testing.T) {
	if q := prom.FromConfig(nil); q != nil {
		t.Errorf("FromConfig(nil) = %#v, want a nil interface", q)
	}
	if q := prom.FromConfig(&config.Prometheus{URL: "http://p:9090", Timeout: config.Duration(time.Second)}); q.(*prom.Client).Timeout != time.Second {
		t.Errorf("FromConfig kept timeout %v", q.(*prom.Client).Timeout)
	}
}
