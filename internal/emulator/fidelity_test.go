package emulator

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// Person UUIDs are uuid5 of PostHog's namespace and "<team>:<distinct id>"; the
// expected values are those of PostHog's own test of MissingPerson
// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
func TestDeterministicPersonUUIDs(t *testing.T) {
	t.Parallel()
	for team, want := range map[int]string{1: "246f7a43-5507-564f-b687-793ee3c2dd79", 2: "00ce873a-549c-548e-bbec-cc804a385dd8"} {
		e := newEnv(t, Config{ProjectID: team})
		e.srv.Ingest(Event{Event: "x", DistinctID: "test", Timestamp: t0})
		if got := e.person("test").UUID; got != want {
			t.Errorf("team %d: uuid %s, want %s", team, got, want)
		}
	}
	e := newEnv(t, Config{})
	e.capture("x", "test2", nil, t0)
	if got := e.person("test2").UUID; got != "45c17302-ee44-5596-916a-0eba21f4b638" {
		t.Errorf("test2: uuid %s", got)
	}
	// $identify when neither id has a person: the identified id names the UUID.
	e.capture("$identify", "test", map[string]any{"$anon_distinct_id": "anon-1"}, t0)
	if p := e.person("anon-1"); p.UUID != "246f7a43-5507-564f-b687-793ee3c2dd79" {
		t.Errorf("identified person uuid %s", p.UUID)
	}
}

// A returning user gets the same UUID; its second deletion while the first row
// is pending queues nothing, and the job deletes only events captured (and
// ingested) up to that row's created_at; after verification a new request adds
// a new row (docs/dev/posthog-behaviour.md#event-deletion).
func TestEventDeletionOfReturningUser(t *testing.T) {
	t.Parallel()
	t1 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, Config{Now: func() time.Time { return t1 }}) // the clock moves only when set
	e.capture("first", "u", nil, t1.Add(-time.Hour))
	u := e.person("u").UUID
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"u"}, "delete_events": true}), 202)

	e.srv.setClock(t1.Add(time.Hour))
	e.capture("second", "u", nil, t1.Add(30*time.Minute))
	e.capture("backdated", "u", nil, t1.Add(-2*time.Hour)) // older timestamp, ingested after the request
	if got := e.person("u").UUID; got != u {
		t.Fatalf("returning user uuid %s, want %s", got, u)
	}
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"u"}, "delete_events": true}), 202)
	ds := e.mustJSON(e.get(P+"deletion_status/?person_uuid="+u), 200)
	rows := asT[[]any](t, ds["results"])
	if ds["count"] != 1.0 || asT[map[string]any](t, rows[0])["created_at"] != "2024-03-01T12:00:00Z" {
		t.Fatalf("second request while pending: %v", ds)
	}

	if rowsVerified, deleted := e.srv.RunDeletionJob(); rowsVerified != 1 || deleted != 1 {
		t.Fatalf("job verified %d rows and deleted %d events, want 1 and 1", rowsVerified, deleted)
	}
	left := e.mustJSON(e.get("/_emulator/events?person_uuid="+url.QueryEscape(u)), 200)
	evs := asT[[]any](t, left["events"])
	if left["count"] != 2.0 || asT[map[string]any](t, evs[0])["event"] != "second" || asT[map[string]any](t, evs[1])["event"] != "backdated" {
		t.Fatalf("events left after the job: %v", left)
	}

	e.srv.setClock(t1.Add(2 * time.Hour))
	e.capture("third", "u", nil, t1.Add(90*time.Minute))
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"u"}, "delete_events": true}), 202)
	ds = e.mustJSON(e.get(P+"deletion_status/?person_uuid="+u), 200)
	rows = asT[[]any](t, ds["results"])
	newest := asT[map[string]any](t, rows[0])
	if ds["count"] != 2.0 || newest["status"] != "pending" || newest["created_at"] != "2024-03-01T14:00:00Z" ||
		asT[map[string]any](t, rows[1])["status"] != "completed" {
		t.Fatalf("request after verification: %v", ds)
	}
	if _, deleted := e.srv.RunDeletionJob(); deleted != 3 || len(e.srv.Events(u)) != 0 {
		t.Fatalf("second job deleted %d events, %d left", deleted, len(e.srv.Events(u)))
	}
}

