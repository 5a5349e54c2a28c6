package emulator

// Saved insights, after PostHog/posthog posthog/api/insight.py (InsightViewSet,
// InsightSerializer, InsightBasicSerializer, QuerySchemaParser) and
// posthog/models/insight.py (docs/dev/posthog-behaviour.md#saved-insights).
// The emulator stores an insight's query and describes it; it computes no
// insight results (result, hasMore, columns are null, as for a cache miss
// under the default refresh "force_cache").

import (
	"crypto/rand"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

var (
	insightRead  = []string{"insight:read"}
	insightWrite = []string{"insight:write"}
	// InsightViewSet.throttle_classes: ClickHouseBurstRateThrottle and
	// ClickHouseSustainedRateThrottle (docs/dev/posthog-behaviour.md#saved-insights).
	insightRates = []rate{
		{"clickhouse_burst", 240, time.Minute},
		{"clickhouse_sustained", 1200, time.Hour},
	}
	insightMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete}
)

// insight is a row of posthog_dashboarditem (the Insight model). s.mu guards it.
type insight struct {
	id          int
	shortID     string
	name        *string
	description string
	query       jobj // as the request sent it; nil = none
	deleted     bool
	saved       bool
	createdAt   time.Time
	updatedAt   time.Time
}

// insightRoutes registers the insights collection and detail under one prefix.
func (s *Server) insightRoutes(pre string, handle func(string, http.HandlerFunc)) {
	handle(pre+"/insights/", s.handleInsightCollection)
	handle(pre+"/insights/{insight_id}/", s.handleInsightDetail)
}

// insightGuard is DRF initial() for InsightViewSet: reads need insight:read,
// writes insight:write, and the ClickHouse throttles apply.
func insightGuard(method string) guard {
	scopes := insightWrite
	if method == http.MethodGet || method == http.MethodHead {
		scopes = insightRead
	}
	return guard{scopes: scopes, methods: insightMethods, rates: insightRates}
}

// handleInsightCollection: GET list, POST create.
func (s *Server) handleInsightCollection(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, insightGuard(r.Method)) {
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.createInsight(w, r)
	case http.MethodGet, http.MethodHead:
		s.listInsights(w, r)
	default:
		errMethodNotAllowed(w, r.Method)
	}
}

// handleInsightDetail: GET retrieve, PATCH/PUT update, DELETE 405
// (ForbidDestroyModel: deletion is PATCH {"deleted": true}).
func (s *Server) handleInsightDetail(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, insightGuard(r.Method)) {
		return
	}
	switch r.Method {
	case http.MethodDelete:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case http.MethodPatch, http.MethodPut:
		s.updateInsight(w, r)
	case http.MethodGet, http.MethodHead:
		s.retrieveInsight(w, r)
	default:
		errMethodNotAllowed(w, r.Method)
	}
}

// insightInput is the writable part of a create or update body.
type insightInput struct {
	name        *string
	description *string
	query       jobj
	hasQuery    bool
	deleted     *bool
	saved       *bool
}

// decodeInsightInput parses a body as QuerySchemaParser and InsightSerializer
// do: a truthy query is validated against the query schema first (400
// parse_error), then the fields' types are checked (400 validation_error).
func decodeInsightInput(w http.ResponseWriter, r *http.Request) (insightInput, bool) {
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return insightInput{}, false
	}
	body, ok := asObj(raw)
	if !ok {
		errValidation(w, "Invalid data. Expected a dictionary, but got "+pyTypeName(raw)+".")
		return insightInput{}, false
	}
	var in insightInput
	if q, present := body["query"]; present {
		in.hasQuery = true
		if truthy(q) {
			if qerr := validateSavedQuery(q); qerr != nil {
				qerr.write(w)
				return insightInput{}, false
			}
		}
		if q != nil {
			m, isObj := asObj(q)
			if !isObj {
				writeAttrError(w, "invalid_input", "Query must be a valid JSON object", "query")
				return insightInput{}, false
			}
			in.query = m
		}
	}
	for _, f := range []struct {
		key string
		dst **string
	}{{"name", &in.name}, {"description", &in.description}} {
		if v, present := body[f.key]; present && v != nil {
			str, isStr := v.(string)
			if !isStr {
				writeAttrError(w, "invalid", "Not a valid string.", f.key)
				return insightInput{}, false
			}
			*f.dst = &str
		}
	}
	for _, f := range []struct {
		key string
		dst **bool
	}{{"deleted", &in.deleted}, {"saved", &in.saved}} {
		if v, present := body[f.key]; present {
			b, ok := laxBool(v)
			bv, isBool := b.(bool)
			if !ok || !isBool {
				writeAttrError(w, "invalid", "Must be a valid boolean.", f.key)
				return insightInput{}, false
			}
			*f.dst = &bv
		}
	}
	return in, true
}

