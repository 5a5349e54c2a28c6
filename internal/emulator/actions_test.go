package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const actionsPath = "/api/projects/1/actions/"

// createAction posts an action and returns its id.
func (e *env) createAction(body string) int {
	e.t.Helper()
	m := e.mustJSON(e.post(actionsPath, jsonBody(e.t, body)), 201)
	return int(asT[float64](e.t, m["id"]))
}

// actionFunnel is a two-step funnel over S4's dates: "step one", then the action.
func actionFunnel(id int) string {
	return strings.Replace(funnelsQuery("ordered", "step one", "x"), `{"kind": "EventsNode", "event": "x"}`,
		fmt.Sprintf(`{"kind": "ActionsNode", "id": %d}`, id), 1)
}

// S4 plus $pageview events on May 2: user_15 (step one only) on
// https://x.com/pricing?a, user_16 on https://x.com/about, user_17 on
// https://x.com/PRICING. The action "Interested" is "step two" OR a
// $pageview whose URL contains "/pricing" (case-sensitive LIKE), so the
// second step is reached by user_0..14 (step two) and user_15; "About" is a
// $pageview on exactly https://x.com/about: user_16 only
// (docs/dev/posthog-behaviour.md#actions).
func TestQueryFunnelActions(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	may2 := time.Date(2021, 5, 2, 12, 0, 0, 0, time.UTC)
	for id, url := range map[string]string{"user_15": "https://x.com/pricing?a", "user_16": "https://x.com/about", "user_17": "https://x.com/PRICING"} {
		e.capture("$pageview", id, map[string]any{"$current_url": url}, may2)
	}
	interested := e.createAction(`{"name": "Interested", "steps": [{"event": "step two"},
		{"event": "$pageview", "url": "/pricing"}]}`)
	about := e.createAction(`{"name": "About", "steps": [{"event": "$pageview", "url": "https://x.com/about", "url_matching": "exact"}]}`)
	wantNames(t, "interested, step 2", queryNames(e, actorsQuery(funnelActors(2, actionFunnel(interested)), `"limit": 100`)), users(0, 16)...)
	wantNames(t, "about, step 2", queryNames(e, actorsQuery(funnelActors(2, actionFunnel(about)), "")), "user_16")

	// An action with a property filter on its step: icontains ignores case, so user_15 and user_17.
	upper := e.createAction(`{"name": "Upper", "steps": [{"event": "$pageview", "properties": [{"key": "$current_url", "value": "PRICING", "operator": "icontains"}]}]}`)
	wantNames(t, "upper, step 2", queryNames(e, actorsQuery(funnelActors(2, actionFunnel(upper)), "")), "user_15", "user_17")

	r := e.post(QP, jsonBody(t, actorsQuery(funnelActors(1, actionFunnel(999)), "")))
	wantError(t, r, 400, "validation_error", "invalid_input", "Action ID 999 does not exist!")
}

// S1 with the action "Viewed" ($pageview): the lifecycle of the action is
// the lifecycle of $pageview. An unknown action fails the lifecycle runner.
func TestQueryLifecycleActions(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S1")
	viewed := e.createAction(`{"name": "Viewed", "steps": [{"event": "$pageview"}]}`)
	src := func(id int) string {
		return strings.Replace(lifecycleSource("2020-01-13", "dormant", "2020-01-12", "2020-01-19", "day", ""),
			`{"kind": "EventsNode", "event": "$pageview", "math": "total"}`, fmt.Sprintf(`{"kind": "ActionsNode", "id": %d}`, id), 1)
	}
	wantNames(t, "dormant on the 13th", queryNames(e, actorsQuery(src(viewed), "")), "p2", "p3")
	r := e.post(QP, jsonBody(t, actorsQuery(src(999), "")))
	if r.status != 500 {
		t.Errorf("unknown action in a lifecycle: status %d, want 500", r.status)
	}
}

func TestActionsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	created := e.mustJSON(e.post(actionsPath, jsonBody(t, `{"name": "Signed up", "steps": [{"event": "signed up"}]}`)), 201)
	step := asT[map[string]any](t, asT[[]any](t, created["steps"])[0])
	if step["event"] != "signed up" || step["url_matching"] != "contains" {
		t.Errorf("step %v: want the event and url_matching defaulting to contains", step)
	}
	id := int(asT[float64](t, created["id"]))
	got := e.mustJSON(e.get(fmt.Sprintf("%s%d/", actionsPath, id)), 200)
	if got["name"] != "Signed up" {
		t.Errorf("retrieve: %v", got)
	}
	list := e.mustJSON(e.get(actionsPath), 200)
	if n := len(asT[[]any](t, list["results"])); n != 1 {
		t.Errorf("list: %d actions, want 1", n)
	}
	r := e.post(actionsPath, jsonBody(t, `{"name": "Signed up"}`))
	wantError(t, r, 400, "validation_error", "unique", fmt.Sprintf("This project already has an action with this name, ID %d", id))
	r = e.post(actionsPath, jsonBody(t, `{"name": "Bad", "steps": [{"url_matching": "prefix"}]}`))
	if r.status != 400 {
		t.Errorf("bad url_matching: status %d, want 400", r.status)
	}
	if r := e.get(actionsPath + "999/"); r.status != 404 {
		t.Errorf("unknown action: status %d, want 404", r.status)
	}
}

// S6 with "paid" as an action: the correlation persons are S6's. With an
// action that also matches positively_related, that event is a step event
// (the event names of the action's steps), which a correlated event never
// is: nobody is listed (docs/dev/posthog-behaviour.md#actions).
func TestQueryCorrelationActionSteps(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S6")
	paid := e.createAction(`{"name": "Paid", "steps": [{"event": "paid"}]}`)
	wide := e.createAction(`{"name": "Paid or positive", "steps": [{"event": "paid"}, {"event": "positively_related"}]}`)
	src := func(id int) string {
		return strings.Replace(correlationSource("true", "positively_related"), `{"kind": "EventsNode", "event": "paid"}`,
			fmt.Sprintf(`{"kind": "ActionsNode", "id": %d}`, id), 1)
	}
	wantNames(t, "paid action", queryNames(e, actorsQuery(src(paid), "")), "user_0", "user_2", "user_4", "user_6", "user_8")
	wantNames(t, "action with the correlated event", queryNames(e, actorsQuery(src(wide), "")))
}
