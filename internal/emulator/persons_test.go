package emulator

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// seedPersons creates n persons p0..p(n-1), each one minute newer than the last.
func seedPersons(e *env, n int) {
	for i := range n {
		e.capture("seed", fmt.Sprintf("p%d", i), nil, t0.Add(time.Duration(i)*time.Minute))
	}
}

func TestThreeShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	anonID := "0b1e4c6a-3d3f-4e9b-9a55-1f2a3b4c5d6e"
	e.capture("x", anonID, nil, t0)
	e.capture("$identify", "alice", map[string]any{"$anon_distinct_id": anonID, "$set": map[string]any{"email": "alice@example.com"}}, t0)
	for i := range 12 {
		e.capture("$identify", "alice", map[string]any{"$anon_distinct_id": fmt.Sprintf("extra%02d", i)}, t0)
	}
	p := e.person("alice")

	list := e.mustJSON(e.get(P), 200)
	row := asT[map[string]any](t, asT[[]any](t, list["results"])[0])
	if row["id"] != p.UUID || row["type"] != "person" || row["is_identified"] != true || row["value_at_data_point"] != nil {
		t.Fatalf("list row %v", row)
	}
	if mr, ok := row["matched_recordings"].([]any); !ok || len(mr) != 0 {
		t.Fatalf("matched_recordings %v", row["matched_recordings"])
	}
	if ids := asT[[]any](t, row["distinct_ids"]); ids[0] != anonID || len(ids) != 14 {
		t.Fatalf("list distinct_ids not in stored order: %v", ids)
	}
	if row["name"] != "alice@example.com" {
		t.Fatalf("name %v", row["name"])
	}

	rec := e.mustJSON(e.get(P+p.UUID+"/"), 200)
	if rec["id"] != float64(p.ID) || rec["uuid"] != p.UUID {
		t.Fatalf("retrieve %v", rec)
	}
	if _, ok := rec["is_identified"]; ok {
		t.Fatal("retrieve has is_identified")
	}
	ids := asT[[]any](t, rec["distinct_ids"])
	if len(ids) != 14 || ids[len(ids)-1] != anonID || ids[0] != "alice" {
		t.Fatalf("retrieve distinct_ids (non-anonymous first): %v", ids)
	}
	byInt := e.mustJSON(e.get(fmt.Sprintf("%s%d/", P, p.ID)), 200)
	if byInt["uuid"] != p.UUID {
		t.Fatal("retrieve by int id")
	}

	b := e.mustJSON(e.post(P+"batch_by_distinct_ids/", map[string]any{"distinct_ids": []string{"alice", anonID, "nobody"}}), 200)
	res := asT[map[string]any](t, b["results"])
	if len(res) != 2 {
		t.Fatalf("batch results %v", res)
	}
	mp := asT[map[string]any](t, res["alice"])
	if mp["id"] != float64(p.ID) || len(asT[[]any](t, mp["distinct_ids"])) != 10 || asT[map[string]any](t, res[anonID])["uuid"] != p.UUID {
		t.Fatalf("minimal person %v", mp)
	}
}

