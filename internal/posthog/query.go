package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"
)

// This file asks the Query API for one page of actors, waiting for the query
// when PostHog runs it asynchronously.

// queryPollInterval is the first wait between polls of an asynchronous query
// (HTTP 202); the wait doubles up to queryPollMaxInterval.
var (
	queryPollInterval    = 500 * time.Millisecond
	queryPollMaxInterval = 5 * time.Second
)

// queryIDRE matches the query ids the client polls.
var queryIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// actorsResponse is the part of an ActorsQuery response this client reads
// (docs/dev/posthog-behaviour.md#actors-query-answers), or an async query
// status (docs/dev/posthog-behaviour.md#query-api).
type actorsResponse struct {
	Results     [][]json.RawMessage `json:"results"`
	Columns     []string            `json:"columns"`
	HasMore     *bool               `json:"hasMore"`
	Error       *string             `json:"error"`
	QueryStatus *queryStatus        `json:"query_status"`
}

type queryStatus struct {
	ID           string          `json:"id"`
	Complete     bool            `json:"complete"`
	Error        bool            `json:"error"`
	ErrorMessage *string         `json:"error_message"`
	Results      json.RawMessage `json:"results"`
}

// queryActors posts an ActorsQuery over src's actors query and decodes one
// page of actors, computed in the request (refresh force_blocking, see
// refreshForceBlocking).
func (c *Client) queryActors(ctx context.Context, projectID int64, src ActorsSource, limit, offset int) (*actorsPage, error) {
	return c.queryActorsWith(ctx, projectID, src, limit, offset, refreshForceBlocking)
}

// queryActorsWith is queryActors with a refresh mode: force_async queues
// the query, and the answer is polled for.
func (c *Client) queryActorsWith(ctx context.Context, projectID int64, src ActorsSource, limit, offset int, refresh string) (*actorsPage, error) {
	queryID := uuid.NewString()
	body := queryRequest{
		Query: actorsQuery{
			Select: []string{"actor"},
			Source: src.querySource(),
			Limit:  limit,
			Offset: offset,
		},
		Refresh:       refresh,
		ClientQueryID: queryID,
		Name:          "terraform-provider-posthog " + src.queryName(),
	}
	path := endpointQuery.at(projectID, "")
	var resp actorsResponse
	status, err := c.do(ctx, endpointQuery, path, nil, body, &resp)
	if err != nil {
		return nil, err
	}
	if status == http.StatusAccepted || (resp.QueryStatus != nil && resp.Results == nil) {
		id := queryID
		if resp.QueryStatus != nil && resp.QueryStatus.ID != "" {
			id = resp.QueryStatus.ID
		}
		// The id goes into the URL that carries the key: it must be one
		// path segment of plain characters, as PostHog's ids are.
		if !queryIDRE.MatchString(id) {
			return nil, fmt.Errorf("POST %s: unexpected response from PostHog: query id %q is not an id; not polling it", path, c.redact.serverText(id))
		}
		if resp, err = c.pollQuery(ctx, projectID, id, resp.QueryStatus); err != nil {
			return nil, err
		}
	}
	if resp.Error != nil && *resp.Error != "" {
		return nil, fmt.Errorf("POST %s: PostHog reported a query error: %s", path, c.redact.serverText(*resp.Error))
	}
	return decodeActors(http.MethodPost, path, resp)
}

// pollQuery waits for an asynchronous query
// (docs/dev/posthog-behaviour.md#query-api): GET /query/:id/ answers 202
// while running and 200 with query_status.results when complete; a failed
// query is a 400/500 APIError from do. A query still incomplete after
// c.maxQueryWait is an error: a server that never finishes must not hold
// the caller until its deadline, which may be far away.
func (c *Client) pollQuery(ctx context.Context, projectID int64, id string, st *queryStatus) (actorsResponse, error) {
	path := endpointQueryStatus.at(projectID, id)
	wait := queryPollInterval
	start := c.now()
	for polls := 0; st == nil || !st.Complete; polls++ {
		if waited := c.now().Sub(start); waited+wait > c.maxQueryWait {
			return actorsResponse{}, fmt.Errorf("GET %s: PostHog query %s is still running after %s (%d polls); giving up instead of "+
				"polling for longer than %s (ask for fewer persons, or try again when PostHog is less busy)",
				path, c.redact.serverText(id), waited.Round(time.Millisecond), polls, c.maxQueryWait)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return actorsResponse{}, fmt.Errorf("waiting for PostHog query %s: %w", id, err)
		}
		wait = min(wait*2, queryPollMaxInterval)
		var w struct {
			QueryStatus *queryStatus `json:"query_status"`
		}
		if _, err := c.do(ctx, endpointQueryStatus, path, nil, nil, &w); err != nil {
			return actorsResponse{}, err
		}
		if w.QueryStatus == nil {
			return actorsResponse{}, fmt.Errorf("GET %s: unexpected response from PostHog: no query_status", path)
		}
		st = w.QueryStatus
	}
	if st.Error {
		msg := "no error message"
		if st.ErrorMessage != nil {
			msg = c.redact.serverText(*st.ErrorMessage)
		}
		return actorsResponse{}, fmt.Errorf("GET %s: PostHog query failed: %s", path, msg)
	}
	var resp actorsResponse
	if err := json.Unmarshal(st.Results, &resp); err != nil {
		return actorsResponse{}, fmt.Errorf("GET %s: unexpected query results from PostHog: %s", path, c.redact.serverText(err.Error()))
	}
	return resp, nil
}

// decodeActors converts the rows of an ActorsQuery response: the "actor"
// column holds {id, properties, is_identified, created_at, distinct_ids}, or
// only {id} when the person row is missing
// (docs/dev/posthog-behaviour.md#actors-query-answers).
func decodeActors(method, path string, resp actorsResponse) (*actorsPage, error) {
	col := 0
	for i, name := range resp.Columns {
		if name == "actor" {
			col = i
			break
		}
	}
	page := &actorsPage{persons: make([]Person, 0, len(resp.Results)), hasMore: resp.HasMore != nil && *resp.HasMore}
	for i, row := range resp.Results {
		if col >= len(row) {
			return nil, fmt.Errorf("%s %s: unexpected response from PostHog: results[%d] has no actor column", method, path, i)
		}
		var w wirePerson
		if err := json.Unmarshal(row[col], &w); err != nil {
			return nil, fmt.Errorf("%s %s: unexpected response from PostHog: results[%d]: %v", method, path, i, err)
		}
		p, err := w.person()
		if err == nil && p.UUID == "" {
			err = errors.New("actor has no id")
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: unexpected response from PostHog: results[%d]: %v", method, path, i, err)
		}
		page.persons = append(page.persons, p)
	}
	return page, nil
}
