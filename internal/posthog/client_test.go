package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

const testKey = "phx_secret_test_key"

func newTestClient(t *testing.T, url string, retries int) *Client {
	t.Helper()
	c, err := NewClient(Config{
		Host: url, APIKey: testKey, MaxRetries: retries,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		RequestTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func TestNewClientValidates(t *testing.T) {
	for _, cfg := range []Config{
		{Host: "", APIKey: "k"},
		{Host: "us.posthog.com", APIKey: "k"},
		{Host: "ftp://us.posthog.com", APIKey: "k"},
		{Host: "https://us.posthog.com", APIKey: " "},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) should fail", cfg)
		}
	}
	c, err := NewClient(Config{Host: "https://us.posthog.com/", APIKey: "k", MaxRetries: -3})
	if err != nil || c.maxRetries != 0 || c.timeout != 60*time.Second || c.waitMin != time.Second || c.waitMax != 30*time.Second {
		t.Fatalf("defaults: %+v %v", c, err)
	}
}

func TestBatchByUUIDsPersonRecordShapeAndAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("Authorization = %q", got)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/api/projects/7/persons/batch_by_uuids/" {
			t.Errorf("got %s %s", r.Method, r.URL.Path)
		}
		writeJSON(w, 200, `{"results": {"0190a0e8-0000-7000-8000-000000000001": {"id": 42, "name": "ann@example.com", "distinct_ids": ["ann","d2"],
			"properties": {"email":"ann@example.com","n":3}, "created_at": "2026-01-01T00:00:00Z",
			"uuid": "0190a0e8-0000-7000-8000-000000000001", "last_seen_at": null}}}`)
	}))
	defer srv.Close()
	found, err := newTestClient(t, srv.URL, 0).BatchByUUIDs(context.Background(), 7, []string{"0190a0e8-0000-7000-8000-000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	p := found["0190a0e8-0000-7000-8000-000000000001"]
	if p.ID != 42 || p.UUID != "0190a0e8-0000-7000-8000-000000000001" || p.Name != "ann@example.com" ||
		len(p.DistinctIDs) != 2 || p.Properties["n"] != float64(3) || p.LastSeenAt != "" || p.IsIdentified != nil {
		t.Fatalf("person = %+v", p)
	}
}

func TestBatchByDistinctIDsChunksAndMerges(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/projects/3/persons/batch_by_distinct_ids/" {
			t.Errorf("got %s %s", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		var body map[string][]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body) != 1 {
			t.Errorf("body: %v %v", body, err)
		}
		ids := body["distinct_ids"]
		mu.Lock()
		sizes = append(sizes, len(ids))
		mu.Unlock()
		res := map[string]any{}
		for i, id := range ids {
			if i%2 == 0 { // only some are known
				res[id] = map[string]any{"id": i + 1, "uuid": "u-" + id, "distinct_ids": []string{id}, "properties": map[string]any{}}
			}
		}
		b, _ := json.Marshal(map[string]any{"results": res})
		writeJSON(w, 200, string(b))
	}))
	defer srv.Close()
	var in []string
	for i := 0; i < 450; i++ {
		in = append(in, fmt.Sprintf("d%03d", i))
	}
	in = append(in, "d000", "d001", "d449") // duplicates are dropped
	got, err := newTestClient(t, srv.URL, 0).BatchByDistinctIDs(context.Background(), 3, in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[200 200 50]" {
		t.Fatalf("chunk sizes = %v", sizes)
	}
	if len(got) != 225 || got["d000"].UUID != "u-d000" || got["d448"].UUID != "u-d448" {
		t.Fatalf("merged %d results: %+v", len(got), got["d448"])
	}
	if _, ok := got["d001"]; ok {
		t.Fatal("unknown id should be absent")
	}
}

