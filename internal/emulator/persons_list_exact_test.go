package emulator

import (
	"encoding/json"
	"net/url"
	"testing"
)

// TestPersonsListExactValues: ?properties= with exact and a list of values is
// "any of", compared case-sensitively, as PostHog's has(values, property)
// does (docs/dev/posthog-behaviour.md#cohorts, "Persons by a property value").
func TestPersonsListExactValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	ann := setProps(e, "ann", map[string]any{"email": "ann@example.com"})
	ben := setProps(e, "ben", map[string]any{"email": "Ben@Example.com"})
	setProps(e, "cid", map[string]any{"email": "cid@example.com"})
	setProps(e, "dan", map[string]any{"name": "no email"})

	list := func(values ...any) []string {
		t.Helper()
		filter, _ := json.Marshal([]any{map[string]any{"key": "email", "value": values, "operator": "exact", "type": "person"}})
		b := e.mustJSON(e.get(P+"?properties="+url.QueryEscape(string(filter))), 200)
		var out []string
		for _, r := range asT[[]any](t, b["results"]) {
			out = append(out, asT[string](t, asT[map[string]any](t, r)["uuid"]))
		}
		return out
	}
	// Both were created at t0: the list orders them by id descending.
	wantList(t, list("ann@example.com", "Ben@Example.com", "nobody@example.com"), ben.UUID, ann.UUID)
	wantList(t, list("ben@example.com")) // letter case differs: no match
	wantList(t, list("ANN@EXAMPLE.COM", "ann@example.com"), ann.UUID)
	wantList(t, list()) // an empty list matches nobody
}
