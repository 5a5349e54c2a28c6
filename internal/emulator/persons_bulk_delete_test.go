package emulator

import (
	"fmt"
	"testing"
	"time"
)

func TestBulkDeleteValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("d%d", i)
	}
	cases := []struct {
		body   any
		detail string
	}{
		{map[string]any{"ids": []string{"a"}, "distinct_ids": []string{"b"}}, "You must provide either distinct_ids or ids, not both"},
		// Order: the both-check runs before the caps.
		{map[string]any{"ids": many, "distinct_ids": many}, "You must provide either distinct_ids or ids, not both"},
		{map[string]any{"distinct_ids": many}, "You can only pass 1000 distinct_ids in one call"},
		{map[string]any{"ids": many}, "You can only pass 1000 ids in one call"},
		{map[string]any{}, "You need to specify either distinct_ids or ids"},
		{map[string]any{"ids": []string{}, "distinct_ids": []string{}}, "You need to specify either distinct_ids or ids"},
		{"", "You need to specify either distinct_ids or ids"},
	}
	for _, c := range cases {
		wantError(t, e.post(P+"bulk_delete/", c.body), 400, "validation_error", "invalid_input", c.detail)
	}
	// Exactly 1000 passes, and nothing matched is still 202.
	b := e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": many[:1000], "delete_events": true}), 202)
	if b["persons_found"] != 0.0 || b["events_queued_for_deletion"] != false || b["recordings_queued_for_deletion"] != false {
		t.Fatalf("no match %v", b)
	}
	if ds := e.mustJSON(e.get(P+"deletion_status/"), 200); ds["count"] != 0.0 {
		t.Fatal("row created without persons")
	}
	wantError(t, e.post(P+"bulk_delete/", "{bad"), 400, "invalid_request", "parse_error", "JSON parse error - invalid character 'b' looking for beginning of object key string")
}

func TestBulkDeleteSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	seedPersons(e, 4)
	p0, p1, p2 := e.person("p0"), e.person("p1"), e.person("p2")
	// "false" is truthy; a person matched twice counts once.
	b := e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"p0", "p0", "p1", "nobody"}, "delete_events": "false", "delete_recordings": 0}), 202)
	want := map[string]any{"persons_found": 2.0, "persons_deleted": 2.0, "persons_queued_for_deletion": 0.0,
		"events_queued_for_deletion": true, "recordings_queued_for_deletion": false}
	for k, v := range want {
		if b[k] != v {
			t.Fatalf("%s = %v, want %v (%v)", k, b[k], v, b)
		}
	}
	if errs, ok := b["deletion_errors"].([]any); !ok || len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
	if _, ok := e.srv.PersonByUUID(p0.UUID); ok {
		t.Fatal("p0 not deleted")
	}
	if _, ok := e.srv.PersonByUUID(p1.UUID); ok {
		t.Fatal("p1 not deleted")
	}
	// keep_person: found but not deleted.
	b = e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p2.UUID}, "keep_person": 1}), 202)
	if b["persons_found"] != 1.0 || b["persons_deleted"] != 0.0 {
		t.Fatalf("keep_person %v", b)
	}
	// Failure injection: a ClickHouse tombstone failure is per person, reported
	// with its step, that person not deleted (docs/dev/posthog-behaviour.md#bulk-delete).
	e.srv.FailDeletions([]string{p2.UUID}, "tombstone_clickhouse", 1)
	b = e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p2.UUID, e.person("p3").UUID}}), 202)
	errs := asT[[]any](t, b["deletion_errors"])
	if b["persons_deleted"] != 1.0 || len(errs) != 1 || asT[map[string]any](t, errs[0])["step"] != "tombstone_clickhouse" || asT[map[string]any](t, errs[0])["person_uuid"] != p2.UUID {
		t.Fatalf("failure %v", b)
	}
	if _, ok := e.srv.PersonByUUID(p2.UUID); !ok {
		t.Fatal("failed person was deleted")
	}
	// The failure was used up: the retry deletes.
	b = e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p2.UUID}}), 202)
	if b["persons_deleted"] != 1.0 {
		t.Fatalf("retry %v", b)
	}
}

func TestBulkDeleteAsync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{BulkDeleteMode: "async", AsyncDeleteDelay: 50 * time.Millisecond})
	seedPersons(e, 3)
	p0, p1, p2 := e.person("p0"), e.person("p1"), e.person("p2")
	e.srv.FailDeletions([]string{p0.UUID}, "tombstone_clickhouse", 1)
	b := e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{p0.UUID, p1.UUID}, "delete_events": true}), 202)
	if b["persons_deleted"] != 0.0 || b["persons_queued_for_deletion"] != 2.0 || len(asT[[]any](t, b["deletion_errors"])) != 0 {
		t.Fatalf("async %v", b)
	}
	// Event-deletion rows are created synchronously.
	if ds := e.mustJSON(e.get(P+"deletion_status/?status=pending"), 200); ds["count"] != 2.0 {
		t.Fatalf("rows %v", ds)
	}
	if _, ok := e.srv.PersonByUUID(p1.UUID); !ok {
		t.Fatal("deleted in the request")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, ok0 := e.srv.PersonByUUID(p0.UUID)
		_, ok1 := e.srv.PersonByUUID(p1.UUID)
		if !ok0 && !ok1 {
			break // p0 failed once and was retried
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued deletions not performed: p0 %v p1 %v", ok0, ok1)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Flush performs queued deletions immediately.
	e2 := newEnv(t, Config{BulkDeleteMode: "async", AsyncDeleteDelay: time.Hour})
	e2.capture("x", "q", nil, t0)
	e2.mustJSON(e2.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{"q"}}), 202)
	if r := e2.mustJSON(e2.post("/_emulator/flush-queued-deletions", nil), 200); r["persons_deleted"] != 1.0 {
		t.Fatalf("flush %v", r)
	}
	if _, ok := e2.srv.PersonByDistinctID("q"); ok {
		t.Fatal("flush did not delete")
	}
	_ = p2
}

