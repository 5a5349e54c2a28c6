package posthog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeActors serves total persons in Query API pages (offset/limit) and in
// legacy pages that link the next one whenever a page is full, as PostHog's
// format_paginated_url did.
type fakeActors struct {
	total       int
	queryErr    error
	legacyCalls int
	queryCalls  int
	stuckNext   bool
}

func (f *fakeActors) persons(from, to int) []Person {
	var out []Person
	for i := from; i < min(to, f.total); i++ {
		out = append(out, Person{UUID: fmt.Sprintf("p%03d", i)})
	}
	return out
}

func (f *fakeActors) fetch() actorsFetch {
	legacyPage := func(offset, limit int) *actorsPage {
		f.legacyCalls++
		page := &actorsPage{persons: f.persons(offset, offset+limit)}
		if len(page.persons) == limit {
			page.next = fmt.Sprintf("api/next?offset=%d&limit=%d", offset+limit, limit)
			if f.stuckNext {
				page.next = "api/next?offset=0"
			}
		}
		return page
	}
	return actorsFetch{
		query: func(_ context.Context, limit, offset int) (*actorsPage, error) {
			f.queryCalls++
			if f.queryErr != nil {
				return nil, f.queryErr
			}
			return &actorsPage{persons: f.persons(offset, offset+limit), hasMore: offset+limit < f.total}, nil
		},
		legacy: func(_ context.Context, limit int) (*actorsPage, error) {
			return legacyPage(0, limit), nil
		},
		next: func(_ context.Context, prev *actorsPage) (*actorsPage, error) {
			var offset, limit int
			if _, err := fmt.Sscanf(prev.next, "api/next?offset=%d&limit=%d", &offset, &limit); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("fake next link %q: %w", prev.next, err)
			}
			if limit == 0 {
				limit = len(prev.persons)
			}
			return legacyPage(offset, limit), nil
		},
	}
}

func TestCollectActorsLimitsAndHasMore(t *testing.T) {
	for _, tc := range []struct {
		mode                  ActorsAPI
		total, limit, pageSz  int
		wantN                 int
		wantMore              bool
		wantQuery, wantLegacy int
	}{
		{ActorsAPIQuery, 25, 100, 4, 25, false, 7, 0},
		{ActorsAPIQuery, 25, 10, 4, 10, true, 3, 0},
		{ActorsAPIQuery, 25, 25, 5, 25, false, 5, 0},
		{ActorsAPIQuery, 0, 10, 5, 0, false, 1, 0},
		{ActorsAPILegacy, 25, 100, 4, 25, false, 0, 7},
		{ActorsAPILegacy, 25, 10, 4, 10, true, 0, 3},   // 12 > 10 proves more
		{ActorsAPILegacy, 25, 25, 5, 25, false, 0, 6},  // the full 5th page links an empty 6th
		{ActorsAPILegacy, 25, 24, 100, 24, true, 0, 1}, // one page of limit+1
		{ActorsAPILegacy, 24, 24, 100, 24, false, 0, 1},
	} {
		f := &fakeActors{total: tc.total}
		res, err := collectActors(context.Background(), tc.mode, tc.limit, tc.pageSz, f.fetch())
		if err != nil || len(res.Persons) != tc.wantN || res.HasMore != tc.wantMore || res.APIUsed != tc.mode ||
			f.queryCalls != tc.wantQuery || f.legacyCalls != tc.wantLegacy {
			t.Errorf("%+v: got %d persons, has_more %v, api %s, %d query and %d legacy calls, err %v",
				tc, len(res.Persons), res.HasMore, res.APIUsed, f.queryCalls, f.legacyCalls, err)
		}
	}
}

