package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Event is one captured event, as accepted by Ingest and /batch/.
type Event struct {
	Event      string
	DistinctID string
	Properties map[string]any
	Timestamp  time.Time // zero = the emulator clock's now
	UUID       string    // empty = generated
}

// Ingest processes events with the same semantics as POST /batch/ (no token check).
func (s *Server) Ingest(events ...Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		s.ingestLocked(e)
	}
}

// captureEvent is the wire form of a capture event.
type captureEvent struct {
	APIKey     string         `json:"api_key"`
	Token      string         `json:"token"`
	Event      string         `json:"event"`
	DistinctID any            `json:"distinct_id"`
	Properties map[string]any `json:"properties"`
	Timestamp  string         `json:"timestamp"`
	UUID       string         `json:"uuid"`
	Set        map[string]any `json:"$set"`
	SetOnce    map[string]any `json:"$set_once"`
}

type captureBody struct {
	captureEvent
	Batch []captureEvent `json:"batch"`
}

// handleCapture serves /batch/, /capture/, /e/: JSON bodies only (gzip and the
// form-encoded data= variants of the SDKs are not emulated).
func (s *Server) handleCapture(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		errMethodNotAllowed(w, r.Method)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		errServer(w)
		return
	}
	var body captureBody
	trimmed := strings.TrimSpace(string(raw))
	var err2 error
	if strings.HasPrefix(trimmed, "[") {
		// Older SDKs post a bare array of events.
		err2 = json.Unmarshal(raw, &body.Batch)
	} else {
		err2 = json.Unmarshal(raw, &body)
	}
	if err := err2; err != nil {
		// Capture's invalid payload answer (wording UNVERIFIED).
		writeError(w, http.StatusBadRequest, "validation_error", "invalid_payload",
			"Malformed request data: "+err.Error())
		return
	}
	events := body.Batch
	if events == nil {
		if body.Event != "" {
			events = []captureEvent{body.captureEvent}
		}
	}
	token := firstNonEmpty(body.APIKey, body.Token)
	if token == "" && len(events) > 0 {
		token = eventToken(events[0])
	}
	// Capture answers a missing or wrong project token with 401 and the
	// generate_exception_response body of the Django capture endpoint (UNVERIFIED
	// for the Rust capture service, whose wording differs).
	if token == "" {
		writeError(w, http.StatusUnauthorized, "authentication_error", "missing_api_key",
			"API key not provided. You can find your project API key in PostHog project settings.")
		return
	}
	if token != s.cfg.ProjectToken {
		writeError(w, http.StatusUnauthorized, "authentication_error", "invalid_api_key",
			"Project API key invalid. You can find your project API key in PostHog project settings.")
		return
	}
	parsed := make([]Event, 0, len(events))
	for _, ce := range events {
		if t := eventToken(ce); t != "" && t != s.cfg.ProjectToken {
			writeError(w, http.StatusUnauthorized, "authentication_error", "invalid_api_key",
				"Project API key invalid. You can find your project API key in PostHog project settings.")
			return
		}
		e, ok := ce.toEvent()
		if !ok {
			writeError(w, http.StatusBadRequest, "validation_error", "invalid_payload",
				"Invalid payload: every event needs an event name and a distinct_id.")
			return
		}
		parsed = append(parsed, e)
	}
	s.Ingest(parsed...)
	writeJSON(w, http.StatusOK, map[string]any{"status": 1})
}

func eventToken(ce captureEvent) string {
	if t := firstNonEmpty(ce.APIKey, ce.Token); t != "" {
		return t
	}
	if t, ok := ce.Properties["token"].(string); ok {
		return t
	}
	return ""
}

func (ce captureEvent) toEvent() (Event, bool) {
	var did string
	switch v := ce.DistinctID.(type) {
	case string:
		did = v
	case float64:
		did = strconv.FormatFloat(v, 'f', -1, 64)
	}
	if ce.Event == "" || did == "" {
		return Event{}, false
	}
	props := map[string]any{}
	for k, v := range ce.Properties {
		props[k] = v
	}
	// Some SDKs send $set/$set_once at the top level of the event.
	if ce.Set != nil {
		if _, ok := props["$set"]; !ok {
			props["$set"] = ce.Set
		}
	}
	if ce.SetOnce != nil {
		if _, ok := props["$set_once"]; !ok {
			props["$set_once"] = ce.SetOnce
		}
	}
	e := Event{Event: ce.Event, DistinctID: did, Properties: props, UUID: ce.UUID}
	if ce.Timestamp != "" {
		if t, err := time.Parse(time.RFC3339Nano, ce.Timestamp); err == nil {
			e.Timestamp = t.UTC()
		}
	}
	return e, true
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// ingestLocked applies person processing and stores the event. s.mu must be held.
func (s *Server) ingestLocked(e Event) {
	st := s.st
	ts := e.Timestamp
	if ts.IsZero() {
		ts = s.now()
	}
	ts = ts.UTC()
	props := e.Properties
	if props == nil {
		props = map[string]any{}
	}

	p := st.byDistinctID[e.DistinctID]
	if e.Event == "$identify" {
		anon, _ := props["$anon_distinct_id"].(string)
		p = s.identifyLocked(e.DistinctID, anon, ts)
	}
	if p == nil {
		// Unknown distinct id (including one of a deleted person): a new person,
		// created_at = the event's timestamp, whose uuid derives from the distinct
		// id, so a returning user gets its old uuid back
		// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
		p = st.createPerson(ts, e.DistinctID)
	}
	if set, ok := props["$set"].(map[string]any); ok {
		for k, v := range set {
			p.props[k] = v
		}
	}
	if once, ok := props["$set_once"].(map[string]any); ok {
		for k, v := range once {
			if _, exists := p.props[k]; !exists {
				p.props[k] = v
			}
		}
	}
	if unset, ok := props["$unset"].([]any); ok {
		for _, k := range unset {
			if ks, ok := k.(string); ok {
				delete(p.props, ks)
			}
		}
	}
	if p.lastSeenAt == nil || ts.After(*p.lastSeenAt) {
		t := ts
		p.lastSeenAt = &t
	}
	id := e.UUID
	if id == "" {
		id = uuid.NewString()
	}
	st.events = append(st.events, &event{
		uuid: id, event: e.Event, distinctID: e.DistinctID, personUUID: p.uuid,
		props: props, timestamp: ts, insertedAt: s.now(),
	})
}

// identifyLocked implements $identify with $anon_distinct_id: the anonymous id
// joins the identified person; when both ids have persons and the anonymous one
// is not identified yet, it is merged into the identified one (PostHog refuses to
// merge an already identified person, so then nothing is merged).
func (s *Server) identifyLocked(distinctID, anon string, ts time.Time) *person {
	st := s.st
	p := st.byDistinctID[distinctID]
	if anon == "" || anon == distinctID {
		if p == nil {
			p = st.createPerson(ts, distinctID)
		}
		p.isIdentified = true
		return p
	}
	ap := st.byDistinctID[anon]
	switch {
	case p == nil && ap == nil:
		// The merge service creates the person with the identified id first, and
		// the first id names the uuid (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
		p = st.createPerson(ts, distinctID, anon)
	case p == nil:
		p = ap
		st.attach(p, distinctID)
	case ap == nil:
		st.attach(p, anon)
	case p != ap && !ap.isIdentified:
		st.mergeInto(p, ap)
	}
	p.isIdentified = true
	return p
}
