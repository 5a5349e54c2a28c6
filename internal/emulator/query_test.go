package emulator

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const QP = "/api/projects/1/query/"

// seeded is an env with one conformance scenario ingested (docs/dev/posthog-behaviour.md#conformance-scenarios).
func seeded(t *testing.T, cfg Config, scenario string) *env {
	t.Helper()
	e := newEnv(t, cfg)
	if err := e.srv.SeedScenario(scenario); err != nil {
		t.Fatal(err)
	}
	return e
}

// jsonBody parses a JSON literal used as a request body (fails the test on typos).
func jsonBody(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %v: %s", err, s)
	}
	return m
}

// actorsQuery wraps a source in {"query": ActorsQuery} with select ["actor"].
func actorsQuery(source string, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return `{"refresh": "blocking", "query": {"kind": "ActorsQuery", "select": ["actor"]` + extra + `, "source": ` + source + `}}`
}

// names returns the sorted person names (distinct ids) of an actor-column response.
func names(t *testing.T, m map[string]any) []string {
	t.Helper()
	rows, ok := m["results"].([]any)
	if !ok {
		t.Fatalf("no results in %v", m)
	}
	out := []string{}
	for _, r := range rows {
		cell := asT[map[string]any](t, asT[[]any](t, r)[0])
		out = append(out, asT[string](t, asT[map[string]any](t, cell["properties"])["name"]))
	}
	sort.Strings(out)
	return out
}

// queryNames runs an ActorsQuery through /query/ and returns the sorted names.
func queryNames(e *env, body string) []string {
	e.t.Helper()
	return names(e.t, e.mustJSON(e.post(QP, jsonBody(e.t, body)), 200))
}

func lifecycleSource(day, status, from, to, interval, extra string) string {
	return fmt.Sprintf(`{"kind": "InsightActorsQuery", "day": %q, "status": %q, "source": {"kind": "LifecycleQuery",
	  "interval": %q, "dateRange": {"date_from": %q, "date_to": %q}%s,
	  "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}]}}`, day, status, interval, from, to, extra)
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// S1: daily lifecycle person lists (scenario S1, docs/dev/posthog-behaviour.md#conformance-scenarios), from 2020-01-12 to 2020-01-19.
var s1Lists = []struct {
	day, status string
	want        []string
}{
	{"2020-01-11", "new", []string{"p1"}},
	{"2020-01-12", "new", []string{"p3"}},
	{"2020-01-12", "returning", []string{"p1"}},
	{"2020-01-12", "resurrecting", []string{"p2"}},
	{"2020-01-12", "dormant", nil},
	{"2020-01-13", "returning", []string{"p1"}},
	{"2020-01-13", "dormant", []string{"p2", "p3"}},
	{"2020-01-14", "dormant", []string{"p1"}},
	{"2020-01-15", "new", []string{"p4"}},
	{"2020-01-15", "resurrecting", []string{"p1"}},
	{"2020-01-16", "dormant", []string{"p1", "p4"}},
	{"2020-01-17", "resurrecting", []string{"p1"}},
	{"2020-01-18", "dormant", []string{"p1"}},
	{"2020-01-19", "resurrecting", []string{"p1"}},
	{"2020-01-20", "dormant", []string{"p1"}},
	{"2020-01-19", "bogus", nil}, // status is a plain string compare (docs/dev/posthog-behaviour.md#lifecycle)
}

func TestQueryLifecycleS1(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S1")
	for _, c := range s1Lists {
		src := lifecycleSource(c.day, c.status, "2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z", "day", "")
		wantNames(t, c.day+" "+c.status, queryNames(e, actorsQuery(src, "")), c.want...)
	}
	// Derived from the lifecycle rules (docs/dev/posthog-behaviour.md#lifecycle) with date_from 2020-01-09.
	for _, c := range []struct{ day, status, who string }{{"2020-01-09", "new", "p2"}, {"2020-01-10", "dormant", "p2"}} {
		src := lifecycleSource(c.day, c.status, "2020-01-09", "2020-01-19", "day", "")
		wantNames(t, c.day+" "+c.status, queryNames(e, actorsQuery(src, "")), c.who)
	}
}

// The per-day counts of test_lifecycle_trend, computed through the actors lists.
func TestQueryLifecycleS1Counts(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S1")
	want := map[string][]int{
		"new":          {1, 0, 0, 1, 0, 0, 0, 0},
		"returning":    {1, 1, 0, 0, 0, 0, 0, 0},
		"resurrecting": {1, 0, 0, 1, 0, 1, 0, 1},
		"dormant":      {0, 2, 1, 0, 2, 0, 1, 0},
	}
	for status, counts := range want {
		for i, n := range counts {
			day := fmt.Sprintf("2020-01-%02d", 12+i)
			src := lifecycleSource(day, status, "2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z", "day", "")
			if got := len(queryNames(e, actorsQuery(src, ""))); got != n {
				t.Errorf("%s %s: %d persons, want %d", day, status, got, n)
			}
		}
	}
}

// S1 actors check: team tz US/Pacific, select ["properties.name"] → [["p1"]].
func TestQueryLifecycleS1PacificSelect(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{Timezone: "US/Pacific"}, "S1")
	src := lifecycleSource("2020-01-12", "returning", "2020-01-09", "2020-01-19", "day", "")
	body := `{"query": {"kind": "ActorsQuery", "select": ["properties.name"], "source": ` + src + `}}`
	m := e.mustJSON(e.post(QP, jsonBody(t, body)), 200)
	if got, _ := json.Marshal(m["results"]); string(got) != `[["p1"]]` {
		t.Fatalf("results %s", got)
	}
	if m["timezone"] != "US/Pacific" || !reflect.DeepEqual(m["columns"], []any{"properties.name"}) {
		t.Fatalf("envelope %v", m)
	}
}

