package emulator

// GET /persons/ (and /persons.csv): the persons list with its search and
// ?properties= filters (docs/dev/posthog-behaviour.md#listing-persons).

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// createNotAllowed is PersonViewSet.create's MethodNotAllowed detail (docs/dev/posthog-behaviour.md#authentication-and-scopes); the
// exact wording is from memory of the source (UNVERIFIED).
const createNotAllowed = "Creating persons via this API is not allowed. Please create persons by sending an $identify event. See https://posthog.com/docs/product-analytics/identify for details."

func (s *Server) handlePersonsCollection(w http.ResponseWriter, r *http.Request) {
	scopes := readScopes
	if r.Method == http.MethodPost {
		scopes = writeScopes // "create" is a default write action
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "POST"}}) {
		return
	}
	if r.Method == http.MethodPost {
		errMethodNotAllowedDetail(w, createNotAllowed)
		return
	}
	s.listPersons(w, r, r.URL.Query().Get("format") == "csv")
}

// handlePersonsCSVSuffix serves /persons.csv (docs/dev/posthog-behaviour.md#listing-persons).
func (s *Server) handlePersonsCSVSuffix(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: readScopes, methods: []string{"GET", "HEAD"}}) {
		return
	}
	s.listPersons(w, r, true)
}

func errMethodNotAllowedDetail(w http.ResponseWriter, detail string) {
	writeError(w, http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", detail)
}

var emailLike = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// listPersons implements GET list (docs/dev/posthog-behaviour.md#listing-persons): filters, created_at DESC / id DESC order,
// hand-built {results, next, previous[, count]} with next set whenever the page is full.
func (s *Server) listPersons(w http.ResponseWriter, r *http.Request, csvOut bool) {
	q := r.URL.Query()
	limit := intParam(r, "limit", 100)
	if limit == 0 {
		limit = 100 // limit=0 is not meaningful; treated as the default (UNVERIFIED)
	}
	offset := intParam(r, "offset", 0)
	if cid := q.Get("client_query_id"); len(cid) > 128 {
		writeAttrError(w, "invalid_input",
			"Ensure this field has no more than 128 characters.", "client_query_id")
		return
	}
	filters, notEvaluated, err := parsePersonsListFilters(q.Get("properties"))
	if err != nil {
		writeAttrError(w, "invalid_input", err.Error(), "properties")
		return
	}
	if notEvaluated != "" {
		qUnsupported("the property operator " + strconv.Quote(notEvaluated)).write(w)
		return
	}

	s.mu.Lock()
	all := s.st.sortedPersons()
	exact := false // a single exact hit: next is null
	var matched []*person
	if did, ok := q["distinct_id"]; ok {
		if p := s.st.byDistinctID[did[0]]; p != nil {
			matched, exact = []*person{p}, true
		}
	} else {
		matched = all
	}
	if email := q.Get("email"); email != "" {
		byEmail := propertyTest{key: "email", op: "exact", value: email}
		matched = filterPersons(matched, func(p *person) bool { return byEmail.matches(p.props) })
	}
	if search := strings.TrimSpace(q.Get("search")); search != "" && !exact {
		var hit *person
		if emailLike.MatchString(search) {
			for _, p := range matched {
				if e, ok := p.props["email"].(string); ok && strings.EqualFold(e, search) {
					hit = p
					break
				}
			}
		} else if u, err := uuid.Parse(search); err == nil && strings.Count(search, "-") == 4 {
			for _, p := range matched {
				if p.uuid == u.String() || containsString(p.distinctIDs, search) {
					hit = p
					break
				}
			}
		}
		if hit != nil {
			matched, exact = []*person{hit}, true
		} else {
			needle := strings.ToLower(search)
			matched = filterPersons(matched, func(p *person) bool { return fuzzyMatch(p, needle) })
		}
	}
	if len(filters) > 0 {
		matched = filterPersons(matched, func(p *person) bool { return filters.match(p) })
	}
	total := len(matched)

	if csvOut {
		// PaginatedCSVRenderer: offset 0, CSV_EXPORT_LIMIT rows (50 000 chosen, UNVERIFIED).
		if len(matched) > csvExportLimit {
			matched = matched[:csvExportLimit]
		}
		rows := make([]map[string]any, len(matched))
		for i, p := range matched {
			rows[i] = serializedPerson(p)
		}
		s.mu.Unlock()
		writeCSV(w, rows)
		return
	}

	page := []*person{}
	if offset < len(matched) {
		end := min(offset+limit, len(matched))
		page = matched[offset:end]
	}
	results := make([]map[string]any, len(page))
	for i, p := range page {
		results[i] = serializedPerson(p)
	}
	s.mu.Unlock()

	body := map[string]any{"results": results, "next": nil, "previous": nil}
	if !exact && len(results) >= limit {
		body["next"] = withParams(r, map[string]string{"offset": strconv.Itoa(offset + limit), "limit": strconv.Itoa(limit)})
	}
	if offset-limit >= 0 {
		body["previous"] = withParams(r, map[string]string{"offset": strconv.Itoa(offset - limit), "limit": strconv.Itoa(limit)})
	}
	if _, ok := q["include_total"]; ok {
		body["count"] = total
	}
	writeJSON(w, http.StatusOK, body)
}

const csvExportLimit = 50000

func filterPersons(in []*person, keep func(*person) bool) []*person {
	out := []*person{}
	for _, p := range in {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// fuzzyMatch: case-insensitive substring of email, name, person uuid or a distinct id.
func fuzzyMatch(p *person, needle string) bool {
	for _, k := range []string{"email", "name"} {
		if v, ok := p.props[k]; ok && strings.Contains(strings.ToLower(toString(v)), needle) {
			return true
		}
	}
	if strings.Contains(p.uuid, needle) {
		return true
	}
	for _, d := range p.distinctIDs {
		if strings.Contains(strings.ToLower(d), needle) {
			return true
		}
	}
	return false
}

// personsListFilters is the list endpoint's ?properties=: a JSON array of
// property filters, AND-ed. Person filters are evaluated under
// personsListOperators; filters of other types are not emulated and skipped.
type personsListFilters []propertyTest

// parsePersonsListFilters decodes ?properties=. A PostHog operator the emulator
// does not evaluate comes back as notEvaluated (the caller answers 501).
func parsePersonsListFilters(raw string) (filters personsListFilters, notEvaluated string, err error) {
	if raw == "" {
		return nil, "", nil
	}
	var entries []struct {
		Key      string `json:"key"`
		Value    any    `json:"value"`
		Operator any    `json:"operator"`
		Type     string `json:"type"`
	}
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		return nil, "", detailError("Properties must be a JSON array of property filters.")
	}
	for _, e := range entries {
		if e.Type != "" && e.Type != "person" {
			continue
		}
		op, problem := personsListOperators.resolve(e.Operator)
		if problem == operatorNotEvaluated {
			return nil, op, nil
		}
		filters = append(filters, propertyTest{key: e.Key, op: op, value: e.Value})
	}
	return filters, "", nil
}

func (fs personsListFilters) match(p *person) bool {
	for _, f := range fs {
		if !f.matches(p.props) {
			return false
		}
	}
	return true
}
