package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/ficus-dev/ficus"
)

// maxBody bounds request bodies; the API's bodies are a few dozen bytes.
const maxBody = 1 << 20

// decodeBody decodes the JSON object in r's body into dst, a pointer to a struct, strictly: the
// Content-Type must be JSON, the body at most maxBody bytes, every key must be a field of dst spelled
// exactly as its json tag, and nothing may follow the object. Errors name what is wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return ficus.Errorf(eTooLarge, "request body is larger than %d bytes", maxBody)
		}
		return ficus.Errorf(ficus.EInvalid, "read request body: %v", err)
	}
	var fields map[string]json.RawMessage
	if err := decodeOne(body, &fields); err != nil {
		return err
	}
	if fields == nil {
		return ficus.Errorf(ficus.EInvalid, "request body must be a JSON object")
	}
	if err := checkFields(fields, dst); err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return jsonError(err)
	}
	return nil
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return ficus.Errorf(eUnsupportedMediaType, "Content-Type must be application/json, got %q", ct)
	}
	return nil
}

// decodeOne decodes exactly one JSON value from body into dst and refuses anything after it.
func decodeOne(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return ficus.Errorf(ficus.EInvalid, "request body is empty; expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return ficus.Errorf(ficus.EInvalid, "request body has data after the JSON object, which ends at byte %d", end)
	}
	return nil
}

// checkFields refuses keys that are not the json name of one of dst's fields. encoding/json matches
// keys case-insensitively and has no typed error for unknown fields, hence this check of its own.
func checkFields(fields map[string]json.RawMessage, dst any) error {
	known := jsonFields(reflect.TypeOf(dst).Elem())
	var unknown []string
	for k := range fields {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return ficus.Errorf(ficus.EInvalid, "unknown field %q in request body; allowed fields: %s",
		unknown[0], strings.Join(known, ", "))
}

// jsonFields lists the json names of a struct type's exported fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// jsonError turns encoding/json's typed errors into messages that say where the body is wrong.
func jsonError(err error) error {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return ficus.Errorf(ficus.EInvalid, "request body is not valid JSON at byte %d: %v", e.Offset, e)
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return ficus.Errorf(ficus.EInvalid, "request body must be a JSON object, got a JSON %s", e.Value)
		}
		return ficus.Errorf(ficus.EInvalid, "field %q must be a JSON %s, got a JSON %s", e.Field, jsonKind(e.Type), e.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return ficus.Errorf(ficus.EInvalid, "request body is truncated JSON")
	}
	return ficus.Errorf(ficus.EInvalid, "request body: %v", err)
}

// jsonKind names a Go type the way a JSON author thinks of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}
