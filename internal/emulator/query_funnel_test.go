package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func funnelsQuery(order string, steps ...string) string {
	series := make([]string, len(steps))
	for i, s := range steps {
		series[i] = fmt.Sprintf(`{"kind": "EventsNode", "event": %q}`, s)
	}
	return `{"kind": "FunnelsQuery", "dateRange": {"date_from": "2021-05-01", "date_to": "2021-05-07"},
	  "funnelsFilter": {"funnelWindowInterval": 7, "funnelWindowIntervalUnit": "day", "funnelOrderType": "` + order + `"},
	  "series": [` + strings.Join(series, ", ") + `]}`
}

func funnelActors(step int, funnel string) string {
	return fmt.Sprintf(`{"kind": "FunnelsActorsQuery", "funnelStep": %d, "source": %s}`, step, funnel)
}

func users(lo, hi int) []string {
	var out []string
	for i := lo; i < hi; i++ {
		out = append(out, "user_"+strconv.Itoa(i))
	}
	return out
}

func TestQueryFunnelS4Ordered(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	for step, want := range map[int][]string{1: users(0, 35), 2: users(0, 15), 3: users(0, 5), -2: users(15, 35), -3: users(5, 15)} {
		wantNames(t, "funnelStep "+strconv.Itoa(step), queryNames(e, actorsQuery(funnelActors(step, f), "")), want...)
	}
	wantNames(t, "beyond the last step", queryNames(e, actorsQuery(funnelActors(4, f), "")))
}

func TestQueryFunnelS4Paging(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4-offset")
	src := funnelActors(1, funnelsQuery("ordered", "step one", "step two", "step three"))
	first := e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(src, ""))), 200)
	if n := len(asT[[]any](t, first["results"])); n != 100 || first["hasMore"] != true {
		t.Fatalf("page 1: %d rows, hasMore %v", n, first["hasMore"])
	}
	second := e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(src, `"offset": 100`))), 200)
	if n := len(asT[[]any](t, second["results"])); n != 10 || second["hasMore"] != false || second["offset"] != float64(100) {
		t.Fatalf("page 2: %d rows, hasMore %v", n, second["hasMore"])
	}
	// Pages of 40 cover all 110 persons exactly once.
	seen := map[string]bool{}
	for off := 0; ; off += 40 {
		m := e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(src, fmt.Sprintf(`"limit": 40, "offset": %d`, off)))), 200)
		for _, n := range names(t, m) {
			if seen[n] {
				t.Fatalf("%s twice", n)
			}
			seen[n] = true
		}
		if m["hasMore"] != true {
			break
		}
	}
	if len(seen) != 110 {
		t.Fatalf("%d persons over all pages", len(seen))
	}
	// limit <= 0 means 100; a huge limit is clamped; a negative offset is 0.
	m := e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(src, `"limit": 0, "offset": -5`))), 200)
	if m["limit"] != float64(100) || m["offset"] != float64(0) {
		t.Fatalf("limit %v offset %v", m["limit"], m["offset"])
	}
	m = e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(src, `"limit": 1000000`))), 200)
	if m["limit"] != float64(50000) || len(asT[[]any](t, m["results"])) != 110 {
		t.Fatalf("clamp: limit %v", m["limit"])
	}
}

// S4 small variant on S1 data: [$pageview, $pageview], step 2 → p1, p2.
func TestQueryFunnelRepeatedStep(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{Timezone: "US/Pacific"}, "S1")
	f := `{"kind": "FunnelsQuery", "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-19"},
	  "series": [{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$pageview"}]}`
	wantNames(t, "step 2", queryNames(e, actorsQuery(funnelActors(2, f), "")), "p1", "p2")
}

func TestQueryFunnelS5(t *testing.T) {
	t.Parallel()
	strict := seeded(t, Config{}, "S5-strict")
	f := funnelsQuery("strict", "step one", "step two", "step three")
	for step, want := range map[int][]string{1: users(0, 35), 2: users(5, 15), -2: append(users(0, 5), users(15, 35)...), 3: nil} {
		wantNames(t, "strict "+strconv.Itoa(step), queryNames(strict, actorsQuery(funnelActors(step, f), "")), want...)
	}
	unordered := seeded(t, Config{}, "S5-unordered")
	f = funnelsQuery("unordered", "step one", "step two", "step three")
	for step, want := range map[int][]string{1: users(0, 35), 3: users(0, 5), -2: users(15, 35), -3: users(5, 15)} {
		wantNames(t, "unordered "+strconv.Itoa(step), queryNames(unordered, actorsQuery(funnelActors(step, f), "")), want...)
	}
}