func TestBatchByUUIDsNormalises(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != `{"uuids":["0190a0e8-0000-7000-8000-00000000abcd"]}` {
			t.Errorf("body = %s", b)
		}
		writeJSON(w, 200, `{"results":{"0190a0e8-0000-7000-8000-00000000abcd":{"id":5,"uuid":"0190a0e8-0000-7000-8000-00000000abcd","distinct_ids":[],"properties":{}}}}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	got, err := c.BatchByUUIDs(context.Background(), 1, []string{"0190A0E8-0000-7000-8000-00000000ABCD", "0190a0e800007000800000000000abcd"})
	if err != nil || got["0190a0e8-0000-7000-8000-00000000abcd"].ID != 5 {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := c.BatchByUUIDs(context.Background(), 1, []string{"nope"}); err == nil {
		t.Fatal("invalid uuid should be refused")
	}
	if got, err := c.BatchByUUIDs(context.Background(), 1, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty input: %v %v", got, err)
	}
}

func TestBulkDeleteRequestAndResponse(t *testing.T) {
	var calls atomic.Int32
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/api/projects/9/persons/bulk_delete/" {
			t.Errorf("got %s %s", r.Method, r.URL.Path)
		}
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if bytes.Contains(b, []byte("distinct_ids")) { // async mode, v-new
			writeJSON(w, 202, `{"persons_found":2,"persons_deleted":0,"persons_queued_for_deletion":2,"events_queued_for_deletion":false,"recordings_queued_for_deletion":false,"deletion_errors":[]}`)
			return
		}
		// sync mode, v-mid (no persons_queued_for_deletion, errors without step)
		writeJSON(w, 202, `{"persons_found":1,"persons_deleted":1,"events_queued_for_deletion":true,"recordings_queued_for_deletion":false,"deletion_errors":[{"person_uuid":"u2"}]}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	ctx := context.Background()
	res, err := c.BulkDelete(ctx, 9, BulkDeleteRequest{IDs: []string{"u1", "u2"}, DeleteEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.PersonsFound != 1 || res.PersonsDeleted != 1 || !res.EventsQueuedForDeletion || len(res.DeletionErrors) != 1 || res.DeletionErrors[0].PersonUUID != "u2" {
		t.Fatalf("sync result = %+v", res)
	}
	res, err = c.BulkDelete(ctx, 9, BulkDeleteRequest{DistinctIDs: []string{"a", "b"}, KeepPerson: true, DeleteRecordings: true})
	if err != nil || res.PersonsQueuedForDeletion != 2 || res.PersonsDeleted != 0 {
		t.Fatalf("async result = %+v %v", res, err)
	}
	want := []string{
		`{"ids":["u1","u2"],"delete_events":true,"delete_recordings":false,"keep_person":false}`,
		`{"distinct_ids":["a","b"],"delete_events":false,"delete_recordings":true,"keep_person":true}`,
	}
	if fmt.Sprint(bodies) != fmt.Sprint(want) {
		t.Fatalf("bodies:\n%s\nwant:\n%s", bodies, want)
	}
	tooMany := make([]string, MaxBulkDelete+1)
	for _, bad := range []BulkDeleteRequest{{}, {IDs: []string{"a"}, DistinctIDs: []string{"b"}}, {IDs: tooMany}, {DistinctIDs: tooMany}} {
		if _, err := c.BulkDelete(ctx, 9, bad); err == nil {
			t.Errorf("%d ids / %d distinct ids should be refused", len(bad.IDs), len(bad.DistinctIDs))
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("refused requests must not call PostHog; calls = %d", calls.Load())
	}
}

func TestListDeletionStatusPages(t *testing.T) {
	rows := []string{"a", "b", "c", "d", "e"}
	var offsets []string
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/api/projects/4/persons/deletion_status/" || q.Get("limit") != "2" || q.Get("status") != "pending" {
			t.Errorf("got %s", r.URL)
		}
		offsets = append(offsets, q.Get("offset"))
		off, _ := strconv.Atoi(q.Get("offset"))
		var res []map[string]any
		for i := off; i < min(off+2, len(rows)); i++ {
			res = append(res, map[string]any{"person_uuid": rows[i], "created_at": "2026-01-01T00:00:00Z", "status": "pending", "delete_verified_at": nil})
		}
		var next any
		if off+2 < len(rows) {
			next = fmt.Sprintf("%s/api/projects/4/persons/deletion_status/?limit=2&offset=%d", srvURL, off+2)
		}
		b, _ := json.Marshal(map[string]any{"count": len(rows), "next": next, "previous": nil, "results": res})
		writeJSON(w, 200, string(b))
	}))
	defer srv.Close()
	srvURL = srv.URL
	got, err := newTestClient(t, srv.URL, 0).ListDeletionStatus(context.Background(), 4, DeletionStatusOptions{Status: "pending", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(offsets) != "[0 2 4]" || len(got) != 5 || got[4].PersonUUID != "e" || got[0].DeleteVerifiedAt != "" || got[0].Status != "pending" {
		t.Fatalf("offsets %v, got %+v", offsets, got)
	}
}

func TestPersonCohorts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/projects/5/persons/cohorts/" || r.URL.Query().Get("person_id") != "42" {
			t.Errorf("got %s", r.URL)
		}
		writeJSON(w, 200, `{"results":[{"id":1,"name":"Paying","count":10},{"id":2,"name":"New","count":null}]}`)
	}))
	defer srv.Close()
	got, err := newTestClient(t, srv.URL, 0).PersonCohorts(context.Background(), 5, "42")
	if err != nil || len(got) != 2 || got[0].ID != 1 || *got[0].Count != 10 || got[1].Count != nil {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestErrorMessages(t *testing.T) {
	cases := []struct {
		name, method string
		status       int
		body         string
		want         []string
		check        func(error) bool
	}{
		{"400", "bulk", 400, `{"type":"validation_error","code":"invalid_input","detail":"You must provide either distinct_ids or ids, not both","attr":null}`,
			[]string{"POST /api/projects/1/persons/bulk_delete/: 400 invalid_input: You must provide either distinct_ids or ids, not both"}, nil},
		{"401", "bulk", 401, `{"type":"authentication_error","code":"authentication_failed","detail":"Incorrect authentication credentials.","attr":null}`,
			[]string{"401 authentication_failed", "API key is missing or invalid"}, isUnauthorized},
		{"403 scope", "bulk", 403, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'person:write'","attr":null}`,
			[]string{"POST /api/projects/1/persons/bulk_delete/: 403 permission_denied: API key missing required scope 'person:write' (give the API key the person:write scope)"}, isUnauthorized},
		{"403 project", "cohorts", 403, `{"type":"authentication_error","code":"permission_denied","detail":"API key does not have access to the requested project: ID 1.","attr":null}`,
			[]string{"GET /api/projects/1/persons/cohorts/: 403 permission_denied", "give the key access to project 1"}, isUnauthorized},
		{"404", "cohorts", 404, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`,
			[]string{"GET /api/projects/1/persons/cohorts/: 404 not_found: Not found."}, IsNotFound},
		{"429", "cohorts", 429, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 40 seconds.","attr":null}`,
			[]string{"429 throttled: Request was throttled", "asked to wait 40s"}, isThrottled},
		{"cohorts hand-built", "cohorts", 400, `{"message":"Could not retrieve team","detail":"Could not validate team associated with user"}`,
			[]string{"GET /api/projects/1/persons/cohorts/: 400 Bad Request: Could not retrieve team: Could not validate team associated with user"}, nil},
		{"attr", "status", 400, `{"type":"validation_error","code":"invalid_choice","detail":"\"x\" is not a valid choice.","attr":"status"}`,
			[]string{`400 invalid_choice: "x" is not a valid choice. (field "status")`}, nil},
		{"html", "cohorts", 502, "<html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("nginx ", 500) + "</body></html>",
			[]string{`GET /api/projects/1/persons/cohorts/: 502 Bad Gateway: unexpected non-JSON body: HTML page titled "502 Bad Gateway"`}, nil},
		{"plain text", "cohorts", 400, strings.Repeat("x", 5000), []string{"400 Bad Request: unexpected non-JSON body: xxxx", "…"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL, 0)
			ctx := context.Background()
			var err error
			switch tc.method {
			case "bulk":
				_, err = c.BulkDelete(ctx, 1, BulkDeleteRequest{IDs: []string{"u"}})
			case "cohorts":
				_, err = c.PersonCohorts(ctx, 1, "42")
			case "status":
				_, err = c.ListDeletionStatus(ctx, 1, DeletionStatusOptions{})
			}
			if err == nil {
				t.Fatal("expected error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\n does not contain %q", msg, w)
				}
			}
			if len(msg) > 600 {
				t.Errorf("error too long (%d)", len(msg))
			}
			if tc.check != nil && !tc.check(err) {
				t.Errorf("classification failed for %q", msg)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != tc.status {
				t.Errorf("not an APIError with status %d: %v", tc.status, err)
			}
		})
	}
}

