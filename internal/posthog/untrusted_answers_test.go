package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// Servers that answer wrongly on purpose: redirects that would re-send a
// write or move a read elsewhere, server text that carries the key or
// terminal escapes, absurd waits, pages that never end and queries that
// never finish. Each must end in a clear error, fast, with nothing re-sent.

// routeCounter counts requests per "METHOD path".
type routeCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *routeCounter) add(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Method+" "+r.URL.Path]++
}

func (c *routeCounter) get(route string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[route]
}

func (c *routeCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

const bulkDeletePath = "/api/projects/1/persons/bulk_delete/"

// A redirect on bulk_delete, even to the very same origin and path, is never
// followed: following it would send the deletion a second time (307/308) or
// turn it into a GET (301/302/303). The error says so and one request was
// sent in all.
func TestWriteNeverFollowsARedirect(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var seen routeCounter
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen.add(r)
				if r.URL.Query().Get("again") == "" {
					http.Redirect(w, r, r.URL.Path+"?again=1", status)
					return
				}
				writeJSON(w, 202, `{"persons_found":1,"persons_deleted":1}`)
			}))
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, 3).BulkDelete(context.Background(), 1, BulkDeleteRequest{IDs: []string{"0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"}})
			if err == nil {
				t.Fatal("BulkDelete followed the redirect and succeeded")
			}
			for _, want := range []string{bulkDeletePath, fmt.Sprintf("redirect (%d)", status), "a write never follows a redirect, so nothing was sent again"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
			if n := seen.total(); n != 1 {
				t.Errorf("the server received %d requests (%v); want the one bulk_delete and nothing re-sent", n, seen.n)
			}
		})
	}
}

// A 3xx without a Location cannot be followed at all: the write still fails,
// saying it was a redirect.
func TestWriteRedirectWithoutLocation(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 3).BulkDelete(context.Background(), 1, BulkDeleteRequest{DistinctIDs: []string{"alice"}})
	if err == nil || !strings.Contains(err.Error(), "307") || !strings.Contains(err.Error(), "redirect, which was not followed") {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("%d requests; a 307 is not retried", calls.Load())
	}
}

// A read follows a redirect that keeps origin and path (here: a query
// change); one to another project, another endpoint or another port is
// refused before anything is sent there.
func TestReadRedirectsStayOnTheEndpoint(t *testing.T) {
	const cohorts = "/api/projects/1/persons/cohorts/"
	var otherCalls atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		otherCalls.Add(1)
		writeJSON(w, 200, `{"results":[]}`)
	}))
	defer other.Close()
	for _, tc := range []struct {
		name   string
		target func(r *http.Request) string
		want   string // "" = followed
	}{
		{"same path, other query", func(r *http.Request) string { return cohorts + "?" + r.URL.RawQuery + "&moved=1" }, ""},
		{"other project", func(r *http.Request) string { return "/api/projects/2/persons/cohorts/?" + r.URL.RawQuery }, "another endpoint or project"},
		{"other endpoint", func(*http.Request) string { return bulkDeletePath }, "another endpoint or project"},
		{"other port", func(r *http.Request) string { return other.URL + cohorts + "?" + r.URL.RawQuery }, "another origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen routeCounter
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen.add(r)
				if r.URL.Path == cohorts && r.URL.Query().Get("moved") == "" {
					http.Redirect(w, r, tc.target(r), http.StatusFound)
					return
				}
				writeJSON(w, 200, `{"results":[{"id":7,"name":"beta","count":3}]}`)
			}))
			defer srv.Close()
			cohortList, err := newTestClient(t, srv.URL, 3).PersonCohorts(context.Background(), 1, "42")
			if tc.want == "" {
				if err != nil || len(cohortList) != 1 || cohortList[0].ID != 7 {
					t.Fatalf("a same-endpoint redirect was not followed: %v, %v", cohortList, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "refused to follow a redirect") {
				t.Fatalf("err = %v; want it to say %q", err, tc.want)
			}
			if n := seen.total(); n != 1 {
				t.Errorf("%d requests reached the server (%v); the redirect must not be followed", n, seen.n)
			}
		})
	}
	if n := otherCalls.Load(); n != 0 {
		t.Errorf("the server on another port received %d requests", n)
	}
}

