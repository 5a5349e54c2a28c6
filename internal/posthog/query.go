package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
)

// This file lists the persons behind a lifecycle bucket, a funnel step and a
// funnel-correlation signal through PostHog's Query API
// (shared/reference/posthog-query-actors.md). Every request is an ActorsQuery
// with select ["actor"] wrapping the insight's actors query (reference §1.2,
// §7), paged on limit/offset until hasMore is false (reference §3.3).

// PropertyFilter is one event or person property filter (reference §2.7).
// Value is omitted when nil (is_set / is_not_set).
type PropertyFilter struct {
	Type     string `json:"type"` // "event" or "person"
	Key      string `json:"key"`
	Value    any    `json:"value,omitempty"`
	Operator string `json:"operator"`
}

// EventStep is an event with optional property filters: a lifecycle series
// entry, a funnel step or a correlated event.
type EventStep struct {
	Event      string
	Properties []PropertyFilter
}

// LifecycleActorsRequest selects the persons with one lifecycle status in
// one period (reference §2.2, §2.3, §4.1).
type LifecycleActorsRequest struct {
	Events             []EventStep // every entry's filter is AND-ed (reference §2.3)
	DateFrom, DateTo   string      // "" = not sent
	Interval           string      // hour, day, week, month; "" = not sent (PostHog: day)
	Properties         []PropertyFilter
	FilterTestAccounts bool
	Day                string // the period start, e.g. "2020-01-12"
	Status             string // new, returning, resurrecting, dormant
	Limit, Offset      int
}

// Funnel defines a funnel (reference §2.5).
type Funnel struct {
	Steps              []EventStep
	DateFrom, DateTo   string // "" = not sent
	WindowInterval     int    // 0 = not sent (PostHog: 14)
	WindowUnit         string // "" = not sent (PostHog: day)
	OrderType          string // ordered, strict, unordered; "" = not sent (PostHog: ordered)
	Properties         []PropertyFilter
	FilterTestAccounts bool
}

// FunnelActorsRequest selects the persons who reached step Step (1-based)
// or, for a negative Step, dropped off before step -Step (reference §2.4, §4.2).
type FunnelActorsRequest struct {
	Funnel        Funnel
	Step          int
	Limit, Offset int
}

// FunnelCorrelationActorsRequest selects the funnel entrants behind one
// correlation signal (reference §2.6, §4.3): a correlated Event, or
// PropertyValues. Converted nil means converted and not converted.
type FunnelCorrelationActorsRequest struct {
	Funnel         Funnel
	Event          *EventStep
	PropertyValues []PropertyFilter
	Converted      *bool
	Limit, Offset  int
}

// CorrelationType is the funnelCorrelationType this request needs: "events"
// for a bare event, "event_with_properties" for an event with property
// filters, "properties" for property values.
func (r FunnelCorrelationActorsRequest) CorrelationType() string {
	switch {
	case r.Event != nil && len(r.Event.Properties) > 0:
		return "event_with_properties"
	case r.Event != nil:
		return "events"
	default:
		return "properties"
	}
}

// ActorsPage is one page of persons. HasMore says whether PostHog has more
// persons after this page. For the legacy endpoints it is true when PostHog
// linked a next page, which it does whenever a page is full.
type ActorsPage struct {
	Persons []Person
	HasMore bool
	// Next is the legacy endpoints' next-page link as PostHog sent it ("" for
	// the Query API, or on the last page). Follow it with LegacyNextPage.
	Next string
	// MissingPersons counts matched ids whose person no longer exists.
	MissingPersons int

	legacy *legacyCall // how to request the next legacy page
	path   string      // the escaped path this legacy page came from
}

// QueryPollInterval is the first wait between polls of an asynchronous query
// (HTTP 202); the wait doubles up to QueryPollMaxInterval.
var (
	QueryPollInterval    = 500 * time.Millisecond
	QueryPollMaxInterval = 5 * time.Second
)

const queryTmpl = "/api/projects/{project_id}/query/"

