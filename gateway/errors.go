package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// statusClientClosed is the status recorded (never sent) when the client went away before the
// response started, as nginx's 499: it is the client's doing, not an upstream error.
const statusClientClosed = 499

// proxyError is an error the gateway answers itself. Its body, {"error":{"code":...,"message":...}},
// is rendered once at start-up so that answering errors allocates nothing.
type proxyError struct {
	status int
	code   string
	body   []byte
	length []string
}

func newProxyError(status int, code, message string) *proxyError {
	type detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	body, err := json.Marshal(struct {
		Error detail `json:"error"`
	}{detail{code, message}})
	if err != nil {
		panic(err) // two strings always marshal
	}
	body = append(body, '\n')
	return &proxyError{status: status, code: code, body: body, length: []string{strconv.Itoa(len(body))}}
}

// The errors the proxy answers with.
var (
	errNoRoute     = newProxyError(http.StatusNotFound, "no_route", "no route matches the request")
	errUnavailable = newProxyError(http.StatusBadGateway, "upstream_unavailable", "the upstream could not be reached or broke off the exchange")
	errTimeout     = newProxyError(http.StatusGatewayTimeout, "upstream_timeout", "the upstream did not answer in time")
)

var (
	jsonContentType = []string{"application/json"}
	nosniff         = []string{"nosniff"}
)

// write answers with e, keeping headers already set (the backend header) and dropping any that
// came from a failed upstream exchange.
func (e *proxyError) write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = e.length
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body) // the client may be gone; nothing to do about it
}
