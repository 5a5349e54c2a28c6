package emulator

// The removed persons actor endpoints (docs/dev/posthog-behaviour.md#legacy-actor-endpoints),
// served only with Config.LegacyActorEndpoints: GET /persons/lifecycle/,
// GET|POST /persons/funnel/ and GET|POST /persons/funnel/correlation/. They
// compute the same persons as the Query API (same runners, same uuid order).

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// legacyParams is the legacy insight Filter input: the query string merged with
// the JSON body, body keys winning (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
type legacyParams map[string]any

func readLegacyParams(r *http.Request) (legacyParams, *queryError) {
	p := legacyParams{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	body, err := readJSON(r)
	if err != nil {
		return nil, &queryError{status: 400, typ: "invalid_request", code: "parse_error", detail: "JSON parse error - " + err.Error()}
	}
	if m, ok := asObj(body); ok {
		for k, v := range m {
			p[k] = v
		}
	}
	return p, nil
}

func (p legacyParams) str(key string) (string, bool) {
	v, ok := p[key]
	if !ok || v == nil {
		return "", false
	}
	return pstr(v), true
}

// json decodes a value that may be a JSON string (query string) or already
// structured (JSON body). A string that is not JSON stays a string.
func (p legacyParams) json(key string) any {
	v := p[key]
	if s, ok := v.(string); ok {
		var out any
		if err := json.Unmarshal([]byte(s), &out); err == nil {
			return out
		}
	}
	return v
}

func (p legacyParams) int(key string, def int) (int, *queryError) {
	s, ok := p.str(key)
	if !ok || s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, qValidation("Invalid value for " + key + ": " + s)
	}
	return n, nil
}

// entities turns legacy events/actions arrays into steps, sorted by "order".
func (p legacyParams) entities() ([]entity, *queryError) {
	if a, _ := p.json("actions").([]any); len(a) > 0 {
		return nil, qUnsupported("actions in legacy filters")
	}
	raw, _ := p.json("events").([]any)
	type item struct {
		order int
		e     entity
	}
	var items []item
	for i, r := range raw {
		m, ok := asObj(r)
		if !ok {
			return nil, qValidation("events must be a list of objects")
		}
		var ev *string
		if id, ok := m["id"].(string); ok {
			ev = &id
		}
		props, err := parsePFilters(legacySyntax, "events."+itoa(i)+".properties", m["properties"])
		if err != nil {
			return nil, err
		}
		order := i
		if o, ok := m["order"].(float64); ok {
			order = int(o)
		}
		items = append(items, item{order, entity{event: ev, props: props}})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].order < items[j].order })
	out := make([]entity, len(items))
	for i, it := range items {
		out[i] = it.e
	}
	return out, nil
}

func (p legacyParams) dateRange() jobj {
	dr := jobj{}
	for _, k := range []string{"date_from", "date_to"} {
		if s, ok := p.str(k); ok && s != "" {
			dr[k] = s
		}
	}
	return dr
}

func (p legacyParams) unsupported() *queryError {
	if v, ok := p["aggregation_group_type_index"]; ok && v != nil && v != "" {
		return qUnsupported("group aggregation (aggregation_group_type_index)")
	}
	return nil
}

// legacyPage is the paging state of one legacy call.
type legacyPage struct {
	limit, offset int
	alias         string // the offset parameter name used in next
}

// legacyNext is format_paginated_url (docs/dev/posthog-behaviour.md#pagination): with the offset parameter already
// in the full path, "<alias>=<offset>" is replaced (every occurrence, as Python's
// str.replace) and the result is a relative path with its leading slash
// removed; otherwise "<alias>=<offset+limit>" is appended to the absolute URL.
func legacyNext(r *http.Request, pg legacyPage) string {
	full := r.URL.Path
	if r.URL.RawQuery != "" {
		full += "?" + r.URL.RawQuery
	}
	next := strconv.Itoa(pg.offset + pg.limit)
	if strings.Contains(full, pg.alias+"=") {
		full = strings.ReplaceAll(full, pg.alias+"="+strconv.Itoa(pg.offset), pg.alias+"="+next)
		return strings.TrimPrefix(full, "/")
	}
	sep := "?"
	if strings.Contains(full, "?") {
		sep = "&"
	}
	return absoluteBase(r) + full + sep + pg.alias + "=" + next
}

func absoluteBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// legacyPeople pages and shapes actors as SerializedPerson. s.mu held. Like
// the actors query they were built on (v-mid), deleted persons drop out of the
// join (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
func (s *Server) legacyPeople(actors []string, search string, pg legacyPage) (people []any, hasMore bool) {
	needle := strings.ToLower(strings.TrimSpace(search))
	var found []*person
	for _, id := range actors {
		p := s.st.hogqlPerson(id)
		if p == nil {
			continue
		}
		if needle != "" && !fuzzyMatch(p, needle) {
			continue
		}
		found = append(found, p)
	}
	people = []any{}
	if pg.offset < len(found) {
		page := found[pg.offset:min(len(found), pg.offset+pg.limit+1)]
		hasMore = len(page) > pg.limit
		if hasMore {
			page = page[:pg.limit]
		}
		for _, p := range page {
			people = append(people, serializedPerson(p))
		}
	}
	return people, hasMore
}

func (p legacyParams) page(limitKey, offsetKey string) (legacyPage, *queryError) {
	limit, err := p.int(limitKey, 100)
	if err != nil {
		return legacyPage{}, err
	}
	if limit <= 0 {
		limit = 100
	}
	offset, err := p.int(offsetKey, 0)
	if err != nil {
		return legacyPage{}, err
	}
	return legacyPage{limit: limit, offset: max(offset, 0), alias: offsetKey}, nil
}

