package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

const I = "/api/projects/1/insights/"

// funnelInsight is a saved funnel as PostHog's UI stores it: an
// InsightVizNode around a FunnelsQuery.
func funnelInsight(name string) map[string]any {
	return map[string]any{"name": name, "saved": true, "query": map[string]any{
		"kind": "InsightVizNode",
		"source": map[string]any{
			"kind":               "FunnelsQuery",
			"series":             []any{map[string]any{"kind": "EventsNode", "event": "signed up"}, map[string]any{"kind": "EventsNode", "event": "paid"}},
			"dateRange":          map[string]any{"date_from": "-30d"},
			"funnelsFilter":      map[string]any{"funnelWindowInterval": 7, "funnelWindowIntervalUnit": "day"},
			"filterTestAccounts": true,
		},
		"full": true,
	}}
}

func TestInsights_createRetrieveAndShortID(t *testing.T) {
	e := newEnv(t, Config{})
	created := e.mustJSON(e.post(I, funnelInsight("Signup to paid")), http.StatusCreated)
	id := int(asT[float64](t, created["id"]))
	short := asT[string](t, created["short_id"])
	if !regexp.MustCompile(`^[A-Za-z0-9]{8}$`).MatchString(short) {
		t.Fatalf("short_id %q is not 8 letters and digits", short)
	}
	if created["deleted"] != false || created["name"] != "Signup to paid" {
		t.Fatalf("created %v", created)
	}

	got := e.mustJSON(e.get(fmt.Sprintf("%s%d/", I, id)), http.StatusOK)
	src := asT[map[string]any](t, asT[map[string]any](t, got["query"])["source"])
	if src["kind"] != "FunnelsQuery" || src["filterTestAccounts"] != true || got["short_id"] != short {
		t.Fatalf("retrieved %v", got)
	}
	// The query is kept as sent: the window stays an integer, nothing is added.
	ff := asT[map[string]any](t, src["funnelsFilter"])
	if len(ff) != 2 || ff["funnelWindowInterval"] != 7.0 {
		t.Fatalf("funnelsFilter %v", ff)
	}

	basic := e.mustJSON(e.get(fmt.Sprintf("%s%d/?basic=true", I, id)), http.StatusOK)
	if _, ok := basic["result"]; ok || basic["query"] == nil {
		t.Fatalf("basic answer %v: want the query without results", basic)
	}

	e.mustJSON(e.post(I, funnelInsight("Another")), http.StatusCreated)
	list := e.mustJSON(e.get(I+"?short_id="+short), http.StatusOK)
	results := asT[[]any](t, list["results"])
	if list["count"] != 1.0 || len(results) != 1 || asT[map[string]any](t, results[0])["id"] != float64(id) {
		t.Fatalf("list by short_id %v", list)
	}
	if all := e.mustJSON(e.get(I), http.StatusOK); all["count"] != 2.0 {
		t.Fatalf("list %v: want both insights", all)
	}
	if none := e.mustJSON(e.get(I+"?short_id=nosuchid"), http.StatusOK); none["count"] != 0.0 {
		t.Fatalf("unknown short_id listed %v", none)
	}
}

func TestInsights_deletedAreNotFound(t *testing.T) {
	e := newEnv(t, Config{})
	created := e.mustJSON(e.post(I, funnelInsight("Old funnel")), http.StatusCreated)
	id, short := int(asT[float64](t, created["id"])), asT[string](t, created["short_id"])
	detail := fmt.Sprintf("%s%d/", I, id)

	deleted := e.mustJSON(e.req("PATCH", detail, map[string]any{"deleted": true}, testKey), http.StatusOK)
	if deleted["deleted"] != true {
		t.Fatalf("PATCH deleted answered %v", deleted)
	}
	wantError(t, e.get(detail), http.StatusNotFound, "invalid_request", "not_found", "Not found.")
	if l := e.mustJSON(e.get(I+"?short_id="+short), http.StatusOK); l["count"] != 0.0 {
		t.Fatalf("deleted insight listed: %v", l)
	}
	// Only a PATCH that undeletes reaches a deleted insight.
	wantError(t, e.req("PATCH", detail, map[string]any{"name": "x"}, testKey), http.StatusNotFound, "invalid_request", "not_found", "Not found.")
	e.mustJSON(e.req("PATCH", detail, map[string]any{"deleted": false}, testKey), http.StatusOK)
	e.mustJSON(e.get(detail), http.StatusOK)

	// Created deleted: never found.
	gone := e.mustJSON(e.post(I, map[string]any{"name": "gone", "deleted": true, "query": funnelInsight("")["query"]}), http.StatusCreated)
	wantError(t, e.get(fmt.Sprintf("%s%v/", I, gone["id"])), http.StatusNotFound, "invalid_request", "not_found", "Not found.")

	if r := e.req("DELETE", detail, nil, testKey); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE answered %d, want 405", r.status)
	}
	wantError(t, e.post(detail, map[string]any{}), http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", `Method "POST" not allowed.`)
	wantError(t, e.get(I+"abc/"), http.StatusNotFound, "invalid_request", "not_found", "Not found.")
}

