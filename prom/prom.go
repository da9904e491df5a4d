// Package prom queries a Prometheus server for the rollouts' metric gates: Client implements
// rollout.MetricQuerier with the HTTP API's range query (/api/v1/query_range). It reads the one
// series a gate's query must yield; it owns no judgement (package rollout does).
package prom

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ficus-dev/ficus/config"
	"github.com/ficus-dev/ficus/rollout"
)

// DefaultTimeout bounds a query when the Client has none.
const DefaultTimeout = 5 * time.Second

// maxResponse bounds what is read of a response: a gate's range query over one analysis window
// returns a few hundred points, not megabytes.
const maxResponse = 8 << 20

// Client runs range queries against one Prometheus server.
type Client struct {
	// URL is the server's base URL, e.g. http://prometheus:9090 (a path prefix is kept); required.
	URL string
	// Timeout bounds each query; 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

var _ rollout.MetricQuerier = (*Client)(nil)

// FromConfig returns a client for the config file's prometheus section, or a nil interface when there
// is none (not a nil *Client, which a rollout would take for a metrics source and call).
func FromConfig(c *config.Prometheus) rollout.MetricQuerier {
	if c == nil {
		return nil
	}
	return &Client{URL: c.URL, Timeout: c.Timeout.D()}
}

// QueryRange runs query over [start, end] at step and returns the values of the single series it
// yields, oldest first. No series is an empty result; more than one is an error, because a gate
// compares one number with its threshold and must not pick a series at random.
func (c *Client) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]float64, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	form := url.Values{
		"query": {query},
		"start": {formatTime(start)},
		"end":   {formatTime(end)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	u := strings.TrimRight(c.URL, "/") + "/api/v1/query_range?" + form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("prometheus query: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus query: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("prometheus query: read response: %w", err)
	}
	return parse(resp.StatusCode, body)
}

func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

// response is the envelope of the Prometheus HTTP API.
type response struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

func parse(status int, body []byte) ([]float64, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("prometheus query: HTTP %d, not a Prometheus API response: %w", status, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("prometheus query: HTTP %d: %s: %s", status, r.ErrorType, r.Error)
	}
	if r.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("prometheus query: result type %q, want matrix", r.Data.ResultType)
	}
	switch len(r.Data.Result) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("prometheus query: %d series, want one (aggregate the query, e.g. with sum)", len(r.Data.Result))
	}
	values := make([]float64, 0, len(r.Data.Result[0].Values))
	for _, pair := range r.Data.Result[0].Values {
		s, ok := pair[1].(string)
		if !ok {
			return nil, fmt.Errorf("prometheus query: sample value %v is not a string", pair[1])
		}
		v, err := parseValue(s)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}

// parseValue reads a sample value; Prometheus writes NaN and infinities as "NaN", "+Inf", "-Inf".
func parseValue(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("prometheus query: sample value %q is not a number", s)
	}
	return v, nil
}
