package emulator

// Cohorts, after PostHog/posthog posthog/api/cohort.py (CohortViewSet,
// CohortSerializer; read at commit 18f8a88b and a newer products/cohorts version)
// and posthog/models/cohort/cohort.py. CohortViewSet has scope_object "cohort":
// list/retrieve need cohort:read, create/update need cohort:write, by the scope rules
// (docs/dev/posthog-behaviour.md#authentication-and-scopes);
// DELETE is ForbidDestroyModel's bare 405 (posthog/api/forbid_destroy_model.py):
// deletion is PATCH {"deleted": true}.

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

var (
	cohortRead  = []string{"cohort:read"}
	cohortWrite = []string{"cohort:write"}
)

const invalidStaticSource = "Invalid source for static cohort. Requires criteria, a csv, feature flag, existing cohort or query."

// handleCohortCollection: GET list (cohort:read), POST create (cohort:write).
func (s *Server) handleCohortCollection(w http.ResponseWriter, r *http.Request) {
	scopes := cohortRead
	if r.Method == http.MethodPost {
		scopes = cohortWrite
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "POST"}}) {
		return
	}
	if r.Method == http.MethodPost {
		s.createCohort(w, r)
		return
	}
	s.listCohorts(w, r)
}

func (s *Server) createCohort(w http.ResponseWriter, r *http.Request) {
	body, in, ok := decodeCohortRequest(w, r)
	if !ok {
		return
	}
	static := in.isStatic != nil && *in.isStatic
	tree, fe := checkFilters(in.filters, static)
	if fe != nil {
		writeFieldErr(w, fe)
		return
	}
	if in.query != nil && tree.hasValues() {
		errValidation(w, "Cannot set both query and filters at the same time.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &cohort{description: "", groups: []any{}, createdAt: s.now(), isStatic: static, members: map[string]bool{}, query: in.query}
	if in.name != nil {
		c.name = *in.name
	}
	if in.description != nil {
		c.description = *in.description
	}
	if in.hasGroups {
		c.groups = in.groups
	}
	if in.deleted != nil {
		c.deleted = *in.deleted
	}
	c.filters = in.filters
	c.tree = s.st.membershipTree(c, tree)
	if static {
		members, fe, ok := s.st.staticMembers(in, body.csv, tree)
		switch {
		case fe != nil:
			// PostHog has already saved the cohort at this point; the emulator
			// does not keep it (UNVERIFIED whether the request is atomic).
			writeFieldErr(w, fe)
			return
		case !ok:
			errValidation(w, invalidStaticSource)
			return
		}
		c.members = members
	} else if in.query != nil {
		errValidation(w, "Cannot create a dynamic cohort with a query. Set is_static to true.")
		return
	}
	now := s.now()
	c.lastCalculation = &now
	s.st.insertCohort(c)
	writeJSON(w, http.StatusCreated, cohortJSON(c, s.st.cohortCount(c)))
}

// listCohorts: non-deleted cohorts, -created_at, ?type=static|dynamic, ?search= (name
// icontains), DRF LimitOffsetPagination {count,next,previous,results}. PAGE_SIZE 100
// is from memory of posthog/settings (UNVERIFIED).
func (s *Server) listCohorts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	offset := 0
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}
	s.mu.Lock()
	var all []*cohort
	for _, c := range s.st.cohorts {
		if c.deleted {
			continue
		}
		switch q.Get("type") {
		case "static":
			if !c.isStatic {
				continue
			}
		case "dynamic":
			if c.isStatic {
				continue
			}
		}
		if search := q.Get("search"); search != "" && (c.name == nil || !strings.Contains(strings.ToLower(*c.name), strings.ToLower(search))) {
			continue
		}
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].createdAt.Equal(all[j].createdAt) {
			return all[i].createdAt.After(all[j].createdAt)
		}
		return all[i].id > all[j].id
	})
	results := []any{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		results = append(results, cohortJSON(all[i], s.st.cohortCount(all[i])))
	}
	s.mu.Unlock()
	body := map[string]any{"count": len(all), "next": nil, "previous": nil, "results": results}
	if offset+limit < len(all) {
		body["next"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit), "offset": strconv.Itoa(offset + limit)})
	}
	if offset > 0 {
		if offset-limit <= 0 {
			body["previous"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit)}, "offset")
		} else {
			body["previous"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit), "offset": strconv.Itoa(offset - limit)})
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// lookupCohort parses {cohort_id}; a non-integer or unknown id is 404 (get_object_or_404).
// s.mu must be held.
func (s *Server) lookupCohort(r *http.Request) *cohort {
	id, err := strconv.Atoi(r.PathValue("cohort_id"))
	if err != nil {
		return nil
	}
	return s.st.cohorts[id]
}

