package emulator

import (
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// legacyCfg: testKey is a legacy unscoped key (the legacy endpoints refuse scoped keys).
var legacyCfg = Config{LegacyActorEndpoints: true, APIKeys: []APIKey{{Key: testKey}}}

// legacyNames returns the sorted names of a legacy {results:[{people, count}]} body.
func legacyNames(t *testing.T, m map[string]any) []string {
	t.Helper()
	res := asT[[]any](t, m["results"])
	if len(res) != 1 {
		t.Fatalf("results %v", res)
	}
	block := asT[map[string]any](t, res[0])
	people := asT[[]any](t, block["people"])
	if int(asT[float64](t, block["count"])) != len(people) {
		t.Fatalf("count %v for %d people", block["count"], len(people))
	}
	out := []string{}
	for _, p := range people {
		sp := asT[map[string]any](t, p)
		if sp["type"] != "person" || sp["id"] != sp["uuid"] {
			t.Fatalf("not a SerializedPerson: %v", sp)
		}
		out = append(out, asT[string](t, asT[map[string]any](t, sp["properties"])["name"]))
	}
	sort.Strings(out)
	return out
}

func qs(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

const pageviewEvents = `[{"id": "$pageview", "type": "events", "order": 0}]`

// S1 through GET /persons/lifecycle/ equals the Query API answer.
func TestLegacyLifecycleS1MatchesQuery(t *testing.T) {
	t.Parallel()
	e := seeded(t, legacyCfg, "S1")
	for _, c := range s1Lists {
		src := lifecycleSource(c.day, c.status, "2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z", "day", "")
		viaQuery := queryNames(e, actorsQuery(src, ""))
		viaLegacy := legacyNames(t, e.mustJSON(e.get(P+"lifecycle/?"+qs("target_date", c.day, "lifecycle_type", c.status,
			"date_from", "2020-01-12T00:00:00Z", "date_to", "2020-01-19T00:00:00Z", "interval", "day", "events", pageviewEvents)), 200))
		if !reflect.DeepEqual(viaQuery, viaLegacy) {
			t.Errorf("%s %s: query %v, legacy %v", c.day, c.status, viaQuery, viaLegacy)
		}
		wantNames(t, c.day+" "+c.status, viaLegacy, c.want...)
	}
	m := e.mustJSON(e.get(P+"lifecycle/?"+qs("target_date", "2020-01-12", "lifecycle_type", "new", "date_from", "2020-01-12", "date_to", "2020-01-19")), 200)
	if _, ok := m["next"]; !ok || len(m) != 2 {
		t.Fatalf("lifecycle envelope has exactly results and next: %v", m)
	}
}

func TestLegacyLifecycleErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, legacyCfg)
	for path, detail := range map[string]string{
		"lifecycle/?lifecycle_type=new":     "Must include specified date",
		"lifecycle/?target_date=2020-01-12": "Must include lifecycle type",
		"lifecycle/":                        "Must include specified date",
	} {
		m := e.mustJSON(e.get(P+path), 400)
		if !reflect.DeepEqual(m, map[string]any{"message": "Missing parameter", "detail": detail}) {
			t.Errorf("%s: %v", path, m)
		}
	}
	wantError(t, e.post(P+"lifecycle/", map[string]any{}), 405, "invalid_request", "method_not_allowed", `Method "POST" not allowed.`)
}

func legacyFunnelParams(order string, step int) map[string]any {
	return map[string]any{
		"insight": "FUNNELS", "funnel_order_type": order, "funnel_step": step, "funnel_window_days": 7,
		"date_from": "2021-05-01", "date_to": "2021-05-07",
		"events": []any{
			map[string]any{"id": "step one", "type": "events", "order": 0},
			map[string]any{"id": "step two", "type": "events", "order": 1},
			map[string]any{"id": "step three", "type": "events", "order": 2},
		},
	}
}

