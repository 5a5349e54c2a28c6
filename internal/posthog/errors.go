package posthog

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

var (
	errRedirectRefused = errors.New("refused to follow a redirect")
	errBodyTooLarge    = errors.New("response body too large")
)

// APIError is a non-2xx answer from PostHog.
type APIError struct {
	Method, Endpoint string // Endpoint = path without host and query
	StatusCode       int
	// Fields of PostHog's exceptions_hog body {type, code, detail, attr}
	// (docs/dev/posthog-behaviour.md#error-bodies); hand-built bodies fill Detail
	// from message/detail/error.
	Type, Code, Detail, Attr string
	Body                     string // short excerpt of a non-JSON body
	Attempts                 int
	RetryAfter               time.Duration // parsed wait for 429s

	note string // replaces the hint, e.g. why a throttled call was not retried
}

var (
	missingScopeRE  = regexp.MustCompile(`missing required scope '([^']+)'`)
	projectAccessRE = regexp.MustCompile(`does not have access to the requested project(?::\s*ID\s*(\d+))?`)
)

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Endpoint, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Body != "":
		b.WriteString(": unexpected non-JSON body: " + e.Body)
	}
	if e.Attr != "" {
		fmt.Fprintf(&b, " (field %q)", e.Attr)
	}
	if e.note != "" {
		b.WriteString(" (" + e.note + ")")
	} else if h := e.hint(); h != "" {
		b.WriteString(" (" + h + ")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " [gave up after %d attempts]", e.Attempts)
	}
	return b.String()
}

// hint says what the user can do about the error
// (docs/dev/posthog-behaviour.md#authentication-and-scopes).
func (e *APIError) hint() string {
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		return "PostHog answered with a redirect, which was not followed: set the provider host to the URL PostHog answers on without redirecting"
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return "the PostHog API key is missing or invalid: provide a valid personal API key"
	case http.StatusForbidden:
		if m := missingScopeRE.FindStringSubmatch(e.Detail); m != nil {
			return fmt.Sprintf("give the API key the %s scope", m[1])
		}
		if m := projectAccessRE.FindStringSubmatch(e.Detail); m != nil {
			if m[1] != "" {
				return fmt.Sprintf("project %s is not accessible with this API key: give the key access to project %s or use a project it can access", m[1], m[1])
			}
			return "the project is not accessible with this API key: give the key access to that project"
		}
		if strings.Contains(e.Detail, "does not support Personal API Key access") {
			return "this endpoint cannot be used with a scoped personal API key"
		}
		return "the API key is not allowed to do this: check its scopes and project access"
	case http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("throttled by PostHog; it asked to wait %s", e.RetryAfter.Round(time.Second))
		}
		return "throttled by PostHog"
	}
	return ""
}

// IsNotFound reports a 404 from PostHog.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

func hasStatus(err error, code int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == code
}

// excerpt makes a short single-line snippet of a body for error messages,
// cleaned by serverText. For HTML pages it prefers the <title>.
func (r redactor) excerpt(body []byte) string {
	s := string(body)
	if m := htmlTitleRE.FindStringSubmatch(s); m != nil && strings.TrimSpace(r.serverText(m[1])) != "" {
		s = "HTML page titled " + strconvQuote(r.serverText(m[1]))
	} else {
		s = r.serverText(s)
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

var htmlTitleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// newAPIError builds an APIError from a non-2xx response body. It accepts
// exceptions_hog bodies, the hand-built {message, detail}, {error} and {success,
// detail} bodies, and anything else as an excerpt
// (docs/dev/posthog-behaviour.md#error-bodies). Every text field goes through
// r.serverText.
func (r redactor) newAPIError(method, endpoint string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Endpoint: endpoint, StatusCode: status}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		if len(strings.TrimSpace(string(body))) > 0 {
			e.Body = r.excerpt(body)
		}
		return e
	}
	e.Type = jsonString(m["type"])
	e.Code = jsonString(m["code"])
	e.Attr = jsonString(m["attr"])
	detail := jsonString(m["detail"])
	msg := jsonString(m["message"])
	switch {
	case msg != "" && detail != "" && msg != detail:
		detail = msg + ": " + detail
	case detail == "" && msg != "":
		detail = msg
	}
	if detail == "" {
		detail = jsonString(m["error"])
	}
	// update/update_property hand-build a body with code and detail swapped
	// (docs/dev/posthog-behaviour.md#error-bodies): a code with spaces is really
	// the detail.
	if strings.Contains(e.Code, " ") && !strings.Contains(detail, " ") {
		e.Code, detail = detail, e.Code
	}
	e.Type, e.Code, e.Attr, e.Detail = r.serverText(e.Type), r.serverText(e.Code), r.serverText(e.Attr), r.serverText(detail)
	if e.Detail == "" && e.Code == "" {
		e.Body = r.excerpt(body)
	}
	return e
}

// jsonString renders a decoded JSON value as text ("" for null/missing).
func jsonString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// decodeError is returned when a 2xx body does not have the expected shape.
func (r redactor) decodeError(method, endpoint string, status int, body []byte, err error) error {
	return fmt.Errorf("%s %s: unexpected response from PostHog (status %d): %s; body starts: %s",
		method, endpoint, status, r.serverText(err.Error()), r.excerpt(body))
}
