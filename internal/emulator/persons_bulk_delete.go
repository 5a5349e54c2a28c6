package emulator

import (
	"net/http"
	"time"
)

const maxBulkDelete = 1000

type deleteOpts struct {
	deleteEvents, deleteRecordings, keepPerson bool
}

type deletionError struct {
	PersonUUID string `json:"person_uuid"`
	Step       string `json:"step"`
}

type deleteResult struct {
	PersonsFound     int             `json:"persons_found"`
	PersonsDeleted   int             `json:"persons_deleted"`
	PersonsQueued    int             `json:"persons_queued_for_deletion"`
	EventsQueued     bool            `json:"events_queued_for_deletion"`
	RecordingsQueued bool            `json:"recordings_queued_for_deletion"`
	DeletionErrors   []deletionError `json:"deletion_errors"`
}

// handleBulkDelete implements POST bulk_delete (docs/dev/posthog-behaviour.md#bulk-delete).
func (s *Server) handleBulkDelete(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: writeScopes, methods: []string{"POST"}, deletion: true}) {
		return
	}
	body, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	obj, ok := body.(map[string]any)
	if !ok {
		// request.data.get on a JSON array/scalar raises AttributeError → 500 (UNVERIFIED).
		errServer(w)
		return
	}
	ids, dids := obj["ids"], obj["distinct_ids"]
	// The validation order (docs/dev/posthog-behaviour.md#bulk-delete); every check is on Python truthiness.
	switch {
	case truthy(ids) && truthy(dids):
		errValidation(w, "You must provide either distinct_ids or ids, not both")
		return
	case truthy(dids) && pyLen(dids) > maxBulkDelete:
		errValidation(w, "You can only pass 1000 distinct_ids in one call")
		return
	case truthy(ids) && pyLen(ids) > maxBulkDelete:
		errValidation(w, "You can only pass 1000 ids in one call")
		return
	case !truthy(ids) && !truthy(dids):
		errValidation(w, "You need to specify either distinct_ids or ids")
		return
	}
	list := dids
	if truthy(ids) {
		list = ids
	}
	values, isList := list.([]any)
	if !isList {
		// Non-list ids/distinct_ids are unvalidated upstream and fail somewhere in
		// personhog, UNVERIFIED (docs/dev/posthog-behaviour.md#bulk-delete); the emulator answers a clear 400 instead.
		errValidation(w, "ids and distinct_ids must be lists of strings")
		return
	}
	opts := deleteOpts{
		deleteEvents:     truthy(obj["delete_events"]),
		deleteRecordings: truthy(obj["delete_recordings"]),
		keepPerson:       truthy(obj["keep_person"]),
	}
	s.mu.Lock()
	persons := s.resolveLocked(values, truthy(ids))
	res := s.deletePersonsLocked(persons, opts)
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, res)
}

func pyLen(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case string:
		return len([]rune(x))
	case map[string]any:
		return len(x)
	}
	return 0
}