// A legacy `next` link must lead back to the endpoint and project the page
// came from; the host check alone let a link into another project or to
// bulk_delete through.
func TestLegacyNextStaysOnItsEndpoint(t *testing.T) {
	c, err := NewClient(Config{Host: "https://ph.example.com", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	const cur = "/api/projects/1/persons/lifecycle/"
	for _, bad := range []string{
		"https://ph.example.com/api/projects/2/persons/lifecycle/?offset=100",
		"/api/projects/2/persons/lifecycle/?offset=100",
		"api/projects/1/persons/bulk_delete/?offset=100",
		"https://ph.example.com/api/projects/1/persons/funnel/?offset=100",
		"/api/projects/1/persons/lifecycle/../bulk_delete/",
	} {
		_, _, err := c.resolveNext(bad, cur)
		if err == nil || !strings.Contains(err.Error(), "not to "+cur) || !strings.Contains(err.Error(), "not following it") {
			t.Errorf("resolveNext(%q) = %v; want a refusal naming %s", bad, err, cur)
		}
	}

	// Over HTTP: the first page links into project 2, which is never asked.
	var seen routeCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.add(r)
		writeJSON(w, 200, legacyPeople("http://"+r.Host+"/api/projects/2/persons/lifecycle/?offset=2&limit=2", "a", "b"))
	}))
	defer srv.Close()
	_, err = newTestClient(t, srv.URL, 0).ListActors(context.Background(), 1, ActorsRequest{
		API: ActorsAPILegacy, Limit: 10, PageSize: 2,
		Source: LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}, Day: "2020-01-12", Status: LifecycleNew},
	})
	if err == nil || !strings.Contains(err.Error(), "leads to /api/projects/2/persons/lifecycle/") {
		t.Fatalf("err = %v", err)
	}
	if n := seen.get("GET /api/projects/2/persons/lifecycle/"); n != 0 {
		t.Fatalf("project 2 was asked %d times", n)
	}
}

