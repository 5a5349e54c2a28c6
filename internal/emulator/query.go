package emulator

// POST /api/projects/:id/query/ (and the environments alias) for ActorsQuery
// persons of lifecycle, funnel and funnel-correlation sources. Behaviour follows
// /work/shared/reference/posthog-query-actors.md (cited as Q§N). Answers are
// always computed synchronously from the ingested events ("blocking").

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

var queryReadScopes = []string{"query:read"}

// Query throttles of QueryViewSet.get_throttles (Q§1.6). Teams on the "new"
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
// every action (Q§1.5), project access, then the query throttles.
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
// POST /query/upgrade/, and GET/DELETE /query/<id>/ for async queries. The
// emulator never leaves a query running, so every id is unknown (404, Q§1.4).
func (s *Server) handleQueryKind(w http.ResponseWriter, r *http.Request) {
	if !s.queryGuard(w, r, http.MethodPost, http.MethodGet, http.MethodHead, http.MethodDelete) {
		return
	}
	kind := r.PathValue("kind")
	if r.Method != http.MethodPost {
		writeError(w, http.StatusNotFound, "invalid_request", "not_found",
			"Query "+kind+" not found for team "+strconv.Itoa(s.cfg.ProjectID))
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

var queryRequestKeys = []string{"query", "refresh", "client_query_id", "name", "async", "filters_override",
	"variables_override", "limit_context"}

var refreshModes = []string{"async", "async_except_on_cache_miss", "blocking", "force_async", "force_blocking",
	"force_cache", "lazy_async"}

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
	resp, qerr := s.runQueryRequest(raw, pathKind)
	if qerr != nil {
		qerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) runQueryRequest(raw any, pathKind string) (jobj, *queryError) {
	const model = "QueryRequest"
	body, ok := asObj(raw)
	if !ok {
		return nil, qParse(model, "", "Input should be a valid dictionary or instance of QueryRequest [type=model_type]")
	}
	for _, k := range sortedKeys(body) {
		if !slices.Contains(queryRequestKeys, k) {
			return nil, qParse(model, k, "Extra inputs are not permitted [type=extra_forbidden]")
		}
	}
	q, err := reqObj("", body, "query")
	if err != nil {
		return nil, err
	}
	switch v := body["refresh"].(type) {
	case nil, bool:
	case string:
		if !slices.Contains(refreshModes, v) {
			return nil, qParse(model, "refresh", "Input should be 'async', 'async_except_on_cache_miss', 'blocking', 'force_async', 'force_blocking', 'force_cache' or 'lazy_async' [type=enum]")
		}
	default:
		return nil, qParse(model, "refresh", "Input should be a valid string [type=string_type]")
	}
	if name, err := optString(model, "", body, "name"); err != nil {
		return nil, err
	} else if name != nil && len(*name) > 128 {
		return nil, qParse(model, "name", "String should have at most 128 characters [type=string_too_long]")
	}
	if _, err := optString(model, "", body, "client_query_id"); err != nil {
		return nil, err
	}
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

// actorsRequest is a parsed ActorsQuery without its source.
type actorsRequest struct {
	sel     []string
	orderBy []string // nil = default order
	limit   int
	offset  int
	search  string
	props   *pfilter
}

const (
	defaultActorsLimit = 100
	maxActorsLimit     = 50000 // MAX_SELECT_RETURNED_ROWS, newer copies (Q§3.3)
)

func parseActorsRequest(q jobj) (*actorsRequest, *queryError) {
	const model, loc = "QueryRequest", "query"
	if err := checkKeys(model, loc, q, "source", "select", "search", "properties", "fixedProperties",
		"orderBy", "limit", "offset"); err != nil {
		return nil, err
	}
	a := &actorsRequest{sel: []string{"person", "id", "person.$delete"}, limit: defaultActorsLimit}
	strList := func(key string) ([]string, *queryError) {
		v, ok := q[key]
		if !ok || v == nil {
			return nil, nil
		}
		list, ok := v.([]any)
		if !ok {
			return nil, qParse(model, loc+"."+key, "Input should be a valid list [type=list_type]")
		}
		out := []string{}
		for i, item := range list {
			s, ok := item.(string)
			if !ok {
				return nil, qParse(model, loc+"."+key+"."+itoa(i), "Input should be a valid string [type=string_type]")
			}
			out = append(out, s)
		}
		return out, nil
	}
	sel, err := strList("select")
	if err != nil {
		return nil, err
	}
	if sel != nil {
		if len(sel) == 0 {
			return nil, qValidation("Select list must not be empty")
		}
		a.sel = sel
	}
	if a.orderBy, err = strList("orderBy"); err != nil {
		return nil, err
	}
	limit, err := optInt(loc, q, "limit")
	if err != nil {
		return nil, err
	}
	if limit != nil && *limit > 0 {
		a.limit = min(*limit, maxActorsLimit)
	}
	offset, err := optInt(loc, q, "offset")
	if err != nil {
		return nil, err
	}
	if offset != nil && *offset > 0 {
		a.offset = *offset
	}
	search, err := optString(model, loc, q, "search")
	if err != nil {
		return nil, err
	}
	if search != nil {
		a.search = strings.TrimSpace(*search)
	}
	p1, err := parsePFilters(model, loc+".properties", q["properties"], "")
	if err != nil {
		return nil, err
	}
	p2, err := parsePFilters(model, loc+".fixedProperties", q["fixedProperties"], "")
	if err != nil {
		return nil, err
	}
	a.props = andFilters(p1, p2)
	if hasEventLeaf(a.props) {
		return nil, qParse(model, loc+".properties", "Input tag 'event' found using 'type' does not match any of the expected tags (AnyPersonScopeFilter)")
	}
	return a, nil
}

func hasEventLeaf(f *pfilter) bool {
	if f == nil {
		return false
	}
	if f.group == "" {
		return f.typ == "event"
	}
	for _, c := range f.children {
		if hasEventLeaf(c) {
			return true
		}
	}
	return false
}

// runActorsQuery runs an ActorsQuery (Q§2.1, §3).
func (s *Server) runActorsQuery(q jobj) (jobj, *queryError) {
	a, err := parseActorsRequest(q)
	if err != nil {
		return nil, err
	}
	c := s.teamClock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var actors []string
	if src, ok := q["source"]; ok && src != nil {
		m, ok := asObj(src)
		if !ok {
			return nil, qParse("QueryRequest", "query.source", "Input should be a valid dictionary or object [type=model_type]")
		}
		if actors, err = s.sourceActors(c, m); err != nil {
			return nil, err
		}
	} else {
		for id := range s.st.persons {
			actors = append(actors, id)
		}
		sort.Strings(actors)
	}
	return s.actorsResponse(c, a, actors)
}

// sourceActors resolves ActorsQuery.source to actor ids (uuid order). s.mu held.
func (s *Server) sourceActors(c teamClock, src jobj) ([]string, *queryError) {
	const loc = "query.source"
	kind, _ := src["kind"].(string)
	switch kind {
	case "InsightActorsQuery":
		spec, err := c.parseInsightActors(loc, src)
		if err != nil {
			return nil, err
		}
		return s.lifecycleActors(c, spec)
	case "FunnelsActorsQuery":
		return s.funnelsActorsQuery(c, loc, src)
	case "FunnelCorrelationActorsQuery":
		return s.correlationActorsQuery(c, loc, src)
	case "ExperimentActorsQuery", "StickinessActorsQuery", "HogQLQuery":
		return nil, qUnsupported("ActorsQuery sources of kind " + kind)
	case "":
		return nil, qParse("QueryRequest", loc, "Unable to extract tag using discriminator 'kind' [type=union_tag_not_found]")
	}
	return nil, qParse("QueryRequest", loc, "Input tag '"+kind+"' found using 'kind' does not match any of the expected tags: 'InsightActorsQuery', 'FunnelsActorsQuery', 'FunnelCorrelationActorsQuery', 'ExperimentActorsQuery', 'StickinessActorsQuery', 'HogQLQuery' [type=union_tag_invalid]")
}

// parseInsightActors parses InsightActorsQuery over a LifecycleQuery (Q§2.2).
func (c teamClock) parseInsightActors(loc string, m jobj) (*lifecycleSpec, *queryError) {
	const model = "QueryRequest"
	if err := checkKeys(model, loc, m, "source", "day", "status", "interval", "series", "breakdown",
		"compare", "includeRecordings"); err != nil {
		return nil, err
	}
	src, err := reqObj(loc, m, "source")
	if err != nil {
		return nil, err
	}
	kind, _ := src["kind"].(string)
	switch kind {
	case "LifecycleQuery":
	case "TrendsQuery", "RetentionQuery", "PathsQuery", "StickinessQuery", "FunnelsQuery", "WebStatsTableQuery",
		"WebOverviewQuery":
		return nil, qUnsupported("InsightActorsQuery over " + kind)
	default:
		return nil, qParse(model, loc+".source", "Input tag '"+kind+"' found using 'kind' does not match any of the expected tags [type=union_tag_invalid]")
	}
	spec, err := c.parseLifecycleQuery(loc+".source", src)
	if err != nil {
		return nil, err
	}
	switch d := m["day"].(type) {
	case nil:
	case string:
		spec.day = &d
	case float64:
		ds := strconv.FormatFloat(d, 'f', -1, 64)
		spec.day = &ds
	default:
		return nil, qParse(model, loc+".day", "Input should be a valid string [type=string_type]")
	}
	if spec.status, err = optString(model, loc, m, "status"); err != nil {
		return nil, err
	}
	return spec, nil
}

// actorsResponse filters, orders, pages and shapes actors (Q§3). s.mu held.
func (s *Server) actorsResponse(c teamClock, a *actorsRequest, actors []string) (jobj, *queryError) {
	type row struct {
		id string
		p  *person
	}
	rows := make([]row, 0, len(actors))
	for _, id := range actors {
		p := s.st.persons[id]
		if a.search != "" && (p == nil || !fuzzyMatch(p, strings.ToLower(a.search))) {
			continue
		}
		if a.props != nil && (p == nil || !a.props.match(nil, p.props)) {
			continue
		}
		rows = append(rows, row{id, p})
	}
	// Validate the select list before running.
	types := make([]string, len(a.sel))
	for i, col := range a.sel {
		t, ok := columnType(col)
		if !ok {
			return nil, qValidation("Unable to resolve field: " + col)
		}
		types[i] = t
	}
	terms, err := a.orderTerms()
	if err != nil {
		return nil, err
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, t := range terms {
			if c := compareOrder(orderValue(t.expr, rows[i].id, rows[i].p), orderValue(t.expr, rows[j].id, rows[j].p)); c != 0 {
				return (c < 0) != t.desc
			}
		}
		return rows[i].id < rows[j].id
	})
	page := []row{}
	if a.offset < len(rows) {
		page = rows[a.offset:min(len(rows), a.offset+a.limit+1)]
	}
	hasMore := len(page) > a.limit
	if hasMore {
		page = page[:a.limit]
	}
	results := make([][]any, len(page))
	missing := 0
	for i, r := range page {
		if r.p == nil {
			missing++
		}
		cells := make([]any, len(a.sel))
		for j, col := range a.sel {
			cells[j] = cellValue(col, r.id, r.p)
		}
		results[i] = cells
	}
	now := c.now
	hash := sha256.Sum256([]byte(strings.Join(a.sel, ",") + "|" + strings.Join(actors, ",")))
	return jobj{
		"results":                     results,
		"columns":                     a.sel,
		"types":                       types,
		"hogql":                       "SELECT " + strings.Join(a.sel, ", ") + " FROM persons WHERE id IN (<source actors>) LIMIT " + strconv.Itoa(a.limit+1) + " OFFSET " + strconv.Itoa(a.offset),
		"hasMore":                     hasMore,
		"limit":                       a.limit,
		"offset":                      a.offset,
		"missing_actors_count":        missing,
		"timings":                     []any{},
		"modifiers":                   jobj{},
		"error":                       nil,
		"query_status":                nil,
		"is_cached":                   false,
		"last_refresh":                isoTime(now),
		"next_allowed_client_refresh": isoTime(now.Add(time.Minute)),
		"cache_key":                   "cache_" + hex.EncodeToString(hash[:16]),
		"cache_target_age":            nil,
		"calculation_trigger":         nil,
		"timezone":                    c.loc.String(),
	}, nil
}

// columnType names the ClickHouse type of a supported select expression. The
// type strings are illustrative (UNVERIFIED, Q§3.1).
func columnType(col string) (string, bool) {
	switch {
	case col == "actor" || col == "person":
		return "Tuple(UUID, String)", true
	case col == "id":
		return "UUID", true
	case col == "person.$delete":
		return "UInt8", true
	case col == "created_at" || col == "last_seen_at":
		return "DateTime64(6, 'UTC')", true
	case col == "person_display_name":
		return "Tuple(String, UUID)", true
	case col == "is_identified":
		return "Bool", true
	case strings.HasPrefix(col, "properties.") || strings.HasPrefix(col, "person.properties."):
		return "Nullable(String)", true
	}
	return "", false
}

// actorCell is the PersonStrategy dict of Q§3.2 (newest copy).
func actorCell(p *person) jobj {
	ids := recordDistinctIDs(p)
	if len(ids) > 101 {
		ids = ids[:101]
	}
	return jobj{
		"id":            p.uuid,
		"properties":    propsOrEmpty(p.props),
		"is_identified": p.isIdentified,
		"created_at":    isoTime(p.createdAt),
		"last_seen_at":  isoTimePtr(p.lastSeenAt),
		"distinct_ids":  ids,
	}
}

func cellValue(col, id string, p *person) any {
	switch col {
	case "actor", "person":
		if p == nil {
			return jobj{"id": id}
		}
		return actorCell(p)
	case "id":
		return id
	case "person.$delete":
		return 1
	}
	if p == nil {
		return nil
	}
	switch col {
	case "created_at":
		return isoTime(p.createdAt)
	case "last_seen_at":
		return isoTimePtr(p.lastSeenAt)
	case "is_identified":
		return p.isIdentified
	case "person_display_name":
		return jobj{"display_name": displayName(p), "id": p.uuid}
	}
	key := strings.TrimPrefix(strings.TrimPrefix(col, "person."), "properties.")
	return p.props[key]
}

type orderTerm struct {
	expr string
	desc bool
}

// orderTerms implements the default order of Q§3.3: created_at DESC when
// selected, else the first column ASC. orderBy [] means "no ORDER BY"; the
// emulator then uses uuid order (one of the orders PostHog may return).
func (a *actorsRequest) orderTerms() ([]orderTerm, *queryError) {
	if a.orderBy == nil {
		if slices.Contains(a.sel, "created_at") {
			return []orderTerm{{"created_at", true}}, nil
		}
		return []orderTerm{{a.sel[0], false}}, nil
	}
	var out []orderTerm
	for _, raw := range a.orderBy {
		f := strings.Fields(raw)
		if len(f) == 0 || len(f) > 2 {
			return nil, qValidation("Unable to resolve field: " + raw)
		}
		t := orderTerm{expr: f[0]}
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "ASC":
			case "DESC":
				t.desc = true
			default:
				return nil, qValidation("Unable to resolve field: " + raw)
			}
		}
		if t.expr == "person" || t.expr == "actor" {
			t.expr = "properties.email" // first display-name property (Q§3.3)
		}
		if _, ok := columnType(t.expr); !ok {
			return nil, qValidation("Unable to resolve field: " + t.expr)
		}
		out = append(out, t)
	}
	return out, nil
}

func orderValue(expr, id string, p *person) any {
	switch expr {
	case "actor", "person", "id":
		return id
	case "person.$delete":
		return nil
	case "person_display_name":
		if p == nil {
			return nil
		}
		return displayName(p)
	}
	return cellValue(expr, id, p)
}

// compareOrder orders numbers before strings, NULLs last (ClickHouse default).
func compareOrder(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	fa, aNum := a.(float64)
	fb, bNum := b.(float64)
	switch {
	case aNum && bNum:
		return cmpFloat(fa, fb)
	case aNum:
		return -1
	case bNum:
		return 1
	}
	as, bs := orderString(a), orderString(b)
	return strings.Compare(as, bs)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func orderString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