// S2: weekly lifecycle, US/Pacific, week start Monday vs Sunday.
func TestQueryLifecycleS2Weekly(t *testing.T) {
	t.Parallel()
	mon := seeded(t, Config{Timezone: "US/Pacific", WeekStartDay: 1}, "S2")
	src := lifecycleSource("2020-01-13", "returning", "2020-01-09", "2020-01-19", "week", "")
	wantNames(t, "monday weeks", queryNames(mon, actorsQuery(src, "")), "p1")
	sun := seeded(t, Config{Timezone: "US/Pacific"}, "S2")
	src = lifecycleSource("2020-01-12", "returning", "2020-01-09", "2020-01-19", "week", "")
	wantNames(t, "sunday weeks", queryNames(sun, actorsQuery(src, "")), "p1", "p2")
}

// S3: persons created after their events are never "new"; the $number filter on
// the query or on the series keeps only p1.
func TestQueryLifecycleS3(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S3")
	filter := `[{"type": "event", "key": "$number", "value": "1", "operator": "exact"}]`
	onQuery := `, "properties": ` + filter
	for day := 12; day <= 19; day++ {
		d := fmt.Sprintf("2020-01-%02d", day)
		for _, status := range []string{"new", "returning", "resurrecting", "dormant"} {
			var want []string
			switch {
			case status == "returning" && (day == 12 || day == 13),
				status == "resurrecting" && (day == 15 || day == 17 || day == 19),
				status == "dormant" && (day == 14 || day == 16 || day == 18):
				want = []string{"p1"}
			}
			src := lifecycleSource(d, status, "2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z", "day", onQuery)
			wantNames(t, d+" "+status+" (query filter)", queryNames(e, actorsQuery(src, "")), want...)
			src = strings.Replace(lifecycleSource(d, status, "2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z", "day", ""),
				`"math": "total"`, `"math": "total", "properties": `+filter, 1)
			wantNames(t, d+" "+status+" (series filter)", queryNames(e, actorsQuery(src, "")), want...)
		}
	}
}

// The response follows the actors query answer (docs/dev/posthog-behaviour.md#actors-query-answers): actor cell keys, default select, envelope keys.
func TestQueryResponseShape(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S1")
	src := lifecycleSource("2020-01-12", "returning", "2020-01-12", "2020-01-19", "day", "")
	m := e.mustJSON(e.post("/api/environments/1/query/ActorsQuery/", jsonBody(t, `{"query": {"kind": "ActorsQuery", "source": `+src+`}}`)), 200)
	if !reflect.DeepEqual(m["columns"], []any{"person", "id", "person.$delete"}) {
		t.Fatalf("columns %v", m["columns"])
	}
	for _, k := range []string{"results", "columns", "types", "hogql", "hasMore", "limit", "offset", "missing_actors_count",
		"is_cached", "last_refresh", "next_allowed_client_refresh", "cache_key", "timezone", "timings", "modifiers"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %s", k)
		}
	}
	row := asT[[]any](t, asT[[]any](t, m["results"])[0])
	cell := asT[map[string]any](t, row[0])
	keys := []string{}
	for k := range cell {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "created_at,distinct_ids,id,is_identified,last_seen_at,properties" {
		t.Fatalf("actor cell keys %v", keys)
	}
	p1 := e.person("p1")
	if cell["id"] != p1.UUID || row[1] != p1.UUID || row[2] != float64(1) || cell["created_at"] != "2020-01-11T12:00:00Z" {
		t.Fatalf("row %v", row)
	}
	if m["hasMore"] != false || m["limit"] != float64(100) || m["offset"] != float64(0) || m["is_cached"] != false {
		t.Fatalf("envelope %v", m)
	}
}
