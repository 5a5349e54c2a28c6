package emulator

// GET /persons/cohorts/?person_id=: the cohorts one person belongs to
// (docs/dev/posthog-behaviour.md#cohorts).

import (
	"net/http"
	"sort"
)

// handleCohorts is the persons cohorts action (docs/dev/posthog-behaviour.md#cohorts): person:read AND cohort:read;
// 200 {"results": [{id, name, count}]} for the person's non-deleted cohorts, static
// and dynamic. Order is by id (the view's queryset has no order_by; UNVERIFIED).
func (s *Server) handleCohorts(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortScopes, methods: []string{"GET", "HEAD"}}) {
		return
	}
	if key := s.keyFor(r); key != nil && key.NoCurrentTeam {
		// The action reads request.user.team before anything else and hand-builds
		// this body when it is missing (docs/dev/posthog-behaviour.md#error-bodies)
		// (docs/dev/posthog-behaviour.md#cohorts).
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"message": "Could not retrieve team",
			"detail":  "Could not validate team associated with user",
		})
		return
	}
	vals, ok := r.URL.Query()["person_id"]
	if !ok {
		// request.GET["person_id"] raises KeyError → unhandled → 500, UNVERIFIED
		// (docs/dev/posthog-behaviour.md#cohorts).
		errServer(w)
		return
	}
	kind, id, u := parsePersonRef(vals[0])
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookupRef(kind, id, u)
	if p == nil {
		errNotFound(w)
		return
	}
	ids := make([]int, 0, len(s.st.cohorts))
	for cid := range s.st.cohorts {
		ids = append(ids, cid)
	}
	sort.Ints(ids)
	results := []any{}
	for _, cid := range ids {
		c := s.st.cohorts[cid]
		if c.deleted || !s.st.cohortHas(matchCtx{st: s.st}, c, p) {
			continue
		}
		var name any
		if c.name != nil {
			name = *c.name
		}
		// CohortMinimalSerializer: exactly {id, name, count}.
		results = append(results, map[string]any{"id": c.id, "name": name, "count": s.st.cohortCount(c)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
