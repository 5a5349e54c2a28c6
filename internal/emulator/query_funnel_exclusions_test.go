package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// withExclusions adds exclusions of the event "cancel" to a funnelsQuery JSON.
func withExclusions(funnel string, ranges ...[2]int) string {
	var ex []string
	for _, r := range ranges {
		ex = append(ex, fmt.Sprintf(`{"kind": "EventsNode", "event": "cancel", "funnelFromStep": %d, "funnelToStep": %d}`, r[0], r[1]))
	}
	return strings.Replace(funnel, `"funnelsFilter": {`, `"funnelsFilter": {"exclusions": [`+strings.Join(ex, ", ")+`], `, 1)
}

// S4 (steps on May 1, 3 and 5; 7-day window; range May 1-7) plus "cancel"
// events: user_0 on May 2 (between steps 1 and 2), user_1 on May 4 (between
// 2 and 3), user_5 (reached step 2 only) on May 4, user_15 (step 1 only) on
// May 2, user_2 on May 6 (after completing), user_16 on May 9 (outside the
// date range), user_17 on April 30 (before entering). A person whose attempt
// is between the range's steps when it cancels leaves the whole funnel
// (docs/dev/posthog-behaviour.md#funnels).
func TestQueryFunnelExclusions(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	for id, day := range map[string]int{"user_0": 2, "user_1": 4, "user_5": 4, "user_15": 2, "user_2": 6, "user_16": 9} {
		e.capture("cancel", id, nil, time.Date(2021, 5, day, 12, 0, 0, 0, time.UTC))
	}
	e.capture("cancel", "user_17", nil, time.Date(2021, 4, 30, 12, 0, 0, 0, time.UTC))
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	count := func(step int, funnel string) int {
		return len(queryNames(e, actorsQuery(funnelActors(step, funnel), `"limit": 1000`)))
	}

	first := withExclusions(f, [2]int{0, 1})
	wantNames(t, "0-1, step 3", queryNames(e, actorsQuery(funnelActors(3, first), "")), "user_1", "user_2", "user_3", "user_4")
	if n := count(1, first); n != 33 {
		t.Errorf("0-1, step 1: %d persons, want 33 (all but user_0 and user_15)", n)
	}
	if n := count(2, first); n != 14 {
		t.Errorf("0-1, step 2: %d persons, want 14 (user_1..14)", n)
	}

	second := withExclusions(f, [2]int{1, 2})
	wantNames(t, "1-2, step 3", queryNames(e, actorsQuery(funnelActors(3, second), "")), "user_0", "user_2", "user_3", "user_4")
	wantNames(t, "1-2, step -3", queryNames(e, actorsQuery(funnelActors(-3, second), "")), users(6, 15)...)

	both := withExclusions(f, [2]int{0, 2})
	wantNames(t, "0-2, step 3", queryNames(e, actorsQuery(funnelActors(3, both), "")), "user_2", "user_3", "user_4")
	if n := count(1, both); n != 31 {
		t.Errorf("0-2, step 1: %d persons, want 31 (all but user_0, 1, 5, 15)", n)
	}
}

func TestQueryFunnelExclusionErrors(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	on := func(event string, from, to int) string {
		return strings.Replace(f, `"funnelsFilter": {`, fmt.Sprintf(`"funnelsFilter": {"exclusions": [{"kind": "EventsNode", "event": %q, "funnelFromStep": %d, "funnelToStep": %d}], `, event, from, to), 1)
	}
	for _, c := range []struct {
		name, funnel, detail string
	}{
		{"empty range", on("cancel", 1, 1), "Exclusion event range is invalid. End of range should be greater than start."},
		{"start past the steps", on("cancel", 2, 3), "Exclusion event range is invalid. Start of range is greater than number of steps."},
		{"end past the steps", on("cancel", 0, 3), "Exclusion event range is invalid. End of range is greater than number of steps."},
		{"a step's event", on("step two", 0, 1), "Exclusion steps cannot contain an event that's part of funnel steps."},
	} {
		r := e.post(QP, jsonBody(t, actorsQuery(funnelActors(1, c.funnel), "")))
		wantError(t, r, 400, "validation_error", "invalid_input", c.detail)
	}
	// A step's event outside the range may be excluded.
	e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(funnelActors(1, on("step three", 0, 1)), ""))), 200)
}
