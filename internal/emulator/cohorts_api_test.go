package emulator

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"testing"
)

const C = "/api/projects/1/cohorts/"

// setProps creates or updates a person through an $identify with $set.
func setProps(e *env, distinctID string, props map[string]any) PersonInfo {
	e.t.Helper()
	e.capture("$identify", distinctID, map[string]any{"$set": props}, t0)
	return e.person(distinctID)
}

func personFilters(op string, values ...map[string]any) map[string]any {
	vals := []any{}
	for _, v := range values {
		vals = append(vals, v)
	}
	return map[string]any{"properties": map[string]any{"type": op, "values": []any{map[string]any{"type": "AND", "values": vals}}}}
}

func pf(key, op string, value any) map[string]any {
	m := map[string]any{"key": key, "type": "person", "operator": op}
	if value != nil {
		m["value"] = value
	}
	return m
}

// createCohort creates a cohort through the API and returns its id.
func createCohort(e *env, body map[string]any) int {
	e.t.Helper()
	return int(asT[float64](e.t, e.mustJSON(e.post(C, body), 201)["id"]))
}

// cohortCount is a cohort's count as the API reports it.
func cohortCount(e *env, id int) int {
	e.t.Helper()
	return int(asT[float64](e.t, e.mustJSON(e.get(fmt.Sprintf("%s%d/", C, id)), 200)["count"]))
}

// personCohorts returns "id:name:count" entries of the persons cohorts endpoint.
func personCohorts(e *env, ref string) []string {
	e.t.Helper()
	b := e.mustJSON(e.get(P+"cohorts/?person_id="+ref), 200)
	var out []string
	for _, r := range asT[[]any](e.t, b["results"]) {
		m := asT[map[string]any](e.t, r)
		if len(m) != 3 {
			e.t.Fatalf("row %v is not exactly {id,name,count}", m)
		}
		out = append(out, fmt.Sprintf("%v:%v:%v", m["id"], m["name"], m["count"]))
	}
	return out
}