// handleLegacyLifecycle serves GET /persons/lifecycle/ (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
func (s *Server) handleLegacyLifecycle(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: nil, methods: []string{"GET", "HEAD"}}) {
		return
	}
	body, err := s.legacyLifecycle(r)
	if err != nil {
		err.write(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) legacyLifecycle(r *http.Request) (jobj, *queryError) {
	p, err := readLegacyParams(r)
	if err != nil {
		return nil, err
	}
	day, ok := p.str("target_date")
	if !ok {
		return nil, &queryError{status: 400, legacyBody: jobj{"message": "Missing parameter", "detail": "Must include specified date"}}
	}
	status, ok := p.str("lifecycle_type")
	if !ok {
		return nil, &queryError{status: 400, legacyBody: jobj{"message": "Missing parameter", "detail": "Must include lifecycle type"}}
	}
	if err := p.unsupported(); err != nil {
		return nil, err
	}
	series, err := p.entities()
	if err != nil {
		return nil, err
	}
	props, err := parsePFilters(legacySyntax, "properties", p.json("properties"))
	if err != nil {
		return nil, err
	}
	c := s.teamClock()
	dr := p.dateRange()
	lq := jobj{"kind": "LifecycleQuery", "dateRange": dr}
	if iv, ok := p.str("interval"); ok && iv != "" {
		lq["interval"] = iv
	}
	lq["series"] = []any{}
	spec, err := c.parseLifecycleQuery("filter", lq)
	if err != nil {
		return nil, err
	}
	spec.series, spec.props, spec.day, spec.status = series, props, &day, &status
	pg, err := p.page("limit", "offset")
	if err != nil {
		return nil, err
	}
	search, _ := p.str("search")
	s.mu.Lock()
	actors, qerr := s.lifecycleActors(c, spec)
	var people []any
	var hasMore bool
	if qerr == nil {
		people, hasMore = s.legacyPeople(actors, search, pg)
	}
	s.mu.Unlock()
	if qerr != nil {
		return nil, qerr
	}
	body := jobj{"results": []any{jobj{"people": people, "count": len(people)}}, "next": nil}
	if hasMore {
		body["next"] = legacyNext(r, pg)
	}
	return body, nil
}

// legacyFunnel builds a FunnelsActorsQuery-equivalent request from Filter params.
func (s *Server) legacyFunnel(c teamClock, p legacyParams) (*funnelsActorsRequest, *queryError) {
	if err := p.unsupported(); err != nil {
		return nil, err
	}
	if v := p.json("funnel_custom_steps"); v != nil && v != "" {
		return nil, qUnsupported("funnel_custom_steps")
	}
	if ex, _ := p.json("exclusions").([]any); len(ex) > 0 {
		return nil, qUnsupported("funnel exclusions")
	}
	ff := jobj{}
	if v, ok := p.str("funnel_order_type"); ok && v != "" {
		ff["funnelOrderType"] = v
	}
	if v, ok := p.str("funnel_viz_type"); ok && v != "" {
		ff["funnelVizType"] = v
	}
	if v, ok := p.str("breakdown_attribution_type"); ok && v != "" {
		ff["breakdownAttributionType"] = v
	}
	if d, ok := p.str("funnel_window_days"); ok && d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return nil, qValidation("Invalid value for funnel_window_days: " + d)
		}
		ff["funnelWindowInterval"], ff["funnelWindowIntervalUnit"] = float64(n), "day"
	} else {
		if v, ok := p.str("funnel_window_interval"); ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, qValidation("Invalid value for funnel_window_interval: " + v)
			}
			ff["funnelWindowInterval"] = float64(n)
		}
		if v, ok := p.str("funnel_window_interval_unit"); ok && v != "" {
			ff["funnelWindowIntervalUnit"] = v
		}
	}
	dr := p.dateRange()
	fq := jobj{"kind": "FunnelsQuery", "dateRange": dr, "funnelsFilter": ff, "series": []any{}}
	if b := p.json("breakdown"); b != nil && b != "" {
		bf := jobj{"breakdown": b}
		if t, ok := p.str("breakdown_type"); ok && t != "" {
			bf["breakdown_type"] = t
		}
		fq["breakdownFilter"] = bf
	}
	steps, err := p.entities()
	if err != nil {
		return nil, err
	}
	// Parse with placeholder steps, then use the legacy ones.
	fq["series"] = []any{jobj{"kind": "EventsNode"}, jobj{"kind": "EventsNode"}}
	spec, err := c.parseFunnelsQuery("filter", fq)
	if err != nil {
		return nil, err
	}
	spec.steps = steps
	if len(steps) < 2 {
		return nil, qValidation("Funnels require at least two steps before calculating.")
	}
	if spec.props, err = parsePFilters(legacySyntax, "properties", p.json("properties")); err != nil {
		return nil, err
	}
	req := &funnelsActorsRequest{spec: spec}
	if v, ok := p.str("funnel_step"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, qValidation("Invalid value for funnel_step: " + v)
		}
		req.step = &n
	}
	if b := p.json("funnel_step_breakdown"); b != nil && b != "" {
		req.breakdown = b
	}
	return req, nil
}

func (s *Server) writeLegacyFunnelBody(w http.ResponseWriter, r *http.Request, c teamClock, actors []string, p legacyParams, pg legacyPage) {
	search, _ := p.str("search")
	s.mu.Lock()
	people, hasMore := s.legacyPeople(actors, search, pg)
	s.mu.Unlock()
	body := jobj{
		"results": []any{jobj{"people": people, "count": len(people)}},
		"next":    nil,
		"initial": absoluteBase(r) + r.URL.RequestURI(), // the request itself (UNVERIFIED)
		// Actors whose Postgres row the lookup missed; deleted persons are not
		// among them, and the emulator has no others.
		"missing_persons": 0,
		"is_cached":       false,
		"last_refresh":    isoTime(c.now),
	}
	if hasMore {
		body["next"] = legacyNext(r, pg)
	}
	writeJSON(w, http.StatusOK, body)
}

