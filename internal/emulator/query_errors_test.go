package emulator

import (
	"strings"
	"testing"
)

// wantParseError checks the DRF ParseError body of a pydantic failure (docs/dev/posthog-behaviour.md#query-api).
func wantParseError(t *testing.T, r resp, fragment string) {
	t.Helper()
	if r.status != 400 {
		t.Fatalf("status %d, want 400; body %s", r.status, r.body)
	}
	m := r.json(t)
	d, _ := m["detail"].(string)
	if m["type"] != "invalid_request" || m["code"] != "parse_error" || !strings.HasPrefix(d, "JSON parse error - ") || !strings.Contains(d, fragment) {
		t.Fatalf("body %s, want a parse_error mentioning %q", r.body, fragment)
	}
	if _, ok := m["attr"]; !ok {
		t.Fatalf("no attr in %s", r.body)
	}
}

func TestQueryScopes(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{APIKeys: []APIKey{{Key: "person", Scopes: []string{"person:read", "person:write"}},
		{Key: "query", Scopes: []string{"query:read"}}, {Key: "qwrite", Scopes: []string{"query:write"}},
		{Key: "star", Scopes: []string{"*"}}, {Key: "legacy"}, {Key: "other", Scopes: []string{"query:read"}, Projects: []int{2}}}}, "S1")
	body := jsonBody(t, actorsQuery(lifecycleSource("2020-01-12", "returning", "2020-01-12", "2020-01-19", "day", ""), ""))
	wantError(t, e.req("POST", QP, body, "person"), 403, "authentication_error", "permission_denied", "API key missing required scope 'query:read'")
	wantError(t, e.req("POST", QP, body, "other"), 403, "authentication_error", "permission_denied", "API key does not have access to the requested project: ID 1.")
	wantError(t, e.req("POST", QP, body, ""), 401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.")
	for _, k := range []string{"query", "qwrite", "star", "legacy"} {
		if r := e.req("POST", QP, body, k); r.status != 200 {
			t.Errorf("%s: %d %s", k, r.status, r.body)
		}
	}
	wantError(t, e.req("POST", "/api/projects/9/query/", body, "star"), 404, "invalid_request", "not_found", "Not found.")
}

func TestQueryBadInput(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	life := lifecycleSource("2020-01-12", "returning", "2020-01-12", "2020-01-19", "day", "")
	for _, c := range []struct{ name, body, fragment string }{
		{"not JSON", `{"query": `, ""},
		{"no query", `{"refresh": "blocking"}`, "query\n  Field required"},
		{"no kind", `{"query": {"select": ["actor"]}}`, "discriminator 'kind'"},
		{"unknown kind", `{"query": {"kind": "PersonsQuery"}}`, "Input tag 'PersonsQuery'"},
		{"extra request key", `{"query": {"kind": "ActorsQuery"}, "bogus": 1}`, "bogus\n  Extra inputs are not permitted"},
		{"extra query key", `{"query": {"kind": "ActorsQuery", "funnelStep": 2}}`, "query.funnelStep"},
		{"bad refresh", `{"refresh": "sometimes", "query": {"kind": "ActorsQuery"}}`, "refresh"},
		{"unknown source kind", actorsQuery(`{"kind": "FunnelsQuery"}`, ""), "Input tag 'FunnelsQuery'"},
		{"insight actors without source", actorsQuery(`{"kind": "InsightActorsQuery", "day": "2020-01-12", "status": "new"}`, ""), "query.source.source\n  Field required"},
		{"funnel actors without source", actorsQuery(`{"kind": "FunnelsActorsQuery", "funnelStep": 1}`, ""), "query.source.source\n  Field required"},
		{"status not a string", actorsQuery(strings.Replace(life, `"status": "returning"`, `"status": 3`, 1), ""), "query.source.status"},
		{"bad interval", actorsQuery(strings.Replace(life, `"interval": "day"`, `"interval": "fortnight"`, 1), ""), "interval"},
		// pydantic's lax mode takes "2" for an integer, not 2.5 (docs/dev/posthog-behaviour.md#query-api).
		{"funnelStep not an integer", actorsQuery(`{"kind": "FunnelsActorsQuery", "funnelStep": 2.5, "source": `+f+`}`, ""), "funnelStep"},
		{"funnelCustomSteps removed", actorsQuery(`{"kind": "FunnelsActorsQuery", "funnelStep": 2, "funnelCustomSteps": [1], "source": `+f+`}`, ""), "funnelCustomSteps"},
		{"limit not an integer", actorsQuery(funnelActors(1, f), `"limit": "ten"`), "query.limit"},
		{"bad order type", actorsQuery(funnelActors(1, strings.Replace(f, `"ordered"`, `"random"`, 1)), ""), "funnelOrderType"},
		{"correlation without type", actorsQuery(strings.Replace(correlationSource("true", "x"), `"funnelCorrelationType": "events",`, "", 1), ""), "funnelCorrelationType\n  Field required"},
	} {
		r := e.post(QP, c.body)
		if c.name == "not JSON" {
			if m := r.json(t); r.status != 400 || m["code"] != "parse_error" {
				t.Errorf("%s: %d %s", c.name, r.status, r.body)
			}
			continue
		}
		t.Run(c.name, func(t *testing.T) { wantParseError(t, r, c.fragment) })
	}
	for _, c := range []struct{ name, body, detail string }{
		{"step 0", actorsQuery(funnelActors(0, f), ""), "funnelStep must be a non-zero, 1-based step number"},
		{"one-step funnel", actorsQuery(funnelActors(1, funnelsQuery("ordered", "step one")), ""), "Funnels require at least two steps before calculating."},
		{"correlation without entity", actorsQuery(strings.Replace(correlationSource("true", "x"), `"funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "x"},`, "", 1), ""), "No entity for persons specified"},
		{"properties correlation without values", actorsQuery(strings.Replace(correlationSource("true", "x"), `"events"`, `"properties"`, 1), ""), "Property Correlation expects atleast one Property to get persons for"},
		{"unknown select", actorsQuery(funnelActors(1, f), `"orderBy": ["nonsense DESC"]`), "Unable to resolve field: nonsense"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, e.post(QP, jsonBody(t, c.body)), 400, "validation_error", "invalid_input", c.detail)
		})
	}
	// funnelStep -1: PostHog raises a plain ValueError, a 500 (docs/dev/posthog-behaviour.md#query-api).
	wantError(t, e.post(QP, jsonBody(t, actorsQuery(funnelActors(-1, f), ""))), 500, "server_error", "error", "A server error occurred.")
	// /query/<Kind>/ must agree with the body.
	wantError(t, e.post(QP+"HogQLQuery/", jsonBody(t, actorsQuery(funnelActors(1, f), ""))), 400, "validation_error", "invalid_input",
		`Query kind mismatch: path kind "HogQLQuery" does not match body kind "ActorsQuery".`)
	if r := e.post(QP+"ActorsQuery/", jsonBody(t, actorsQuery(funnelActors(1, f), ""))); r.status != 200 {
		t.Fatalf("kind path: %d %s", r.status, r.body)
	}
	// Valid PostHog input the emulator does not model answers 501, not a wrong answer.
	if r := e.post(QP, jsonBody(t, `{"query": {"kind": "HogQLQuery", "query": "select 1"}}`)); r.status != 501 {
		t.Fatalf("HogQLQuery: %d %s", r.status, r.body)
	}
	// Other verbs: no list (405); unknown async query ids (404).
	wantError(t, e.get(QP), 405, "invalid_request", "method_not_allowed", `Method "GET" not allowed.`)
	wantError(t, e.get(QP+"abc123/"), 404, "invalid_request", "not_found", "Query abc123 not found for team 1")
	wantError(t, e.req("DELETE", QP+"abc123/", nil, testKey), 404, "invalid_request", "not_found", "Query abc123 not found for team 1")
}