func TestNameRule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	anon := "0b1e4c6a-3d3f-4e9b-9a55-1f2a3b4c5d6f"
	e.capture("x", anon, nil, t0)
	r := e.mustJSON(e.get(P+e.person(anon).UUID+"/"), 200)
	if r["name"] != anon {
		t.Fatalf("name %v", r["name"])
	}
	e.capture("$identify", "bob", map[string]any{"$anon_distinct_id": anon}, t0)
	r = e.mustJSON(e.get(P+e.person(anon).UUID+"/"), 200)
	if r["name"] != "bob" {
		t.Fatalf("name %v", r["name"])
	}
	e.capture("x", "bob", map[string]any{"$set": map[string]any{"username": "bobby", "email": ""}}, t0)
	r = e.mustJSON(e.get(P+e.person(anon).UUID+"/"), 200)
	if r["name"] != "bobby" {
		t.Fatalf("name %v", r["name"])
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	seedPersons(e, 4)
	page := e.mustJSON(e.get(P+"?limit=2&include_total"), 200)
	res := asT[[]any](t, page["results"])
	if len(res) != 2 || asT[[]any](t, asT[map[string]any](t, res[0])["distinct_ids"])[0] != "p3" || page["count"] != 4.0 || page["previous"] != nil {
		t.Fatalf("page1 %v", page)
	}
	next, _ := url.Parse(asT[string](t, page["next"]))
	if next.Scheme != "http" || next.Host != strings.TrimPrefix(e.ts.URL, "http://") || next.Query().Get("offset") != "2" || next.Query().Get("limit") != "2" {
		t.Fatalf("next %v", page["next"])
	}
	page = e.mustJSON(e.get(next.RequestURI()), 200)
	if _, ok := page["count"]; !ok || page["previous"] == nil || page["next"] == nil {
		t.Fatalf("page2 %v", page)
	}
	prev, _ := url.Parse(asT[string](t, page["previous"]))
	if prev.Query().Get("offset") != "0" {
		t.Fatalf("previous %v", page["previous"])
	}
	// Exact multiple: one extra, empty page with next null.
	page = e.mustJSON(e.get(P+"?limit=2&offset=4"), 200)
	if len(asT[[]any](t, page["results"])) != 0 || page["next"] != nil {
		t.Fatalf("page3 %v", page)
	}
	if _, ok := page["count"]; ok {
		t.Fatal("count without include_total")
	}
	// distinct_id and search.
	page = e.mustJSON(e.get(P+"?distinct_id=p1&limit=1"), 200)
	if len(asT[[]any](t, page["results"])) != 1 || page["next"] != nil {
		t.Fatalf("distinct_id %v", page)
	}
	page = e.mustJSON(e.get(P+"?distinct_id=zzz&include_total"), 200)
	if len(asT[[]any](t, page["results"])) != 0 || page["count"] != 0.0 {
		t.Fatalf("distinct_id miss %v", page)
	}
	page = e.mustJSON(e.get(P+"?search=P2"), 200)
	if len(asT[[]any](t, page["results"])) != 1 {
		t.Fatalf("search %v", page)
	}
	// Environments alias.
	page = e.mustJSON(e.get("/api/environments/1/persons?limit=10"), 200)
	if len(asT[[]any](t, page["results"])) != 4 {
		t.Fatalf("alias %v", page)
	}
}

func TestListCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	seedPersons(e, 3)
	for _, path := range []string{P + "?format=csv", "/api/projects/1/persons.csv"} {
		r := e.get(path)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", path, r.status, r.header)
		}
		lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
		if len(lines) != 4 || !strings.Contains(lines[0], "distinct_ids.0") {
			t.Fatalf("csv %q", r.body)
		}
	}
}

func TestRetrieveErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	// The detail names the id sent (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
	wantError(t, e.get(P+"some-distinct-id/"), 400, "validation_error", "invalid_input",
		"The ID provided does not look like a personID. If you are using a distinctId, please use /persons?distinct_id=some-distinct-id instead.")
	wantError(t, e.get(P+"999/"), 404, "invalid_request", "not_found", "Not found.")
	wantError(t, e.get(P+"0b1e4c6a-3d3f-4e9b-9a55-1f2a3b4c5d6f/"), 404, "invalid_request", "not_found", "Not found.")
	wantError(t, e.post(P, map[string]any{}), 405, "invalid_request", "method_not_allowed", createNotAllowed)
	wantError(t, e.get("/api/nothing/"), 404, "invalid_request", "not_found", "Endpoint not found.")
	wantError(t, e.get("/api/projects/1/persons/a/b/c/"), 404, "invalid_request", "not_found", "Endpoint not found.")
	wantError(t, e.get("/api/projects/2/persons/"), 404, "invalid_request", "not_found", "Not found.")
}

