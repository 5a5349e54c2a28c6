package emulator

import (
	"strconv"
	"testing"
	"time"
)

// A filter value keeps its JSON type through validation, as pydantic's smart
// union keeps true a boolean in string | number | boolean rather than
// converting it to 1 (docs/dev/posthog-behaviour.md#query-api).
func TestQueryTypedFilterValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	at := time.Date(2021, 5, 2, 12, 0, 0, 0, time.UTC)
	for id, beta := range map[string]any{"u_true": true, "u_false": false, "u_one": 1} {
		e.capture("step one", id, map[string]any{"$set": map[string]any{"beta": beta, "name": id}}, at)
		e.capture("step two", id, nil, at.Add(time.Hour))
	}
	f := funnelsQuery("ordered", "step one", "step two")
	filtered := func(value string) string {
		return actorsQuery(funnelActors(2, f), `"properties": [{"type": "person", "key": "beta", "operator": "exact", "value": `+value+`}]`)
	}
	for value, want := range map[string][]string{
		`true`:            {"u_true"},
		`"true"`:          {"u_true"},
		`1`:               {"u_one"},
		`[false, 1]`:      {"u_false", "u_one"},
		strconv.Quote(""): nil,
	} {
		wantNames(t, "value "+value, queryNames(e, filtered(value)), want...)
	}
}