func wantList(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDynamicCohortOperators(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	alice := setProps(e, "alice", map[string]any{"email": "Alice@Example.com", "plan": "pro"})
	bob := setProps(e, "bob", map[string]any{"email": "bob@other.io", "plan": "free"})
	carol := setProps(e, "carol", map[string]any{"plan": nil})

	exact := e.mustJSON(e.post(C, map[string]any{"name": "pro", "filters": personFilters("OR", pf("plan", "exact", "pro"))}), 201)
	if exact["count"] != float64(1) || exact["is_static"] != false || exact["deleted"] != false || exact["is_calculating"] != false {
		t.Fatalf("created %v", exact)
	}
	for _, k := range []string{"id", "name", "description", "groups", "filters", "query", "created_by", "created_at", "last_calculation", "errors_calculating", "cohort_type", "experiment_set"} {
		if _, ok := exact[k]; !ok {
			t.Fatalf("cohort lacks %s: %v", k, exact)
		}
	}
	list := e.mustJSON(e.post(C, map[string]any{"name": "any plan", "filters": personFilters("OR", pf("plan", "exact", []any{"pro", "free"}))}), 201)
	icont := e.mustJSON(e.post(C, map[string]any{"name": "example", "filters": personFilters("AND", pf("email", "icontains", "EXAMPLE.COM"))}), 201)
	isSet := e.mustJSON(e.post(C, map[string]any{"name": "has plan", "filters": personFilters("AND", pf("plan", "is_set", nil))}), 201)
	if list["count"] != float64(2) || icont["count"] != float64(1) || isSet["count"] != float64(2) {
		t.Fatalf("counts %v %v %v", list["count"], icont["count"], isSet["count"])
	}
	if exact["id"] != float64(1) || isSet["id"] != float64(4) {
		t.Fatal("ids must auto-increment from 1")
	}
	wantList(t, personCohorts(e, alice.UUID), "1:pro:1", "2:any plan:2", "3:example:1", "4:has plan:2")
	wantList(t, personCohorts(e, fmt.Sprint(bob.ID)), "2:any plan:2", "4:has plan:2")
	wantList(t, personCohorts(e, carol.UUID)) // null is not set

	// Membership follows current properties.
	setProps(e, "bob", map[string]any{"plan": "pro"})
	wantList(t, personCohorts(e, bob.UUID), "1:pro:2", "2:any plan:2", "4:has plan:2")

	// Same cohorts through the environments alias.
	r := e.mustJSON(e.get("/api/environments/1/cohorts/1/"), 200)
	if r["count"] != float64(2) || r["name"] != "pro" {
		t.Fatalf("retrieve %v", r)
	}
}

func TestStaticCohorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	a := setProps(e, "a", map[string]any{"email": "a@x.io"})
	b := setProps(e, "b", nil)
	c := setProps(e, "c", nil)
	missing := "0b1e4c6a-3d3f-4e9b-9a55-1f2a3b4c5d60"

	s := e.mustJSON(e.post(C, map[string]any{"name": "vip", "is_static": true, "_create_static_person_ids": []string{a.UUID, missing, "not-a-uuid"}}), 201)
	if s["count"] != float64(1) || s["is_static"] != true {
		t.Fatalf("static %v", s)
	}
	id := int(asT[float64](t, s["id"]))
	add := fmt.Sprintf("%s%d/add_persons_to_static_cohort/", C, id)
	if r := e.mustJSON(e.req("PATCH", add, map[string]any{"person_ids": []string{b.UUID}}, testKey), 200); r["success"] != true {
		t.Fatalf("add %v", r)
	}
	wantError(t, e.req("PATCH", add, map[string]any{"person_ids": "x"}, testKey), 400, "validation_error", "invalid_input", "person_ids must be a list")
	wantError(t, e.req("PATCH", add, map[string]any{"person_ids": []string{}}, testKey), 400, "validation_error", "invalid_input", "person_ids cannot be empty")
	wantError(t, e.req("PATCH", add, map[string]any{"person_ids": []string{missing}}, testKey), 400, "validation_error", "invalid_input", "No valid users to add to cohort")
	wantError(t, e.req("PATCH", add, map[string]any{"person_ids": make([]string, 1001)}, testKey), 400, "validation_error", "invalid_input", "List size exceeds limit")
	wantError(t, e.req("PATCH", C+"99/add_persons_to_static_cohort/", map[string]any{"person_ids": []string{b.UUID}}, testKey), 404, "invalid_request", "not_found", "Not found.")
	wantError(t, e.req("POST", add, map[string]any{}, testKey), 405, "invalid_request", "method_not_allowed", `Method "POST" not allowed.`)

	// CSV upload adds by distinct id (single column, no header).
	csvID := uploadCSV(t, e, "PATCH", fmt.Sprintf("%s%d/", C, id), map[string]string{}, "c\nnobody\n")
	if csvID["count"] != float64(3) {
		t.Fatalf("after csv %v", csvID)
	}
	viaCSV := uploadCSV(t, e, "POST", C, map[string]string{"name": "from csv", "is_static": "true"}, "email,other\na@x.io,1\n")
	if viaCSV["count"] != float64(1) || viaCSV["is_static"] != true {
		t.Fatalf("csv create %v", viaCSV)
	}
	wantList(t, personCohorts(e, a.UUID), fmt.Sprintf("%d:vip:3", id), fmt.Sprintf("%d:from csv:1", id+1))

	dyn := e.mustJSON(e.post(C, map[string]any{"name": "dyn", "filters": personFilters("OR", pf("email", "is_set", nil))}), 201)
	wantError(t, e.req("PATCH", fmt.Sprintf("%s%v/add_persons_to_static_cohort/", C, dyn["id"]), map[string]any{"person_ids": []string{b.UUID}}, testKey),
		400, "validation_error", "invalid_input", "Can only add users to static cohorts")

	remove := fmt.Sprintf("%s%d/remove_person_from_static_cohort/", C, id)
	e.mustJSON(e.req("PATCH", remove, map[string]any{"person_id": c.UUID}, testKey), 200)
	wantError(t, e.req("PATCH", remove, map[string]any{"person_id": c.UUID}, testKey), 404, "invalid_request", "not_found", "Person is not part of the cohort")

	// Deleting a person leaves the static row but the count drops.
	if r := e.req("DELETE", P+b.UUID+"/", nil, testKey); r.status/100 != 2 {
		t.Fatalf("delete person %d %s", r.status, r.body)
	}
	if n := cohortCount(e, id); n != 1 {
		t.Fatalf("count after person delete %d", n)
	}
}

