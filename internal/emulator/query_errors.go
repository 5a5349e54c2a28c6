package emulator

// Error answers of the Query API and of the legacy actor endpoints; qUnsupported
// also serves the persons list.

import (
	"fmt"
	"net/http"
)

// queryError is an error answer of the Query API or of the legacy actor endpoints.
type queryError struct {
	status int
	typ    string
	code   string
	detail string
	// legacyBody, when set, is written verbatim (hand-built {message, detail} bodies).
	legacyBody map[string]any
}

func (e *queryError) Error() string { return e.detail }

func (e *queryError) write(w http.ResponseWriter) {
	if e.legacyBody != nil {
		writeJSON(w, e.status, e.legacyBody)
		return
	}
	writeError(w, e.status, e.typ, e.code, e.detail)
}

// qParse is the pydantic validation failure (docs/dev/posthog-behaviour.md#query-api): DRF ParseError with
// "JSON parse error - <pydantic text>". The pydantic text is an approximation
// (model, location, message); its exact wording is UNVERIFIED.
func qParse(model, loc, msg string) *queryError {
	return &queryError{status: 400, typ: "invalid_request", code: "parse_error",
		detail: fmt.Sprintf("JSON parse error - 1 validation error for %s\n%s\n  %s", model, loc, msg)}
}

// qValidation is a query-runner error surfaced as DRF ValidationError (docs/dev/posthog-behaviour.md#query-api).
func qValidation(detail string) *queryError {
	return &queryError{status: 400, typ: "validation_error", code: "invalid_input", detail: detail}
}

// qServer is an unhandled exception (plain ValueError/AssertionError in a runner).
func qServer() *queryError {
	return &queryError{status: 500, typ: "server_error", code: "error", detail: "A server error occurred."}
}

// qUnsupported marks PostHog features the emulator does not model. It is not a
// PostHog answer; 501 makes the gap obvious instead of answering wrongly.
func qUnsupported(what string) *queryError {
	return &queryError{status: http.StatusNotImplemented, typ: "server_error", code: "not_implemented",
		detail: "The PostHog emulator does not implement " + what + "."}
}