// pyTypeName is the Python type name DRF quotes for a non-object body.
func pyTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case float64:
		return "float"
	case bool:
		return "bool"
	}
	return "NoneType"
}

// savedQueryKinds are the QuerySchema members whose definition the emulator
// validates a saved query against: InsightVizNode and the bare insight
// queries of InsightQueryNode.
var savedQueryKinds = []string{"InsightVizNode", "TrendsQuery", "FunnelsQuery", "RetentionQuery", "PathsQuery",
	"StickinessQuery", "LifecycleQuery", "ActorsQuery"}

// validateSavedQuery is QuerySchemaParser: QuerySchemaRoot.model_validate,
// whose failure is DRF ParseError with pydantic's text as the detail (no "JSON
// parse error - " prefix; the pydantic wording is approximated).
func validateSavedQuery(q any) *queryError {
	const model = "QuerySchemaRoot"
	fail := func(loc, msg string) *queryError {
		return &queryError{status: http.StatusBadRequest, typ: "invalid_request", code: "parse_error",
			detail: "1 validation error for " + model + "\n" + loc + "\n  " + msg}
	}
	m, ok := asObj(q)
	if !ok {
		return fail("", "Input should be a valid dictionary or object to extract fields from [type=model_attributes_type]")
	}
	kind, _ := m["kind"].(string)
	switch {
	case kind == "":
		return fail("", "Unable to extract tag using discriminator 'kind' [type=union_tag_not_found]")
	case slices.Contains(savedQueryKinds, kind):
		if _, err := validateRef(kind, m, kind); err != nil {
			return fail(err.loc, err.msg)
		}
		return nil
	case slices.Contains(knownQueryKinds, kind):
		return qUnsupported("saved insights whose query is a " + kind)
	}
	return fail("", "Input tag '"+kind+"' found using 'kind' does not match any of the expected tags [type=union_tag_invalid]")
}

func (s *Server) createInsight(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeInsightInput(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	ins := &insight{id: s.st.nextInsightID, shortID: s.st.newInsightShortID(), createdAt: now, updatedAt: now}
	s.st.nextInsightID++
	ins.apply(in)
	s.st.insights[ins.id] = ins
	writeJSON(w, http.StatusCreated, ins.json(false, s.teamTimezone()))
}

// apply writes the fields a request sent.
func (ins *insight) apply(in insightInput) {
	if in.name != nil {
		ins.name = in.name
	}
	if in.description != nil {
		ins.description = *in.description
	}
	if in.hasQuery {
		ins.query = in.query
	}
	if in.deleted != nil {
		ins.deleted = *in.deleted
	}
	if in.saved != nil {
		ins.saved = *in.saved
	}
}

// newInsightShortID is generate_short_id: 8 random letters and digits,
// unique within the team. s.mu held.
func (st *store) newInsightShortID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		b := make([]byte, 8)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				panic("emulator: no randomness: " + err.Error())
			}
			b[i] = alphabet[n.Int64()]
		}
		id := string(b)
		if st.insightByShortID(id) == nil {
			return id
		}
	}
}

func (st *store) insightByShortID(shortID string) *insight {
	for _, ins := range st.insights {
		if ins.shortID == shortID {
			return ins
		}
	}
	return nil
}

