package emulator

// Asynchronous Query API answers (docs/dev/posthog-behaviour.md#query-api). With
// asynchronous queries on (Config.AsyncQueries or /_emulator/async-queries), a
// query whose refresh asks for a background calculation answers 202 with its
// query_status instead of the result, as PostHog does on a cache miss (the
// emulator has no cache, so every query misses). GET /query/<id>/ then answers
// 202 for the configured number of polls and 200 with the result after them.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// asyncStatusTTL is STATUS_TTL_SECONDS of execute_async.py, newest copy.
const asyncStatusTTL = 20 * time.Minute

// asyncQuery is one enqueued query: its answer is computed at once and revealed
// after pollsLeft polls.
type asyncQuery struct {
	id        string
	started   time.Time
	pollsLeft int
	result    jobj
	err       *queryError
}

// asyncRefresh: the refresh modes that enqueue on a cache miss. The others
// (blocking, force_blocking, force_cache upgraded to blocking, and
// async_except_on_cache_miss, blocking on a miss) always compute in the request.
func asyncRefresh(refresh any) bool {
	switch refresh {
	case "async", "force_async", "lazy_async":
		return true
	}
	return false
}

// SetAsyncQueries turns asynchronous answers on or off; polls is how many polls
// of a query answer 202 before the result (at least 1).
func (s *Server) SetAsyncQueries(enabled bool, polls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asyncQueries = enabled
	s.asyncPolls = max(polls, 1)
}

// enqueueQuery stores a computed answer under the query's id and answers 202
// with its status: {query_status} for force_async, CacheMissResponse
// {cache_key, query_status} for the others.
func (s *Server) enqueueQuery(w http.ResponseWriter, env queryEnvelope, result jobj, qerr *queryError) {
	id := env.clientQueryID
	if id == "" {
		id = uuid.New().String()
		id = id[:8] + id[9:13] + id[14:18] + id[19:23] + id[24:] // uuid4().hex
	}
	q := &asyncQuery{id: id, started: s.now(), result: result, err: qerr}
	s.mu.Lock()
	q.pollsLeft = s.asyncPolls
	s.st.asyncQueries[id] = q
	s.mu.Unlock()
	body := jobj{"query_status": s.queryStatus(q, false)}
	if env.refresh != "force_async" {
		body["cache_key"] = "cache_" + id
	}
	writeJSON(w, http.StatusAccepted, body)
}

// pollQuery answers GET /query/<id>/ as QueryViewSet.retrieve: 202 while
// running, 200 when complete, 400 for an error with a message, 500 for one
// without, 404 once the status has expired or was never there.
func (s *Server) pollQuery(w http.ResponseWriter, id string) {
	s.mu.Lock()
	q := s.liveQuery(id)
	done := false
	if q != nil {
		if q.pollsLeft > 0 {
			q.pollsLeft--
		} else {
			done = true
		}
	}
	s.mu.Unlock()
	if q == nil {
		s.queryNotFound(w, id)
		return
	}
	code := http.StatusAccepted
	switch {
	case done && q.err != nil && q.err.status < 500:
		code = http.StatusBadRequest
	case done && q.err != nil:
		code = http.StatusInternalServerError
	case done:
		code = http.StatusOK
	}
	writeJSON(w, code, jobj{"query_status": s.queryStatus(q, done)})
}

// cancelQuery answers DELETE /query/<id>/ (200 with a message, not the 204 the
// schema names).
func (s *Server) cancelQuery(w http.ResponseWriter, id string) {
	s.mu.Lock()
	q := s.liveQuery(id)
	if q != nil && q.pollsLeft > 0 {
		delete(s.st.asyncQueries, id)
	}
	s.mu.Unlock()
	switch {
	case q == nil:
		s.queryNotFound(w, id)
	case q.pollsLeft > 0:
		writeJSON(w, http.StatusOK, jobj{"message": "Cancelled query on clickhouse"})
	default:
		writeJSON(w, http.StatusOK, jobj{"message": "Query already complete"})
	}
}

// liveQuery returns the query unless its status has expired. s.mu held.
func (s *Server) liveQuery(id string) *asyncQuery {
	q := s.st.asyncQueries[id]
	if q != nil && s.now().Sub(q.started) >= asyncStatusTTL {
		delete(s.st.asyncQueries, id)
		return nil
	}
	return q
}

func (s *Server) queryNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "invalid_request", "not_found",
		"Query "+id+" not found for team "+strconv.Itoa(s.cfg.ProjectID))
}

// queryStatus is QueryStatus, dumped with every field as model_dump() does.
func (s *Server) queryStatus(q *asyncQuery, done bool) jobj {
	st := jobj{
		"id": q.id, "query_async": true, "team_id": s.cfg.ProjectID, "insight_id": nil, "dashboard_id": nil,
		"error": false, "complete": done, "error_message": nil, "results": nil,
		"pickup_time": nil, "start_time": isoTime(q.started), "end_time": nil,
		"expiration_time": isoTime(q.started.Add(asyncStatusTTL)), "task_id": nil, "query_progress": nil, "labels": nil,
	}
	if !done {
		return st
	}
	st["pickup_time"] = isoTime(q.started)
	st["end_time"] = isoTime(q.started)
	if q.err != nil {
		st["error"] = true
		if q.err.status < 500 {
			st["error_message"] = q.err.detail
		}
		return st
	}
	st["results"] = q.result
	return st
}
