package emulator

// POST /api/projects/:id/query/ (and the environments alias) for ActorsQuery
// persons of lifecycle, funnel and funnel-correlation sources
// (docs/dev/posthog-behaviour.md#query-api). Answers are always computed
// synchronously from the ingested events ("blocking").

import (
	"net/http"
	"slices"
	"sort"
	"time"
)

var queryReadScopes = []string{"query:read"}

// Query throttles of QueryViewSet.get_throttles (docs/dev/posthog-behaviour.md#rate-limits). Teams on the "new"
// limits (the default here, as PostHog Cloud documents) get api_queries_*; legacy
// teams (Config.LegacyQueryThrottles) get clickhouse_burst + clickhouse_sustained
// for every kind but HogQLQuery, sharing clickhouse_burst with the persons API.
var (
	apiQueryRates = []rate{
		{"api_queries_burst", 240, time.Minute},
		{"api_queries_sustained", 2400, time.Hour},
	}
	legacyQueryRates = []rate{
		{"clickhouse_burst", 240, time.Minute},
		{"clickhouse_sustained", 1200, time.Hour},
	}
)

// queryRoutes registers the Query API under one prefix, unless Config.NoQueryAPI
// (then /query/ is unrouted: 404 "Endpoint not found.", like a PostHog without it).
func (s *Server) queryRoutes(pre string, handle func(string, http.HandlerFunc)) {
	if s.cfg.NoQueryAPI {
		return
	}
	handle(pre+"/query/", s.handleQuery)
	handle(pre+"/query/{kind}/", s.handleQueryKind)
}

// queryGuard is DRF initial() for QueryViewSet: authentication, query:read for
// every action (docs/dev/posthog-behaviour.md#authentication-and-scopes), project access, then the query throttles.
func (s *Server) queryGuard(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	key, ok := s.authenticate(w, r)
	if !ok {
		return false
	}
	if !slices.Contains(methods, r.Method) {
		errMethodNotAllowed(w, r.Method)
		return false
	}
	if !s.checkScopes(w, key, queryReadScopes) {
		return false
	}
	pid, ok := s.projectID(r)
	if key.Projects != nil && (!ok || !slices.Contains(key.Projects, pid)) {
		writeError(w, http.StatusForbidden, "authentication_error", "permission_denied",
			"API key does not have access to the requested project: ID "+r.PathValue("project_id")+".")
		return false
	}
	if !ok || pid != s.cfg.ProjectID {
		errNotFound(w)
		return false
	}
	if s.cfg.RateLimit {
		rates := apiQueryRates
		if s.cfg.LegacyQueryThrottles {
			rates = legacyQueryRates
		}
		if wait, throttled := s.throttle.check(key.Key, rates); throttled {
			writeThrottled(w, ceilSeconds(wait))
			return false
		}
	}
	return true
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	if !s.queryGuard(w, r, http.MethodPost) {
		return
	}
	s.createQuery(w, r, "")
}

// handleQueryKind serves POST /query/<Kind>/ (create with a kind check),
// POST /query/upgrade/, and GET/DELETE /query/<id>/ for asynchronous queries
// (docs/dev/posthog-behaviour.md#query-api).
func (s *Server) handleQueryKind(w http.ResponseWriter, r *http.Request) {
	if !s.queryGuard(w, r, http.MethodPost, http.MethodGet, http.MethodHead, http.MethodDelete) {
		return
	}
	kind := r.PathValue("kind")
	switch r.Method {
	case http.MethodDelete:
		s.cancelQuery(w, kind)
		return
	case http.MethodGet, http.MethodHead:
		s.pollQuery(w, kind)
		return
	}
	if kind == "upgrade" {
		// The emulator knows no schema migrations: the query comes back unchanged.
		body, err := readJSON(r)
		if err != nil {
			errParse(w, err)
			return
		}
		m, _ := asObj(body)
		writeJSON(w, http.StatusOK, jobj{"query": m["query"]})
		return
	}
	s.createQuery(w, r, kind)
}