func uploadCSV(t *testing.T, e *env, method, path string, fields map[string]string, content string) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("csv", "people.csv")
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	r, _ := http.NewRequest(method, e.ts.URL+path, &buf)
	r.Header.Set("Authorization", "Bearer "+testKey)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := e.ts.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	want := 200
	if method == "POST" {
		want = 201
	}
	return e.mustJSON(resp{status: res.StatusCode, body: b}, want)
}

func TestCohortValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	attrErr := func(r resp, code, detail, attr string) {
		t.Helper()
		m := e.mustJSON(r, 400)
		if m["type"] != "validation_error" || m["code"] != code || m["detail"] != detail || m["attr"] != attr {
			t.Fatalf("error %v, want code=%s detail=%q attr=%s", m, code, detail, attr)
		}
	}
	attrErr(e.post(C, map[string]any{"name": "x", "filters": map[string]any{}}), "invalid_input", filtersNeedProperties, "filters__detail")
	attrErr(e.post(C, map[string]any{"name": "x", "filters": personFilters("OR", map[string]any{"key": "k", "type": "person", "value": "v"})}),
		"invalid_input", "Missing required keys for person filter: operator", "filters")
	attrErr(e.post(C, map[string]any{"name": "x", "filters": personFilters("OR", map[string]any{"key": "k", "type": "person"})}),
		"invalid_input", "Missing required keys for person filter: value, operator", "filters")
	attrErr(e.post(C, map[string]any{"name": strings.Repeat("n", 401)}), "max_length", "Ensure this field has no more than 400 characters.", "name")
	attrErr(e.post(C, map[string]any{"name": "x", "is_static": "maybe"}), "invalid_input", "Must be a valid boolean.", "is_static")
	wantError(t, e.post(C, map[string]any{"name": "x", "is_static": true}), 400, "validation_error", "invalid_input", invalidStaticSource)
	wantError(t, e.post(C, map[string]any{"name": "x", "query": map[string]any{"kind": "HogQLQuery"}}), 400, "validation_error", "invalid_input",
		"Cannot create a dynamic cohort with a query. Set is_static to true.")
	wantError(t, e.post(C, "{bad"), 400, "invalid_request", "parse_error", "JSON parse error - invalid character 'b' looking for beginning of object key string")

	// The model's name is nullable: a cohort without a name is accepted (not an error).
	n := e.mustJSON(e.post(C, map[string]any{"filters": personFilters("OR", pf("a", "is_set", nil))}), 201)
	if n["name"] != nil || n["description"] != "" {
		t.Fatalf("nameless %v", n)
	}
	// An explicitly empty static person list is a valid (empty) source.
	if s := e.mustJSON(e.post(C, map[string]any{"name": "empty", "is_static": true, "_create_static_person_ids": []string{}}), 201); s["count"] != float64(0) {
		t.Fatalf("empty static %v", s)
	}
	// Loops through cohort filters are refused on update.
	a := e.mustJSON(e.post(C, map[string]any{"name": "a", "filters": personFilters("OR", pf("x", "is_set", nil))}), 201)
	b := e.mustJSON(e.post(C, map[string]any{"name": "b", "filters": map[string]any{"properties": map[string]any{"type": "OR", "values": []any{map[string]any{"type": "cohort", "key": "id", "value": a["id"]}}}}}), 201)
	wantError(t, e.req("PATCH", fmt.Sprintf("%s%v/", C, a["id"]), map[string]any{"filters": map[string]any{"properties": map[string]any{"type": "OR", "values": []any{map[string]any{"type": "cohort", "key": "id", "value": b["id"]}}}}}, testKey),
		400, "validation_error", "invalid_input", "Cohorts cannot reference other cohorts in a loop.")
	wantError(t, e.get(C+"abc/"), 404, "invalid_request", "not_found", "Not found.")
}

func TestCohortNestedAndLegacyGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	p := setProps(e, "p", map[string]any{"email": "p@x.io", "team_id": float64(5)})
	setProps(e, "q", map[string]any{"email": "q@x.io"})
	legacy := e.mustJSON(e.post(C, map[string]any{"name": "legacy", "groups": []any{map[string]any{"properties": map[string]any{"team_id": 5}}}}), 201)
	if legacy["count"] != float64(1) {
		t.Fatalf("legacy %v", legacy)
	}
	f := asT[map[string]any](t, asT[map[string]any](t, legacy["filters"])["properties"])
	if f["type"] != "OR" {
		t.Fatalf("legacy filters representation %v", legacy["filters"])
	}
	nested := e.mustJSON(e.post(C, map[string]any{"name": "nested", "filters": map[string]any{"properties": map[string]any{"type": "AND", "values": []any{
		map[string]any{"type": "cohort", "key": "id", "value": legacy["id"], "negation": true},
		map[string]any{"type": "person", "key": "email", "operator": "icontains", "value": "@x.io"},
	}}}}), 201)
	if nested["count"] != float64(1) {
		t.Fatalf("nested %v", nested)
	}
	wantList(t, personCohorts(e, p.UUID), fmt.Sprintf("%v:legacy:1", legacy["id"]))
}

func TestCohortListDeleteAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{APIKeys: []APIKey{
		{Key: testKey, Scopes: []string{"*"}},
		{Key: "cr", Scopes: []string{"cohort:read"}},
		{Key: "cw", Scopes: []string{"cohort:write", "person:read"}},
		{Key: "pr", Scopes: []string{"person:read"}},
		{Key: "legacy"},
		{Key: "noteam", NoCurrentTeam: true},
	}})
	p := setProps(e, "u", map[string]any{"plan": "pro"})
	ids := []int{}
	for i := range 3 {
		ids = append(ids, createCohort(e, map[string]any{"name": fmt.Sprintf("c%d", i), "filters": personFilters("AND", pf("plan", "exact", []any{"pro", "team"}))}))
	}
	st := createCohort(e, map[string]any{"name": "static", "is_static": true, "_create_static_person_ids": []string{p.UUID}})

	// Scopes: cohort:read lists, cannot write; cohort:write implies read; person:read alone cannot list.
	e.mustJSON(e.req("GET", C, nil, "cr"), 200)
	wantError(t, e.req("POST", C, map[string]any{"name": "x"}, "cr"), 403, "authentication_error", "permission_denied", "API key missing required scope 'cohort:write'")
	wantError(t, e.req("PATCH", fmt.Sprintf("%s%d/", C, st), map[string]any{"name": "x"}, "cr"), 403, "authentication_error", "permission_denied", "API key missing required scope 'cohort:write'")
	wantError(t, e.req("GET", C, nil, "pr"), 403, "authentication_error", "permission_denied", "API key missing required scope 'cohort:read'")
	e.mustJSON(e.req("GET", C, nil, "cw"), 200)
	e.mustJSON(e.req("GET", P+"cohorts/?person_id="+p.UUID, nil, "cw"), 200) // person:read + cohort:write
	e.mustJSON(e.req("POST", C, map[string]any{"name": "legacy", "is_static": true, "_create_static_person_ids": []string{}}, "legacy"), 201)
	wantError(t, e.req("GET", P+"cohorts/?person_id="+p.UUID, nil, "cr"), 403, "authentication_error", "permission_denied", "API key missing required scope 'person:read'")
	wantError(t, e.req("GET", P+"cohorts/?person_id="+p.UUID, nil, "pr"), 403, "authentication_error", "permission_denied", "API key missing required scope 'cohort:read'")

	// The hand-built 400 for a user without a current team.
	r := e.req("GET", P+"cohorts/?person_id="+p.UUID, nil, "noteam")
	if m := e.mustJSON(r, 400); len(m) != 2 || m["message"] != "Could not retrieve team" || m["detail"] != "Could not validate team associated with user" {
		t.Fatalf("noteam %s", r.body)
	}
	wantError(t, e.get(P+"cohorts/?person_id=0b1e4c6a-3d3f-4e9b-9a55-1f2a3b4c5d61"), 404, "invalid_request", "not_found", "Not found.")

	// Soft delete: excluded from list and the persons endpoint, still retrievable.
	del := e.mustJSON(e.req("PATCH", fmt.Sprintf("%s%d/", C, ids[1]), map[string]any{"deleted": true}, testKey), 200)
	if del["deleted"] != true {
		t.Fatalf("patch deleted %v", del)
	}
	e.mustJSON(e.req("PATCH", fmt.Sprintf("%s%d/", C, ids[2]), map[string]any{"deleted": true}, testKey), 200)
	wantList(t, personCohorts(e, p.UUID), fmt.Sprintf("%d:c0:1", ids[0]), fmt.Sprintf("%d:static:1", st))
	if r := e.mustJSON(e.get(fmt.Sprintf("%s%d/", C, ids[1])), 200); r["deleted"] != true {
		t.Fatalf("retrieve deleted %v", r)
	}
	if r := e.req("DELETE", fmt.Sprintf("%s%d/", C, ids[0]), nil, testKey); r.status != 405 || len(r.body) != 0 {
		t.Fatalf("hard delete %d %q", r.status, r.body)
	}

	// List: non-deleted, newest first, limit/offset pagination, type and search filters.
	l := e.mustJSON(e.get(C+"?limit=2"), 200)
	if l["count"] != float64(3) || l["previous"] != nil || !strings.Contains(asT[string](t, l["next"]), "offset=2") {
		t.Fatalf("page 1 %v", l)
	}
	var names []string
	for _, x := range asT[[]any](t, l["results"]) {
		names = append(names, asT[string](t, asT[map[string]any](t, x)["name"]))
	}
	l2 := e.mustJSON(e.get(C+"?limit=2&offset=2"), 200)
	for _, x := range asT[[]any](t, l2["results"]) {
		names = append(names, asT[string](t, asT[map[string]any](t, x)["name"]))
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "c0,legacy,static" || l2["next"] != nil || l2["previous"] == nil {
		t.Fatalf("pages %v %v", names, l2)
	}
	if s := e.mustJSON(e.get(C+"?type=static&search=STAT"), 200); s["count"] != float64(1) {
		t.Fatalf("filtered %v", s)
	}

	// Restore and rename through PATCH.
	e.mustJSON(e.req("PATCH", fmt.Sprintf("%s%d/", C, ids[1]), map[string]any{"deleted": false, "name": "back"}, testKey), 200)
	wantList(t, personCohorts(e, p.UUID), fmt.Sprintf("%d:c0:1", ids[0]), fmt.Sprintf("%d:back:1", ids[1]), fmt.Sprintf("%d:static:1", st))
}

func TestStaticMembershipFollowsMerge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	anon := "0b1e4c6a-3d3f-4e9b-9a55-1f2a3b4c5d62"
	e.capture("x", anon, nil, t0)
	e.capture("x", "known", nil, t0)
	id := createCohort(e, map[string]any{"name": "s", "is_static": true, "_create_static_person_ids": []string{e.person(anon).UUID}})
	e.capture("$identify", "known", map[string]any{"$anon_distinct_id": anon}, t0)
	if n := cohortCount(e, id); n != 1 {
		t.Fatalf("count after merge %d", n)
	}
	wantList(t, personCohorts(e, e.person("known").UUID), fmt.Sprintf("%d:s:1", id))
}
