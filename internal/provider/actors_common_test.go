package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
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

func (f *fakeActors) persons(from, to int) []posthog.Person {
	var out []posthog.Person
	for i := from; i < min(to, f.total); i++ {
		out = append(out, posthog.Person{UUID: fmt.Sprintf("p%03d", i)})
	}
	return out
}

func (f *fakeActors) fetch() actorsFetch {
	legacyPage := func(offset, limit int) *posthog.ActorsPage {
		f.legacyCalls++
		page := &posthog.ActorsPage{Persons: f.persons(offset, offset+limit)}
		if len(page.Persons) == limit {
			page.Next = fmt.Sprintf("api/next?offset=%d&limit=%d", offset+limit, limit)
			if f.stuckNext {
				page.Next = "api/next?offset=0"
			}
		}
		return page
	}
	return actorsFetch{
		query: func(_ context.Context, limit, offset int) (*posthog.ActorsPage, error) {
			f.queryCalls++
			if f.queryErr != nil {
				return nil, f.queryErr
			}
			return &posthog.ActorsPage{Persons: f.persons(offset, offset+limit), HasMore: offset+limit < f.total}, nil
		},
		legacy: func(_ context.Context, limit int) (*posthog.ActorsPage, error) {
			return legacyPage(0, limit), nil
		},
		next: func(_ context.Context, prev *posthog.ActorsPage) (*posthog.ActorsPage, error) {
			var offset, limit int
			if _, err := fmt.Sscanf(prev.Next, "api/next?offset=%d&limit=%d", &offset, &limit); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("fake next link %q: %w", prev.Next, err)
			}
			if limit == 0 {
				limit = len(prev.Persons)
			}
			return legacyPage(offset, limit), nil
		},
	}
}

func TestCollectActorsLimitsAndHasMore(t *testing.T) {
	for _, tc := range []struct {
		mode                  string
		total, limit, pageSz  int
		wantN                 int
		wantMore              bool
		wantQuery, wantLegacy int
	}{
		{apiQuery, 25, 100, 4, 25, false, 7, 0},
		{apiQuery, 25, 10, 4, 10, true, 3, 0},
		{apiQuery, 25, 25, 5, 25, false, 5, 0},
		{apiQuery, 0, 10, 5, 0, false, 1, 0},
		{apiLegacy, 25, 100, 4, 25, false, 0, 7},
		{apiLegacy, 25, 10, 4, 10, true, 0, 3},   // 12 > 10 proves more
		{apiLegacy, 25, 25, 5, 25, false, 0, 6},  // the full 5th page links an empty 6th
		{apiLegacy, 25, 24, 100, 24, true, 0, 1}, // one page of limit+1
		{apiLegacy, 24, 24, 100, 24, false, 0, 1},
	} {
		f := &fakeActors{total: tc.total}
		res, err := collectActors(context.Background(), tc.mode, tc.limit, tc.pageSz, f.fetch())
		if err != nil || len(res.persons) != tc.wantN || res.hasMore != tc.wantMore || res.apiUsed != tc.mode ||
			f.queryCalls != tc.wantQuery || f.legacyCalls != tc.wantLegacy {
			t.Errorf("%+v: got %d persons, has_more %v, api %s, %d query and %d legacy calls, err %v",
				tc, len(res.persons), res.hasMore, res.apiUsed, f.queryCalls, f.legacyCalls, err)
		}
	}
}

func TestCollectActorsAutoFallback(t *testing.T) {
	notFound := &posthog.APIError{Method: "POST", Endpoint: "/api/projects/1/query/", StatusCode: 404, Detail: "Endpoint not found."}
	for status, fallback := range map[int]bool{404: true, 405: true, 403: false, 400: false, 500: false} {
		f := &fakeActors{total: 3, queryErr: &posthog.APIError{Method: "POST", Endpoint: "/api/projects/1/query/", StatusCode: status}}
		res, err := collectActors(context.Background(), apiAuto, 10, 5, f.fetch())
		if fallback != (err == nil && res.apiUsed == apiLegacy && len(res.persons) == 3) {
			t.Errorf("status %d: fallback expected %v; got %+v, %v", status, fallback, res, err)
		}
		if status == 403 && (err == nil || !strings.Contains(err.Error(), "query:read")) {
			t.Errorf("403 error should name the query:read scope: %v", err)
		}
	}
	// api = "query" never falls back.
	f := &fakeActors{total: 3, queryErr: notFound}
	if _, err := collectActors(context.Background(), apiQuery, 10, 5, f.fetch()); err == nil || f.legacyCalls != 0 {
		t.Errorf("api = query fell back: %v, %d legacy calls", err, f.legacyCalls)
	}
}

func TestCollectActorsStopsOnRepeatingNext(t *testing.T) {
	f := &fakeActors{total: 50, stuckNext: true}
	_, err := collectActors(context.Background(), apiLegacy, 40, 5, f.fetch())
	if err == nil || !strings.Contains(err.Error(), "do not advance") || f.legacyCalls > 3 {
		t.Fatalf("err = %v after %d calls", err, f.legacyCalls)
	}
}

func TestLegacyErrorHints(t *testing.T) {
	removed := legacyError(&posthog.APIError{Method: "GET", Endpoint: "/x", StatusCode: 400,
		Detail: "The ID provided does not look like a personID."}, nil)
	if !strings.Contains(removed.Error(), `use api = "query"`) {
		t.Errorf("removed endpoint: %v", removed)
	}
	both := legacyError(&posthog.APIError{StatusCode: 404}, &posthog.APIError{StatusCode: 404, Endpoint: "/api/projects/1/query/"})
	if !strings.Contains(both.Error(), "the Query API is not available") {
		t.Errorf("fallback failure: %v", both)
	}
}

func TestParseDate(t *testing.T) {
	now := time.Date(2024, 6, 15, 10, 0, 0, 0, time.UTC)
	for in, ok := range map[string]bool{
		"2024-01-31": true, "2024-01-31T12:00:00Z": true, "2024-01-31T12:00:00": true, "2024-01-31 12:00:00": true,
		"-7d": true, "-2w": true, "-1m": true, "-24h": true, "-1y": true, "-1mStart": true, "-30M": true, "all": true,
		"2024-02-30": false, "7d": false, "-7days": false, "yesterday": false, "": false, "-1mstart": false,
	} {
		if _, got := parseDate(in, now, false); got != ok {
			t.Errorf("parseDate(%q) ok = %v; want %v", in, got, ok)
		}
	}
	end, _ := parseDate("2024-01-31", now, true)
	if end.Format(time.RFC3339) != "2024-01-31T23:59:59Z" {
		t.Errorf("a bare date_to should mean the end of its day: %s", end)
	}
}
