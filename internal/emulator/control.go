package emulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// controlRoutes registers the /_emulator/* test controls. They need no auth, are
// never faulted and are not counted in stats.
func (s *Server) controlRoutes() {
	s.ctl.HandleFunc("GET /_emulator/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	s.ctl.HandleFunc("POST /_emulator/stats/reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	s.ctl.HandleFunc("POST /_emulator/run-deletion-job", func(w http.ResponseWriter, r *http.Request) {
		rows, events := s.RunDeletionJob()
		writeJSON(w, http.StatusOK, map[string]any{"rows_verified": rows, "events_deleted": events})
	})
	s.ctl.HandleFunc("POST /_emulator/flush-queued-deletions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"persons_deleted": s.FlushQueuedDeletions()})
	})
	s.ctl.HandleFunc("POST /_emulator/deletion-failures", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			PersonUUIDs []string `json:"person_uuids"`
			Step        string   `json:"step"`
			Times       *int     `json:"times"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			controlError(w, "invalid JSON: "+err.Error())
			return
		}
		if !validSteps[body.Step] {
			controlError(w, "unknown step "+body.Step)
			return
		}
		times := 1
		if body.Times != nil {
			times = *body.Times
		}
		s.FailDeletions(body.PersonUUIDs, body.Step, times)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	s.ctl.HandleFunc("POST /_emulator/postgres-delete-failures", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Times *int `json:"times"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			controlError(w, "invalid JSON: "+err.Error())
			return
		}
		times := 1
		if body.Times != nil {
			times = *body.Times
		}
		s.FailPostgresDeletes(times)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	s.ctl.HandleFunc("POST /_emulator/async-queries", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Enabled bool `json:"enabled"`
			Polls   int  `json:"polls"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			controlError(w, "invalid JSON: "+err.Error())
			return
		}
		s.SetAsyncQueries(body.Enabled, body.Polls)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	s.ctl.HandleFunc("POST /_emulator/test-account-filters", s.handleTestAccountFilters)
	s.ctl.HandleFunc("GET /_emulator/events", func(w http.ResponseWriter, r *http.Request) {
		personUUID := r.URL.Query().Get("person_uuid")
		if personUUID == "" {
			controlError(w, "give person_uuid")
			return
		}
		out := []map[string]any{}
		for _, e := range s.Events(personUUID) {
			out = append(out, map[string]any{
				"uuid": e.UUID, "event": e.Event, "distinct_id": e.DistinctID,
				"timestamp": e.Timestamp.Format(time.RFC3339Nano), "inserted_at": e.InsertedAt.Format(time.RFC3339Nano),
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "events": out})
	})
	s.ctl.HandleFunc("POST /_emulator/clock", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Advance string `json:"advance"`
			Now     string `json:"now"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			controlError(w, "invalid JSON: "+err.Error())
			return
		}
		switch {
		case body.Advance != "" && body.Now != "":
			controlError(w, "give either advance or now")
			return
		case body.Advance != "":
			d, err := time.ParseDuration(body.Advance)
			if err != nil {
				controlError(w, "bad advance: "+err.Error())
				return
			}
			s.AdvanceClock(d)
		case body.Now != "":
			t, err := time.Parse(time.RFC3339Nano, body.Now)
			if err != nil {
				controlError(w, "bad now: "+err.Error())
				return
			}
			s.setClock(t)
		default:
			controlError(w, "give advance or now")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"now": s.now().Format(time.RFC3339Nano)})
	})
}

var validSteps = map[string]bool{
	"resolve_persons": true, "fetch_distinct_ids": true, "queue_training_deletion": true,
	"queue_recording_deletion": true, "tombstone_clickhouse": true, "delete_postgres": true,
	"log_activity": true,
}

func controlError(w http.ResponseWriter, detail string) {
	writeError(w, http.StatusBadRequest, "validation_error", "invalid_input", detail)
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.ctl.Handler(r); pattern == "" {
		errEndpointNotFound(w)
		return
	}
	s.ctl.ServeHTTP(w, r)
}

// PersonInfo is a copy of a person's state, for tests.
type PersonInfo struct {
	ID           int64
	UUID         string
	DistinctIDs  []string
	Properties   map[string]any
	IsIdentified bool
	CreatedAt    time.Time
}

// PersonByDistinctID returns the person currently owning distinctID.
func (s *Server) PersonByDistinctID(distinctID string) (PersonInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.st.byDistinctID[distinctID]; p != nil {
		return p.info(), true
	}
	return PersonInfo{}, false
}

// PersonByUUID returns the person with that uuid.
func (s *Server) PersonByUUID(uuid string) (PersonInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.st.persons[uuid]; p != nil {
		return p.info(), true
	}
	return PersonInfo{}, false
}

// Persons returns every person in list order (created_at DESC, id DESC).
func (s *Server) Persons() []PersonInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.st.sortedPersons()
	out := make([]PersonInfo, len(ps))
	for i, p := range ps {
		out[i] = p.info()
	}
	return out
}

// EventCount counts stored events whose person is personUUID.
func (s *Server) EventCount(personUUID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.st.events {
		if e.personUUID == personUUID {
			n++
		}
	}
	return n
}

// EventInfo is a copy of a stored event, for tests.
type EventInfo struct {
	UUID       string
	Event      string
	DistinctID string
	PersonUUID string
	Timestamp  time.Time
	InsertedAt time.Time
}

// Events returns the stored events whose person is personUUID, in ingestion
// order: what the deletion job has left of a person's events.
func (s *Server) Events(personUUID string) []EventInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []EventInfo
	for _, e := range s.st.events {
		if e.personUUID == personUUID {
			out = append(out, EventInfo{UUID: e.uuid, Event: e.event, DistinctID: e.distinctID,
				PersonUUID: e.personUUID, Timestamp: e.timestamp, InsertedAt: e.insertedAt})
		}
	}
	return out
}

// EventCountForDistinctID counts stored events captured with distinctID.
func (s *Server) EventCountForDistinctID(distinctID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.st.events {
		if e.distinctID == distinctID {
			n++
		}
	}
	return n
}
