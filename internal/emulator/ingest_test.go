package emulator

import (
	"testing"
	"time"
)

func TestIngestCreatesPersonWithEventTimestamp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	e.capture("pageview", "u1", nil, ts)
	p := e.person("u1")
	if !p.CreatedAt.Equal(ts) || p.IsIdentified {
		t.Fatalf("person %+v", p)
	}
	if e.srv.EventCount(p.UUID) != 1 || e.srv.EventCountForDistinctID("u1") != 1 {
		t.Fatal("event not stored")
	}
	// /capture/ and /e/ with the token in properties.
	for _, path := range []string{"/capture/", "/e/", "/capture"} {
		r := e.req("POST", path, map[string]any{"event": "x", "distinct_id": "u1", "properties": map[string]any{"token": "phc_emulator"}}, "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	if e.srv.EventCount(p.UUID) != 4 {
		t.Fatalf("events = %d", e.srv.EventCount(p.UUID))
	}
}

func TestIngestTokenErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	r := e.req("POST", "/batch/", map[string]any{"api_key": "phc_wrong", "batch": []any{map[string]any{"event": "x", "distinct_id": "a"}}}, "")
	wantError(t, r, 401, "authentication_error", "invalid_api_key", "Project API key invalid. You can find your project API key in PostHog project settings.")
	r = e.req("POST", "/e/", map[string]any{"event": "x", "distinct_id": "a"}, "")
	wantError(t, r, 401, "authentication_error", "missing_api_key", "API key not provided. You can find your project API key in PostHog project settings.")
	if len(e.srv.Persons()) != 0 {
		t.Fatal("person created despite bad token")
	}
	// The project token does not authorise the persons API.
	r = e.req("GET", P, nil, "phc_emulator")
	wantError(t, r, 401, "authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid.")
}

func TestIdentifyMergesAnonymousPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// Case 1: only the anon id has a person.
	e.capture("pageview", "anon1", map[string]any{"$set": map[string]any{"a": 1.0}}, t0)
	anon := e.person("anon1")
	e.capture("$identify", "user1", map[string]any{"$anon_distinct_id": "anon1"}, t0.Add(time.Hour))
	p := e.person("user1")
	if p.UUID != anon.UUID || !p.IsIdentified || len(p.DistinctIDs) != 2 {
		t.Fatalf("identify: %+v", p)
	}
	// Case 2: both have persons; the anon one is merged into the identified one.
	e.capture("pageview", "anon2", map[string]any{"$set": map[string]any{"x": "anon", "only_anon": true}}, t0)
	e.capture("pageview", "user2", map[string]any{"$set": map[string]any{"x": "user"}}, t0.Add(time.Minute))
	a2, u2 := e.person("anon2"), e.person("user2")
	e.capture("$identify", "user2", map[string]any{"$anon_distinct_id": "anon2"}, t0.Add(2*time.Hour))
	m := e.person("anon2")
	if m.UUID != u2.UUID || !m.IsIdentified || m.Properties["x"] != "user" || m.Properties["only_anon"] != true {
		t.Fatalf("merge: %+v", m)
	}
	if _, ok := e.srv.PersonByUUID(a2.UUID); ok {
		t.Fatal("anon person survived the merge")
	}
	if e.srv.EventCount(u2.UUID) != 3 || !m.CreatedAt.Equal(t0) {
		t.Fatalf("events %d created %v", e.srv.EventCount(u2.UUID), m.CreatedAt)
	}
	// Case 3: the anon person is already identified: no merge.
	e.capture("pageview", "user3", nil, t0)
	e.capture("$identify", "user3", map[string]any{"$anon_distinct_id": "user1"}, t0.Add(3*time.Hour))
	if e.person("user3").UUID == e.person("user1").UUID {
		t.Fatal("merged an identified person")
	}
}

func TestSetAndSetOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.capture("x", "u", map[string]any{"$set": map[string]any{"email": "a@b.co"}, "$set_once": map[string]any{"first": "1"}}, time.Time{})
	e.capture("x", "u", map[string]any{"$set": map[string]any{"email": "c@d.co"}, "$set_once": map[string]any{"first": "2", "other": "o"}}, time.Time{})
	p := e.person("u")
	if p.Properties["email"] != "c@d.co" || p.Properties["first"] != "1" || p.Properties["other"] != "o" {
		t.Fatalf("props %v", p.Properties)
	}
}

func TestInProcessIngest(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	defer s.Close()
	s.Ingest(Event{Event: "e", DistinctID: "d", Properties: map[string]any{"$set": map[string]any{"k": "v"}}})
	p, ok := s.PersonByDistinctID("d")
	if !ok || p.Properties["k"] != "v" || len(s.Persons()) != 1 {
		t.Fatalf("%+v", p)
	}
}