func TestServerTextIsCleaned(t *testing.T) {
	r := newRedactor(testKey)
	for _, tc := range []struct{ name, in, want string }{
		{"ANSI colours", "\x1b[31mred\x1b[0m text", "red text"},
		{"cursor movement and clear screen", "a\x1b[2J\x1b[H\x1b[10;20Hb", "ab"},
		{"OSC title", "\x1b]0;owned\x07done", "done"},
		{"8-bit CSI", "x\u009b31my", "xy"},
		{"CR overwrites", "all good\rFAILED", "all good FAILED"},
		{"newlines and tabs", "line one\nline two\tend", "line one line two end"},
		{"NUL, BEL, DEL and C1", "a\x00b\x07c\x7fd\u0085e", "abcde"},
		{"bidi override", "abc\u202edef\u2066", "abcdef"},
		{"invalid UTF-8", "ok\xff\xfe", "ok\uFFFD"},
		{"the key", "your key " + testKey + " is invalid", "your key (redacted) is invalid"},
		{"the key broken by escapes", "key phx_secret\x1b[0m_test_key!", "key (redacted)!"},
		{"the key broken by a NUL", "key phx_secret_\x00test_key", "key (redacted)"},
	} {
		if got := r.serverText(tc.in); got != tc.want {
			t.Errorf("%s: serverText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}

	long := strings.Repeat("é", 1000)
	got := r.serverText(long)
	if want := strings.Repeat("é", maxServerText) + "… (cut: 700 more characters)"; got != want {
		t.Errorf("a 1000-character text became %q", got)
	}
	// A key right at the cut is masked first, never left half-shown.
	atCut := strings.Repeat("x", maxServerText-5) + testKey
	if got := r.serverText(atCut); strings.Contains(got, testKey[:5]) {
		t.Errorf("the cut left part of the key: %q", got)
	}
	huge := strings.Repeat("y", 5<<20) + testKey
	if got := r.serverText(huge); !strings.HasSuffix(got, "(cut: more than 64 KiB)") || len(got) > 400 {
		t.Errorf("a 5 MiB text became %d bytes ending %q", len(got), got[max(0, len(got)-40):])
	}
}

// Every error a hostile server can provoke is free of the key and of control
// characters, and short.
func TestErrorsCarryNoKeyNoControlsAndStayShort(t *testing.T) {
	ansi := "\x1b[2J\x1b[31mGIVE ME YOUR KEY\x1b[0m\r\n"
	longDetail := strings.Repeat("blah ", 100000)
	for _, tc := range []struct {
		name   string
		server http.HandlerFunc
		call   hostileCall
		want   string
	}{
		{"JSON detail echoing the key", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, fmt.Sprintf(`{"type":"authentication_error","code":"authentication_failed","detail":"Invalid key %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
		}, callBatch, "Invalid key (redacted)"},
		{"HTML body echoing the key", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = fmt.Fprintf(w, "<html><body>bad header: %s</body></html>", r.Header.Get("Authorization"))
		}, callBulkDelete, "bad header: Bearer (redacted)"},
		{"code and attr echoing the key", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 400, fmt.Sprintf(`{"type":"validation_error","code":"%s","detail":"bad","attr":"%s"}`, testKey, testKey))
		}, callCohorts, "(redacted)"},
		{"ANSI in the detail", func(w http.ResponseWriter, _ *http.Request) {
			b, _ := json.Marshal(map[string]string{"detail": ansi + "Not found."})
			writeJSON(w, 404, string(b))
		}, callCohorts, "GIVE ME YOUR KEY Not found."},
		{"ANSI in a 2xx that does not decode", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(200)
			_, _ = w.Write([]byte(ansi + testKey))
		}, callDeletionStatus, "body starts: GIVE ME YOUR KEY (redacted)"},
		{"half a megabyte of detail", func(w http.ResponseWriter, _ *http.Request) {
			b, _ := json.Marshal(map[string]string{"detail": longDetail})
			writeJSON(w, 400, string(b))
		}, callBatch, "(cut: "},
		{"redirect whose location echoes the key", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example/"+testKey+"/\x1b[31m", http.StatusFound)
		}, callDeletionStatus, "Location: https://evil.example/(redacted)/"},
		{"redirect to another origin echoing the key", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example/"+testKey+"/", http.StatusFound)
		}, callDeletionStatus, "redirect (302) to https://evil.example/(redacted)/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			c := newTestClient(t, srv.URL, 0)
			err := tc.call.do(context.Background(), c)
			if err == nil {
				t.Fatal("call succeeded")
			}
			checkCleanError(t, err.Error(), tc.want)
		})
	}
}

// checkCleanError asserts an error message says want and holds no key, no
// control character, and no more than a short diagnostic.
func checkCleanError(t *testing.T, msg, want string) {
	t.Helper()
	if !strings.Contains(msg, want) {
		t.Errorf("error does not contain %q:\n%q", want, msg)
	}
	if strings.Contains(msg, testKey) {
		t.Errorf("error holds the API key: %q", msg)
	}
	if i := strings.IndexFunc(msg, func(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }); i >= 0 {
		t.Errorf("error holds control character %q: %q", msg[i], msg)
	}
	if len(msg) > 1000 {
		t.Errorf("error is %d bytes long", len(msg))
	}
}

// Query API texts (a query's error, a failed async query's message) and
// legacy next links are server text too.
func TestQueryAndNextTextsAreCleaned(t *testing.T) {
	queryPollInterval = time.Millisecond
	defer func() { queryPollInterval = 500 * time.Millisecond }()
	lifecycle := LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}, Day: "2020-01-12", Status: LifecycleNew}
	for _, tc := range []struct {
		name   string
		server http.HandlerFunc
		api    ActorsAPI
		want   string
	}{
		{"query error field", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, fmt.Sprintf(`{"results":[],"columns":["actor"],"error":"\u001b[31mboom %s\n"}`, testKey))
		}, ActorsAPIQuery, "PostHog reported a query error: boom (redacted)"},
		{"async query error message", func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				writeJSON(w, 202, `{"query_status":{"id":"q1","complete":false}}`)
				return
			}
			writeJSON(w, 200, fmt.Sprintf(`{"query_status":{"id":"q1","complete":true,"error":true,"error_message":"\r\u001b[2Kfailed for %s"}}`, testKey))
		}, ActorsAPIQuery, "PostHog query failed: failed for (redacted)"},
		{"query id that is a path", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 202, `{"query_status":{"id":"../../persons/bulk_delete","complete":false}}`)
		}, ActorsAPIQuery, "is not an id; not polling it"},
		{"next link echoing the key", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, legacyPeople("https://evil.example/?key="+testKey, "a", "b"))
		}, ActorsAPILegacy, "points to https://evil.example"},
		{"next link to a non-API path echoing the key", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, legacyPeople("/login?k="+testKey, "a", "b"))
		}, ActorsAPILegacy, "/login?k=(redacted)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen routeCounter
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen.add(r)
				tc.server(w, r)
			}))
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, 0).ListActors(context.Background(), 1, ActorsRequest{API: tc.api, Limit: 10, PageSize: 2, Source: lifecycle})
			if err == nil {
				t.Fatal("ListActors succeeded")
			}
			checkCleanError(t, err.Error(), tc.want)
			if n := seen.get("GET /api/projects/1/persons/bulk_delete/"); n != 0 {
				t.Errorf("bulk_delete was requested %d times", n)
			}
		})
	}
}

// A host with a user:password is refused without printing the password, and
// RedactHost masks userinfo in URLs that parse and in ones that do not.
func TestHostCredentialsAreNeverPrinted(t *testing.T) {
	for _, host := range []string{
		"http://user:hunter2secret@127.0.0.1:8000",
		"https://admin:hunter2secret@posthog.example.com/",
		"https://:hunter2secret@posthog.example.com",
		"http://user:hunter2secret@bad host",
		"user:hunter2secret@posthog.example.com",
		"http://user:hunter2secret@posthog.example.com/a//b",
	} {
		_, err := NewClient(Config{Host: host, APIKey: testKey})
		if err == nil {
			t.Errorf("NewClient accepted host %q", host)
			continue
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("NewClient's error prints the password: %v", err)
		}
		if got := RedactHost(host); strings.Contains(got, "hunter2secret") || !strings.Contains(got, "(redacted)@") {
			t.Errorf("RedactHost(%q) = %q", host, got)
		}
	}
	if got := RedactHost("https://us.posthog.com"); got != "https://us.posthog.com" {
		t.Errorf("RedactHost changed a plain host: %q", got)
	}
}

// A wait PostHog asks for past MaxRetryWait fails at once, after one request,
// saying what PostHog asked and how to accept it; a wait within the bound
// is waited and the call retried.
func TestServerRequestedWaitIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name      string
		header    string
		detail    string
		wantAsked string
	}{
		{"Retry-After seconds", "86400", "Request was throttled.", "PostHog asked to wait 24h0m0s (Retry-After: 86400)"},
		{"Retry-After date in 2100", "Fri, 01 Jan 2100 00:00:00 GMT", "Request was throttled.", "(Retry-After: Fri, 01 Jan 2100 00:00:00 GMT)"},
		{"throttled detail", "", "Request was throttled. Expected available in 100000 seconds.", "PostHog asked to wait 27h46m40s (in its throttled message)"},
		{"absurd throttled detail", "", "Request was throttled. Expected available in 99999999999999999999 seconds.", "(in its throttled message)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				b, _ := json.Marshal(map[string]string{"type": "throttled_error", "code": "throttled", "detail": tc.detail})
				writeJSON(w, 429, string(b))
			}))
			defer srv.Close()
			dir := t.TempDir()
			c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, MaxRetries: 4, PacingJournalDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			err = deleteClassCall(context.Background(), c)
			if took := time.Since(began); took > 2*time.Second {
				t.Errorf("the call took %s; it must fail fast", took)
			}
			if err == nil || !isThrottled(err) {
				t.Fatalf("err = %v", err)
			}
			for _, want := range []string{tc.wantAsked, "longer than the longest accepted wait of 5m0s", "raise the provider's max_retry_wait"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests; the call must give up after the first", calls.Load())
			}
			// The pacer and the journal hold the class back for no longer
			// than the bound.
			limit := time.Now().Add(DefaultMaxRetryWait + time.Second)
			if b := c.pacers[RateClassDelete].blocked; b.After(limit) {
				t.Errorf("the delete class is blocked until %s", b)
			}
			if b := journalBlock(t, dir, RateClassDelete); b.After(limit) {
				t.Errorf("the journal blocks the delete class until %s", b)
			}
		})
	}

	t.Run("within a raised bound", func(t *testing.T) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				writeJSON(w, 429, `{"detail":"Request was throttled."}`)
				return
			}
			writeJSON(w, 202, `{"persons_found":0,"persons_deleted":0}`)
		}))
		defer srv.Close()
		c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, MaxRetries: 2, MaxRetryWait: 2 * time.Second, RateLimits: RateLimits{Disabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		if err := deleteClassCall(context.Background(), c); err != nil || calls.Load() != 2 {
			t.Fatalf("err = %v after %d calls; a 1 s wait within a 2 s bound is waited", err, calls.Load())
		}
	})
}

// journalBlock reads the block of class from the one journal in dir (zero
// when there is none).
func journalBlock(t *testing.T, dir string, class RateClass) time.Time {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var f journalFile
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		if b, ok := f.Blocked[class]; ok {
			return time.Unix(0, b)
		}
	}
	return time.Time{}
}

// A journal that says calls ended in the future, or that a class is blocked
// until 2100, is not believed: the new client starts free.
func TestPacingJournalIgnoresImpossibleEntries(t *testing.T) {
	dir := t.TempDir()
	const host = "https://ph.example.com"
	now := time.Now()
	future := make([]int64, 500)
	for i := range future {
		future[i] = now.Add(time.Duration(i+1) * time.Second).UnixNano()
	}
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	data, _ := json.Marshal(journalFile{
		Ends:    map[RateClass][]int64{RateClassDelete: future, RateClassPersonsRead: {now.Add(-time.Second).UnixNano()}},
		Blocked: map[RateClass]int64{RateClassDelete: far, RateClassQuery: now.Add(time.Minute).UnixNano()},
	})
	if err := os.WriteFile(journalPath(dir, host, testKey), data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(Config{Host: host, APIKey: testKey, PacingJournalDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	del := c.pacers[RateClassDelete]
	if len(del.ends) != 0 || !del.blocked.IsZero() {
		t.Errorf("delete pacer starts with %d future end times and a block until %s", len(del.ends), del.blocked)
	}
	// Plausible entries still count: the journal keeps its purpose.
	if n := len(c.pacers[RateClassPersonsRead].ends); n != 1 {
		t.Errorf("persons_read pacer loaded %d end times, want the 1 in the past", n)
	}
	if b := c.pacers[RateClassQuery].blocked; b.IsZero() {
		t.Errorf("a block one minute ahead was dropped")
	}
	// Saving does not write the absurd block back.
	c.journal.save(RateClassDelete)
	if b := journalBlock(t, dir, RateClassDelete); !b.IsZero() {
		t.Errorf("the journal still blocks the delete class until %s", b)
	}
}

// Pages that do not advance end the listing with an error, whatever the
// server promises.
func TestActorsPagesMustAdvance(t *testing.T) {
	same := []Person{{UUID: "p1"}, {UUID: "p2"}}
	var n int
	for _, tc := range []struct {
		name  string
		mode  ActorsAPI
		fetch actorsFetch
		want  string
		calls int // the most fetches allowed
	}{
		{"query: offset ignored", ActorsAPIQuery, actorsFetch{query: func(context.Context, int, int) (*actorsPage, error) {
			n++
			return &actorsPage{persons: same, hasMore: true}, nil
		}}, "a page held only persons already listed", 2},
		{"query: one new person a page, more promised forever", ActorsAPIQuery, actorsFetch{query: func(context.Context, int, int) (*actorsPage, error) {
			n++
			return &actorsPage{persons: []Person{{UUID: fmt.Sprintf("q%d", n)}}, hasMore: true}, nil
		}}, "more persons promised", pageBudget(100, 10)},
		{"legacy: same rows behind new links", ActorsAPILegacy, actorsFetch{
			legacy: func(context.Context, int) (*actorsPage, error) {
				n++
				return &actorsPage{persons: same, next: "l0"}, nil
			},
			next: func(_ context.Context, prev *actorsPage) (*actorsPage, error) {
				n++
				return &actorsPage{persons: same, next: prev.next + "x"}, nil
			},
		}, "a page held only persons already listed", 2},
		{"legacy: new links forever", ActorsAPILegacy, actorsFetch{
			legacy: func(context.Context, int) (*actorsPage, error) {
				n++
				return &actorsPage{persons: []Person{{UUID: "l0"}}, next: "l0"}, nil
			},
			next: func(_ context.Context, prev *actorsPage) (*actorsPage, error) {
				n++
				return &actorsPage{persons: []Person{{UUID: prev.next + "x"}}, next: prev.next + "x"}, nil
			},
		}, "still linking a next page", pageBudget(101, 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n = 0
			_, err := collectActors(context.Background(), tc.mode, 100, 10, tc.fetch)
			if err == nil || !strings.Contains(err.Error(), "pages do not advance") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
			if n > tc.calls {
				t.Errorf("%d fetches; want at most %d", n, tc.calls)
			}
		})
	}
}

// deletion_status: a server that ignores the offset, or that pages forever,
// is stopped.
func TestDeletionStatusPagesMustAdvance(t *testing.T) {
	row := func(i int) string {
		return fmt.Sprintf(`{"person_uuid":"0190b2a4-5c1e-7d2f-8a3b-%012d","created_at":"2026-01-01T00:00:00Z","status":"pending","delete_verified_at":null}`, i)
	}
	t.Run("offset ignored", func(t *testing.T) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeJSON(w, 200, `{"count":1000,"next":"http://`+r.Host+`/x?offset=2","results":[`+row(1)+`,`+row(2)+`]}`)
		}))
		defer srv.Close()
		_, err := newTestClient(t, srv.URL, 0).ListDeletionStatus(context.Background(), 1, DeletionStatusOptions{Limit: 2})
		if err == nil || !strings.Contains(err.Error(), "pages 1 to 3 hold the same rows") {
			t.Fatalf("err = %v", err)
		}
		if calls.Load() != 3 {
			t.Errorf("%d requests, want 3", calls.Load())
		}
	})
	t.Run("new rows forever", func(t *testing.T) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := int(calls.Add(1))
			writeJSON(w, 200, fmt.Sprintf(`{"count":%d,"next":"http://%s/x","results":[%s]}`, 10*n+10, r.Host, row(n)))
		}))
		defer srv.Close()
		c := newTestClient(t, srv.URL, 0)
		c.deletionStatusPageCap = 7
		_, err := c.ListDeletionStatus(context.Background(), 1, DeletionStatusOptions{Limit: 1})
		if err == nil || !strings.Contains(err.Error(), "still linking a next page after 7 pages") {
			t.Fatalf("err = %v", err)
		}
		if calls.Load() != 7 {
			t.Errorf("%d requests, want 7", calls.Load())
		}
	})
	t.Run("one repeated page is honest", func(t *testing.T) {
		// Rows queued while paging push the previous page's rows onto the
		// next one; the listing goes on.
		pages := [][]int{{1, 2}, {1, 2}, {3}}
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			i := int(calls.Add(1)) - 1
			var rows []string
			for _, n := range pages[i] {
				rows = append(rows, row(n))
			}
			next := "null"
			if i < len(pages)-1 {
				next = `"http://` + r.Host + `/x"`
			}
			writeJSON(w, 200, fmt.Sprintf(`{"count":5,"next":%s,"results":[%s]}`, next, strings.Join(rows, ",")))
		}))
		defer srv.Close()
		rows, err := newTestClient(t, srv.URL, 0).ListDeletionStatus(context.Background(), 1, DeletionStatusOptions{Limit: 2})
		if err != nil || len(rows) != 5 {
			t.Fatalf("rows = %d, err = %v", len(rows), err)
		}
	})
}

// An asynchronous query that never completes is given up after
// maxQueryWait, not polled until the caller's deadline.
func TestQueryPollingIsBounded(t *testing.T) {
	queryPollInterval, queryPollMaxInterval = time.Millisecond, 5*time.Millisecond
	defer func() { queryPollInterval, queryPollMaxInterval = 500*time.Millisecond, 5*time.Second }()
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			polls.Add(1)
		}
		writeJSON(w, 202, `{"query_status":{"id":"q-1","complete":false}}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	c.maxQueryWait = 200 * time.Millisecond
	began := time.Now()
	_, err := c.ListActors(context.Background(), 1, ActorsRequest{API: ActorsAPIQuery, Limit: 5, PageSize: 5,
		Source: LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}, Day: "2020-01-12", Status: LifecycleNew}})
	if err == nil || !strings.Contains(err.Error(), "PostHog query q-1 is still running after") || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("err = %v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("gave up after %s; want about 200ms", took)
	}
	if polls.Load() == 0 {
		t.Errorf("the query was never polled")
	}
}