// knownQueryKinds are QuerySchema members the emulator does not run (501); any
// other kind is a validation failure (400 parse_error). The list is partial.
var knownQueryKinds = []string{"InsightActorsQuery", "LifecycleQuery", "FunnelsQuery", "FunnelCorrelationQuery",
	"TrendsQuery", "RetentionQuery", "PathsQuery", "StickinessQuery", "HogQLQuery", "HogQLMetadata",
	"HogQLAutocomplete", "EventsQuery", "SessionsTimelineQuery", "WebOverviewQuery", "WebStatsTableQuery",
	"DatabaseSchemaQuery", "ErrorTrackingQuery", "ExperimentQuery", "SessionAttributionExplorerQuery",
	"RecordingsQuery", "GroupsQuery", "EventTaxonomyQuery", "ActorsPropertyTaxonomyQuery", "TracesQuery",
	"CalendarHeatmapQuery", "WebVitalsQuery", "RevenueAnalyticsOverviewQuery", "MarketingAnalyticsTableQuery",
	"DataVisualizationNode", "DataTableNode", "InsightVizNode"}

func (s *Server) createQuery(w http.ResponseWriter, r *http.Request, pathKind string) {
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	env, resp, qerr := s.runQueryRequest(raw, pathKind)
	s.mu.Lock()
	async := s.asyncQueries && asyncRefresh(env.refresh)
	s.mu.Unlock()
	// The request is validated before it is enqueued; the runner's own errors
	// surface in the poll.
	if async && (qerr == nil || qerr.code != "parse_error" && qerr.status != http.StatusNotImplemented) {
		s.enqueueQuery(w, env, resp, qerr)
		return
	}
	if qerr != nil {
		qerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// queryEnvelope holds the QueryRequest fields that decide how a query is answered.
type queryEnvelope struct {
	refresh       any
	clientQueryID string
}

func (s *Server) runQueryRequest(raw any, pathKind string) (queryEnvelope, jobj, *queryError) {
	body, _ := asObj(raw)
	env := queryEnvelope{refresh: body["refresh"]}
	if env.refresh == nil && body["async"] == true {
		env.refresh = "async" // the deprecated flag
	}
	env.clientQueryID, _ = body["client_query_id"].(string)
	resp, err := s.runQuery(raw, pathKind)
	return env, resp, err
}

func (s *Server) runQuery(raw any, pathKind string) (jobj, *queryError) {
	const model = "QueryRequest"
	body, ok := asObj(raw)
	if !ok {
		return nil, qParse(model, "", "Input should be a valid dictionary or instance of QueryRequest [type=model_type]")
	}
	body, err := validateQueryRequest(body)
	if err != nil {
		return nil, err
	}
	// name is limited to 128 characters (docs/dev/posthog-behaviour.md#query-api), which the schema does not say.
	if name, _ := body["name"].(string); len([]rune(name)) > 128 {
		return nil, qParse(model, "name", "String should have at most 128 characters [type=string_too_long]")
	}
	q, _ := asObj(body["query"]) // required and an object: checked by validateQueryRequest
	if v := body["filters_override"]; v != nil {
		return nil, qUnsupported("filters_override")
	}
	kind, _ := q["kind"].(string)
	if kind == "" {
		return nil, qParse(model, "query", "Unable to extract tag using discriminator 'kind' [type=union_tag_not_found]")
	}
	if pathKind != "" && pathKind != kind {
		return nil, qValidation(`Query kind mismatch: path kind "` + pathKind + `" does not match body kind "` + kind + `".`)
	}
	switch {
	case kind == "ActorsQuery":
		return s.runActorsQuery(q)
	case slices.Contains(knownQueryKinds, kind):
		return nil, qUnsupported("query kind " + kind + " at the top level (wrap actor queries in ActorsQuery)")
	}
	return nil, qParse(model, "query", "Input tag '"+kind+"' found using 'kind' does not match any of the expected tags [type=union_tag_invalid]")
}

func sortedKeys(m jobj) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
