package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/ficus-dev/ficus"
)

// maxAuditLimit bounds one page of audit entries; clients page with after_seq.
const maxAuditLimit = 1000

// auditBody is the response of GET /api/v1/audit.
type auditBody struct {
	Entries []ficus.AuditEntry `json:"entries"`
}

func (s *server) listAudit(w http.ResponseWriter, r *http.Request, _ string) error {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return err
	}
	entries, err := s.audit.AuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []ficus.AuditEntry{}
	}
	return writeJSON(w, http.StatusOK, auditBody{Entries: entries})
}

// auditFilter parses ?target=&after_seq=&limit=. Unknown parameters are refused, so that a typo such
// as "afterseq" does not silently return the wrong page.
func auditFilter(q url.Values) (ficus.AuditFilter, error) {
	var f ficus.AuditFilter
	for k := range q {
		if !slices.Contains([]string{"target", "after_seq", "limit"}, k) {
			return f, ficus.Errorf(ficus.EInvalid, "unknown query parameter %q; allowed: target, after_seq, limit", k)
		}
	}
	f.Target = q.Get("target")
	var err error
	if f.AfterSeq, err = intParam(q, "after_seq", 0, 1<<62); err != nil {
		return f, err
	}
	limit, err := intParam(q, "limit", 1, maxAuditLimit)
	f.Limit = int(limit)
	return f, err
}

// intParam parses an optional integer query parameter within [lo, hi]; absent is 0.
func intParam(q url.Values, name string, lo, hi int64) (int64, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, ficus.Errorf(ficus.EInvalid, "query parameter %s=%q must be an integer from %d to %d", name, s, lo, hi)
	}
	return n, nil
}
