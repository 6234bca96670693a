package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Problem is the JSON body of every API error. Field names the input field
// that is wrong, when one is.
type Problem struct {
	Status  int    `json:"-"`
	Error   string `json:"error"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// WriteProblem writes p as the error body.
func WriteProblem(w http.ResponseWriter, p Problem) {
	if p.Error == "" {
		p.Error = strings.ToLower(strings.ReplaceAll(http.StatusText(p.Status), " ", "_"))
	}
	WriteJSON(w, p.Status, p)
}

// Error writes a problem with status and message.
func Error(w http.ResponseWriter, status int, format string, a ...any) {
	WriteProblem(w, Problem{Status: status, Message: fmt.Sprintf(format, a...)})
}

// Invalid writes 422 naming the field that is wrong.
func Invalid(w http.ResponseWriter, field, format string, a ...any) {
	WriteProblem(w, Problem{Status: http.StatusUnprocessableEntity, Error: "invalid",
		Field: field, Message: fmt.Sprintf(format, a...)})
}

// ErrBodyTooLarge is what DecodeJSON returns for an over-long body.
var ErrBodyTooLarge = errors.New("web: request body too large")

// DecodeJSON reads one JSON object of at most limit bytes from r's body into
// v, refusing unknown fields and trailing data. On error it has already
// written the answer (400, 413 or 415) and returns false.
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		Error(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json, not %q", ct)
		return false
	}
	err := decodeLimited(w, r, limit, v)
	var tooBig *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		Error(w, http.StatusRequestEntityTooLarge, "request body is over %d bytes", limit)
	case errors.As(err, &typ):
		Invalid(w, typ.Field, "must be a JSON %s, not %s", typ.Type, typ.Value)
	case errors.As(err, &syn):
		Error(w, http.StatusBadRequest, "body is not valid JSON at byte %d: %v", syn.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		Invalid(w, field, "unknown field")
	default:
		Error(w, http.StatusBadRequest, "body: %v", err)
	}
	return false
}

func decodeLimited(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body, want a JSON object")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return errors.New("trailing data after the JSON object")
	}
	return nil
}
