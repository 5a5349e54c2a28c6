package emulator

import (
	"testing"
	"time"
)

// asyncBody is an S4 ActorsQuery for funnelStep 3 (five persons) with refresh.
func asyncBody(refresh, id string) string {
	extra := ""
	if id != "" {
		extra = `, "client_query_id": "` + id + `"`
	}
	return `{"refresh": "` + refresh + `"` + extra + `, "query": {"kind": "ActorsQuery", "select": ["actor"], "source": ` +
		funnelActors(3, funnelsQuery("ordered", "step one", "step two", "step three")) + `}}`
}

// With asynchronous queries on, refresh async answers 202 with a CacheMissResponse,
// the poll answers 202 until the result is ready and then 200 with the whole
// answer in query_status.results (docs/dev/posthog-behaviour.md#query-api).
func TestAsyncQueryPolling(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{}, "S4")
	e.mustJSON(e.post("/_emulator/async-queries", map[string]any{"enabled": true, "polls": 2}), 200)
	m := e.mustJSON(e.post(QP, jsonBody(t, asyncBody("async", "q-1"))), 202)
	st := asT[map[string]any](t, m["query_status"])
	if m["cache_key"] == nil || st["id"] != "q-1" || st["complete"] != false || st["query_async"] != true ||
		st["team_id"] != 1.0 || st["error"] != false || st["results"] != nil {
		t.Fatalf("create: %v", m)
	}
	for range 2 {
		if st := asT[map[string]any](t, e.mustJSON(e.get(QP+"q-1/"), 202)["query_status"]); st["complete"] != false {
			t.Fatalf("running poll %v", st)
		}
	}
	st = asT[map[string]any](t, e.mustJSON(e.get(QP+"q-1/"), 200)["query_status"])
	if st["complete"] != true || st["error"] != false {
		t.Fatalf("complete poll %v", st)
	}
	wantNames(t, "results of the finished query", names(t, asT[map[string]any](t, st["results"])), users(0, 5)...)
	// The status stays readable until it expires (20 minutes), then 404.
	e.mustJSON(e.get(QP+"q-1/"), 200)
	e.srv.AdvanceClock(20 * time.Minute)
	wantError(t, e.get(QP+"q-1/"), 404, "invalid_request", "not_found", "Query q-1 not found for team 1")
}

// force_async answers {query_status} without cache_key and generates an id
// when none is given; blocking modes still answer 200 at once.
func TestAsyncQueryModes(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{AsyncQueries: true}, "S4")
	m := e.mustJSON(e.post(QP, jsonBody(t, asyncBody("force_async", ""))), 202)
	id := asT[string](t, asT[map[string]any](t, m["query_status"])["id"])
	if _, ok := m["cache_key"]; ok || len(id) != 32 {
		t.Fatalf("force_async %v", m)
	}
	e.mustJSON(e.get(QP+id+"/"), 202)
	e.mustJSON(e.get(QP+id+"/"), 200)
	for _, refresh := range []string{"blocking", "force_blocking", "async_except_on_cache_miss"} {
		wantNames(t, refresh, names(t, e.mustJSON(e.post(QP, jsonBody(t, asyncBody(refresh, ""))), 200)), users(0, 5)...)
	}
	// Switched off, async is computed in the request.
	e.srv.SetAsyncQueries(false, 1)
	e.mustJSON(e.post(QP, jsonBody(t, asyncBody("async", ""))), 200)
}

// A request PostHog's schema refuses fails at once; the runner's own errors
// surface in the poll: 400 with error_message (docs/dev/posthog-behaviour.md#query-api).
func TestAsyncQueryErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{AsyncQueries: true})
	r := e.post(QP, jsonBody(t, `{"refresh": "async", "query": {"kind": "ActorsQuery", "limit": "ten"}}`))
	if r.status != 400 || r.json(t)["code"] != "parse_error" {
		t.Fatalf("invalid query: %d %s", r.status, r.body)
	}
	e.mustJSON(e.post(QP, jsonBody(t, `{"refresh": "async", "client_query_id": "bad", "query": {"kind": "ActorsQuery", "select": ["nope"]}}`)), 202)
	e.mustJSON(e.get(QP+"bad/"), 202)
	st := asT[map[string]any](t, e.mustJSON(e.get(QP+"bad/"), 400)["query_status"])
	if st["error"] != true || st["complete"] != true || st["error_message"] != "Unable to resolve field: nope" {
		t.Fatalf("runner error %v", st)
	}
	wantError(t, e.get(QP+"never/"), 404, "invalid_request", "not_found", "Query never not found for team 1")
}

// DELETE /query/<id>/ cancels a running query (200 with a message) and says so
// for a finished one (docs/dev/posthog-behaviour.md#query-api).
func TestAsyncQueryCancel(t *testing.T) {
	t.Parallel()
	e := seeded(t, Config{AsyncQueries: true}, "S4")
	e.mustJSON(e.post(QP, jsonBody(t, asyncBody("async", "c1"))), 202)
	if m := e.mustJSON(e.req("DELETE", QP+"c1/", nil, testKey), 200); m["message"] != "Cancelled query on clickhouse" {
		t.Fatalf("cancel %v", m)
	}
	wantError(t, e.get(QP+"c1/"), 404, "invalid_request", "not_found", "Query c1 not found for team 1")
	e.mustJSON(e.post(QP, jsonBody(t, asyncBody("async", "c2"))), 202)
	e.mustJSON(e.get(QP+"c2/"), 202)
	e.mustJSON(e.get(QP+"c2/"), 200)
	if m := e.mustJSON(e.req("DELETE", QP+"c2/", nil, testKey), 200); m["message"] != "Query already complete" {
		t.Fatalf("cancel after completion %v", m)
	}
}