func TestInsights_queryValidation(t *testing.T) {
	e := newEnv(t, Config{})
	bad := func(query any, wantDetail string) {
		t.Helper()
		r := e.post(I, map[string]any{"name": "bad", "query": query})
		if r.status != http.StatusBadRequest {
			t.Fatalf("query %v: status %d, body %s", query, r.status, r.body)
		}
		m := r.json(t)
		if m["type"] != "invalid_request" || m["code"] != "parse_error" || !strings.Contains(asT[string](t, m["detail"]), wantDetail) {
			t.Fatalf("query %v: body %s, want a parse_error with %q", query, r.body, wantDetail)
		}
	}
	viz := func(source map[string]any) map[string]any {
		return map[string]any{"kind": "InsightVizNode", "source": source}
	}
	bad(map[string]any{"source": map[string]any{}}, "Unable to extract tag using discriminator 'kind'")
	bad(map[string]any{"kind": "NoSuchNode"}, "Input tag 'NoSuchNode'")
	bad(viz(map[string]any{"kind": "FunnelsQuery"}), "Field required")
	bad(viz(map[string]any{"kind": "FunnelsQuery", "series": []any{}, "funnelCustomSteps": []any{1}}), "Extra inputs are not permitted")
	bad(viz(map[string]any{"kind": "LifecycleQuery", "series": []any{}, "interval": "fortnight"}), "Input should be")
	bad(map[string]any{"kind": "InsightVizNode", "source": map[string]any{"kind": "FunnelsQuery", "series": []any{}}, "colour": "red"}, "Extra inputs are not permitted")

	// A bare insight query and an InsightVizNode around a lifecycle are valid.
	e.mustJSON(e.post(I, map[string]any{"query": map[string]any{"kind": "LifecycleQuery", "series": []any{map[string]any{"kind": "EventsNode", "event": "$pageview"}}}}), http.StatusCreated)
	e.mustJSON(e.post(I, map[string]any{"query": viz(map[string]any{"kind": "LifecycleQuery", "interval": "week",
		"series": []any{map[string]any{"kind": "EventsNode", "event": "$pageview"}}})}), http.StatusCreated)
	// No query (a legacy insight with filters only) is accepted as null.
	if got := e.mustJSON(e.post(I, map[string]any{"name": "legacy"}), http.StatusCreated); got["query"] != nil {
		t.Fatalf("insight without a query: %v", got)
	}
	r := e.post(I, map[string]any{"query": []any{}})
	if r.status != http.StatusBadRequest || r.json(t)["attr"] != "query" {
		t.Fatalf("a list as the query: %d %s", r.status, r.body)
	}
}

func TestInsights_scopesAndProjects(t *testing.T) {
	e := newEnv(t, Config{APIKeys: []APIKey{
		{Key: testKey, Scopes: []string{"*"}},
		{Key: "reader", Scopes: []string{"insight:read"}},
		{Key: "queries", Scopes: []string{"query:read"}},
		{Key: "other", Scopes: []string{"*"}, Projects: []int{2}},
	}})
	created := e.mustJSON(e.post(I, funnelInsight("Scoped")), http.StatusCreated)
	detail := fmt.Sprintf("%s%v/", I, created["id"])
	e.mustJSON(e.req("GET", detail, nil, "reader"), http.StatusOK)
	e.mustJSON(e.req("GET", "/api/environments/1/insights/"+fmt.Sprint(created["id"])+"/", nil, "reader"), http.StatusOK)
	wantError(t, e.req("POST", I, funnelInsight("x"), "reader"), http.StatusForbidden, "authentication_error", "permission_denied",
		"API key missing required scope 'insight:write'")
	wantError(t, e.req("GET", detail, nil, "queries"), http.StatusForbidden, "authentication_error", "permission_denied",
		"API key missing required scope 'insight:read'")
	wantError(t, e.req("GET", detail, nil, "other"), http.StatusForbidden, "authentication_error", "permission_denied",
		"API key does not have access to the requested project: ID 1.")
	wantError(t, e.get(fmt.Sprintf("/api/projects/2/insights/%v/", created["id"])), http.StatusNotFound, "invalid_request", "not_found", "Not found.")
}

// The insights viewset has ClickHouse's burst and sustained throttles: the
// 241st request in a minute is refused.
func TestInsights_throttles(t *testing.T) {
	e := newEnv(t, Config{RateLimit: true})
	for i := 0; i < 240; i++ {
		if r := e.get(I); r.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
	}
	if r := e.get(I); r.status != http.StatusTooManyRequests {
		t.Fatalf("request 241: %d, want 429", r.status)
	}
}