// resolveLocked maps ids (person uuids) or distinct ids to persons, each once,
// in request order. Non-UUID strings in ids match nothing (UNVERIFIED).
func (s *Server) resolveLocked(values []any, byUUID bool) []*person {
	seen := map[*person]bool{}
	var out []*person
	for _, v := range values {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var p *person
		if byUUID {
			if u, ok := pyUUID(str); ok {
				p = s.st.persons[u]
			}
		} else {
			p = s.st.byDistinctID[str]
		}
		if p != nil && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// deletePersonsLocked runs _bulk_delete_persons for resolved persons in the
// configured mode. s.mu must be held.
func (s *Server) deletePersonsLocked(persons []*person, o deleteOpts) deleteResult {
	res := deleteResult{
		PersonsFound:     len(persons),
		EventsQueued:     o.deleteEvents && len(persons) > 0,
		RecordingsQueued: o.deleteRecordings && len(persons) > 0,
		DeletionErrors:   []deletionError{},
	}
	now := s.now()
	if o.deleteEvents {
		// One row per found person, deleted or not (docs/dev/posthog-behaviour.md#event-deletion).
		for _, p := range persons {
			s.st.queueEventDeletion(s.cfg.ProjectID, p.uuid, now)
		}
	}
	if s.cfg.BulkDeleteMode == "async" {
		// Async path: AsyncDeletion rows now, person rows "shortly after" via the
		// queue; deletion_errors is always empty (docs/dev/posthog-behaviour.md#bulk-delete).
		due := time.Now().Add(s.cfg.AsyncDeleteDelay)
		for _, p := range persons {
			if !o.keepPerson {
				s.st.queued = append(s.st.queued, queuedDeletion{uuid: p.uuid, due: due})
				res.PersonsQueued++
			}
		}
		return res
	}
	var profile []*person
	for _, p := range persons {
		step, failed := s.st.takeFailure(p.uuid, func(step string) bool { return earlyStep(step) && stepRuns(step, o) })
		if failed {
			res.DeletionErrors = append(res.DeletionErrors, deletionError{PersonUUID: p.uuid, Step: step})
		}
		// A failed recording-workflow start leaves the profile deletion to run;
		// the other early failures keep the person.
		if !o.keepPerson && (!failed || step == "queue_recording_deletion") {
			profile = append(profile, p)
		}
	}
	deleted, errs := s.st.tombstoneAndDelete(profile)
	res.PersonsDeleted = len(deleted)
	res.DeletionErrors = append(res.DeletionErrors, errs...)
	return res
}

// stepRuns says whether an early step executes for these options, so an armed
// failure for a skipped step is not consumed.
func stepRuns(step string, o deleteOpts) bool {
	if step == "queue_recording_deletion" {
		return o.deleteRecordings
	}
	return true
}

// earlyStep: steps before the ClickHouse tombstone, which fail person by person.
func earlyStep(step string) bool {
	switch step {
	case "resolve_persons", "fetch_distinct_ids", "queue_training_deletion", "queue_recording_deletion":
		return true
	}
	return false
}

// tombstoneAndDelete is _tombstone_and_delete_persons
// (docs/dev/posthog-behaviour.md#bulk-delete): a ClickHouse tombstone per person
// (a failure leaves out that person), then one Postgres delete for the survivors
// (a failure lists every survivor with step delete_postgres and deletes none),
// then the activity log (a failure is reported, the persons stay deleted).
func (st *store) tombstoneAndDelete(persons []*person) (deleted []*person, errs []deletionError) {
	var survivors []*person
	for _, p := range persons {
		if step, failed := st.takeFailure(p.uuid, isStep("tombstone_clickhouse")); failed {
			errs = append(errs, deletionError{PersonUUID: p.uuid, Step: step})
			continue
		}
		p.tombstoned = true
		survivors = append(survivors, p)
	}
	if len(survivors) == 0 {
		return nil, errs
	}
	if st.takePostgresFailure(survivors) {
		for _, p := range survivors {
			errs = append(errs, deletionError{PersonUUID: p.uuid, Step: "delete_postgres"})
		}
		return nil, errs
	}
	for _, p := range survivors {
		st.deletePerson(p)
		if step, failed := st.takeFailure(p.uuid, isStep("log_activity")); failed {
			errs = append(errs, deletionError{PersonUUID: p.uuid, Step: step})
		}
	}
	return survivors, errs
}

// takePostgresFailure says whether this Postgres batch delete fails: a
// batch-wide failure is armed, or a failure at delete_postgres is armed for one
// of the batch's persons. Every armed failure it meets is consumed once.
func (st *store) takePostgresFailure(batch []*person) bool {
	failed := false
	if st.postgresFails > 0 {
		st.postgresFails--
		failed = true
	}
	for _, p := range batch {
		if _, ok := st.takeFailure(p.uuid, isStep("delete_postgres")); ok {
			failed = true
		}
	}
	return failed
}

func isStep(want string) func(string) bool {
	return func(step string) bool { return step == want }
}

// destroyPerson implements DELETE /persons/{id}/ (docs/dev/posthog-behaviour.md#retrieving-and-deleting-one-person): bulk delete of one uuid,
// flags by presence of the query parameter, 202 with an empty body.
func (s *Server) destroyPerson(w http.ResponseWriter, r *http.Request, kind refKind, id int64, u string) {
	q := r.URL.Query()
	_, de := q["delete_events"]
	_, dr := q["delete_recordings"]
	_, kp := q["keep_person"]
	s.mu.Lock()
	p := s.lookupRef(kind, id, u)
	if p == nil {
		s.mu.Unlock()
		errNotFound(w)
		return
	}
	res := s.deletePersonsLocked([]*person{p}, deleteOpts{deleteEvents: de, deleteRecordings: dr, keepPerson: kp})
	s.mu.Unlock()
	for _, e := range res.DeletionErrors {
		if e.Step == "log_activity" {
			continue // a failed activity-log write never causes the 503 (PR #103144)
		}
		// After PR #103144 (PR text only): 503 person_deletion_failed naming the
		// step; the wording of the detail is UNVERIFIED.
		writeError(w, http.StatusServiceUnavailable, "server_error", "person_deletion_failed",
			"Person deletion failed at step '"+e.Step+"'. The person was not deleted; please retry.")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// FlushQueuedDeletions performs every queued (async-mode) person deletion now and
// returns how many persons were deleted.
func (s *Server) FlushQueuedDeletions() int {
	return s.processQueue(time.Time{})
}

// processQueue runs the queued (async-mode) deletions due at or before wall
// time due (zero = all) as one task batch. An armed failure makes a person's
// attempt fail; it stays queued and is retried later, like the Celery task's
// retries.
func (s *Server) processQueue(due time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keep []queuedDeletion
	var batch []*person
	for _, q := range s.st.queued {
		if !due.IsZero() && q.due.After(due) {
			keep = append(keep, q)
			continue
		}
		p := s.st.persons[q.uuid]
		if p == nil {
			continue
		}
		if _, failed := s.st.takeFailure(p.uuid, earlyStep); failed {
			keep = append(keep, s.retry(q))
			continue
		}
		batch = append(batch, p)
	}
	deleted, errs := s.st.tombstoneAndDelete(batch)
	for _, e := range errs {
		if e.Step != "log_activity" {
			keep = append(keep, s.retry(queuedDeletion{uuid: e.PersonUUID}))
		}
	}
	s.st.queued = keep
	return len(deleted)
}

func (s *Server) retry(q queuedDeletion) queuedDeletion {
	q.due = time.Now().Add(s.cfg.AsyncDeleteDelay)
	return q
}

func (s *Server) queueLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			s.processQueue(now)
		}
	}
}

// FailDeletions arms failures: the next `times` deletion attempts of each person
// fail at step. Every step fails person by person except delete_postgres: a
// person armed at that step fails the whole Postgres batch it is part of, as
// PostHog's single Postgres delete does (docs/dev/posthog-behaviour.md#bulk-delete).
func (s *Server) FailDeletions(personUUIDs []string, step string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, raw := range personUUIDs {
		k := raw
		if u, ok := pyUUID(raw); ok {
			k = u
		}
		s.st.failures[k] = append(s.st.failures[k], &failureSpec{step: step, remaining: times})
	}
}

// FailPostgresDeletes makes the next `times` Postgres batch deletes fail,
// whichever persons they hold: every person of such a batch is reported at step
// delete_postgres and none is deleted (docs/dev/posthog-behaviour.md#bulk-delete).
func (s *Server) FailPostgresDeletes(times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.postgresFails += times
}
