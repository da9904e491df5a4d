package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// writeJSON answers with v as indented JSON, readable with curl. It encodes before writing anything,
// so that an encoding error can still become a 500; a failed write means the client is gone and is
// not reported.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}