// A failed Postgres delete fails the whole call: every person that passed the
// tombstone step is listed at delete_postgres and none is deleted; a tombstone
// failure stays per person. Tombstoned persons leave actor lists although their
// rows remain (docs/dev/posthog-behaviour.md#bulk-delete).
func TestBulkDeletePostgresFailureFailsTheBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	seedPersons(e, 4)
	p0, p1, p2, p3 := e.person("p0").UUID, e.person("p1").UUID, e.person("p2").UUID, e.person("p3").UUID
	e.srv.FailDeletions([]string{p0}, "tombstone_clickhouse", 1)
	e.mustJSON(e.post("/_emulator/postgres-delete-failures", map[string]any{"times": 1}), 200)
	b := e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p0, p1, p2}}), 202)
	got := map[string]string{}
	for _, x := range asT[[]any](t, b["deletion_errors"]) {
		de := asT[map[string]any](t, x)
		got[asT[string](t, de["person_uuid"])] = asT[string](t, de["step"])
	}
	want := map[string]string{p0: "tombstone_clickhouse", p1: "delete_postgres", p2: "delete_postgres"}
	if b["persons_deleted"] != 0.0 || len(got) != 3 || got[p0] != want[p0] || got[p1] != want[p1] || got[p2] != want[p2] {
		t.Fatalf("answer %v", b)
	}
	found := asT[map[string]any](t, e.mustJSON(e.post(P+"batch_by_uuids/", map[string]any{"uuids": []string{p0, p1, p2}}), 200)["results"])
	if len(found) != 3 {
		t.Fatalf("persons after the failed call: %v", found)
	}
	actors := e.mustJSON(e.post(QP, jsonBody(t, `{"query": {"kind": "ActorsQuery", "select": ["id"]}}`)), 200)
	var ids []string
	for _, r := range asT[[]any](t, actors["results"]) {
		ids = append(ids, asT[string](t, asT[[]any](t, r)[0]))
	}
	if len(ids) != 2 || !slices.Contains(ids, p0) || !slices.Contains(ids, p3) {
		t.Fatalf("actors %v: only the untombstoned p0 and p3 remain", ids)
	}
	// An armed delete_postgres failure of one person fails the batch it is in.
	e.srv.FailDeletions([]string{p2}, "delete_postgres", 1)
	b = e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p1, p2, p3}}), 202)
	if b["persons_deleted"] != 0.0 || len(asT[[]any](t, b["deletion_errors"])) != 3 {
		t.Fatalf("armed person's batch %v", b)
	}
	b = e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p0, p1, p2, p3}}), 202)
	if b["persons_deleted"] != 4.0 || len(asT[[]any](t, b["deletion_errors"])) != 0 {
		t.Fatalf("retry %v", b)
	}
}

// Actors whose person was deleted drop out of actor answers (the source is
// INNER JOINed with persons), and are not counted in missing_actors_count; a
// returning user joins its old events again under the same UUID
// (docs/dev/posthog-behaviour.md#actors-query-answers).
func TestActorsOfDeletedPersons(t *testing.T) {
	t.Parallel()
	e := seeded(t, legacyCfg, "S4")
	f := funnelsQuery("ordered", "step one", "step two", "step three")
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": users(0, 2)}), 202)
	m := e.mustJSON(e.post(QP, jsonBody(t, actorsQuery(funnelActors(3, f), ""))), 200)
	wantNames(t, "funnelStep 3 after deleting user_0 and user_1", names(t, m), users(2, 5)...)
	if m["missing_actors_count"] != 0.0 {
		t.Errorf("missing_actors_count %v, want 0", m["missing_actors_count"])
	}
	plain := e.mustJSON(e.post(QP, jsonBody(t, `{"query": {"kind": "ActorsQuery", "select": ["id"], "source": `+funnelActors(1, f)+`}}`)), 200)
	if v, ok := plain["missing_actors_count"]; !ok || v != nil {
		t.Errorf("without an actor column missing_actors_count is null: %v", v)
	}
	if n := len(asT[[]any](t, plain["results"])); n != 33 {
		t.Errorf("funnelStep 1 ids: %d, want 33", n)
	}
	legacy := e.mustJSON(e.post(P+"funnel/", legacyFunnelParams("ordered", 3)), 200)
	wantNames(t, "legacy funnel step 3", legacyNames(t, legacy), users(2, 5)...)
	if legacy["missing_persons"] != 0.0 {
		t.Errorf("legacy missing_persons %v", legacy["missing_persons"])
	}

	l := seeded(t, legacyCfg, "S1")
	src := lifecycleSource("2020-01-12", "returning", "2020-01-12T00:00:00Z", "2020-01-19T00:00:00Z", "day", "")
	l.mustJSON(l.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"p1"}}), 202)
	wantNames(t, "lifecycle after deleting p1", queryNames(l, actorsQuery(src, "")))
	lq := qs("target_date", "2020-01-12", "lifecycle_type", "returning", "date_from", "2020-01-12T00:00:00Z",
		"date_to", "2020-01-19T00:00:00Z", "interval", "day", "events", pageviewEvents)
	wantNames(t, "legacy lifecycle after deleting p1", legacyNames(t, l.mustJSON(l.get(P+"lifecycle/?"+lq), 200)))
	// p1 comes back: same UUID, so its 2020 events count again; the property
	// name is set again by the new event.
	l.capture("$pageview", "p1", map[string]any{"$set": map[string]any{"name": "p1"}}, time.Date(2020, 1, 25, 12, 0, 0, 0, time.UTC))
	wantNames(t, "lifecycle after p1 returns", queryNames(l, actorsQuery(src, "")), "p1")
}

