package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// readJSON decodes a JSON request body (DRF JSONParser: JSON only). An empty body
// is an empty request.data, i.e. {}.
func readJSON(r *http.Request) (any, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(raw)) == "" {
		return map[string]any{}, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// truthy is Python's bool() for a decoded JSON value (docs/dev/posthog-behaviour.md#bulk-delete): "false" is true.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// absoluteURL is request.build_absolute_uri() with the query replaced.
func absoluteURL(r *http.Request, q url.Values) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

func withParams(r *http.Request, set map[string]string, del ...string) string {
	q := r.URL.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	for _, k := range del {
		q.Del(k)
	}
	return absoluteURL(r, q)
}

// intParam parses a non-negative integer query parameter, falling back to def.
func intParam(r *http.Request, name string, def int) int {
	v := r.URL.Query().Get(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return def
	}
	return n
}

type refKind int

const (
	refInvalid refKind = iota
	refInt
	refUUID
)

// parsePersonRef: a person id in a URL or query is the integer pk (anything
// Python's int() accepts, so "-1" or " 7 " is a pk that matches nobody) or the
// UUID (what uuid.UUID accepts) (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
// A pk too large for int64 is refInt with id 0, which no person has.
func parsePersonRef(ref string) (refKind, int64, string) {
	if u, ok := pyUUID(ref); ok {
		return refUUID, 0, u
	}
	if n, ok := pyInt(ref); ok {
		if n == nil {
			return refInt, 0, ""
		}
		return refInt, *n, ""
	}
	return refInvalid, 0, ""
}

// lookupRef finds a person by a parsed reference. s.mu must be held.
func (s *Server) lookupRef(kind refKind, id int64, u string) *person {
	switch kind {
	case refInt:
		return s.st.personByID(id)
	case refUUID:
		return s.st.persons[u]
	}
	return nil
}