// LifecyclePersons lists one page of the persons of a lifecycle status on a
// day through the Query API (reference §3.4, first example).
func (c *Client) LifecyclePersons(ctx context.Context, projectID int64, req LifecycleActorsRequest) (*ActorsPage, error) {
	lifecycle := map[string]any{
		"kind":   "LifecycleQuery",
		"series": eventsNodes(req.Events),
	}
	if req.Interval != "" {
		lifecycle["interval"] = req.Interval
	}
	if dr := dateRange(req.DateFrom, req.DateTo); dr != nil {
		lifecycle["dateRange"] = dr
	}
	if len(req.Properties) > 0 {
		lifecycle["properties"] = req.Properties
	}
	if req.FilterTestAccounts {
		lifecycle["filterTestAccounts"] = true
	}
	source := map[string]any{"kind": "InsightActorsQuery", "source": lifecycle}
	if req.Day != "" {
		source["day"] = req.Day
	}
	if req.Status != "" {
		source["status"] = req.Status
	}
	return c.actorsQuery(ctx, projectID, "lifecycle persons", source, req.Limit, req.Offset)
}

// FunnelPersons lists one page of the persons who converted at or dropped
// off before a funnel step through the Query API (reference §3.4, second example).
func (c *Client) FunnelPersons(ctx context.Context, projectID int64, req FunnelActorsRequest) (*ActorsPage, error) {
	if req.Step == 0 {
		return nil, errors.New("posthog: FunnelPersons needs a non-zero step")
	}
	source := map[string]any{
		"kind":       "FunnelsActorsQuery",
		"funnelStep": req.Step,
		"source":     funnelsQuery(req.Funnel),
	}
	return c.actorsQuery(ctx, projectID, "funnel persons", source, req.Limit, req.Offset)
}

// FunnelCorrelationPersons lists one page of the persons behind a funnel
// correlation signal through the Query API. The query nests four deep
// (reference §3.4): FunnelCorrelationActorsQuery → FunnelCorrelationQuery →
// FunnelsActorsQuery → FunnelsQuery.
func (c *Client) FunnelCorrelationPersons(ctx context.Context, projectID int64, req FunnelCorrelationActorsRequest) (*ActorsPage, error) {
	if req.Event == nil && len(req.PropertyValues) == 0 {
		return nil, errors.New("posthog: FunnelCorrelationPersons needs an event or property values")
	}
	correlation := map[string]any{
		"kind":                  "FunnelCorrelationQuery",
		"funnelCorrelationType": req.CorrelationType(),
		"source":                map[string]any{"kind": "FunnelsActorsQuery", "source": funnelsQuery(req.Funnel)},
	}
	source := map[string]any{"kind": "FunnelCorrelationActorsQuery", "source": correlation}
	if req.Event != nil {
		source["funnelCorrelationPersonEntity"] = eventsNode(*req.Event)
	} else {
		source["funnelCorrelationPropertyValues"] = req.PropertyValues
	}
	if req.Converted != nil {
		source["funnelCorrelationPersonConverted"] = *req.Converted
	}
	return c.actorsQuery(ctx, projectID, "funnel correlation persons", source, req.Limit, req.Offset)
}

func eventsNode(e EventStep) map[string]any {
	node := map[string]any{"kind": "EventsNode", "event": e.Event}
	if len(e.Properties) > 0 {
		node["properties"] = e.Properties
	}
	return node
}

func eventsNodes(events []EventStep) []map[string]any {
	out := make([]map[string]any, len(events))
	for i, e := range events {
		out[i] = eventsNode(e)
	}
	return out
}

func dateRange(from, to string) map[string]any {
	if from == "" && to == "" {
		return nil
	}
	dr := map[string]any{}
	if from != "" {
		dr["date_from"] = from
	}
	if to != "" {
		dr["date_to"] = to
	}
	return dr
}

func funnelsQuery(f Funnel) map[string]any {
	q := map[string]any{"kind": "FunnelsQuery", "series": eventsNodes(f.Steps)}
	if dr := dateRange(f.DateFrom, f.DateTo); dr != nil {
		q["dateRange"] = dr
	}
	filter := map[string]any{}
	if f.WindowInterval > 0 {
		filter["funnelWindowInterval"] = f.WindowInterval
	}
	if f.WindowUnit != "" {
		filter["funnelWindowIntervalUnit"] = f.WindowUnit
	}
	if f.OrderType != "" {
		filter["funnelOrderType"] = f.OrderType
	}
	if len(filter) > 0 {
		q["funnelsFilter"] = filter
	}
	if len(f.Properties) > 0 {
		q["properties"] = f.Properties
	}
	if f.FilterTestAccounts {
		q["filterTestAccounts"] = true
	}
	return q
}

