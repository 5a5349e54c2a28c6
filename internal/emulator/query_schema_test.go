package emulator

import (
	"strings"
	"testing"
)

// What PostHog's query schema refuses is refused with its 400 parse_error,
// wherever in the accepted definitions it is: enums, literals, types, extra
// keys, required keys (docs/dev/posthog-behaviour.md#query-api). Each case is
// read from schema.json by hand.
func TestQuerySchemaRejects(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	life := lifecycleSource("2020-01-12", "returning", "2020-01-12", "2020-01-19", "day", "")
	for _, c := range []struct{ name, body, fragment string }{
		{"refresh not a RefreshType", `{"refresh": true, "query": {"kind": "ActorsQuery"}}`, "refresh\n  Input should be 'async'"},
		{"limit_context outside its enum", `{"limit_context": "other", "query": {"kind": "ActorsQuery"}}`, "limit_context\n  Input should be 'posthog_ai'"},
		{"name not a string", `{"name": 5, "query": {"kind": "ActorsQuery"}}`, "name\n  Input should be a valid string"},
		{"modifiers enum", actorsQuery(funnelActors(1, f), `"modifiers": {"bounceRatePageViewMode": "x"}`), "query.modifiers.bounceRatePageViewMode\n  Input should be"},
		{"modifiers extra key", actorsQuery(funnelActors(1, f), `"modifiers": {"nope": 1}`), "query.modifiers.nope\n  Extra inputs are not permitted"},
		{"tags extra key", actorsQuery(funnelActors(1, f), `"tags": {"team": "x"}`), "query.tags.team\n  Extra inputs are not permitted"},
		{"select item not a string", actorsQuery(funnelActors(1, f), `"orderBy": [1]`), "query.orderBy.0\n  Input should be a valid string"},
		{"series node extra key", actorsQuery(funnelActors(1, strings.Replace(f, `"event": "step one"`, `"event": "step one", "colour": "red"`, 1)), ""),
			"query.source.source.series.0.colour\n  Extra inputs are not permitted"},
		{"window unit enum", actorsQuery(funnelActors(1, strings.Replace(f, `"funnelWindowIntervalUnit": "day"`, `"funnelWindowIntervalUnit": "fortnight"`, 1)), ""),
			"query.source.source.funnelsFilter.funnelWindowIntervalUnit\n  Input should be"},
		{"dateRange flag not a boolean", actorsQuery(funnelActors(1, strings.Replace(f, `"date_to": "2021-05-07"`, `"date_to": "2021-05-07", "explicitDate": "maybe"`, 1)), ""),
			"query.source.source.dateRange.explicitDate\n  Input should be a valid boolean"},
		{"person filter operator enum", actorsQuery(funnelActors(1, f), `"properties": [{"type": "person", "key": "name", "value": "x", "operator": "resembles"}]`),
			"query.properties"},
		{"lifecycle kind literal", actorsQuery(strings.Replace(life, `"kind": "LifecycleQuery"`, `"kind": "LifeCycleQuery"`, 1), ""),
			"query.source.source\n  Input tag 'LifeCycleQuery'"},
		{"required series", actorsQuery(funnelActors(1, `{"kind": "FunnelsQuery"}`), ""), "query.source.source.series\n  Field required"},
	} {
		t.Run(c.name, func(t *testing.T) { wantParseError(t, e.post(QP, jsonBody(t, c.body)), c.fragment) })
	}
}

// pydantic's lax mode: numeric strings are integers, "true" a boolean, and null
// an omitted optional field (docs/dev/posthog-behaviour.md#query-api).
func TestQuerySchemaLaxInput(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	src := `{"kind": "FunnelsActorsQuery", "funnelStep": "3", "source": ` + f + `}`
	m := e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(src, `"limit": "2", "search": null`))), 200)
	if n := len(asT[[]any](t, m["results"])); n != 2 || m["limit"] != 2.0 || m["hasMore"] != true {
		t.Fatalf("limit \"2\" of funnelStep \"3\" (5 persons): %d rows, %v", n, m["limit"])
	}
}