func TestNoQueryAPI(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{NoQueryAPI: true}, "S1")
	body := jsonBody(t, actorsQuery(lifecycleSource("2020-01-12", "returning", "2020-01-12", "2020-01-19", "day", ""), ""))
	for _, p := range []string{QP, "/api/environments/1/query/", QP + "ActorsQuery/"} {
		wantError(t, e.post(p, body), 404, "invalid_request", "not_found", "Endpoint not found.")
	}
	if r := e.get(P); r.status != 200 {
		t.Fatalf("persons still served: %d", r.status)
	}
}

// The api_queries_burst throttle (240/minute, window scaled by 60) counts only
// query calls; with LegacyQueryThrottles the query shares clickhouse_burst with
// the persons API.
func TestQueryThrottles(t *testing.T) {
	t.Parallel()
	body := `{"query": {"kind": "ActorsQuery", "select": ["id"], "limit": 1}}`
	e := newEnv(t, Config{RateLimit: true, RateLimitScale: 60})
	for i := 0; i < 240; i++ {
		if r := e.post(QP, body); r.status != 200 {
			t.Fatalf("call %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.post(QP, body)
	if m := r.json(t); r.status != 429 || m["type"] != "throttled_error" || !strings.HasPrefix(asT[string](t, m["detail"]), "Request was throttled. Expected available in ") {
		t.Fatalf("241st: %d %s", r.status, r.body)
	}
	if r := e.get(P); r.status != 200 {
		t.Fatalf("persons list shares no bucket with api_queries_burst: %d", r.status)
	}
	l := newEnv(t, Config{RateLimit: true, RateLimitScale: 60, LegacyQueryThrottles: true})
	for i := 0; i < 240; i++ {
		if r := l.get(P); r.status != 200 {
			t.Fatalf("list %d: %d", i, r.status)
		}
	}
	if r := l.post(QP, body); r.status != 429 {
		t.Fatalf("legacy throttles: query after 240 list calls: %d", r.status)
	}
	// Off unless RateLimit.
	o := newEnv(t, Config{})
	for i := 0; i < 250; i++ {
		if r := o.post(QP, body); r.status != 200 {
			t.Fatalf("unthrottled call %d: %d", i, r.status)
		}
	}
}

func TestSeedScenarioUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	if err := e.srv.SeedScenario("S9"); err == nil {
		t.Fatal("want an error")
	}
	for _, n := range ScenarioNames() {
		if err := newEnv(t, Config{}).srv.SeedScenario(n); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
}