// S4/S5 through POST /persons/funnel/ (JSON body) and GET (query string) equal
// the Query API answers.
func TestLegacyFunnelsMatchQuery(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		scenario, order string
		steps           []int
	}{
		{"S4", "ordered", []int{1, 2, 3, -2, -3}},
		{"S5-strict", "strict", []int{1, 2, 3, -2}},
		{"S5-unordered", "unordered", []int{1, 3, -2, -3}},
	} {
		e := seeded(t, legacyCfg, sc.scenario)
		f := funnelsQuery(sc.order, "step one", "step two", "step three")
		for _, step := range sc.steps {
			viaQuery := queryNames(e, actorsQuery(funnelActors(step, f), ""))
			params := legacyFunnelParams(sc.order, step)
			viaPost := legacyNames(t, e.mustJSON(e.post(P+"funnel/", params), 200))
			get := url.Values{}
			for k, v := range params {
				if k == "events" {
					get.Set(k, `[{"id":"step one","type":"events","order":0},{"id":"step two","type":"events","order":1},{"id":"step three","type":"events","order":2}]`)
				} else {
					get.Set(k, pstr(v))
				}
			}
			viaGet := legacyNames(t, e.mustJSON(e.get(P+"funnel/?"+get.Encode()), 200))
			if !reflect.DeepEqual(viaQuery, viaPost) || !reflect.DeepEqual(viaQuery, viaGet) {
				t.Errorf("%s step %d: query %d, POST %d, GET %d persons", sc.scenario, step, len(viaQuery), len(viaPost), len(viaGet))
			}
		}
	}
}

func TestLegacyFunnelBodyWinsAndEnvelope(t *testing.T) {
	t.Parallel()
	e := seeded(t, legacyCfg, "S4")
	m := e.mustJSON(e.post(P+"funnel/?funnel_step=1&funnel_order_type=strict", legacyFunnelParams("ordered", -2)), 200)
	wantNames(t, "body funnel_step -2 wins", legacyNames(t, m), users(15, 35)...)
	for _, k := range []string{"results", "next", "initial", "missing_persons", "is_cached", "last_refresh"} {
		if _, ok := m[k]; !ok {
			t.Errorf("funnel envelope lacks %s", k)
		}
	}
	if m["next"] != nil || m["missing_persons"] != float64(0) {
		t.Fatalf("envelope %v", m)
	}
	wantError(t, e.post(P+"funnel/", map[string]any{"events": []any{map[string]any{"id": "step one"}}}), 400,
		"validation_error", "invalid_input", "Funnels require at least two steps before calculating.")
}