// handleCohortDetail: GET retrieve (deleted cohorts too), PATCH/PUT update, DELETE 405.
func (s *Server) handleCohortDetail(w http.ResponseWriter, r *http.Request) {
	scopes := cohortWrite
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		scopes = cohortRead
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "PATCH", "PUT", "DELETE"}}) {
		return
	}
	if r.Method == http.MethodDelete {
		// ForbidDestroyModel.destroy: Response(status=405), no body.
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.mu.Lock()
		c := s.lookupCohort(r)
		var body map[string]any
		if c != nil {
			body = cohortJSON(c, s.st.cohortCount(c))
		}
		s.mu.Unlock()
		if c == nil {
			errNotFound(w)
			return
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	s.updateCohort(w, r)
}

// updateCohort is CohortSerializer.update: name/description/groups/is_static/filters/
// query replace when sent; deleted toggles the soft delete; a csv adds static members.
func (s *Server) updateCohort(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	exists := s.lookupCohort(r) != nil
	s.mu.Unlock()
	if !exists {
		errNotFound(w) // get_object runs before the body is validated
		return
	}
	body, in, ok := decodeCohortRequest(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCohort(r)
	if c == nil {
		errNotFound(w)
		return
	}
	static := c.isStatic
	if in.isStatic != nil && *in.isStatic {
		static = true // validate_filters skips when initial is_static or instance.is_static
	}
	tree, fe := checkFilters(in.filters, static)
	if fe != nil {
		writeFieldErr(w, fe)
		return
	}
	var csvUUIDs []string
	deleting := in.deleted != nil && *in.deleted
	newStatic := c.isStatic
	if in.isStatic != nil {
		newStatic = *in.isStatic
	}
	if body.csv != nil && newStatic && !deleting {
		ids, fe := parseCohortCSV(body.csv)
		if fe != nil {
			writeFieldErr(w, fe)
			return
		}
		csvUUIDs = s.st.resolveCSVIDs(ids)
	}
	// will_create_loops: a dynamic cohort may not reach itself through cohort filters.
	if in.hasFilters && tree != nil && !newStatic {
		if msg := s.st.cohortLoop(c.id, tree); msg != "" {
			errValidation(w, msg)
			return
		}
	}
	s.st.updateCohortRow(c, in, tree, newStatic, csvUUIDs, s.now())
	writeJSON(w, http.StatusOK, cohortJSON(c, s.st.cohortCount(c)))
}

// handleAddPersonsToStaticCohort: PATCH .../cohorts/:id/add_persons_to_static_cohort/
// {"person_ids": [uuid, ...]} (cohort:write), answering 200 {"success": true}.
func (s *Server) handleAddPersonsToStaticCohort(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortWrite, methods: []string{"PATCH"}}) {
		return
	}
	s.mu.Lock()
	exists := s.lookupCohort(r) != nil
	s.mu.Unlock()
	if !exists {
		errNotFound(w)
		return
	}
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCohort(r)
	if c == nil {
		errNotFound(w)
		return
	}
	if !c.isStatic {
		errValidation(w, "Can only add users to static cohorts")
		return
	}
	obj, _ := raw.(map[string]any)
	list, ok := obj["person_ids"].([]any)
	switch {
	case !ok:
		errValidation(w, "person_ids must be a list")
		return
	case len(list) == 0:
		errValidation(w, "person_ids cannot be empty")
		return
	case len(list) > cohortBatchLimit:
		errValidation(w, "List size exceeds limit")
		return
	}
	ids := make([]string, 0, len(list))
	for _, v := range list {
		if str, ok := v.(string); ok {
			ids = append(ids, str)
		}
	}
	uuids := s.st.resolvePersonUUIDs(ids)
	if len(uuids) == 0 {
		errValidation(w, "No valid users to add to cohort")
		return
	}
	for _, u := range uuids {
		c.members[u] = true
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}

// handleRemovePersonFromStaticCohort: PATCH .../remove_person_from_static_cohort/
// {"person_id": uuid} (cohort:write).
func (s *Server) handleRemovePersonFromStaticCohort(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortWrite, methods: []string{"PATCH"}}) {
		return
	}
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCohort(r)
	if c == nil {
		errNotFound(w)
		return
	}
	if !c.isStatic {
		errValidation(w, "Can only remove users from static cohorts")
		return
	}
	obj, _ := raw.(map[string]any)
	v := obj["person_id"]
	if !truthy(v) {
		errValidation(w, "person_id is required")
		return
	}
	str, ok := v.(string)
	if !ok {
		errValidation(w, "person_id must be a string")
		return
	}
	u, err := uuid.Parse(str)
	if err != nil {
		errValidation(w, "person_id must be a valid UUID")
		return
	}
	if s.st.persons[u.String()] == nil {
		writeError(w, http.StatusNotFound, "invalid_request", "not_found", "Person with this UUID does not exist in the cohort's team")
		return
	}
	if !c.members[u.String()] {
		writeError(w, http.StatusNotFound, "invalid_request", "not_found", "Person is not part of the cohort")
		return
	}
	delete(c.members, u.String())
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}
