package diff

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// caseFile is testdata/cases/NAME/case.json: how to build the two responses around left.body and
// right.body, and the options. Every field may be omitted.
type caseFile struct {
	Options Options  `json:"options"`
	Text    string   `json:"text"` // ParseTextMode syntax, for Options.Text
	Left    sideFile `json:"left"`
	Right   sideFile `json:"right"`
}

type sideFile struct {
	Status  int               `json:"status"` // 0 means 200
	Headers map[string]string `json:"headers"`
	// Encoding is a Content-Encoding list ("gzip", "br, gzip") applied to the body by the test;
	// "deflate-raw" sends raw deflate labelled "deflate"; "gzip-corrupt" a truncated gzip stream.
	Encoding string `json:"encoding"`
}

// TestGoldenCases compares every pair under testdata/cases and checks the result against want.txt.
func TestGoldenCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "cases", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases found: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cf := readCase(t, dir)
			c, err := Compile(cf.Options)
			if err != nil {
				t.Fatal(err)
			}
			left := buildResponse(t, cf.Left, readOptional(t, filepath.Join(dir, "left.body")))
			right := buildResponse(t, cf.Right, readOptional(t, filepath.Join(dir, "right.body")))
			checkGolden(t, filepath.Join(dir, "want.txt"), formatResult(c.Compare(left, right)))
		})
	}
}

func readCase(t *testing.T, dir string) caseFile {
	t.Helper()
	var cf caseFile
	if b := readOptional(t, filepath.Join(dir, "case.json")); b != nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cf); err != nil {
			t.Fatalf("case.json: %v", err)
		}
	}
	mode, err := ParseTextMode(cf.Text)
	if err != nil {
		t.Fatal(err)
	}
	cf.Options.Text = mode
	return cf
}

func readOptional(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buildResponse(t *testing.T, s sideFile, body []byte) Response {
	t.Helper()
	r := Response{Status: s.Status, Header: http.Header{}, Body: body}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	for k, v := range s.Headers {
		r.Header.Set(k, v)
	}
	switch s.Encoding {
	case "":
	case "deflate-raw":
		r.Body = encode(t, "deflate-raw", body)
		r.Header.Set("Content-Encoding", "deflate")
	case "gzip-corrupt":
		gz := encode(t, "gzip", body)
		r.Body = gz[:len(gz)/2]
		r.Header.Set("Content-Encoding", "gzip")
	default:
		codings := strings.Split(s.Encoding, ",")
		for _, c := range codings {
			r.Body = encode(t, strings.TrimSpace(c), r.Body)
		}
		r.Header.Set("Content-Encoding", s.Encoding)
	}
	return r
}

func encode(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "deflate-raw":
		fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	case "br":
		w = brotli.NewWriter(&buf)
	default:
		t.Fatalf("unknown test encoding %q", coding)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// formatResult writes a Result the way golden files hold it: one block per difference.
func formatResult(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "equal: %v\n", r.Equal)
	if r.Skipped != "" {
		fmt.Fprintf(&b, "skipped: %s\n", r.Skipped)
	}
	if r.Truncated > 0 {
		fmt.Fprintf(&b, "and %d more\n", r.Truncated)
	}
	for _, d := range r.Differences {
		fmt.Fprintf(&b, "\n%s %s\n", d.Kind, d.Path)
		fmt.Fprintf(&b, "  left:  %s\n", d.Left)
		fmt.Fprintf(&b, "  right: %s\n", d.Right)
		if d.Note != "" {
			fmt.Fprintf(&b, "  note:  %s\n", d.Note)
		}
	}
	return b.String()
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("result differs from %s (check, then run with -update):\ngot:\n%s\nwant:\n%s", file, got, want)
	}
}