// Ids Python's int() accepts are primary keys (404 when unknown); anything else
// that is no UUID is refused naming the id (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
func TestPersonIDParsing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.capture("x", "d", nil, t0)
	p := e.person("d")
	for _, id := range []string{"-1", "%207%20", "%2B3", "1_000", "99999999999999999999999"} {
		wantError(t, e.get(P+id+"/"), 404, "invalid_request", "not_found", "Not found.")
	}
	if r := e.get(P + "%2B1/"); r.status != 200 || r.json(t)["uuid"] != p.UUID {
		t.Fatalf("+1 is pk 1: %d %s", r.status, r.body)
	}
	wantError(t, e.get(P+"1__0/"), 400, "validation_error", "invalid_input",
		"The ID provided does not look like a personID. If you are using a distinctId, please use /persons?distinct_id=1__0 instead.")
}

// batch_by_uuids accepts uuid.UUID's spellings and keys answers canonically
// (docs/dev/posthog-behaviour.md#batch-lookups).
func TestBatchByUUIDsPythonSpellings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.capture("x", "test", nil, t0) // uuid 246f7a43-5507-564f-b687-793ee3c2dd79
	const canonical = "246f7a43-5507-564f-b687-793ee3c2dd79"
	for _, spelling := range []string{
		"{246f7a43-5507-564f-b687-793ee3c2dd79}", "urn:uuid:246f7a43-5507-564f-b687-793ee3c2dd79",
		"246f7a435507564fb687793ee3c2dd79", "246F7A43-5507-564F-B687-793EE3C2DD79", "246f-7a43-5507564fb687-793ee3c2dd79",
	} {
		res := asT[map[string]any](t, e.mustJSON(e.post(P+"batch_by_uuids/", map[string]any{"uuids": []string{spelling}}), 200)["results"])
		if _, ok := res[canonical]; !ok || len(res) != 1 {
			t.Errorf("%s: %v", spelling, res)
		}
	}
	wantError(t, e.post(P+"batch_by_uuids/", map[string]any{"uuids": []string{"246f7a43-5507-564f-b687-793ee3c2dd7"}}),
		400, "validation_error", "invalid_input", "One or more UUIDs are invalid.")
}

// deletion_status?status= (empty) is the default "all"
// (docs/dev/posthog-behaviour.md#deletion-status).
func TestDeletionStatusEmptyStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.capture("x", "d", nil, t0)
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"d"}, "delete_events": true}), 202)
	if ds := e.mustJSON(e.get(P+"deletion_status/?status="), 200); ds["count"] != 1.0 {
		t.Fatalf("empty status: %v", ds)
	}
}

// PostHog's anonymous-id test is lower case, any five dash-separated runs:
// "zz-yy-xx-ww-vv" is anonymous, its upper-case twin is not, so the twin is the
// name and comes first (docs/dev/posthog-behaviour.md#person-shapes).
func TestAnonymousLookingIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.capture("x", "zz-yy-xx-ww-vv", nil, t0)
	e.capture("$identify", "ZZ-YY-XX-WW-VV", map[string]any{"$anon_distinct_id": "zz-yy-xx-ww-vv"}, t0)
	rec := e.mustJSON(e.get(P+e.person("zz-yy-xx-ww-vv").UUID+"/"), 200)
	ids := asT[[]any](t, rec["distinct_ids"])
	if rec["name"] != "ZZ-YY-XX-WW-VV" || len(ids) != 2 || ids[0] != "ZZ-YY-XX-WW-VV" {
		t.Fatalf("record %v", rec)
	}
}
