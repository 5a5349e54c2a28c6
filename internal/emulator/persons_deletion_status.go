package emulator

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// handleDeletionStatus implements GET deletion_status (docs/dev/posthog-behaviour.md#deletion-status): this team's Person
// AsyncDeletion rows, newest created_at first, under DRF LimitOffsetPagination.
func (s *Server) handleDeletionStatus(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: readScopes, methods: []string{"GET", "HEAD"}}) {
		return
	}
	q := r.URL.Query()
	// An empty value is DRF's "not given": the default all (docs/dev/posthog-behaviour.md#deletion-status).
	status := "all"
	if v := q.Get("status"); v != "" {
		status = v
	}
	if status != "all" && status != "pending" && status != "completed" {
		// DRF ChoiceField error; code invalid_choice is UNVERIFIED (docs/dev/posthog-behaviour.md#error-bodies).
		writeAttrError(w, "invalid_choice",
			`"`+status+`" is not a valid choice.`, "status")
		return
	}
	personUUID := ""
	if v, ok := q["person_uuid"]; ok && v[0] != "" {
		// DRF's UUIDField parses with uuid.UUID(hex=...).
		u, ok := pyUUID(v[0])
		if !ok {
			writeAttrError(w, "invalid", "Must be a valid UUID.", "person_uuid")
			return
		}
		personUUID = u
	}
	limit := 100
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	offset := 0
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}

	s.mu.Lock()
	var rows []*asyncDeletion
	for _, d := range s.st.deletions {
		if d.teamID != s.cfg.ProjectID || (personUUID != "" && d.key != personUUID) {
			continue
		}
		done := d.deleteVerifiedAt != nil
		if (status == "pending" && done) || (status == "completed" && !done) {
			continue
		}
		rows = append(rows, d)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].createdAt.Equal(rows[j].createdAt) {
			return rows[i].createdAt.After(rows[j].createdAt)
		}
		return rows[i].id > rows[j].id
	})
	count := len(rows)
	results := []map[string]any{}
	for i := offset; i < len(rows) && i < offset+limit; i++ {
		d := rows[i]
		st := "pending"
		if d.deleteVerifiedAt != nil {
			st = "completed"
		}
		results = append(results, map[string]any{
			"person_uuid":        d.key,
			"created_at":         isoTime(d.createdAt),
			"status":             st,
			"delete_verified_at": isoTimePtr(d.deleteVerifiedAt),
		})
	}
	s.mu.Unlock()

	body := map[string]any{"count": count, "next": nil, "previous": nil, "results": results}
	lim := strconv.Itoa(limit)
	if offset+limit < count {
		body["next"] = withParams(r, map[string]string{"limit": lim, "offset": strconv.Itoa(offset + limit)})
	}
	if offset > 0 {
		if offset-limit <= 0 {
			body["previous"] = withParams(r, map[string]string{"limit": lim}, "offset")
		} else {
			body["previous"] = withParams(r, map[string]string{"limit": lim, "offset": strconv.Itoa(offset - limit)})
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// RunDeletionJob runs the Dagster deletes_job (docs/dev/posthog-behaviour.md#event-deletion):
// it loads every pending Person row (the emulator has no person overrides, so no
// cut-off applies), deletes the events of the row's person whose timestamp and
// inserted_at are both at or before the row's created_at, then marks every
// loaded row verified. Events ingested after the request stay.
func (s *Server) RunDeletionJob() (rowsVerified, eventsDeleted int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var loaded []*asyncDeletion
	// At most one pending row per key exists (the partial unique constraint).
	cutoff := map[string]time.Time{}
	for _, d := range s.st.deletions {
		if d.deleteVerifiedAt == nil {
			loaded = append(loaded, d)
			cutoff[d.key] = d.createdAt
		}
	}
	if len(loaded) == 0 {
		return 0, 0
	}
	kept := s.st.events[:0]
	for _, e := range s.st.events {
		if c, ok := cutoff[e.personUUID]; ok && !e.timestamp.After(c) && !e.insertedAt.After(c) {
			eventsDeleted++
			continue
		}
		kept = append(kept, e)
	}
	clear(s.st.events[len(kept):])
	s.st.events = kept
	now := s.now()
	for _, d := range loaded {
		t := now
		d.deleteVerifiedAt = &t
	}
	return len(loaded), eventsDeleted
}

func (s *Server) deletionJobLoop(every time.Duration) {
	defer s.wg.Done()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			rows, events := s.RunDeletionJob()
			if rows > 0 {
				s.logf("deletion job: %d rows verified, %d events deleted", rows, events)
			}
		}
	}
}
