package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// This file calls the legacy persons actor endpoints that PostHog removed
// (docs/dev/posthog-behaviour.md#legacy-actor-endpoints): persons/lifecycle/
// (GET), persons/funnel/ and persons/funnel/correlation/ (GET with a query
// string, or POST with a JSON body). They remain on self-hosted instances
// older than the Query API. They answer {results:[{people:[…], count}], next}
// and page through `next` (docs/dev/posthog-behaviour.md#pagination).

// legacyForm chooses how the legacy funnel endpoints receive the filter.
type legacyForm int

const (
	// legacyGET sends every parameter in the query string; JSON values
	// (events, properties, entities) are JSON-encoded strings.
	legacyGET legacyForm = iota
	// legacyPOST sends the filter as a JSON body. The paging parameters
	// (limit/offset) stay in the query string: PostHog builds `next` from the
	// request URL only, so a follow-up POST to `next` with the same body gets
	// the next offset (body keys would override the URL's).
	legacyPOST
	// legacyAuto uses GET unless the query string would be longer than
	// maxLegacyQueryLength, then POST (long filters overflow URL limits of
	// proxies and servers). Endpoints without a POST form always get GET.
	legacyAuto
)

// maxLegacyQueryLength is the longest query string legacyAuto sends with GET.
const maxLegacyQueryLength = 4000

// legacyRequest is a request to a legacy actor endpoint: its GET and POST
// forms (post is the zero endpoint when there is none), the filter
// parameters, and the names of its paging parameters.
type legacyRequest struct {
	get, post           endpoint
	params              map[string]any
	limitKey, offsetKey string
}

