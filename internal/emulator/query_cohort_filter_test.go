package emulator

import (
	"fmt"
	"strings"
	"testing"
)

// S4 with the static cohort {user_0, user_5, user_15}: as an insight
// property, step 1 is those three and step 2 user_0 and user_5; not_in at
// step 3 leaves user_1..4. As an ActorsQuery property it filters the listed
// persons the same way. An unknown cohort id fails the query
// (docs/dev/posthog-behaviour.md#cohort-filters).
func TestQueryCohortFilters(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	var uuids []string
	for _, n := range []string{"user_0", "user_5", "user_15"} {
		uuids = append(uuids, `"`+e.person(n).UUID+`"`)
	}
	created := e.mustJSON(e.post("/api/projects/1/cohorts/", jsonBody(t,
		`{"name": "Beta", "is_static": true, "_create_static_person_ids": [`+strings.Join(uuids, ", ")+`]}`)), 201)
	id := int(asT[float64](t, created["id"]))
	withCohort := func(id int, op string) string {
		return strings.Replace(funnelsQuery("ordered", "step one", "step two", "step three"), `"series"`,
			fmt.Sprintf(`"properties": [{"type": "cohort", "key": "id", "value": %d, "operator": %q}], "series"`, id, op), 1)
	}
	wantNames(t, "in, step 1", queryNames(e, actorsQuery(funnelActors(1, withCohort(id, "in")), "")), "user_0", "user_15", "user_5")
	wantNames(t, "in, step 2", queryNames(e, actorsQuery(funnelActors(2, withCohort(id, "in")), "")), "user_0", "user_5")
	wantNames(t, "not_in, step 3", queryNames(e, actorsQuery(funnelActors(3, withCohort(id, "not_in")), "")), users(1, 5)...)
	plain := funnelsQuery("ordered", "step one", "step two", "step three")
	actorsProps := fmt.Sprintf(`"properties": [{"type": "cohort", "key": "id", "value": %d, "operator": "in"}]`, id)
	wantNames(t, "ActorsQuery properties, step 2", queryNames(e, actorsQuery(funnelActors(2, plain), actorsProps)), "user_0", "user_5")
	if r := e.post(QP, jsonBody(t, actorsQuery(funnelActors(1, withCohort(999, "in")), ""))); r.status != 500 {
		t.Errorf("unknown cohort: status %d, want 500", r.status)
	}
}
