package admin

import (
	"net/http"

	"github.com/ficus-dev/ficus"
)

// Error codes the API adds to ficus's domain codes for failures that only exist at the HTTP edge.
const (
	eMethodNotAllowed     = "method_not_allowed"
	eTooLarge             = "too_large"
	eUnsupportedMediaType = "unsupported_media_type"
)

// statusOf is the one place where error codes become HTTP statuses. A code missing here is answered
// as an internal error.
var statusOf = map[string]int{
	ficus.EInvalid:        http.StatusBadRequest,
	ficus.ENotFound:       http.StatusNotFound,
	ficus.EConflict:       http.StatusConflict,
	ficus.EUnauthorized:   http.StatusUnauthorized,
	ficus.EForbidden:      http.StatusForbidden,
	ficus.EUnavailable:    http.StatusServiceUnavailable,
	ficus.EInternal:       http.StatusInternalServerError,
	eMethodNotAllowed:     http.StatusMethodNotAllowed,
	eTooLarge:             http.StatusRequestEntityTooLarge,
	eUnsupportedMediaType: http.StatusUnsupportedMediaType,
}

// errorBody is the JSON of every error response: {"error":{"code":"...","message":"..."}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fail answers with err as a JSON error. Internal errors are logged with their details and answered
// with a generic message, so that nothing about the server's insides leaks to clients.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := ficus.ErrorCode(err), ficus.ErrorMessage(err)
	status, known := statusOf[code]
	if !known || status == http.StatusInternalServerError {
		s.log.Error("admin API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		code, msg, status = ficus.EInternal, "internal error", http.StatusInternalServerError
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ficus"`)
	}
	if err := writeJSON(w, status, errorBody{errorDetail{Code: code, Message: msg}}); err != nil {
		s.log.Error("admin API: write error response", "err", err)
	}
}
