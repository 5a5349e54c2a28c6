package posthog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// ListActors lists the persons of req.Source, paging through PostHog until
// it has req.Limit of them. With ActorsAPIAuto it uses the Query API and
// falls back to the legacy endpoint only when the instance has no Query API
// (404 or 405 on /query/); any other Query API error is returned as it is.
// Its errors say what the user can do about them.
func (c *Client) ListActors(ctx context.Context, projectID int64, req ActorsRequest) (ActorsResult, error) {
	if err := req.validate(); err != nil {
		return ActorsResult{}, err
	}
	return collectActors(ctx, req.API, req.Limit, req.PageSize, c.actorsFetch(projectID, req.Source, req.Async))
}

// actorsFetch requests pages: query one Query API page with a page size and
// offset, legacy the first legacy page with a page size, next the legacy
// page that prev links to.
type actorsFetch struct {
	query  func(ctx context.Context, limit, offset int) (*actorsPage, error)
	legacy func(ctx context.Context, limit int) (*actorsPage, error)
	next   func(ctx context.Context, prev *actorsPage) (*actorsPage, error)
}

func (c *Client) actorsFetch(projectID int64, src ActorsSource, async bool) actorsFetch {
	refresh := refreshForceBlocking
	if async {
		refresh = refreshForceAsync
	}
	return actorsFetch{
		query: func(ctx context.Context, limit, offset int) (*actorsPage, error) {
			return c.queryActorsWith(ctx, projectID, src, limit, offset, refresh)
		},
		legacy: func(ctx context.Context, limit int) (*actorsPage, error) {
			if err := src.legacyUnsupported(); err != nil {
				return nil, err
			}
			return c.legacyActors(ctx, projectID, src.legacy(), legacyAuto, limit, 0)
		},
		next: c.legacyNextPage,
	}
}

// actorsPage is one page of persons. hasMore says whether PostHog has more
// persons after this page. For the legacy endpoints it is true when PostHog
// linked a next page, which it does whenever a page is full.
type actorsPage struct {
	persons []Person
	hasMore bool
	// next is the legacy endpoints' next-page link as PostHog sent it (""
	// for the Query API, or on the last page).
	next   string
	legacy *legacyCall // how to request the next legacy page
	path   string      // the escaped path this legacy page came from
}

// noQueryAPI reports an answer that means the instance has no Query API: 404
// (no such route) or 405 (the route exists but not for POST).
func noQueryAPI(err error) bool {
	return hasStatus(err, http.StatusNotFound) || hasStatus(err, http.StatusMethodNotAllowed)
}

// collectActors pages through PostHog until limit persons are collected,
// with the Query API or the legacy endpoint as mode says.
func collectActors(ctx context.Context, mode ActorsAPI, limit, pageSize int, fetch actorsFetch) (ActorsResult, error) {
	if mode == "" {
		mode = ActorsAPIAuto
	}
	if mode == ActorsAPILegacy {
		return collectLegacyActors(ctx, limit, pageSize, fetch)
	}
	res, firstPage, err := collectQueryActors(ctx, limit, pageSize, fetch.query)
	if err == nil {
		return res, nil
	}
	if mode != ActorsAPIAuto || !firstPage || !noQueryAPI(err) {
		return res, queryError(err)
	}
	tflog.Info(ctx, "PostHog has no Query API; using the legacy persons endpoint", map[string]any{"error": err.Error()})
	res, legacyErr := collectLegacyActors(ctx, limit, pageSize, fetch)
	if legacyErr != nil {
		return res, fmt.Errorf("the Query API is not available (%v), and the legacy endpoint failed too: %w", err, legacyErr)
	}
	return res, nil
}

// pageBudget is how many pages a listing of limit persons, pageSize at a
// time, may take: what the request needs plus a small margin for persons
// that move between pages while paging. A server that pages on past it is
// not converging, and the listing stops with an error instead of looping.
func pageBudget(limit, pageSize int) int {
	return (limit+pageSize-1)/pageSize + 3
}

// errNotAdvancing is the error of a listing whose pages do not advance.
func errNotAdvancing(what string, pages int) error {
	return fmt.Errorf("PostHog's pages do not advance (%s after %d pages); stopping instead of looping", what, pages)
}