// handleLegacyFunnel serves GET|POST /persons/funnel/ (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
func (s *Server) handleLegacyFunnel(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: nil, methods: []string{"GET", "HEAD", "POST"}}) {
		return
	}
	c := s.teamClock()
	p, err := readLegacyParams(r)
	if err == nil {
		var req *funnelsActorsRequest
		if req, err = s.legacyFunnel(c, p); err == nil {
			var pg legacyPage
			if pg, err = p.page("limit", "offset"); err == nil {
				var actors []string
				s.mu.Lock()
				actors, err = s.funnelActorsFor(c, req)
				s.mu.Unlock()
				if err == nil {
					s.writeLegacyFunnelBody(w, r, c, actors, p, pg)
					return
				}
			}
		}
	}
	err.write(w)
}

// funnelActorsFor applies funnel_step (absent = 1, UNVERIFIED) and the step
// breakdown. s.mu held.
func (s *Server) funnelActorsFor(c teamClock, req *funnelsActorsRequest) ([]string, *queryError) {
	step := 1
	if req.step != nil {
		step = *req.step
	}
	if err := checkStep(step); err != nil {
		return nil, err
	}
	var out []string
	for _, fa := range s.runFunnel(c, req.spec) {
		if reachedStep(fa, step) && breakdownMatches(fa, req.breakdown) {
			out = append(out, fa.id)
		}
	}
	return out, nil
}

// handleLegacyCorrelation serves GET|POST /persons/funnel/correlation/ (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
func (s *Server) handleLegacyCorrelation(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: nil, methods: []string{"GET", "HEAD", "POST"}}) {
		return
	}
	c := s.teamClock()
	actors, p, pg, err := s.legacyCorrelation(c, r)
	if err != nil {
		err.write(w)
		return
	}
	s.writeLegacyFunnelBody(w, r, c, actors, p, pg)
}

func (s *Server) legacyCorrelation(c teamClock, r *http.Request) ([]string, legacyParams, legacyPage, *queryError) {
	var pg legacyPage
	p, err := readLegacyParams(r)
	if err != nil {
		return nil, nil, pg, err
	}
	funnel, err := s.legacyFunnel(c, p)
	if err != nil {
		return nil, nil, pg, err
	}
	req := &correlationRequest{funnel: funnel, corrType: "events"}
	if t, ok := p.str("funnel_correlation_type"); ok && t != "" {
		if t != "events" && t != "properties" && t != "event_with_properties" {
			return nil, nil, pg, qValidation("Invalid funnel_correlation_type: " + t)
		}
		req.corrType = t
	}
	if v, ok := p.str("funnel_correlation_person_converted"); ok {
		switch strings.ToLower(v) {
		case "true":
			b := true
			req.converted = &b
		case "false":
			b := false
			req.converted = &b
		}
	}
	if raw := p.json("funnel_correlation_person_entity"); raw != nil && raw != "" {
		m, ok := asObj(raw)
		if !ok {
			return nil, nil, pg, qValidation("funnel_correlation_person_entity must be a JSON object")
		}
		req.entitySet = true
		if t, _ := m["type"].(string); t == "actions" {
			return nil, nil, pg, qUnsupported("actions in legacy filters")
		}
		props, err := parsePFilters(legacySyntax, "funnel_correlation_person_entity.properties", m["properties"])
		if err != nil {
			return nil, nil, pg, err
		}
		e := entity{props: props}
		if id, ok := m["id"].(string); ok {
			e.event = &id
		}
		req.entity = &e
	}
	if raw := p.json("funnel_correlation_property_values"); raw != nil && raw != "" {
		if list, ok := raw.([]any); ok && len(list) > 0 {
			req.propsGiven = true
		}
		if req.propValues, err = parsePFilters(legacySyntax, "funnel_correlation_property_values", raw); err != nil {
			return nil, nil, pg, err
		}
	}
	if pg, err = p.page("funnel_correlation_person_limit", "funnel_correlation_person_offset"); err != nil {
		return nil, nil, pg, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actors, err := s.correlationActors(c, req)
	return actors, p, pg, err
}
