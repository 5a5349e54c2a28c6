package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

const testKey = "phx_emulator"

type env struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	srv := New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &env{t: t, srv: srv, ts: ts}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

// req sends a request with an optional JSON body; key "" sends no Authorization.
func (e *env) req(method, path string, body any, key string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = bytes.NewBufferString(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	r, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	r.Header.Set("Content-Type", "application/json")
	res, err := e.ts.Client().Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) get(path string) resp { e.t.Helper(); return e.req("GET", path, nil, testKey) }
func (e *env) post(path string, body any) resp {
	e.t.Helper()
	return e.req("POST", path, body, testKey)
}
func (e *env) mustJSON(r resp, status int) map[string]any {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r.json(e.t)
}

// capture sends one event through /batch/.
func (e *env) capture(event, distinctID string, props map[string]any, ts time.Time) {
	e.t.Helper()
	ev := map[string]any{"event": event, "distinct_id": distinctID, "properties": props}
	if !ts.IsZero() {
		ev["timestamp"] = ts.Format(time.RFC3339Nano)
	}
	r := e.req("POST", "/batch/", map[string]any{"api_key": "phc_emulator", "batch": []any{ev}}, "")
	if r.status != 200 {
		e.t.Fatalf("capture: %d %s", r.status, r.body)
	}
}

func (e *env) person(distinctID string) PersonInfo {
	e.t.Helper()
	p, ok := e.srv.PersonByDistinctID(distinctID)
	if !ok {
		e.t.Fatalf("no person for %q", distinctID)
	}
	return p
}

// wantError checks a drf-exceptions-hog body.
func wantError(t *testing.T, r resp, status int, typ, code, detail string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	m := r.json(t)
	if m["type"] != typ || m["code"] != code || m["detail"] != detail {
		t.Fatalf("body %s, want type=%s code=%s detail=%q", r.body, typ, code, detail)
	}
	if _, ok := m["attr"]; !ok {
		t.Fatalf("body %s lacks attr", r.body)
	}
}

const P = "/api/projects/1/persons/"

// asT is a checked type assertion that fails the test instead of panicking.
func asT[T any](t *testing.T, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("got %T (%v), want %T", v, v, x)
	}
	return x
}