// lookupInsight is get_object: a non-integer or unknown id, and a deleted
// insight, are 404 (the queryset excludes deleted insights for every action
// but a PATCH that undeletes, includeDeleted). s.mu held.
func (s *Server) lookupInsight(r *http.Request, includeDeleted bool) *insight {
	id, err := strconv.Atoi(r.PathValue("insight_id"))
	if err != nil {
		return nil
	}
	ins := s.st.insights[id]
	if ins == nil || (ins.deleted && !includeDeleted) {
		return nil
	}
	return ins
}

func (s *Server) retrieveInsight(w http.ResponseWriter, r *http.Request) {
	basic := truthyParam(r.URL.Query().Get("basic"))
	s.mu.Lock()
	ins := s.lookupInsight(r, false)
	var body jobj
	if ins != nil {
		body = ins.json(basic, s.teamTimezone())
	}
	s.mu.Unlock()
	if body == nil {
		errNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) updateInsight(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeInsightInput(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	undelete := r.Method == http.MethodPatch && in.deleted != nil && !*in.deleted
	ins := s.lookupInsight(r, undelete)
	if ins == nil {
		errNotFound(w)
		return
	}
	ins.apply(in)
	ins.updatedAt = s.now()
	writeJSON(w, http.StatusOK, ins.json(false, s.teamTimezone()))
}

// listInsights: non-deleted insights, filtered by ?short_id= (exact), in
// "order" (unset for every emulated insight, so by id), with DRF
// LimitOffsetPagination {count, next, previous, results}.
func (s *Server) listInsights(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 100, 0
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}
	basic := truthyParam(q.Get("basic"))
	s.mu.Lock()
	var all []*insight
	for _, ins := range s.st.insights {
		if ins.deleted {
			continue
		}
		if sid, ok := q["short_id"]; ok && ins.shortID != sid[0] {
			continue
		}
		all = append(all, ins)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	results := []any{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		results = append(results, all[i].json(basic, s.teamTimezone()))
	}
	s.mu.Unlock()
	body := jobj{"count": len(all), "next": nil, "previous": nil, "results": results}
	if offset+limit < len(all) {
		body["next"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit), "offset": strconv.Itoa(offset + limit)})
	}
	if offset > 0 {
		body["previous"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit), "offset": strconv.Itoa(max(offset-limit, 0))})
	}
	writeJSON(w, http.StatusOK, body)
}

// truthyParam is str_to_bool of a query parameter.
func truthyParam(v string) bool {
	b, _ := laxBool(v)
	on, _ := b.(bool)
	return on
}

// json is the InsightSerializer answer, or InsightBasicSerializer's with
// basic. Fields the emulator does not model have their empty values.
func (ins *insight) json(basic bool, timezone string) jobj {
	var name any
	if ins.name != nil {
		name = *ins.name
	}
	var query any
	if ins.query != nil {
		query = ins.query
	}
	out := jobj{
		"id": ins.id, "short_id": ins.shortID, "name": name, "derived_name": nil, "filters": jobj{},
		"query": query, "dashboards": []any{}, "dashboard_tiles": []any{}, "description": ins.description,
		"last_refresh": nil, "saved": ins.saved, "tags": []any{}, "updated_at": ins.updatedAt.Format(time.RFC3339Nano),
		"created_by": nil, "created_at": ins.createdAt.Format(time.RFC3339Nano),
		"last_modified_at": ins.updatedAt.Format(time.RFC3339Nano), "favorited": false,
		"user_access_level": "editor", "last_viewed_at": nil,
	}
	if basic {
		out["refreshing"] = false
		return out
	}
	for _, k := range []string{"order", "cache_target_age", "next_allowed_client_refresh", "result", "hasMore",
		"columns", "last_modified_by", "query_status", "hogql", "types"} {
		out[k] = nil
	}
	out["deleted"] = ins.deleted
	out["is_sample"] = false
	out["is_cached"] = false
	out["timezone"] = timezone
	out["alerts"] = []any{}
	return out
}

// teamTimezone is the team's timezone name, as insights report it.
func (s *Server) teamTimezone() string {
	if s.cfg.Timezone == "" {
		return "UTC"
	}
	return s.cfg.Timezone
}