// Following next: absolute URL on the first page; once offset is in the URL,
// a relative path without its leading slash (format_paginated_url).
func TestLegacyFunnelNextPaging(t *testing.T) {
	t.Parallel()
	e := seeded(t, legacyCfg, "S4-offset")
	get := url.Values{}
	for k, v := range legacyFunnelParams("ordered", 1) {
		if k != "events" {
			get.Set(k, pstr(v))
		}
	}
	get.Set("events", `[{"id":"step one","order":0},{"id":"step two","order":1},{"id":"step three","order":2}]`)

	// Default limit 100: 100, then 10 through an absolute next.
	m := e.mustJSON(e.get(P+"funnel/?"+get.Encode()), 200)
	next, _ := m["next"].(string)
	if len(legacyNames(t, m)) != 100 || !strings.HasPrefix(next, e.ts.URL+P+"funnel/?") || !strings.HasSuffix(next, "&offset=100") {
		t.Fatalf("first page next %q", next)
	}
	m = e.mustJSON(e.get(strings.TrimPrefix(next, e.ts.URL)), 200)
	if len(legacyNames(t, m)) != 10 || m["next"] != nil {
		t.Fatalf("second page: %v", m["next"])
	}

	// limit 40 with offset in the URL: relative next links.
	get.Set("limit", "40")
	get.Set("offset", "0")
	path := P + "funnel/?" + get.Encode()
	seen := map[string]bool{}
	for pages := 0; path != ""; pages++ {
		m := e.mustJSON(e.get(path), 200)
		for _, n := range legacyNames(t, m) {
			seen[n] = true
		}
		path = ""
		if n, ok := m["next"].(string); ok {
			if strings.HasPrefix(n, "/") || strings.HasPrefix(n, "http") || !strings.HasPrefix(n, "api/projects/1/persons/funnel/?") {
				t.Fatalf("next %q is not the relative-without-slash form", n)
			}
			path = "/" + n
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 110 {
		t.Fatalf("%d persons over the pages", len(seen))
	}
}

func legacyCorrelationParams(converted, entity string) url.Values {
	v := url.Values{}
	v.Set("events", `[{"id":"user signed up","type":"events","order":0},{"id":"paid","type":"events","order":1}]`)
	v.Set("date_from", "2020-01-01")
	v.Set("date_to", "2020-01-14")
	v.Set("funnel_correlation_type", "events")
	v.Set("funnel_correlation_person_entity", `{"id":"`+entity+`","type":"events"}`)
	if converted != "" {
		v.Set("funnel_correlation_person_converted", converted)
	}
	return v
}

func TestLegacyCorrelationS6MatchesQuery(t *testing.T) {
	t.Parallel()
	e := seeded(t, legacyCfg, "S6")
	for _, c := range s6Cases {
		viaQuery := queryNames(e, actorsQuery(correlationSource(c.converted, c.entity), ""))
		viaLegacy := legacyNames(t, e.mustJSON(e.get(P+"funnel/correlation/?"+legacyCorrelationParams(c.converted, c.entity).Encode()), 200))
		if !reflect.DeepEqual(viaQuery, viaLegacy) {
			t.Errorf("%s %s: query %v, legacy %v", c.converted, c.entity, viaQuery, viaLegacy)
		}
		wantNames(t, c.converted+" "+c.entity, viaLegacy, c.want...)
	}
	// Paging on funnel_correlation_person_offset/limit.
	v := legacyCorrelationParams("", "positively_related")
	v.Set("funnel_correlation_person_limit", "4")
	m := e.mustJSON(e.get(P+"funnel/correlation/?"+v.Encode()), 200)
	next, _ := m["next"].(string)
	if len(legacyNames(t, m)) != 4 || !strings.HasSuffix(next, "&funnel_correlation_person_offset=4") {
		t.Fatalf("next %q", next)
	}
	m = e.mustJSON(e.get(strings.TrimPrefix(next, e.ts.URL)), 200)
	if len(legacyNames(t, m)) != 2 || m["next"] != nil {
		t.Fatalf("second page %v", m)
	}
	v.Set("funnel_correlation_person_offset", "0")
	v.Set("funnel_correlation_person_limit", "2")
	m = e.mustJSON(e.get(P+"funnel/correlation/?"+v.Encode()), 200)
	if next, _ := m["next"].(string); !strings.HasPrefix(next, "api/") || !strings.Contains(next, "funnel_correlation_person_offset=2") {
		t.Fatalf("relative next %q", next)
	}
	// POST body keys win; missing entity is a validation error.
	body := map[string]any{"funnel_correlation_person_entity": map[string]any{"id": "negatively_related", "type": "events"},
		"funnel_correlation_person_converted": "true"}
	wantNames(t, "POST body wins", legacyNames(t, e.mustJSON(e.post(P+"funnel/correlation/?"+legacyCorrelationParams("false", "positively_related").Encode(), body), 200)), "user_succ")
	v = legacyCorrelationParams("", "x")
	v.Del("funnel_correlation_person_entity")
	wantError(t, e.get(P+"funnel/correlation/?"+v.Encode()), 400, "validation_error", "invalid_input", "No entity for persons specified")
	v.Set("funnel_correlation_type", "properties")
	wantError(t, e.get(P+"funnel/correlation/?"+v.Encode()), 400, "validation_error", "invalid_input",
		"Property Correlation expects atleast one Property to get persons for")
	v.Set("funnel_correlation_property_values", `[{"key":"name","value":"user_3","type":"person"}]`)
	wantNames(t, "legacy properties", legacyNames(t, e.mustJSON(e.get(P+"funnel/correlation/?"+v.Encode()), 200)), "user_3")
}

func TestLegacyScopedKeysRefused(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{LegacyActorEndpoints: true, APIKeys: []APIKey{{Key: "star", Scopes: []string{"*"}},
		{Key: "q", Scopes: []string{"query:read", "person:read"}}, {Key: "legacy"}}}, "S1")
	path := P + "lifecycle/?" + qs("target_date", "2020-01-12", "lifecycle_type", "returning", "date_from", "2020-01-12", "date_to", "2020-01-19")
	for _, k := range []string{"star", "q"} {
		wantError(t, e.req("GET", path, nil, k), 403, "authentication_error", "permission_denied", "This action does not support Personal API Key access")
	}
	if r := e.req("GET", path, nil, "legacy"); r.status != 200 {
		t.Fatalf("legacy key: %d %s", r.status, r.body)
	}
}
