package emulator

// ActorsQuery: parsing, then filtering, ordering, paging and shaping the actors
// a source yields (docs/dev/posthog-behaviour.md#actors-query-answers).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

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
	maxActorsLimit     = 50000 // MAX_SELECT_RETURNED_ROWS, newer copies (docs/dev/posthog-behaviour.md#actors-query-answers)
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
	p1, err := parsePFilters(querySyntax, loc+".properties", q["properties"])
	if err != nil {
		return nil, err
	}
	p2, err := parsePFilters(querySyntax, loc+".fixedProperties", q["fixedProperties"])
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

// runActorsQuery runs an ActorsQuery (docs/dev/posthog-behaviour.md#actors-query-answers).
func (s *Server) runActorsQuery(q jobj) (jobj, *queryError) {
	a, err := parseActorsRequest(q)
	if err != nil {
		return nil, err
	}
	c := s.teamClock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.bindFilter(a.props); err != nil {
		return nil, err
	}
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
		if err := s.st.bindEntities(spec.series, missingActionInLifecycle); err != nil {
			return nil, err
		}
		if err := s.bindInsightFilters(spec.props, spec.testAccounts); err != nil {
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

// actorsResponse filters, orders, pages and shapes actors (docs/dev/posthog-behaviour.md#actors-query-answers). s.mu held.
func (s *Server) actorsResponse(c teamClock, a *actorsRequest, actors []string) (jobj, *queryError) {
	type row struct {
		id string
		p  *person
	}
	rows := make([]row, 0, len(actors))
	for _, id := range actors {
		p := s.st.hogqlPerson(id)
		if p == nil {
			continue // the INNER JOIN with persons drops deleted actors
		}
		if a.search != "" && !fuzzyMatch(p, strings.ToLower(a.search)) {
			continue
		}
		if a.props != nil && !a.props.match(nil, p) {
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
	for i, r := range page {
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
		"missing_actors_count":        missingActorsCount(a.sel),
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

// missingActorsCount is null unless an actor column is enriched; then it counts
// page rows whose person the Postgres lookup did not find. Every person the
// emulator's persons table joins also has its Postgres row (the tombstone is
// written first and a failed Postgres delete keeps the row), so it is 0
// (docs/dev/posthog-behaviour.md#actors-query-answers).
func missingActorsCount(sel []string) any {
	for _, col := range sel {
		if col == "person" || col == "actor" || col == "group" {
			return 0
		}
	}
	return nil
}

// columnType names the ClickHouse type of a supported select expression. The
// type strings are illustrative, UNVERIFIED (docs/dev/posthog-behaviour.md#actors-query-answers).
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

// actorCell is the PersonStrategy dict, newest copy (docs/dev/posthog-behaviour.md#actors-query-answers).
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

// orderTerms implements the default order (docs/dev/posthog-behaviour.md#actors-query-answers): created_at DESC when
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
			t.expr = "properties.email" // first display-name property (docs/dev/posthog-behaviour.md#actors-query-answers)
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
