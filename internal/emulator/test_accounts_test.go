package emulator

import (
	"strings"
	"testing"
)

// withTestAccounts sets filterTestAccounts on a FunnelsQuery's JSON.
func withTestAccounts(funnel string, on bool) string {
	flag := `"filterTestAccounts": false, `
	if on {
		flag = `"filterTestAccounts": true, `
	}
	return strings.Replace(funnel, `{"kind": "FunnelsQuery", `, `{"kind": "FunnelsQuery", `+flag, 1)
}

// S4 persons carry name = their distinct id; a test-account filter
// "name not_icontains user_1" drops user_1 and user_10..19 wherever the query
// asks for it, and nowhere else (docs/dev/posthog-behaviour.md#query-api).
func TestQueryFunnelFilterTestAccounts(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	e.mustJSON(e.post("/_emulator/test-account-filters", map[string]any{"filters": []any{
		map[string]any{"key": "name", "type": "person", "operator": "not_icontains", "value": "USER_1"},
	}}), 200)
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	wantNames(t, "step 3, filtered", queryNames(e, actorsQuery(funnelActors(3, withTestAccounts(f, true)), "")),
		"user_0", "user_2", "user_3", "user_4")
	wantNames(t, "step -3, filtered", queryNames(e, actorsQuery(funnelActors(-3, withTestAccounts(f, true)), "")),
		users(5, 10)...)
	wantNames(t, "step 3, flag false", queryNames(e, actorsQuery(funnelActors(3, withTestAccounts(f, false)), "")),
		users(0, 5)...)
	wantNames(t, "step 3, no flag", queryNames(e, actorsQuery(funnelActors(3, f), "")), users(0, 5)...)

	// Clearing the filters makes the flag a no-op, as for a team without any.
	e.mustJSON(e.post("/_emulator/test-account-filters", map[string]any{"filters": []any{}}), 200)
	wantNames(t, "step 3, no filters", queryNames(e, actorsQuery(funnelActors(3, withTestAccounts(f, true)), "")),
		users(0, 5)...)
}

func TestTestAccountFiltersControlErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	for name, body := range map[string]any{
		"not a list":   map[string]any{"filters": "email"},
		"unknown type": map[string]any{"filters": []any{map[string]any{"key": "a", "type": "bogus", "operator": "exact"}}},
		"no key":       map[string]any{"filters": []any{map[string]any{"type": "person", "operator": "exact"}}},
	} {
		if r := e.post("/_emulator/test-account-filters", body); r.status != 400 {
			t.Errorf("%s: status %d, want 400", name, r.status)
		}
	}
}

// Config.TestAccountFilters sets the filters at start.
func TestQueryLifecycleFilterTestAccountsFromConfig(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{TestAccountFilters: []any{
		map[string]any{"key": "name", "type": "person", "operator": "is_not", "value": "p2"},
	}}, "S1")
	lifecycle := func(flag string) string {
		return `{"kind": "InsightActorsQuery", "day": "2020-01-13", "status": "dormant", "source": {"kind": "LifecycleQuery", ` +
			flag + `"series": [{"kind": "EventsNode", "event": "$pageview"}], "interval": "day",
			"dateRange": {"date_from": "2020-01-12T00:00:00Z", "date_to": "2020-01-19T00:00:00Z"}}}`
	}
	// S1: p2 and p3 are dormant on the 13th; p2 is a test account.
	wantNames(t, "dormant 13th, filtered", queryNames(e, actorsQuery(lifecycle(`"filterTestAccounts": true, `), "")), "p3")
	wantNames(t, "dormant 13th, unfiltered", queryNames(e, actorsQuery(lifecycle(""), "")), "p2", "p3")
}