func TestUnexpected200Shapes(t *testing.T) {
	for name, body := range map[string]string{
		"html":       "<html><title>Login</title></html>",
		"wrong type": `{"results":[{"id":"not-a-number","name":5}]}`,
		"array":      `[1,2]`,
		"empty":      ``,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, body)
			}))
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, 0).PersonCohorts(context.Background(), 1, "42")
			if err == nil || !strings.Contains(err.Error(), "GET /api/projects/1/persons/cohorts/: unexpected response from PostHog") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"results":"oops"}`)
	}))
	defer srv.Close()
	if _, err := newTestClient(t, srv.URL, 0).BatchByDistinctIDs(context.Background(), 1, []string{"a"}); err == nil ||
		!strings.Contains(err.Error(), "POST /api/projects/1/persons/batch_by_distinct_ids/: unexpected response") {
		t.Fatalf("err = %v", err)
	}
}

func TestBodyCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"results":[`+strings.Repeat(" ", 2000)+`]}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 3)
	c.maxBody = 1000
	_, err := c.PersonCohorts(context.Background(), 1, "42")
	if err == nil || !strings.Contains(err.Error(), "exceeds 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestCrossHostRedirectRefused(t *testing.T) {
	var hit atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit.Add(1)
		writeJSON(w, 200, `{}`)
	}))
	defer other.Close()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 3).PersonCohorts(context.Background(), 1, "42")
	if err == nil || !strings.Contains(err.Error(), "refused to follow a redirect") || !strings.Contains(err.Error(), "not sending the API key to another origin") {
		t.Fatalf("err = %v", err)
	}
	if hit.Load() != 0 || calls.Load() != 1 {
		t.Fatalf("other host hit %d times, origin %d times", hit.Load(), calls.Load())
	}
}

func TestRetryThenSuccessOn503(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			writeJSON(w, 503, `{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if !bytes.Contains(b, []byte(`"ids":["u1"]`)) {
			t.Errorf("retried body = %s", b)
		}
		writeJSON(w, 202, `{"persons_found":1,"persons_deleted":1,"persons_queued_for_deletion":0,"events_queued_for_deletion":false,"recordings_queued_for_deletion":false,"deletion_errors":[]}`)
	}))
	defer srv.Close()
	res, err := newTestClient(t, srv.URL, 4).BulkDelete(context.Background(), 1, BulkDeleteRequest{IDs: []string{"u1"}})
	if err != nil || res.PersonsDeleted != 1 || calls.Load() != 3 {
		t.Fatalf("%+v %v calls=%d", res, err, calls.Load())
	}
}

