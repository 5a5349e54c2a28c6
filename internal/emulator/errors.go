package emulator

import (
	"encoding/json"
	"net/http"
)

// apiError is the drf-exceptions-hog body (docs/dev/posthog-behaviour.md#error-bodies): {type, code, detail, attr}.
type apiError struct {
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Attr   *string `json:"attr"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, code, detail string) {
	writeJSON(w, status, apiError{Type: typ, Code: code, Detail: detail})
}

// writeAttrError writes a 400 validation_error body with attr set.
func writeAttrError(w http.ResponseWriter, code, detail, attr string) {
	writeJSON(w, http.StatusBadRequest, apiError{Type: "validation_error", Code: code, Detail: detail, Attr: &attr})
}

// Helpers for the common exception classes, with the exceptions_hog type mapping
// (docs/dev/posthog-behaviour.md#error-bodies).

func errValidation(w http.ResponseWriter, detail string) {
	writeError(w, http.StatusBadRequest, "validation_error", "invalid_input", detail)
}

func errNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "invalid_request", "not_found", "Not found.")
}

func errEndpointNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "invalid_request", "not_found", "Endpoint not found.")
}

func errMethodNotAllowed(w http.ResponseWriter, method string) {
	writeError(w, http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", `Method "`+method+`" not allowed.`)
}

func errServer(w http.ResponseWriter) {
	// Unhandled exceptions (docs/dev/posthog-behaviour.md#error-bodies).
	writeError(w, http.StatusInternalServerError, "server_error", "error", "A server error occurred.")
}

// detailError is an error whose text is PostHog's exact detail string, written
// verbatim into a response body.
type detailError string

func (e detailError) Error() string { return string(e) }

func errParse(w http.ResponseWriter, err error) {
	// DRF ParseError message for a bad JSON body.
	writeError(w, http.StatusBadRequest, "invalid_request", "parse_error", "JSON parse error - "+err.Error())
}