// legacyCall remembers how a legacy page was requested, to request the next.
type legacyCall struct {
	ep   endpoint
	body map[string]any // POST only
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

// legacy is GET persons/lifecycle/: target_date is the Day and
// lifecycle_type the Status.
func (r LifecycleActorsRequest) legacy() legacyRequest {
	params := map[string]any{
		"events":         legacyEntities(r.Events),
		"target_date":    r.Day,
		"lifecycle_type": string(r.Status),
	}
	addIf(params, "date_from", r.DateFrom)
	addIf(params, "date_to", r.DateTo)
	addIf(params, "interval", string(r.Interval))
	if len(r.Properties) > 0 {
		params["properties"] = r.Properties
	}
	return legacyRequest{get: endpointLegacyLifecycle, params: params, limitKey: "limit", offsetKey: "offset"}
}

// legacy is persons/funnel/ with funnel_step.
func (r FunnelActorsRequest) legacy() legacyRequest {
	params := r.Funnel.legacyParams()
	params["funnel_step"] = r.Step
	return legacyRequest{get: endpointLegacyFunnel, post: endpointLegacyFunnelPOST, params: params, limitKey: "limit", offsetKey: "offset"}
}

// legacy is persons/funnel/correlation/, which pages on
// funnel_correlation_person_limit/offset.
func (r FunnelCorrelationActorsRequest) legacy() legacyRequest {
	params := r.Funnel.legacyParams()
	params["funnel_correlation_type"] = string(r.correlationType())
	if r.Event != nil {
		params["funnel_correlation_person_entity"] = legacyEntity(*r.Event, 0)
	} else {
		params["funnel_correlation_property_values"] = r.PropertyValues
	}
	if r.Converted != nil {
		// The old view compared the string, in the query string and the body alike.
		params["funnel_correlation_person_converted"] = strconv.FormatBool(*r.Converted)
	}
	return legacyRequest{
		get: endpointLegacyFunnelCorrelation, post: endpointLegacyFunnelCorrelationPOST, params: params,
		limitKey: "funnel_correlation_person_limit", offsetKey: "funnel_correlation_person_offset",
	}
}

func (f Funnel) legacyParams() map[string]any {
	params := map[string]any{"events": legacyEntities(f.Steps)}
	addIf(params, "date_from", f.DateFrom)
	addIf(params, "date_to", f.DateTo)
	if f.WindowInterval > 0 {
		params["funnel_window_interval"] = f.WindowInterval
	}
	addIf(params, "funnel_window_interval_unit", string(f.WindowUnit))
	addIf(params, "funnel_order_type", string(f.OrderType))
	if len(f.Properties) > 0 {
		params["properties"] = f.Properties
	}
	return params
}

func addIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func (r legacyRequest) paging(limit, offset int) url.Values {
	q := url.Values{}
	if limit > 0 {
		q.Set(r.limitKey, strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set(r.offsetKey, strconv.Itoa(offset))
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

// legacyActors requests one page of a legacy endpoint in the given form.
func (c *Client) legacyActors(ctx context.Context, projectID int64, r legacyRequest, form legacyForm, limit, offset int) (*actorsPage, error) {
	if r.post == (endpoint{}) {
		form = legacyGET
	}
	paging := r.paging(limit, offset)
	query := paging
	if form != legacyPOST {
		q, err := queryValues(r.params)
		if err != nil {
			return nil, fmt.Errorf("posthog: %s: %w", r.get.path, err)
		}
		for k, vs := range paging {
			q[k] = vs
		}
		query = q
		if form == legacyAuto && len(q.Encode()) > maxLegacyQueryLength {
			form, query = legacyPOST, paging
		}
	}
	call := &legacyCall{ep: r.get}
	if form == legacyPOST {
		call = &legacyCall{ep: r.post, body: r.params}
	}
	return c.legacyPage(ctx, call, call.ep.at(projectID, ""), query)
}

// legacyNextPage requests the page that prev's next links to, with the same
// method (and, for POST, the same body). It returns nil, nil when prev has
// no next.
func (c *Client) legacyNextPage(ctx context.Context, prev *actorsPage) (*actorsPage, error) {
	if prev == nil || prev.next == "" {
		return nil, nil
	}
	if prev.legacy == nil {
		return nil, errors.New("posthog: legacyNextPage needs a page from a legacy endpoint")
	}
	path, query, err := c.resolveNext(prev.next, prev.path)
	if err != nil {
		return nil, err
	}
	return c.legacyPage(ctx, prev.legacy, path, query)
}

// resolveNext turns PostHog's `next` into a path (below the configured host)
// and query. PostHog sends an absolute URL, or, from format_paginated_url
// when the request already had an offset, the path with its leading slash
// removed (docs/dev/posthog-behaviour.md#pagination). Relative links, with or
// without the slash, are taken from the host's root, not from the current
// request path (which a browser would do, doubling the path). Absolute links must point at the
// configured scheme and host: the API key is never sent elsewhere. A host
// path prefix is kept once whether or not the link repeats it. The link must
// lead back to the endpoint (and so the project) the page came from: a next
// page elsewhere would answer another question, or be a write.
//
// A link with only a query ("?offset=200") stays on the current path.
func (c *Client) resolveNext(next, current string) (string, url.Values, error) {
	shown := c.redact.serverText(next)
	u, err := url.Parse(strings.TrimSpace(next))
	if err != nil {
		return "", nil, fmt.Errorf("posthog: PostHog's next-page link %q is not a URL", shown)
	}
	if u.IsAbs() || u.Host != "" {
		scheme := u.Scheme
		if scheme == "" {
			scheme = c.base.Scheme
		}
		if !strings.EqualFold(u.Host, c.base.Host) || !strings.EqualFold(scheme, c.base.Scheme) {
			return "", nil, fmt.Errorf("posthog: PostHog's next-page link points to %s, not the configured host %s://%s; "+
				"not following it (set the provider host to the URL PostHog uses for itself)", c.redact.serverText(scheme+"://"+u.Host), c.base.Scheme, c.base.Host)
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
		return "", nil, fmt.Errorf("posthog: PostHog's next-page link %q is not an API path; not following it", shown)
	}
	if p != current {
		return "", nil, fmt.Errorf("posthog: PostHog's next-page link leads to %s, not to %s where this list came from "+
			"(another project or endpoint); not following it", c.redact.serverText(p), current)
	}
	return p, u.Query(), nil
}

type legacyResponse struct {
	Results []struct {
		People []wirePerson `json:"people"`
	} `json:"results"`
	Next *string `json:"next"`
}

func (c *Client) legacyPage(ctx context.Context, call *legacyCall, path string, query url.Values) (*actorsPage, error) {
	var body any
	if call.body != nil {
		body = call.body
	}
	var w legacyResponse
	status, err := c.do(ctx, call.ep, path, query, body, &w)
	if err != nil {
		return nil, err
	}
	page := &actorsPage{next: deref(w.Next), legacy: call, path: path}
	page.hasMore = page.next != ""
	for _, r := range w.Results {
		for i, wp := range r.People {
			p, err := wp.person()
			if err == nil && p.UUID == "" {
				err = errors.New("person has no uuid")
			}
			if err != nil {
				return nil, fmt.Errorf("%s %s: unexpected response from PostHog (status %d): people[%d]: %v", call.ep.method, path, status, i, err)
			}
			page.persons = append(page.persons, p)
		}
	}
	return page, nil
}
