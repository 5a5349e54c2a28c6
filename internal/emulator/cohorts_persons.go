package emulator

// GET /cohorts/:cohort_id/persons/: the persons of one cohort
// (docs/dev/posthog-behaviour.md#cohorts).

import (
	"net/http"
	"sort"
	"strconv"
)

// cohortPersonsDistinctIDs is the distinct_id_limit the persons action passes
// to get_serialized_people (docs/dev/posthog-behaviour.md#cohorts).
const cohortPersonsDistinctIDs = 10

// handleCohortPersons is CohortViewSet.persons: cohort:read and person:read;
// get_object finds deleted cohorts too, so a deleted cohort answers 200 with
// the members PostHog has not yet cleaned up. Pages are limit/offset (default
// 100), next is set whenever a page is full.
func (s *Server) handleCohortPersons(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortScopes, methods: []string{"GET", "HEAD"}}) {
		return
	}
	limit := intParam(r, "limit", 100)
	if limit == 0 {
		limit = 100 // Filter.limit 0 is falsy: the action sets 100
	}
	offset := intParam(r, "offset", 0)

	s.mu.Lock()
	c := s.lookupCohort(r)
	if c == nil {
		s.mu.Unlock()
		errNotFound(w)
		return
	}
	members := s.st.cohortMembers(c)
	page := []*person{}
	if offset < len(members) {
		page = members[offset:min(offset+limit, len(members))]
	}
	results := make([]map[string]any, len(page))
	for i, p := range page {
		results[i] = cohortPersonJSON(p)
	}
	s.mu.Unlock()

	body := map[string]any{"results": results, "next": nil, "previous": nil}
	if len(results) >= limit {
		body["next"] = withParams(r, map[string]string{"offset": strconv.Itoa(offset + limit), "limit": strconv.Itoa(limit)})
	}
	if offset-limit >= 0 {
		body["previous"] = withParams(r, map[string]string{"offset": strconv.Itoa(offset - limit), "limit": strconv.Itoa(limit)})
	}
	writeJSON(w, http.StatusOK, body)
}

// cohortMembers lists a cohort's existing persons in PersonQuery's paginated
// order: created_at descending, then person UUID ascending.
func (st *store) cohortMembers(c *cohort) []*person {
	var out []*person
	for _, p := range st.persons {
		if st.cohortHas(matchCtx{st: st}, c, p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].createdAt.Equal(out[j].createdAt) {
			return out[i].createdAt.After(out[j].createdAt)
		}
		return out[i].uuid < out[j].uuid
	})
	return out
}

// cohortPersonJSON is the list shape with at most cohortPersonsDistinctIDs
// distinct ids.
func cohortPersonJSON(p *person) map[string]any {
	m := serializedPerson(p)
	if ids, ok := m["distinct_ids"].([]string); ok && len(ids) > cohortPersonsDistinctIDs {
		m["distinct_ids"] = ids[:cohortPersonsDistinctIDs]
	}
	return m
}
