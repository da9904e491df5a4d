package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ficus-dev/ficus"
	"github.com/ficus-dev/ficus/control"
	"github.com/ficus-dev/ficus/diff"
)

// maxResponse bounds what the client reads of a response.
const maxResponse = 32 << 20

// Client calls the admin API. API errors come back as *ficus.Error with the server's code and
// message; a server that cannot be reached gives an error naming its URL.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// NewClient returns a client of the admin API at baseURL (e.g. "http://127.0.0.1:9090"). token is
// sent as a bearer token; "" sends none, which is enough for reads when the server has no tokens. A
// nil hc means an http.Client with a 30-second timeout.
func NewClient(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, hc: hc}
}

// Routes lists every route in config order.
func (c *Client) Routes(ctx context.Context) ([]ficus.RouteStatus, error) {
	var body routesBody
	err := c.do(ctx, http.MethodGet, "/api/v1/routes", nil, &body)
	return body.Routes, err
}

// Route returns one route.
func (c *Client) Route(ctx context.Context, name string) (ficus.RouteStatus, error) {
	var st ficus.RouteStatus
	err := c.do(ctx, http.MethodGet, routePath(name, ""), nil, &st)
	return st, err
}

// SetStage sets st.Route's stage and weight; the other fields of st are ignored.
func (c *Client) SetStage(ctx context.Context, st ficus.RouteState) (ficus.RouteStatus, error) {
	var out ficus.RouteStatus
	req := stageRequest{Stage: &st.Stage, Weight: &st.Weight}
	err := c.do(ctx, http.MethodPut, routePath(st.Route, "/stage"), req, &out)
	return out, err
}

// Rollback sends every client of the route to legacy.
func (c *Client) Rollback(ctx context.Context, name string) (ficus.RouteStatus, error) {
	var out ficus.RouteStatus
	err := c.do(ctx, http.MethodPost, routePath(name, "/rollback"), nil, &out)
	return out, err
}

// Audit returns the audit entries selected by f, newest first.
func (c *Client) Audit(ctx context.Context, f ficus.AuditFilter) ([]ficus.AuditEntry, error) {
	q := url.Values{}
	if f.Target != "" {
		q.Set("target", f.Target)
	}
	if f.AfterSeq > 0 {
		q.Set("after_seq", strconv.FormatInt(f.AfterSeq, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/api/v1/audit"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var body auditBody
	err := c.do(ctx, http.MethodGet, path, nil, &body)
	return body.Entries, err
}

// Diff returns the parallel run's results for a route.
func (c *Client) Diff(ctx context.Context, route string) (diff.Report, error) {
	var rep diff.Report
	err := c.do(ctx, http.MethodGet, routePath(route, "/diff"), nil, &rep)
	return rep, err
}

// ResetDiff clears a route's results (audited) and returns the empty report.
func (c *Client) ResetDiff(ctx context.Context, route string) (diff.Report, error) {
	var rep diff.Report
	err := c.do(ctx, http.MethodDelete, routePath(route, "/diff"), nil, &rep)
	return rep, err
}

// Rollout returns a route's rollout: plan, state, timeline and latest analysis.
func (c *Client) Rollout(ctx context.Context, route string) (control.RolloutStatus, error) {
	var st control.RolloutStatus
	err := c.do(ctx, http.MethodGet, routePath(route, "/rollout"), nil, &st)
	return st, err
}

// RolloutCommand sends command (start, promote, pause, resume or abort) to a route's rollout, with
// reason when not empty, and returns the rollout after it.
func (c *Client) RolloutCommand(ctx context.Context, route, command, reason string) (control.RolloutStatus, error) {
	var in any
	if reason != "" {
		in = rolloutRequest{Reason: reason}
	}
	var st control.RolloutStatus
	err := c.do(ctx, http.MethodPost, routePath(route, "/rollout/"+url.PathEscape(command)), in, &st)
	return st, err
}

func routePath(name, suffix string) string {
	return "/api/v1/routes/" + url.PathEscape(name) + suffix
}

// do sends a request with in (when not nil) as its JSON body and decodes a 2xx response into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("admin API request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.unreachable(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read admin API response from %s: %w", c.base, err)
	}
	if resp.StatusCode/100 != 2 {
		return apiError(resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode admin API response from %s: %w", c.base, err)
	}
	return nil
}

// unreachable names the server's URL; *url.Error would repeat the whole request URL and method.
func (c *Client) unreachable(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	return fmt.Errorf("admin API at %s is unreachable: %w", c.base, err)
}

// apiError turns an error response into a *ficus.Error. A body that is not the API's error JSON (a
// proxy in between, a wrong URL) still gives a code from the status and says what came back.
func apiError(resp *http.Response, data []byte) error {
	var eb errorBody
	if err := json.Unmarshal(data, &eb); err == nil && eb.Error.Code != "" {
		return &ficus.Error{Code: eb.Error.Code, Message: eb.Error.Message}
	}
	code := ficus.EInternal
	for c, status := range statusOf {
		if status == resp.StatusCode {
			code = c
		}
	}
	snippet := strings.TrimSpace(string(data))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "…"
	}
	return ficus.Errorf(code, "admin API at %s answered %s: %q", resp.Request.URL.Host, resp.Status, snippet)
}
