package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// This file calls the legacy persons actor endpoints that PostHog removed
// (reference posthog-persons-api.md §1.2, §4.9–4.11): persons/lifecycle/
// (GET), persons/funnel/ and persons/funnel/correlation/ (GET with a query
// string, or POST with a JSON body). They remain on self-hosted instances
// older than the Query API. They answer
// {results:[{people:[…], count}], next} and page through `next` (§2.4).

// LegacyForm chooses how the legacy funnel endpoints receive the filter.
type LegacyForm int

const (
	// LegacyGET sends every parameter in the query string; JSON values
	// (events, properties, entities) are JSON-encoded strings.
	LegacyGET LegacyForm = iota
	// LegacyPOST sends the filter as a JSON body. The paging parameters
	// (limit/offset) stay in the query string: PostHog builds `next` from the
	// request URL only, so a follow-up POST to `next` with the same body gets
	// the next offset (body keys would override the URL's, reference §4.9).
	LegacyPOST
	// LegacyAuto uses GET unless the query string would be longer than
	// MaxLegacyQueryLength, then POST (long filters overflow URL limits of
	// proxies and servers).
	LegacyAuto
)

// MaxLegacyQueryLength is the longest query string LegacyAuto sends with GET.
const MaxLegacyQueryLength = 4000

func (f LegacyForm) String() string {
	switch f {
	case LegacyPOST:
		return "POST"
	case LegacyAuto:
		return "auto"
	}
	return "GET"
}

// legacyCall remembers how a legacy page was requested, to request the next.
type legacyCall struct {
	method string
	tmpl   string
	body   map[string]any // POST only
}

// legacyEntity is the legacy Filter's event entity.
func legacyEntity(e EventStep, order int) map[string]any {
	entity := map[string]any{"id": e.Event, "type": "events", "order": order}
	if len(e.Properties) > 0 {
		entity["properties"] = e.Properties
	}
	return entity
}

func legacyEntities(events []EventStep) []map[string]any {
	out := make([]map[string]any, len(events))
	for i, e := range events {
		out[i] = legacyEntity(e, i)
	}
	return out
}

// LegacyLifecyclePersons lists one page of lifecycle persons through GET
// persons/lifecycle/ (reference §4.11): target_date is req.Day and
// lifecycle_type is req.Status.
func (c *Client) LegacyLifecyclePersons(ctx context.Context, projectID int64, req LifecycleActorsRequest) (*ActorsPage, error) {
	params := map[string]any{
		"events":         legacyEntities(req.Events),
		"target_date":    req.Day,
		"lifecycle_type": req.Status,
	}
	addIf(params, "date_from", req.DateFrom)
	addIf(params, "date_to", req.DateTo)
	addIf(params, "interval", req.Interval)
	if len(req.Properties) > 0 {
		params["properties"] = req.Properties
	}
	if req.FilterTestAccounts {
		params["filter_test_accounts"] = true
	}
	paging := pagingValues("limit", "offset", req.Limit, req.Offset)
	return c.legacyRequest(ctx, projectID, "persons/lifecycle/", LegacyGET, params, paging)
}

// LegacyFunnelPersons lists one page of funnel persons through
// persons/funnel/ (reference §4.9) in the given form.
func (c *Client) LegacyFunnelPersons(ctx context.Context, projectID int64, req FunnelActorsRequest, form LegacyForm) (*ActorsPage, error) {
	if req.Step == 0 {
		return nil, errors.New("posthog: LegacyFunnelPersons needs a non-zero step")
	}
	params := legacyFunnelParams(req.Funnel)
	params["funnel_step"] = req.Step
	paging := pagingValues("limit", "offset", req.Limit, req.Offset)
	return c.legacyRequest(ctx, projectID, "persons/funnel/", form, params, paging)
}

// LegacyFunnelCorrelationPersons lists one page of correlation persons
// through persons/funnel/correlation/ (reference §4.10), which pages on
// funnel_correlation_person_limit/offset.
func (c *Client) LegacyFunnelCorrelationPersons(ctx context.Context, projectID int64, req FunnelCorrelationActorsRequest, form LegacyForm) (*ActorsPage, error) {
	if req.Event == nil && len(req.PropertyValues) == 0 {
		return nil, errors.New("posthog: LegacyFunnelCorrelationPersons needs an event or property values")
	}
	params := legacyFunnelParams(req.Funnel)
	params["funnel_correlation_type"] = req.CorrelationType()
	if req.Event != nil {
		params["funnel_correlation_person_entity"] = legacyEntity(*req.Event, 0)
	} else {
		params["funnel_correlation_property_values"] = req.PropertyValues
	}
	if req.Converted != nil {
		// The old view compared the string, in the query string and the body alike.
		params["funnel_correlation_person_converted"] = strconv.FormatBool(*req.Converted)
	}
	paging := pagingValues("funnel_correlation_person_limit", "funnel_correlation_person_offset", req.Limit, req.Offset)
	return c.legacyRequest(ctx, projectID, "persons/funnel/correlation/", form, params, paging)
}

func legacyFunnelParams(f Funnel) map[string]any {
	params := map[string]any{"events": legacyEntities(f.Steps)}
	addIf(params, "date_from", f.DateFrom)
	addIf(params, "date_to", f.DateTo)
	if f.WindowInterval > 0 {
		params["funnel_window_interval"] = f.WindowInterval
	}
	addIf(params, "funnel_window_interval_unit", f.WindowUnit)
	addIf(params, "funnel_order_type", f.OrderType)
	if len(f.Properties) > 0 {
		params["properties"] = f.Properties
	}
	if f.FilterTestAccounts {
		params["filter_test_accounts"] = true
	}
	return params
}

func addIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func pagingValues(limitKey, offsetKey string, limit, offset int) url.Values {
	q := url.Values{}
	if limit > 0 {
		q.Set(limitKey, strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set(offsetKey, strconv.Itoa(offset))
	}
	return q
}

// queryValues encodes legacy filter parameters for a query string: strings
// as they are, numbers and booleans as text, arrays and objects as JSON.
func queryValues(params map[string]any) (url.Values, error) {
	q := url.Values{}
	for k, v := range params {
		switch x := v.(type) {
		case string:
			q.Set(k, x)
		case int:
			q.Set(k, strconv.Itoa(x))
		case bool:
			q.Set(k, strconv.FormatBool(x))
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("encoding %s: %w", k, err)
			}
			q.Set(k, string(b))
		}
	}
	return q, nil
}

func (c *Client) legacyRequest(ctx context.Context, projectID int64, rest string, form LegacyForm, params map[string]any, paging url.Values) (*ActorsPage, error) {
	call := &legacyCall{method: http.MethodGet, tmpl: "/api/projects/{project_id}/" + rest}
	query := paging
	if form != LegacyPOST {
		q, err := queryValues(params)
		if err != nil {
			return nil, fmt.Errorf("posthog: %s: %w", rest, err)
		}
		for k, vs := range paging {
			q[k] = vs
		}
		query = q
		if form == LegacyAuto && len(q.Encode()) > MaxLegacyQueryLength {
			form, query = LegacyPOST, paging
		}
	}
	if form == LegacyPOST {
		call.method = http.MethodPost
		call.body = params
	}
	return c.legacyPage(ctx, call, projectPath(projectID, rest), query)
}

// LegacyNextPage requests the page that prev's Next links to, with the same
// method (and, for POST, the same body). It returns nil, nil when prev has
// no Next.
func (c *Client) LegacyNextPage(ctx context.Context, prev *ActorsPage) (*ActorsPage, error) {
	if prev == nil || prev.Next == "" {
		return nil, nil
	}
	if prev.legacy == nil {
		return nil, errors.New("posthog: LegacyNextPage needs a page from a legacy endpoint")
	}
	path, query, err := c.resolveNext(prev.Next, prev.path)
	if err != nil {
		return nil, err
	}
	return c.legacyPage(ctx, prev.legacy, path, query)
}

// resolveNext turns PostHog's `next` into a path (below the configured host)
// and query. PostHog sends an absolute URL, or, from format_paginated_url
// when the request already had an offset, the path with its leading slash
// removed (reference §2.4). Relative links, with or without the slash, are
// taken from the host's root, not from the current request path (which a
// browser would do, doubling the path). Absolute links must point at the
// configured scheme and host: the API key is never sent elsewhere. A host
// path prefix is kept once whether or not the link repeats it.
//
// A link with only a query ("?offset=200") stays on the current path.
func (c *Client) resolveNext(next, current string) (string, url.Values, error) {
	u, err := url.Parse(strings.TrimSpace(next))
	if err != nil {
		return "", nil, fmt.Errorf("posthog: PostHog's next-page link %q is not a URL: %v", next, err)
	}
	if u.IsAbs() || u.Host != "" {
		scheme := u.Scheme
		if scheme == "" {
			scheme = c.base.Scheme
		}
		if !strings.EqualFold(u.Host, c.base.Host) || !strings.EqualFold(scheme, c.base.Scheme) {
			return "", nil, fmt.Errorf("posthog: PostHog's next-page link points to %s://%s, not the configured host %s://%s; "+
				"not following it (set the provider host to the URL PostHog uses for itself)", scheme, u.Host, c.base.Scheme, c.base.Host)
		}
	}
	p := u.EscapedPath()
	if p == "" && !u.IsAbs() && u.Host == "" {
		return current, u.Query(), nil
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if prefix := c.base.EscapedPath(); prefix != "" && (p == prefix || strings.HasPrefix(p, prefix+"/")) {
		p = strings.TrimPrefix(p, prefix)
	}
	if !strings.HasPrefix(p, "/api/") {
		return "", nil, fmt.Errorf("posthog: PostHog's next-page link %q is not an API path; not following it", next)
	}
	return p, u.Query(), nil
}

type legacyResponse struct {
	Results []struct {
		People []wirePerson `json:"people"`
		Count  *int         `json:"count"`
	} `json:"results"`
	Next           *string `json:"next"`
	MissingPersons *int    `json:"missing_persons"`
}

func (c *Client) legacyPage(ctx context.Context, call *legacyCall, path string, query url.Values) (*ActorsPage, error) {
	var body any
	if call.body != nil {
		body = call.body
	}
	var w legacyResponse
	status, err := c.do(ctx, call.method, call.tmpl, path, query, body, &w)
	if err != nil {
		return nil, err
	}
	page := &ActorsPage{Next: deref(w.Next), legacy: call, path: path}
	page.HasMore = page.Next != ""
	if w.MissingPersons != nil {
		page.MissingPersons = *w.MissingPersons
	}
	for _, r := range w.Results {
		for i, wp := range r.People {
			p, err := wp.person()
			if err == nil && p.UUID == "" {
				err = errors.New("person has no uuid")
			}
			if err != nil {
				return nil, fmt.Errorf("%s %s: unexpected response from PostHog (status %d): people[%d]: %v", call.method, path, status, i, err)
			}
			page.Persons = append(page.Persons, p)
		}
	}
	return page, nil
}