func TestRetriesExhausted(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 500, `{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 2).PersonCohorts(context.Background(), 1, "42")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Attempts != 3 || calls.Load() != 3 ||
		!strings.Contains(err.Error(), "GET /api/projects/1/persons/cohorts/: 500 error: A server error occurred. [gave up after 3 attempts]") {
		t.Fatalf("err = %v, calls = %d", err, calls.Load())
	}
}

func TestNotRetried4xx(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 404, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 4).PersonCohorts(context.Background(), 1, "42")
	if !IsNotFound(err) || calls.Load() != 1 {
		t.Fatalf("err = %v calls = %d", err, calls.Load())
	}
}

func TestTransportErrorRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			hijacker, ok := w.(http.Hijacker)
			if !ok {
				t.Error("test server cannot hijack connections")
				return
			}
			if conn, _, err := hijacker.Hijack(); err == nil {
				_ = conn.Close() // drop the connection without a response
			}
			return
		}
		writeJSON(w, 200, `{"results":[]}`)
	}))
	defer srv.Close()
	if _, err := newTestClient(t, srv.URL, 2).PersonCohorts(context.Background(), 1, "42"); err != nil || calls.Load() != 2 {
		t.Fatalf("err = %v calls = %d", err, calls.Load())
	}
}

func TestThrottledWaitHonoured(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, 429, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 1 seconds.","attr":null}`)
			return
		}
		writeJSON(w, 200, `{"results":[]}`)
	}))
	defer srv.Close()
	start := time.Now()
	if _, err := newTestClient(t, srv.URL, 2).PersonCohorts(context.Background(), 1, "42"); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 950*time.Millisecond || el > 3*time.Second || calls.Load() != 2 {
		t.Fatalf("elapsed %v calls %d; want ≈1s wait", el, calls.Load())
	}
}