// collectQueryActors pages through the Query API. Each page asks for exactly
// the persons still missing, so hasMore is exact. firstPage says whether an
// error came from the first page.
func collectQueryActors(ctx context.Context, limit, pageSize int,
	query func(ctx context.Context, limit, offset int) (*actorsPage, error)) (res ActorsResult, firstPage bool, err error) {
	res.APIUsed = ActorsAPIQuery
	seen := map[string]bool{}
	offset := 0
	budget := pageBudget(limit, pageSize)
	for pages := 1; len(res.Persons) < limit; pages++ {
		if pages > budget {
			return res, false, errNotAdvancing(fmt.Sprintf("more persons promised after %d persons, %d at a time, were asked for", limit, pageSize), pages-1)
		}
		page, err := query(ctx, min(pageSize, limit-len(res.Persons)), offset)
		if err != nil {
			return res, offset == 0, err
		}
		before := len(res.Persons)
		res.Persons = appendNew(res.Persons, page.persons, seen)
		if len(page.persons) > 0 && len(res.Persons) == before {
			return res, false, errNotAdvancing("a page held only persons already listed", pages)
		}
		offset += len(page.persons)
		res.HasMore = page.hasMore
		if !page.hasMore || len(page.persons) == 0 {
			res.HasMore = false
			break
		}
	}
	res.Persons = res.Persons[:min(len(res.Persons), limit)]
	return res, false, nil
}

// collectLegacyActors pages through a legacy endpoint. Pages ask for up to
// limit+1 persons and follow `next`: one person past the limit proves there
// are more, and a legacy `next` alone does not (PostHog links a next page
// whenever a page is full).
func collectLegacyActors(ctx context.Context, limit, pageSize int, fetch actorsFetch) (ActorsResult, error) {
	res := ActorsResult{APIUsed: ActorsAPILegacy}
	seen := map[string]bool{}
	size := min(pageSize, limit+1)
	page, err := fetch.legacy(ctx, size)
	visited := map[string]bool{}
	budget := pageBudget(limit+1, size)
	for pages := 1; ; pages++ {
		if err != nil {
			return res, legacyError(err)
		}
		before := len(res.Persons)
		res.Persons = appendNew(res.Persons, page.persons, seen)
		if len(res.Persons) > limit {
			res.HasMore = true
			break
		}
		if page.next == "" || len(page.persons) == 0 {
			break
		}
		switch {
		case len(res.Persons) == before:
			return res, errNotAdvancing("a page held only persons already listed", pages)
		case visited[page.next]:
			return res, errNotAdvancing("a next-page link was linked again", pages)
		case pages >= budget:
			return res, errNotAdvancing(fmt.Sprintf("still linking a next page after %d persons, %d at a time, were asked for", limit+1, size), pages)
		}
		visited[page.next] = true
		page, err = fetch.next(ctx, page)
	}
	res.Persons = res.Persons[:min(len(res.Persons), limit)]
	return res, nil
}

// appendNew appends the persons whose UUID is not in seen yet: a person
// that moves between pages while paging is listed once.
func appendNew(out, persons []Person, seen map[string]bool) []Person {
	for _, p := range persons {
		if !seen[p.UUID] {
			seen[p.UUID] = true
			out = append(out, p)
		}
	}
	return out
}

// queryError adds what to do about a Query API error.
func queryError(err error) error {
	if hasStatus(err, http.StatusForbidden) {
		return fmt.Errorf("%w. The Query API needs an API key with the query:read scope; api = \"auto\" does not fall back "+
			"to the legacy endpoints on 403, because the Query API exists and the key is what needs fixing", err)
	}
	return err
}

// legacyError adds what to do about a legacy endpoint error. PostHog
// routes a removed endpoint's path to the person retrieve action, which
// refuses the action name as a person id
// (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
func legacyError(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusMethodNotAllowed ||
		(ae.StatusCode == http.StatusBadRequest && strings.Contains(ae.Detail, "does not look like a person")):
		return fmt.Errorf("%w. This PostHog does not have the legacy persons endpoint (PostHog removed it in 2026); use api = \"query\"", err)
	case ae.StatusCode == http.StatusForbidden && strings.Contains(ae.Detail, "does not support Personal API Key access"):
		return fmt.Errorf("%w. The legacy endpoints declare no API key scopes, so PostHog refuses scoped personal API keys on them; "+
			"use an unscoped key or the Query API", err)
	}
	return err
}
