package emulator

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestAuthAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{APIKeys: []APIKey{
		{Key: "star", Scopes: []string{"*"}},
		{Key: "read", Scopes: []string{"person:read"}},
		{Key: "write", Scopes: []string{"person:write"}},
		{Key: "legacy"},
		{Key: "p2only", Scopes: []string{"*"}, Projects: []int{2}},
		{Key: "p1only", Scopes: []string{"person:read"}, Projects: []int{1}},
	}})
	e.capture("x", "a", nil, t0)
	wantError(t, e.req("GET", P, nil, ""), 401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.")
	wantError(t, e.req("GET", P, nil, "bogus"), 401, "authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid.")
	for _, k := range []string{"star", "read", "write", "legacy", "p1only"} {
		if r := e.req("GET", P, nil, k); r.status != 200 {
			t.Fatalf("%s list: %d %s", k, r.status, r.body)
		}
		if r := e.req("POST", P+"batch_by_distinct_ids/", map[string]any{"distinct_ids": []string{"a"}}, k); r.status != 200 {
			t.Fatalf("%s batch: %d", k, r.status)
		}
	}
	wantError(t, e.req("POST", P+"bulk_delete/", map[string]any{"ids": []string{"x"}}, "read"), 403, "authentication_error", "permission_denied", "API key missing required scope 'person:write'")
	wantError(t, e.req("DELETE", P+"1/", nil, "read"), 403, "authentication_error", "permission_denied", "API key missing required scope 'person:write'")
	for _, k := range []string{"write", "legacy", "star"} {
		if r := e.req("POST", P+"bulk_delete/", map[string]any{"ids": []string{"x"}}, k); r.status != 202 {
			t.Fatalf("%s bulk_delete %d", k, r.status)
		}
	}
	wantError(t, e.req("GET", P, nil, "p2only"), 403, "authentication_error", "permission_denied", "API key does not have access to the requested project: ID 1.")
	wantError(t, e.req("GET", "/api/environments/7/persons/", nil, "p1only"), 403, "authentication_error", "permission_denied", "API key does not have access to the requested project: ID 7.")
	wantError(t, e.req("GET", "/api/projects/7/persons/", nil, "star"), 404, "invalid_request", "not_found", "Not found.")
	// Legacy unscoped key may use cohorts; a read key may not.
	if r := e.req("GET", P+"cohorts/?person_id="+e.person("a").UUID, nil, "legacy"); r.status != 200 {
		t.Fatalf("legacy cohorts %d", r.status)
	}
}

func TestRemovedActorEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{APIKeys: []APIKey{{Key: testKey, Scopes: []string{"*"}}, {Key: "cohort", Scopes: []string{"cohort:read"}}}})
	for p, id := range map[string]string{"funnel/": "funnel", "lifecycle/": "lifecycle", "lifecycle": "lifecycle"} {
		wantError(t, e.get(P+p), 400, "validation_error", "invalid_input",
			"The ID provided does not look like a personID. If you are using a distinctId, please use /persons?distinct_id="+id+" instead.")
	}
	wantError(t, e.post(P+"funnel/", map[string]any{}), 405, "invalid_request", "method_not_allowed", `Method "POST" not allowed.`)
	wantError(t, e.get(P+"funnel/correlation/"), 404, "invalid_request", "not_found", "Endpoint not found.")
	wantError(t, e.req("GET", P+"funnel/", nil, "cohort"), 403, "authentication_error", "permission_denied", "API key missing required scope 'person:read'")

	l := newEnv(t, Config{LegacyActorEndpoints: true, APIKeys: []APIKey{{Key: testKey, Scopes: []string{"*"}}, {Key: "legacy"}}})
	wantError(t, l.get(P+"funnel/"), 403, "authentication_error", "permission_denied", "This action does not support Personal API Key access")
	for _, p := range []string{"funnel/", "funnel/correlation/", "lifecycle/"} {
		if r := l.req("GET", P+p, nil, "legacy"); r.status != 400 { // real endpoints: 400 without parameters
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	// Scale 60: a "minute" lasts one second, so 240 list calls exhaust the burst.
	e := newEnv(t, Config{RateLimit: true, RateLimitScale: 60})
	var r resp
	for i := 0; i < 241; i++ {
		r = e.get(P)
		if r.status == 429 {
			break
		}
	}
	if r.status != 429 {
		t.Fatalf("never throttled: %d", r.status)
	}
	if r.header.Get("Retry-After") != "" {
		t.Fatal("Retry-After set")
	}
	wantError(t, r, 429, "throttled_error", "throttled", "Request was throttled. Expected available in 1 second.")
	// Deletes have their own throttle history.
	if d := e.post(P+"bulk_delete/", map[string]any{"ids": []string{"x"}}); d.status != 202 {
		t.Fatalf("delete throttled by the read history: %d", d.status)
	}
}

func TestThrottlerHistory(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	th := newThrottler(1)
	th.now = func() time.Time { return now }
	for i := 0; i < 480; i++ {
		if _, ok := th.check("k", deleteRates); ok {
			t.Fatalf("throttled at %d", i)
		}
		now = now.Add(10 * time.Millisecond)
	}
	wait, ok := th.check("k", deleteRates)
	if !ok || ceilSeconds(wait) != 56 { // oldest is 4.8 s old: 60-4.8 = 55.2 → 56
		t.Fatalf("burst wait %v %v", wait, ok)
	}
	if _, ok := th.check("other", deleteRates); ok {
		t.Fatal("keys share history")
	}
	// Sustained: 4800/hour across ten burst windows.
	for i := 0; i < 4320; i++ {
		if i%480 == 0 {
			now = now.Add(time.Minute)
		}
		th.check("k", deleteRates)
	}
	now = now.Add(time.Minute)
	wait, ok = th.check("k", deleteRates)
	if !ok || wait < 40*time.Minute {
		t.Fatalf("sustained wait %v %v", wait, ok)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Fault5xx: 1, FaultSeed: 1})
	wantError(t, e.get(P), 500, "server_error", "error", "A server error occurred.")
	if r := e.get("/_emulator/stats"); r.status != 200 {
		t.Fatal("faults applied to /_emulator")
	}
	e = newEnv(t, Config{Fault429: 1, FaultSeed: 1})
	r := e.get(P)
	wantError(t, r, 429, "throttled_error", "throttled", "Request was throttled. Expected available in 1 second.")
	if r.header.Get("Retry-After") != "" {
		t.Fatal("Retry-After on injected 429")
	}
	e = newEnv(t, Config{FaultDrop: 1, FaultSeed: 1})
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("GET " + P + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer phx_emulator\r\n\r\n"))
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := conn.Read(make([]byte, 10)); n != 0 || err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("dropped connection answered: n=%d err=%v", n, err)
	}
	if e.srv.Stats().Routes["GET /api/projects/{project_id}/persons/"]["dropped"] != 1 {
		t.Fatalf("stats %v", e.srv.Stats())
	}
	// Same seed, same sequence.
	seq := func() string {
		s := newFaults(Config{Fault5xx: 0.3, Fault429: 0.3, FaultSeed: 42})
		var b strings.Builder
		for range 50 {
			b.WriteByte(byte('0' + s.pick()))
		}
		return b.String()
	}
	a, b := seq(), seq()
	if a != b || !strings.Contains(a, "0") || !strings.Contains(a, "2") || !strings.Contains(a, "3") {
		t.Fatalf("not reproducible: %s %s", a, b)
	}
	// Latency.
	e = newEnv(t, Config{Latency: 30 * time.Millisecond})
	start := time.Now()
	e.get(P)
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("no latency")
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.get(P)
	e.get(P + "?limit=1")
	e.get("/api/environments/1/persons")
	e.post(P+"bulk_delete", map[string]any{})
	e.req("GET", P, nil, "")
	e.get("/nope")
	e.get("/_emulator/stats")
	s := e.srv.Stats()
	if s.Total != 6 || s.Count("GET", "/api/projects/{project_id}/persons/") != 3 ||
		s.Routes["GET /api/projects/{project_id}/persons/"]["401"] != 1 ||
		s.Count("GET", "/api/environments/{project_id}/persons/") != 1 ||
		s.Routes["POST /api/projects/{project_id}/persons/bulk_delete/"]["400"] != 1 ||
		s.Count("GET", "(unmatched)") != 1 {
		t.Fatalf("stats %+v", s)
	}
	js := e.mustJSON(e.get("/_emulator/stats"), 200)
	routes, ok := js["routes"].(map[string]any)
	if !ok {
		t.Fatalf("json routes %v", js)
	}
	persons, ok := routes["GET /api/projects/{project_id}/persons/"].(map[string]any)
	if !ok {
		t.Fatalf("json persons route %v", js)
	}
	if js["total"] != 6.0 || persons["200"] != 2.0 {
		t.Fatalf("json %v", js)
	}
	e.mustJSON(e.post("/_emulator/stats/reset", nil), 200)
	if s := e.srv.Stats(); s.Total != 0 || len(s.Routes) != 0 {
		t.Fatalf("after reset %+v", s)
	}
}

func TestControlEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Now: func() time.Time { return t0 }})
	r := e.mustJSON(e.post("/_emulator/clock", map[string]any{"advance": "1h"}), 200)
	if r["now"] != "2024-05-01T11:00:00Z" {
		t.Fatalf("advance %v", r)
	}
	r = e.mustJSON(e.post("/_emulator/clock", map[string]any{"now": "2025-01-01T00:00:00Z"}), 200)
	if r["now"] != "2025-01-01T00:00:00Z" {
		t.Fatalf("now %v", r)
	}
	e.capture("x", "c", nil, time.Time{})
	if got := e.person("c").CreatedAt; !got.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("default event timestamp %v", got)
	}
	uuid := e.person("c").UUID
	e.mustJSON(e.post("/_emulator/deletion-failures", map[string]any{"person_uuids": []string{uuid}, "step": "tombstone_clickhouse", "times": 1}), 200)
	b := e.mustJSON(e.post(P+"bulk_delete/", map[string]any{"ids": []string{uuid}}), 202)
	if b["persons_deleted"] != 0.0 {
		t.Fatalf("failure not armed %v", b)
	}
	if r := e.post("/_emulator/deletion-failures", map[string]any{"step": "nope"}); r.status != 400 {
		t.Fatal("bad step accepted")
	}
	if r := e.post("/_emulator/clock", map[string]any{"advance": "x"}); r.status != 400 {
		t.Fatal("bad advance accepted")
	}
	if r := e.get("/_emulator/unknown"); r.status != 404 {
		t.Fatal("unknown control route")
	}
}