func TestThrottledWaitPastDeadlineFailsNow(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 429, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 40 seconds.","attr":null}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := newTestClient(t, srv.URL, 4).PersonCohorts(ctx, 1, "42")
	if err == nil || !isThrottled(err) || !strings.Contains(err.Error(), "PostHog asked to wait 40 s") || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestCancelDuringBackoffStopsPromptly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, `{}`)
	}))
	defer srv.Close()
	c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, MaxRetries: 5, RetryWaitMin: 10 * time.Second, RetryWaitMax: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.PersonCohorts(ctx, 1, "42")
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestLogsHideSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 202, `{"persons_found":0,"persons_deleted":0,"events_queued_for_deletion":false,"recordings_queued_for_deletion":false,"deletion_errors":[]}`)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	if _, err := newTestClient(t, srv.URL, 0).BulkDelete(ctx, 1, BulkDeleteRequest{DistinctIDs: []string{"secret-distinct-id"}}); err != nil {
		t.Fatal(err)
	}
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no logs: %v", err)
	}
	for _, e := range entries {
		line, _ := json.Marshal(e)
		if bytes.Contains(line, []byte(testKey)) || bytes.Contains(bytes.ToLower(line), []byte("authorization")) {
			t.Errorf("secret logged: %s", line)
		}
		if e["@level"] != "trace" && bytes.Contains(line, []byte("secret-distinct-id")) {
			t.Errorf("distinct id logged above trace: %s", line)
		}
	}
}

func TestPerAttemptTimeoutRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		writeJSON(w, 200, `{"results":[]}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 1)
	c.timeout = 100 * time.Millisecond
	if _, err := c.PersonCohorts(context.Background(), 1, "42"); err != nil || calls.Load() != 2 {
		t.Fatalf("err = %v calls = %d", err, calls.Load())
	}
	calls.Store(0)
	c.maxRetries = 0
	_, err := c.PersonCohorts(context.Background(), 1, "42")
	if err == nil || !strings.Contains(err.Error(), "GET /api/projects/1/persons/cohorts/: request failed after 1 attempt(s): no response within the 100ms request timeout") {
		t.Fatalf("err = %v", err)
	}
}

func TestPathEscapingAndHostPrefix(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		writeJSON(w, 404, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/posthog/", 0)
	_, err := c.do(context.Background(), endpointQueryStatus, endpointQueryStatus.at(1, "a/b c"), nil, nil, nil)
	if got != "/posthog/api/projects/1/query/a%2Fb%20c/" || !IsNotFound(err) ||
		!strings.HasPrefix(err.Error(), "GET /posthog/api/projects/1/query/a%2Fb%20c/: 404") {
		t.Fatalf("path %q, err %v", got, err)
	}
}

// isUnauthorized and isThrottled classify errors in the tables above.
func isUnauthorized(err error) bool { return hasStatus(err, 401) || hasStatus(err, 403) }
func isThrottled(err error) bool    { return hasStatus(err, 429) }
