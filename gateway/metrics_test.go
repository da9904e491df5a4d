package gateway

import (
	"net/http"
	"testing"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/config"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// value reads a counter's or gauge's current value.
func value(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		t.Fatalf("reading metric: %v", err)
	}
	switch {
	case pb.Counter != nil:
		return pb.Counter.GetValue()
	case pb.Gauge != nil:
		return pb.Gauge.GetValue()
	case pb.Histogram != nil:
		return float64(pb.Histogram.GetSampleCount())
	}
	t.Fatalf("metric %v is neither a counter, a gauge nor a histogram", m.Desc())
	return 0
}

func TestMetricsAreCountedPerRouteAndSide(t *testing.T) {
	legacy, modern := newSideServer(t, "legacy"), newSideServer(t, "modern")
	cfg := proxyConfig([]string{legacy.URL}, []string{modern.URL},
		config.Route{Name: "users", Match: config.Match{PathPrefix: "/users"}, Stage: ficus.StageModern})
	cfg.Override = &config.Override{Header: "X-Ficus-Override", Secret: "s3cret"}
	reg := prometheus.NewRegistry()
	g, ts := startGateway(t, cfg, Options{Registerer: reg})
	for range 3 {
		get(t, ts.Client(), ts.URL+"/users/1")
	}
	get(t, ts.Client(), ts.URL+"/other")
	for _, v := range []string{"legacy:s3cret", "legacy:wrong"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/users/2", nil)
		req.Header.Set("X-Ficus-Override", v)
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, res)
	}
	tests := []struct {
		name   string
		metric prometheus.Metric
		want   float64
	}{
		{"users on modern", g.m.requests.WithLabelValues("users", "modern", "2xx"), 4},
		{"users on legacy by override", g.m.requests.WithLabelValues("users", "legacy", "2xx"), 1},
		{"the catch-all on legacy", g.m.requests.WithLabelValues("all", "legacy", "2xx"), 1},
		{"the catch-all on modern", g.m.requests.WithLabelValues("all", "modern", "2xx"), 0},
		{"durations of users on modern", g.m.duration.WithLabelValues("users", "modern").(prometheus.Metric), 4},
		{"accepted overrides", g.m.override.WithLabelValues("users", "accepted"), 1},
		{"rejected overrides", g.m.override.WithLabelValues("users", "rejected"), 1},
		{"users is in stage modern", g.m.stage.WithLabelValues("users", "modern"), 1},
		{"users is not in stage legacy", g.m.stage.WithLabelValues("users", "legacy"), 0},
		{"users' weight", g.m.weight.WithLabelValues("users"), 100},
		{"the legacy upstream is up", g.m.upstreamUp.WithLabelValues("legacy", legacy.URL), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := value(t, tt.metric); got != tt.want {
				t.Errorf("= %v, want %v", got, tt.want)
			}
		})
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(families) < 7 {
		t.Errorf("registry holds %d metric families, want the gateway's 7", len(families))
	}
}

func TestRouteGaugesFollowSetStateAndReload(t *testing.T) {
	up := newSideServer(t, "up")
	cfg := proxyConfig([]string{up.URL}, []string{up.URL}, config.Route{Name: "users", Match: config.Match{PathPrefix: "/users"}})
	reg := prometheus.NewRegistry()
	g, _ := startGateway(t, cfg, Options{Registerer: reg})
	if err := g.SetState(ficus.RouteState{Route: "users", Stage: ficus.StageCanary, Weight: 12.5}); err != nil {
		t.Fatal(err)
	}
	if v := value(t, g.m.stage.WithLabelValues("users", "canary")); v != 1 {
		t.Errorf("canary gauge = %v, want 1", v)
	}
	if v := value(t, g.m.stage.WithLabelValues("users", "legacy")); v != 0 {
		t.Errorf("legacy gauge = %v, want 0", v)
	}
	if v := value(t, g.m.weight.WithLabelValues("users")); v != 12.5 {
		t.Errorf("weight = %v, want 12.5", v)
	}
	if err := g.Reload(proxyConfig([]string{up.URL}, []string{up.URL}), nil); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "ficus_route_stage" && f.GetName() != "ficus_route_weight" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() == "users" {
					t.Errorf("%s still has a series for the removed route", f.GetName())
				}
			}
		}
	}
}

func TestRegisteringTwiceIsAnError(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := proxyConfig([]string{"http://127.0.0.1:1"}, []string{"http://127.0.0.1:1"})
	if _, err := New(cfg, nil, Options{Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(cfg, nil, Options{Registerer: reg}); err == nil {
		t.Error("a second gateway registered the same metrics")
	}
}

func TestCodeClass(t *testing.T) {
	for status, want := range map[int]string{200: "2xx", 101: "1xx", 302: "3xx", 404: "4xx", 499: "4xx", 502: "5xx", 0: "5xx", 999: "5xx"} {
		if got := classNames[codeClass(&exchange{status: status})]; got != want {
			t.Errorf("codeClass(%d) = %s, want %s", status, got, want)
		}
	}
	if got := classNames[codeClass(&exchange{status: statusClientClosed, clientClosed: true})]; got != "client_closed" {
		t.Errorf("a closed client's class = %s, want client_closed", got)
	}
}
