package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeListing serves total persons the way PostHog's limit/offset person
// listings do: next is set whenever a page is full.
type fakeListing struct {
	mu       sync.Mutex
	total    int
	requests []string // the query string of every persons request
	cohort   string   // body of GET cohorts/{id}/
}

func (f *fakeListing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/cohorts/7/") {
		writeJSON(w, 200, f.cohort)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/cohorts/7/persons/") && !strings.HasSuffix(r.URL.Path, "/persons/") {
		writeJSON(w, 404, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
		return
	}
	f.requests = append(f.requests, r.URL.RawQuery)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	var results []string
	for i := offset; i < min(offset+limit, f.total); i++ {
		results = append(results, fmt.Sprintf(`{"type":"person","id":"00000000-0000-0000-0000-%012d","uuid":"00000000-0000-0000-0000-%012d","distinct_ids":["d%d"],"properties":{}}`, i, i, i))
	}
	next := "null"
	if len(results) == limit {
		next = fmt.Sprintf(`"http://x/?offset=%d"`, offset+limit)
	}
	writeJSON(w, 200, fmt.Sprintf(`{"results":[%s],"next":%s,"previous":null}`, strings.Join(results, ","), next))
}

func TestCohortPersonsPaging(t *testing.T) {
	for _, c := range []struct {
		name             string
		total, limit     int
		pageSize         int
		wantN            int
		wantMore         bool
		wantPersonsPages int
	}{
		// 5 persons, 2 a page: 2+2+1 (the short page ends it).
		{"all fit", 5, 10, 2, 5, false, 3},
		// Exactly the limit: the last page asks for one more person, finds none.
		{"exactly the limit", 4, 4, 2, 4, false, 3},
		// One person past the limit proves there are more.
		{"more than the limit", 9, 4, 2, 4, true, 3},
		{"empty cohort", 0, 10, 5, 0, false, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeListing{total: c.total, cohort: `{"id":7,"name":"Beta","deleted":false}`}
			srv := httptest.NewServer(f)
			defer srv.Close()
			got, err := newTestClient(t, srv.URL, 0).CohortPersons(context.Background(), 1, 7, c.limit, c.pageSize)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Persons) != c.wantN || got.HasMore != c.wantMore || len(f.requests) != c.wantPersonsPages {
				t.Fatalf("got %d persons, has_more %v, %d page requests; want %d, %v, %d (requests %v)",
					len(got.Persons), got.HasMore, len(f.requests), c.wantN, c.wantMore, c.wantPersonsPages, f.requests)
			}
		})
	}
}

func TestCohortPersonsDeletedCohort(t *testing.T) {
	f := &fakeListing{total: 3, cohort: `{"id":7,"name":"Old","deleted":true}`}
	srv := httptest.NewServer(f)
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 0).CohortPersons(context.Background(), 1, 7, 10, 10)
	if !IsCohortDeleted(err) || !strings.Contains(err.Error(), `"Old"`) {
		t.Fatalf("got %v, want a CohortDeletedError naming the cohort", err)
	}
	if len(f.requests) != 0 {
		t.Fatalf("a deleted cohort's persons were requested: %v", f.requests)
	}
	_, err = newTestClient(t, srv.URL, 0).CohortPersons(context.Background(), 1, 8, 10, 10)
	if !IsNotFound(err) {
		t.Fatalf("unknown cohort: got %v, want a 404", err)
	}
}

// A server whose pages stay full forever is stopped by the page budget.
func TestCohortPersonsStopsOnEndlessPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cohorts/7/") {
			writeJSON(w, 200, `{"id":7,"deleted":false}`)
			return
		}
		// Always the same full page.
		writeJSON(w, 200, `{"results":[{"id":"00000000-0000-0000-0000-000000000001","uuid":"00000000-0000-0000-0000-000000000001"}],"next":"http://x/"}`)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 0).CohortPersons(context.Background(), 1, 7, 10, 1)
	if err == nil || !strings.Contains(err.Error(), "do not advance") {
		t.Fatalf("got %v, want a not-advancing error", err)
	}
}

func TestPersonsByPropertyFilterAndGroups(t *testing.T) {
	f := &fakeListing{total: 1}
	srv := httptest.NewServer(f)
	defer srv.Close()
	values := make([]string, 0, 120)
	for i := 0; i < 120; i++ {
		values = append(values, fmt.Sprintf("u%d@example.com", i))
	}
	values = append(values, "u0@example.com") // a duplicate is sent once
	got, err := newTestClient(t, srv.URL, 0).PersonsByProperty(context.Background(), 1, "email", values, 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	// The fake answers the same person for every group: listed once.
	if len(got.Persons) != 1 || got.HasMore {
		t.Fatalf("got %d persons, has_more %v; want 1, false", len(got.Persons), got.HasMore)
	}
	// 120 distinct values, 50 a request: three requests.
	if len(f.requests) != 3 {
		t.Fatalf("%d requests, want 3: %v", len(f.requests), f.requests)
	}
	q, err := url.ParseQuery(f.requests[2])
	if err != nil {
		t.Fatal(err)
	}
	var filter []struct {
		Key      string   `json:"key"`
		Value    []string `json:"value"`
		Operator string   `json:"operator"`
		Type     string   `json:"type"`
	}
	if err := json.Unmarshal([]byte(q.Get("properties")), &filter); err != nil {
		t.Fatal(err)
	}
	if len(filter) != 1 || filter[0].Key != "email" || filter[0].Operator != "exact" || filter[0].Type != "person" ||
		len(filter[0].Value) != 20 || filter[0].Value[0] != "u100@example.com" {
		t.Fatalf("third request's filter %+v", filter)
	}
}

// A page shorter than asked but with a next link (PostHog counts the
// members before it serializes them) does not end the listing.
func TestCohortPersonsFollowsNextPastAShortPage(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cohorts/7/") {
			writeJSON(w, 200, `{"id":7,"deleted":false}`)
			return
		}
		calls++
		switch r.URL.Query().Get("offset") {
		case "0": // two members counted, one serialized
			writeJSON(w, 200, `{"results":[{"id":"00000000-0000-0000-0000-000000000001"}],"next":"http://x/?offset=2"}`)
		case "2":
			writeJSON(w, 200, `{"results":[{"id":"00000000-0000-0000-0000-000000000003"}],"next":null}`)
		default:
			writeJSON(w, 200, `{"results":[],"next":null}`)
		}
	}))
	defer srv.Close()
	got, err := newTestClient(t, srv.URL, 0).CohortPersons(context.Background(), 1, 7, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Persons) != 2 || got.Persons[1].UUID != "00000000-0000-0000-0000-000000000003" || calls != 2 {
		t.Fatalf("got %+v after %d page requests; want both persons after 2", got.Persons, calls)
	}
}