func TestCollectActorsAutoFallback(t *testing.T) {
	notFound := &APIError{Method: "POST", Endpoint: "/api/projects/1/query/", StatusCode: 404, Detail: "Endpoint not found."}
	for status, fallback := range map[int]bool{404: true, 405: true, 403: false, 400: false, 500: false} {
		f := &fakeActors{total: 3, queryErr: &APIError{Method: "POST", Endpoint: "/api/projects/1/query/", StatusCode: status}}
		res, err := collectActors(context.Background(), ActorsAPIAuto, 10, 5, f.fetch())
		if fallback != (err == nil && res.APIUsed == ActorsAPILegacy && len(res.Persons) == 3) {
			t.Errorf("status %d: fallback expected %v; got %+v, %v", status, fallback, res, err)
		}
		if status == 403 && (err == nil || !strings.Contains(err.Error(), "query:read")) {
			t.Errorf("403 error should name the query:read scope: %v", err)
		}
	}
	// api = "query" never falls back.
	f := &fakeActors{total: 3, queryErr: notFound}
	if _, err := collectActors(context.Background(), ActorsAPIQuery, 10, 5, f.fetch()); err == nil || f.legacyCalls != 0 {
		t.Errorf("api = query fell back: %v, %d legacy calls", err, f.legacyCalls)
	}
}

func TestCollectActorsStopsOnRepeatingNext(t *testing.T) {
	f := &fakeActors{total: 50, stuckNext: true}
	_, err := collectActors(context.Background(), ActorsAPILegacy, 40, 5, f.fetch())
	if err == nil || !strings.Contains(err.Error(), "do not advance") || f.legacyCalls > 3 {
		t.Fatalf("err = %v after %d calls", err, f.legacyCalls)
	}
}

func TestLegacyErrorHints(t *testing.T) {
	removed := legacyError(&APIError{Method: "GET", Endpoint: "/x", StatusCode: 400,
		Detail: "The ID provided does not look like a personID."})
	if !strings.Contains(removed.Error(), `use api = "query"`) {
		t.Errorf("removed endpoint: %v", removed)
	}
	scoped := legacyError(&APIError{Method: "GET", Endpoint: "/x", StatusCode: 403,
		Detail: "This action does not support Personal API Key access"})
	if !strings.Contains(scoped.Error(), "use an unscoped key or the Query API") {
		t.Errorf("scoped key: %v", scoped)
	}
}

// TestListActorsFallsBackOverHTTP: with api auto, a PostHog without the
// Query API (404 on /query/) is asked through the legacy endpoint, and a
// failure there names both answers.
func TestListActorsFallsBackOverHTTP(t *testing.T) {
	legacyStatus := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/projects/1/query/":
			writeJSON(w, 404, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`)
		case "/api/projects/1/persons/funnel/":
			if legacyStatus != 200 {
				writeJSON(w, legacyStatus, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`)
				return
			}
			writeJSON(w, 200, legacyPeople("", "user_1", "user_2"))
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	req := ActorsRequest{Limit: 10, PageSize: 5, Source: FunnelActorsRequest{Funnel: s4Funnel, Step: 1}}
	res, err := c.ListActors(context.Background(), 1, req)
	if err != nil || res.APIUsed != ActorsAPILegacy || len(res.Persons) != 2 || res.HasMore {
		t.Fatalf("result %+v, err %v", res, err)
	}
	legacyStatus = 404
	_, err = c.ListActors(context.Background(), 1, req)
	if err == nil || !strings.Contains(err.Error(), "the Query API is not available (POST /api/projects/1/query/: 404") ||
		!strings.Contains(err.Error(), "and the legacy endpoint failed too: GET /api/projects/1/persons/funnel/: 404") ||
		!strings.Contains(err.Error(), `use api = "query"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestListActorsRefusesBadRequests(t *testing.T) {
	c := &Client{} // no host: a request that got past validation would panic
	funnel := FunnelActorsRequest{Funnel: s4Funnel, Step: 1}
	for name, req := range map[string]ActorsRequest{
		"no source":      {Limit: 1, PageSize: 1},
		"zero limit":     {PageSize: 1, Source: funnel},
		"zero page size": {Limit: 1, Source: funnel},
		"unknown api":    {API: "graphql", Limit: 1, PageSize: 1, Source: funnel},
		"no events":      {Limit: 1, PageSize: 1, Source: LifecycleActorsRequest{Day: "2020-01-12", Status: LifecycleNew}},
	} {
		if _, err := c.ListActors(context.Background(), 1, req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