func TestDeletionStatusAndJob(t *testing.T) {
	t.Parallel()
	clock := t0
	e := newEnv(t, Config{Now: func() time.Time { return clock }})
	e.capture("x", "a", nil, t0.Add(-time.Hour))
	e.capture("x", "a", nil, t0.Add(-time.Minute))
	e.capture("x", "b", nil, t0.Add(-time.Hour))
	a, bp := e.person("a"), e.person("b")
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{a.UUID}, "delete_events": true, "keep_person": true}), 202)
	// Queue again while pending: no new row, created_at kept.
	e.srv.AdvanceClock(time.Minute)
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{a.UUID}, "delete_events": true, "keep_person": true}), 202)
	ds := e.mustJSON(e.get(P+"deletion_status/"), 200)
	rows := asT[[]any](t, ds["results"])
	if ds["count"] != 1.0 || asT[map[string]any](t, rows[0])["created_at"] != "2024-05-01T10:00:00Z" || asT[map[string]any](t, rows[0])["status"] != "pending" || asT[map[string]any](t, rows[0])["delete_verified_at"] != nil {
		t.Fatalf("pending %v", ds)
	}
	// An event after the row's created_at survives the job.
	e.capture("x", "a", nil, t0.Add(30*time.Second))
	r := e.mustJSON(e.post("/_emulator/run-deletion-job", nil), 200)
	if r["rows_verified"] != 1.0 || r["events_deleted"] != 2.0 || e.srv.EventCount(a.UUID) != 1 || e.srv.EventCount(bp.UUID) != 1 {
		t.Fatalf("job %v, events left %d", r, e.srv.EventCount(a.UUID))
	}
	// After completion, queuing again makes a new pending row; newest first.
	e.srv.AdvanceClock(time.Hour)
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{a.UUID}, "delete_events": true, "keep_person": true}), 202)
	e.srv.AdvanceClock(time.Hour)
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{bp.UUID}, "delete_events": true, "keep_person": true}), 202)
	ds = e.mustJSON(e.get(P+"deletion_status/?limit=2"), 200)
	rows = asT[[]any](t, ds["results"])
	if ds["count"] != 3.0 || asT[map[string]any](t, rows[0])["person_uuid"] != bp.UUID || asT[map[string]any](t, rows[1])["person_uuid"] != a.UUID || ds["next"] == nil || ds["previous"] != nil {
		t.Fatalf("rows %v", ds)
	}
	ds = e.mustJSON(e.get(P+"deletion_status/?limit=2&offset=2"), 200)
	if len(asT[[]any](t, ds["results"])) != 1 || ds["next"] != nil || ds["previous"] == nil {
		t.Fatalf("page2 %v", ds)
	}
	ds = e.mustJSON(e.get(P+"deletion_status/?person_uuid="+a.UUID), 200)
	if ds["count"] != 2.0 {
		t.Fatalf("person filter %v", ds)
	}
	ds = e.mustJSON(e.get(P+"deletion_status/?status=completed"), 200)
	if ds["count"] != 1.0 || asT[map[string]any](t, asT[[]any](t, ds["results"])[0])["status"] != "completed" || asT[map[string]any](t, asT[[]any](t, ds["results"])[0])["delete_verified_at"] == nil {
		t.Fatalf("completed %v", ds)
	}
	r2 := e.get(P + "deletion_status/?status=done")
	if r2.status != 400 || r2.json(t)["attr"] != "status" || r2.json(t)["type"] != "validation_error" {
		t.Fatalf("bad status %d %s", r2.status, r2.body)
	}
	r2 = e.get(P + "deletion_status/?person_uuid=nope")
	if r2.status != 400 || r2.json(t)["attr"] != "person_uuid" {
		t.Fatalf("bad uuid %d %s", r2.status, r2.body)
	}
}

func TestDeletionJobTimer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{DeletionJobEvery: 20 * time.Millisecond})
	e.capture("x", "a", nil, time.Now().Add(-time.Hour))
	a := e.person("a")
	e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{a.UUID}, "delete_events": true}), 202)
	deadline := time.Now().Add(2 * time.Second)
	for e.srv.EventCount(a.UUID) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("periodic job did not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