func TestQueryFunnelWindowAndBreakdown(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	// A 1-day window: step two (2 days later) is out of reach for everyone.
	f := strings.Replace(funnelsQuery("ordered", "step one", "step two"), `"funnelWindowInterval": 7`, `"funnelWindowInterval": 1`, 1)
	wantNames(t, "1-day window", queryNames(e, actorsQuery(funnelActors(2, f), "")))
	f = strings.Replace(funnelsQuery("ordered", "step one", "step two"), `"funnelWindowInterval": 7`, `"funnelWindowInterval": 2`, 1)
	wantNames(t, "2-day window (inclusive)", queryNames(e, actorsQuery(funnelActors(2, f), "")), users(0, 15)...)
	// Breakdown by the person property name: funnelStepBreakdown picks one value.
	f = strings.Replace(funnelsQuery("ordered", "step one", "step two"), `"series"`,
		`"breakdownFilter": {"breakdown_type": "person", "breakdown": "name"}, "series"`, 1)
	src := `{"kind": "FunnelsActorsQuery", "funnelStep": 2, "funnelStepBreakdown": ["user_3"], "source": ` + f + `}`
	wantNames(t, "breakdown", queryNames(e, actorsQuery(src, "")), "user_3")
	src = `{"kind": "FunnelsActorsQuery", "funnelStep": 2, "funnelStepBreakdown": "user_30", "source": ` + f + `}`
	wantNames(t, "breakdown, not converted", queryNames(e, actorsQuery(src, "")))
}

func correlationSource(converted, entity string) string {
	conv := ""
	if converted != "" {
		conv = `"funnelCorrelationPersonConverted": ` + converted + `, `
	}
	return `{"kind": "FunnelCorrelationActorsQuery", ` + conv + `
	  "funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "` + entity + `"},
	  "source": {"kind": "FunnelCorrelationQuery", "funnelCorrelationType": "events",
	    "source": {"kind": "FunnelsActorsQuery", "source": {"kind": "FunnelsQuery",
	      "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-14"},
	      "series": [{"kind": "EventsNode", "event": "user signed up"}, {"kind": "EventsNode", "event": "paid"}]}}}}`
}

var s6Cases = []struct {
	converted, entity string
	want              []string
}{
	{"true", "positively_related", []string{"user_0", "user_2", "user_4", "user_6", "user_8"}},
	{"false", "negatively_related", []string{"user_10", "user_12", "user_14", "user_16", "user_18"}},
	{"false", "positively_related", []string{"user_fail"}},
	{"true", "negatively_related", []string{"user_succ"}},
	{"", "positively_related", []string{"user_0", "user_2", "user_4", "user_6", "user_8", "user_fail"}},
	{"", "negatively_related", []string{"user_10", "user_12", "user_14", "user_16", "user_18", "user_succ"}},
	{"", "paid", nil}, // a funnel step event never correlates
}

func TestQueryCorrelationS6(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S6")
	// A duplicate correlated event still returns the person once.
	e.capture("positively_related", "user_0", nil, mustTime("2020-01-03T15:00:00Z"))
	for _, c := range s6Cases {
		wantNames(t, c.converted+" "+c.entity, queryNames(e, actorsQuery(correlationSource(c.converted, c.entity), "")), c.want...)
	}
	// properties correlation: the property filter narrows the funnel first.
	props := `{"kind": "FunnelCorrelationActorsQuery", "funnelCorrelationPersonConverted": true,
	  "funnelCorrelationPropertyValues": [{"type": "person", "key": "name", "value": "user_succ", "operator": "exact"}],
	  "source": {"kind": "FunnelCorrelationQuery", "funnelCorrelationType": "properties",
	    "source": {"kind": "FunnelsActorsQuery", "source": {"kind": "FunnelsQuery",
	      "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-14"},
	      "series": [{"kind": "EventsNode", "event": "user signed up"}, {"kind": "EventsNode", "event": "paid"}]}}}}`
	wantNames(t, "properties", queryNames(e, actorsQuery(props, "")), "user_succ")
	wantNames(t, "properties, not converted", queryNames(e, actorsQuery(strings.Replace(props, "true", "false", 1), "")))
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