// actorsResponse is the part of an ActorsQuery response this client reads
// (reference §3.1), or an async query status (reference §1.4).
type actorsResponse struct {
	Results     [][]json.RawMessage `json:"results"`
	Columns     []string            `json:"columns"`
	HasMore     *bool               `json:"hasMore"`
	Missing     *int                `json:"missing_actors_count"`
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

// actorsQuery posts {"query": ActorsQuery{source}} and decodes the actors.
// refresh is force_blocking: a data source should see current data, and a
// page must not come from an older cache entry than the page before it
// (every page is its own cache entry, reference §1.3, §3.3).
func (c *Client) actorsQuery(ctx context.Context, projectID int64, name string, source map[string]any, limit, offset int) (*ActorsPage, error) {
	query := map[string]any{
		"kind":   "ActorsQuery",
		"select": []string{"actor"},
		"source": source,
	}
	if limit > 0 {
		query["limit"] = limit
	}
	if offset > 0 {
		query["offset"] = offset
	}
	queryID := uuid.NewString()
	body := map[string]any{
		"query":           query,
		"refresh":         "force_blocking",
		"client_query_id": queryID,
		"name":            "terraform-provider-posthog " + name,
	}
	path := projectPath(projectID, "query/")
	var resp actorsResponse
	status, err := c.do(ctx, http.MethodPost, queryTmpl, path, nil, body, &resp)
	if err != nil {
		return nil, err
	}
	if status == http.StatusAccepted || (resp.QueryStatus != nil && resp.Results == nil) {
		id := queryID
		if resp.QueryStatus != nil && resp.QueryStatus.ID != "" {
			id = resp.QueryStatus.ID
		}
		if resp, err = c.pollQuery(ctx, projectID, id, resp.QueryStatus); err != nil {
			return nil, err
		}
	}
	if resp.Error != nil && *resp.Error != "" {
		return nil, fmt.Errorf("POST %s: PostHog reported a query error: %s", path, *resp.Error)
	}
	return actorsPage(http.MethodPost, path, resp)
}

// pollQuery waits for an asynchronous query (reference §1.4): GET
// /query/:id/ answers 202 while running and 200 with query_status.results
// when complete; a failed query is a 400/500 APIError from do.
func (c *Client) pollQuery(ctx context.Context, projectID int64, id string, st *queryStatus) (actorsResponse, error) {
	path := projectPath(projectID, "query/"+url.PathEscape(id)+"/")
	wait := QueryPollInterval
	for st == nil || !st.Complete {
		if err := sleepCtx(ctx, wait); err != nil {
			return actorsResponse{}, fmt.Errorf("waiting for PostHog query %s: %w", id, err)
		}
		wait = min(wait*2, QueryPollMaxInterval)
		var w struct {
			QueryStatus *queryStatus `json:"query_status"`
		}
		if _, err := c.do(ctx, http.MethodGet, "/api/projects/{project_id}/query/{id}/", path, nil, nil, &w); err != nil {
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
			msg = *st.ErrorMessage
		}
		return actorsResponse{}, fmt.Errorf("GET %s: PostHog query failed: %s", path, msg)
	}
	var resp actorsResponse
	if err := json.Unmarshal(st.Results, &resp); err != nil {
		return actorsResponse{}, fmt.Errorf("GET %s: unexpected query results from PostHog: %v", path, err)
	}
	return resp, nil
}

// actorsPage converts the rows of an ActorsQuery response: the "actor" column
// holds {id, properties, is_identified, created_at, distinct_ids}, or only
// {id} when the person row is missing (reference §3.2).
func actorsPage(method, path string, resp actorsResponse) (*ActorsPage, error) {
	col := 0
	for i, name := range resp.Columns {
		if name == "actor" {
			col = i
			break
		}
	}
	page := &ActorsPage{Persons: make([]Person, 0, len(resp.Results)), HasMore: resp.HasMore != nil && *resp.HasMore}
	if resp.Missing != nil {
		page.MissingPersons = *resp.Missing
	}
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
		page.Persons = append(page.Persons, p)
	}
	return page, nil
}