func TestDestroyAndResurrect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.capture("x", "d1", nil, t0)
	p := e.person("d1")
	r := e.req("DELETE", P+p.UUID+"/?delete_events=false", nil, testKey)
	if r.status != 202 || len(r.body) != 0 {
		t.Fatalf("delete %d %q", r.status, r.body)
	}
	wantError(t, e.req("DELETE", P+p.UUID+"/", nil, testKey), 404, "invalid_request", "not_found", "Not found.")
	// delete_events is tested by presence: "false" still queued a row.
	ds := e.mustJSON(e.get(P+"deletion_status/"), 200)
	if ds["count"] != 1.0 {
		t.Fatalf("deletion_status %v", ds)
	}
	e.capture("x", "d1", nil, t0.Add(time.Hour))
	np := e.person("d1")
	// A returning user gets the deleted person's UUID again (deterministic UUIDs,
	// docs/dev/posthog-behaviour.md#person-ids-and-uuids) in a new row.
	if np.UUID != p.UUID || np.ID == p.ID || !np.CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("resurrected %+v vs %+v", np, p)
	}
	// Injected failure: 503 person_deletion_failed, person kept.
	e.srv.FailDeletions([]string{np.UUID}, "delete_postgres", 1)
	r = e.req("DELETE", fmt.Sprintf("%s%d/", P, np.ID), nil, testKey)
	if r.status != 503 || r.json(t)["code"] != "person_deletion_failed" || !strings.Contains(string(r.body), "delete_postgres") {
		t.Fatalf("failure %d %s", r.status, r.body)
	}
	if _, ok := e.srv.PersonByUUID(np.UUID); !ok {
		t.Fatal("person deleted despite failure")
	}
	// A failed activity log never causes a 503.
	e.srv.FailDeletions([]string{np.UUID}, "log_activity", 1)
	if r := e.req("DELETE", P+np.UUID+"/", nil, testKey); r.status != 202 {
		t.Fatalf("log_activity failure %d %s", r.status, r.body)
	}
}

func TestBatchByInputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	seedPersons(e, 205)
	for _, body := range []any{map[string]any{}, map[string]any{"distinct_ids": "p1"}, map[string]any{"distinct_ids": []any{}}, []any{1}} {
		b := e.mustJSON(e.post(P+"batch_by_distinct_ids/", body), 200)
		if len(asT[map[string]any](t, b["results"])) != 0 {
			t.Fatalf("bad input %v gave %v", body, b)
		}
		b = e.mustJSON(e.post(P+"batch_by_uuids/", body), 200)
		if len(asT[map[string]any](t, b["results"])) != 0 {
			t.Fatalf("bad uuids input %v gave %v", body, b)
		}
	}
	var dids, uuids []string
	for i := range 205 {
		dids = append(dids, fmt.Sprintf("p%d", 204-i)) // p204 .. p0
		uuids = append(uuids, strings.ToUpper(e.person(fmt.Sprintf("p%d", 204-i)).UUID))
	}
	b := e.mustJSON(e.post(P+"batch_by_distinct_ids/", map[string]any{"distinct_ids": dids}), 200)
	res := asT[map[string]any](t, b["results"])
	if len(res) != 200 || res["p0"] != nil || res["p5"] == nil {
		t.Fatalf("cap: %d", len(res))
	}
	b = e.mustJSON(e.post(P+"batch_by_uuids/", map[string]any{"uuids": uuids}), 200)
	res = asT[map[string]any](t, b["results"])
	if len(res) != 200 || res[e.person("p5").UUID] == nil {
		t.Fatalf("uuid cap: %d", len(res))
	}
	wantError(t, e.post(P+"batch_by_uuids/", map[string]any{"uuids": []any{e.person("p1").UUID, "nope"}}), 400,
		"validation_error", "invalid_input", "One or more UUIDs are invalid.")
}

func TestCohorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{APIKeys: []APIKey{{Key: testKey, Scopes: []string{"*"}}, {Key: "pr", Scopes: []string{"person:read"}}, {Key: "both", Scopes: []string{"person:write", "cohort:read"}}}})
	e.capture("x", "c1", nil, t0)
	p := e.person("c1")
	b := e.mustJSON(e.get(P+"cohorts/?person_id="+p.UUID), 200)
	if r, ok := b["results"].([]any); !ok || len(r) != 0 {
		t.Fatalf("cohorts %v", b)
	}
	e.mustJSON(e.req("GET", fmt.Sprintf("%scohorts/?person_id=%d", P, p.ID), nil, "both"), 200)
	wantError(t, e.get(P+"cohorts/?person_id=nope"), 404, "invalid_request", "not_found", "Not found.")
	wantError(t, e.get(P+"cohorts/?person_id=12345"), 404, "invalid_request", "not_found", "Not found.")
	wantError(t, e.get(P+"cohorts/"), 500, "server_error", "error", "A server error occurred.")
	wantError(t, e.req("GET", P+"cohorts/?person_id="+p.UUID, nil, "pr"), 403, "authentication_error", "permission_denied", "API key missing required scope 'cohort:read'")
}
