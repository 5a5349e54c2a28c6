package emulator

// GET /persons/{id}/ and the batch_by_distinct_ids / batch_by_uuids lookups
// (docs/dev/posthog-behaviour.md#batch-lookups). DELETE /persons/{id}/ is in
// persons_bulk_delete.go.

import (
	"net/http"
)

var (
	readScopes   = []string{"person:read"}
	writeScopes  = []string{"person:write"}
	cohortScopes = []string{"person:read", "cohort:read"}
)

// notAPersonID is safely_get_object's ValidationError, naming the id sent
// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
func notAPersonID(id string) string {
	return "The ID provided does not look like a personID. If you are using a distinctId, please use /persons?distinct_id=" + id + " instead."
}

// handlePersonDetail serves /persons/{id}/: GET retrieve, DELETE destroy.
// update/partial_update are not emulated (405).
func (s *Server) handlePersonDetail(w http.ResponseWriter, r *http.Request) {
	scopes := readScopes
	if r.Method == http.MethodDelete {
		scopes = writeScopes
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "DELETE"}, deletion: r.Method == http.MethodDelete}) {
		return
	}
	kind, id, u := parsePersonRef(r.PathValue("id"))
	if kind == refInvalid {
		errValidation(w, notAPersonID(r.PathValue("id")))
		return
	}
	if r.Method == http.MethodDelete {
		s.destroyPerson(w, r, kind, id, u)
		return
	}
	s.mu.Lock()
	p := s.lookupRef(kind, id, u)
	var body map[string]any
	if p != nil {
		body = personRecord(p)
	}
	s.mu.Unlock()
	if p == nil {
		errNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// handleBatchByDistinctIDs (docs/dev/posthog-behaviour.md#batch-lookups): bad input is 200 {"results": {}}, 200-id cap,
// results keyed by the requested distinct id.
func (s *Server) handleBatchByDistinctIDs(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: readScopes, methods: []string{"POST"}}) {
		return
	}
	body, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	results := map[string]any{}
	obj, _ := body.(map[string]any)
	ids, _ := obj["distinct_ids"].([]any)
	if len(ids) > maxBatch {
		ids = ids[:maxBatch]
	}
	s.mu.Lock()
	for _, v := range ids {
		d, ok := v.(string)
		if !ok {
			continue
		}
		if p := s.st.byDistinctID[d]; p != nil {
			results[d] = minimalPerson(p)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

const maxBatch = 200

// handleBatchByUUIDs (docs/dev/posthog-behaviour.md#batch-lookups): like batch_by_distinct_ids, but every uuid must parse
// (400 otherwise) and keys are the canonical lower-case uuid.
func (s *Server) handleBatchByUUIDs(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: readScopes, methods: []string{"POST"}}) {
		return
	}
	body, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	obj, _ := body.(map[string]any)
	raw, _ := obj["uuids"].([]any)
	if len(raw) > maxBatch {
		raw = raw[:maxBatch]
	}
	keys := make([]string, 0, len(raw))
	for _, v := range raw {
		str, _ := v.(string)
		u, ok := pyUUID(str)
		if !ok {
			errValidation(w, "One or more UUIDs are invalid.")
			return
		}
		keys = append(keys, u)
	}
	results := map[string]any{}
	s.mu.Lock()
	for _, k := range keys {
		if p := s.st.persons[k]; p != nil {
			results[k] = minimalPerson(p)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
