package emulator

import (
	"fmt"
	"testing"
	"time"
)

// cohortPersonUUIDs lists the uuids of one page of a cohort's persons.
func cohortPersonUUIDs(e *env, body map[string]any) []string {
	e.t.Helper()
	var out []string
	for _, r := range asT[[]any](e.t, body["results"]) {
		out = append(out, asT[string](e.t, asT[map[string]any](e.t, r)["uuid"]))
	}
	return out
}

func TestCohortPersons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{APIKeys: []APIKey{
		{Key: testKey, Scopes: []string{"*"}},
		{Key: "phx_cohorts_only", Scopes: []string{"cohort:read"}},
	}})
	// Created an hour apart: PostHog lists the newest person first.
	person := func(id string, at time.Time, props map[string]any) PersonInfo {
		e.capture("$identify", id, map[string]any{"$set": props}, at)
		return e.person(id)
	}
	alice := person("alice", t0, map[string]any{"plan": "pro"})
	bob := person("bob", t0.Add(time.Hour), map[string]any{"plan": "free"})
	carol := person("carol", t0.Add(2*time.Hour), map[string]any{"plan": "pro"})

	static := createCohort(e, map[string]any{"name": "Beta", "is_static": true,
		"_create_static_person_ids": []string{alice.UUID, bob.UUID}})
	dynamic := createCohort(e, map[string]any{"name": "Pro", "filters": personFilters("OR", pf("plan", "exact", "pro"))})
	path := func(id int, query string) string { return fmt.Sprintf("%s%d/persons/%s", C, id, query) }

	t.Run("static", func(t *testing.T) {
		b := e.mustJSON(e.get(path(static, "")), 200)
		wantList(t, cohortPersonUUIDs(e, b), bob.UUID, alice.UUID)
		if b["next"] != nil || b["previous"] != nil {
			t.Fatalf("one short page: next %v previous %v, want both null", b["next"], b["previous"])
		}
		if _, ok := b["count"]; ok {
			t.Fatalf("the action builds {results,next,previous} only; got count")
		}
	})
	t.Run("dynamic follows the persons' properties", func(t *testing.T) {
		wantList(t, cohortPersonUUIDs(e, e.mustJSON(e.get(path(dynamic, "")), 200)), carol.UUID, alice.UUID)
	})
	t.Run("paging: next whenever a page is full", func(t *testing.T) {
		first := e.mustJSON(e.get(path(dynamic, "?limit=1")), 200)
		wantList(t, cohortPersonUUIDs(e, first), carol.UUID)
		if first["next"] == nil {
			t.Fatal("a full page has a next link")
		}
		second := e.mustJSON(e.get(path(dynamic, "?limit=1&offset=1")), 200)
		wantList(t, cohortPersonUUIDs(e, second), alice.UUID)
		if second["next"] == nil || second["previous"] == nil {
			t.Fatalf("the last full page still links next, and links previous: %v", second)
		}
		third := e.mustJSON(e.get(path(dynamic, "?limit=1&offset=2")), 200)
		if len(cohortPersonUUIDs(e, third)) != 0 || third["next"] != nil {
			t.Fatalf("past the end: empty, no next; got %v", third)
		}
	})
	t.Run("a deleted cohort still answers", func(t *testing.T) {
		gone := createCohort(e, map[string]any{"name": "Old", "is_static": true, "_create_static_person_ids": []string{carol.UUID}})
		e.mustJSON(e.req("PATCH", fmt.Sprintf("%s%d/", C, gone), map[string]any{"deleted": true}, testKey), 200)
		wantList(t, cohortPersonUUIDs(e, e.mustJSON(e.get(path(gone, "")), 200)), carol.UUID)
	})
	t.Run("unknown cohort", func(t *testing.T) {
		wantError(t, e.get(path(9999, "")), 404, "invalid_request", "not_found", "Not found.")
	})
	t.Run("needs person:read too", func(t *testing.T) {
		r := e.req("GET", path(static, ""), nil, "phx_cohorts_only")
		if r.status != 403 {
			t.Fatalf("status %d, want 403; body %s", r.status, r.body)
		}
	})
	t.Run("at most ten distinct ids", func(t *testing.T) {
		for i := 0; i < 11; i++ {
			anon := fmt.Sprintf("anon-%d", i)
			e.capture("$pageview", anon, nil, t0)
			e.capture("$identify", "bob", map[string]any{"$anon_distinct_id": anon}, t0)
		}
		b := e.mustJSON(e.get(path(static, "")), 200)
		for _, r := range asT[[]any](t, b["results"]) {
			m := asT[map[string]any](t, r)
			if m["uuid"] == bob.UUID && len(asT[[]any](t, m["distinct_ids"])) != 10 {
				t.Fatalf("bob has 12 distinct ids; the action shows 10, got %v", m["distinct_ids"])
			}
		}
	})
}
