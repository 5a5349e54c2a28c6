package emulator

// Actions: saved sets of event matchers, after PostHog/posthog
// posthog/api/action.py (ActionViewSet, ActionSerializer,
// ActionStepJSONSerializer) and posthog/models/action/action.py
// (ActionStepJSON); matched as posthog/hogql/property.py's steps_to_expr
// does (docs/dev/posthog-behaviour.md#actions). ActionViewSet has
// scope_object "action": reads need action:read, creation action:write.

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	actionRead  = []string{"action:read"}
	actionWrite = []string{"action:write"}
)

// actionMatchings is ActionStepMatching; url_matching defaults to contains.
var actionMatchings = []string{"contains", "regex", "exact"}

// action is one saved action.
type action struct {
	id          int
	name        string
	description string
	steps       []actionStep
	createdAt   time.Time
}

// actionStep is one ActionStepJSON: its conditions are AND-ed, the steps OR-ed.
type actionStep struct {
	raw         jobj // as posted, echoed back with the defaults filled in
	event       string
	url         *string
	urlMatching string
	props       *pfilter
	// elements: selector, tag_name, text or href, which match the elements
	// of $autocapture events; the emulator's events carry no elements.
	elements bool
}

// matches is steps_to_expr: any step whose conditions all hold; an action
// without steps matches every event.
func (a *action) matches(ev *event, p *person) bool {
	if len(a.steps) == 0 {
		return true
	}
	for _, st := range a.steps {
		if st.matches(ev, p) {
			return true
		}
	}
	return false
}

func (st actionStep) matches(ev *event, p *person) bool {
	if st.event != "" && ev.event != st.event {
		return false
	}
	if st.url != nil && *st.url != "" && !urlMatches(st.urlMatching, pstr(ev.props["$current_url"]), ev.props["$current_url"] != nil, *st.url) {
		return false
	}
	return st.props.match(ev.props, p)
}

// urlMatches compares $current_url with a step's url: exact is equality,
// regex ClickHouse's match(), contains a LIKE '%url%' (case-sensitive). An
// event without $current_url never matches.
func urlMatches(matching, have string, set bool, want string) bool {
	if !set {
		return false
	}
	switch matching {
	case "exact":
		return have == want
	case "regex":
		re, err := regexp.Compile(want)
		return err == nil && re.MatchString(have)
	}
	return strings.Contains(have, want)
}

// stepEvents is Action.get_step_events: the steps' event names, skipping
// steps without one.
func (a *action) stepEvents() []string {
	var out []string
	for _, st := range a.steps {
		if st.event != "" {
			out = append(out, st.event)
		}
	}
	return out
}

// usesElements tells whether a step matches $autocapture elements, which
// the emulator cannot evaluate.
func (a *action) usesElements() bool {
	return slices.ContainsFunc(a.steps, func(st actionStep) bool { return st.elements && st.event == "$autocapture" })
}

// actionRoutes registers the actions API under one project prefix.
func (s *Server) actionRoutes(pre string, handle func(string, http.HandlerFunc)) {
	handle(pre+"/actions/", s.handleActionCollection)
	handle(pre+"/actions/{action_id}/", s.handleActionDetail)
}

// handleActionCollection: GET list (every non-deleted action, {"results": [...]}
// without paging, as ActionViewSet.list answers), POST create.
func (s *Server) handleActionCollection(w http.ResponseWriter, r *http.Request) {
	scopes := actionRead
	if r.Method == http.MethodPost {
		scopes = actionWrite
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "POST"}}) {
		return
	}
	if r.Method == http.MethodPost {
		s.createAction(w, r)
		return
	}
	s.mu.Lock()
	all := make([]*action, 0, len(s.st.actions))
	for _, a := range s.st.actions {
		all = append(all, a)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	results := make([]any, len(all))
	for i, a := range all {
		results[i] = s.actionJSON(a)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, jobj{"results": results})
}

// handleActionDetail: GET retrieve; an unknown or non-integer id is 404.
func (s *Server) handleActionDetail(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: actionRead, methods: []string{"GET", "HEAD"}}) {
		return
	}
	id, err := strconv.Atoi(r.PathValue("action_id"))
	s.mu.Lock()
	a := s.st.actions[id]
	var body jobj
	if a != nil {
		body = s.actionJSON(a)
	}
	s.mu.Unlock()
	if err != nil || a == nil {
		errNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) createAction(w http.ResponseWriter, r *http.Request) {
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	body, ok := asObj(raw)
	if !ok {
		writeAttrError(w, "invalid", "Invalid data. Expected a dictionary, but got "+jsonTypeName(raw)+".", "non_field_errors")
		return
	}
	// ActionSerializer.validate reads attrs["name"]; a missing name fails
	// there (the emulator answers 400 required, UNVERIFIED).
	name, ok := body["name"].(string)
	if !ok {
		writeAttrError(w, "required", "This field is required.", "name")
		return
	}
	a := &action{name: name}
	a.description, _ = body["description"].(string)
	if rawSteps, present := body["steps"]; present && rawSteps != nil {
		list, ok := rawSteps.([]any)
		if !ok {
			writeAttrError(w, "not_a_list", `Expected a list of items but got type "`+jsonTypeName(rawSteps)+`".`, "steps")
			return
		}
		for i, item := range list {
			st, attr, detail := parseActionStep(item)
			if detail != "" {
				writeAttrError(w, "invalid", detail, "steps__"+strconv.Itoa(i)+attr)
				return
			}
			a.steps = append(a.steps, st)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, other := range s.st.actions {
		if other.name == name {
			writeAttrError(w, "unique", "This project already has an action with this name, ID "+strconv.Itoa(other.id), "name")
			return
		}
	}
	a.id = s.st.nextActionID
	s.st.nextActionID++
	a.createdAt = s.now()
	s.st.actions[a.id] = a
	writeJSON(w, http.StatusCreated, s.actionJSON(a))
}

// parseActionStep validates one ActionStepJSONSerializer item; it returns the
// attribute suffix and message of a failure.
func parseActionStep(item any) (actionStep, string, string) {
	m, ok := asObj(item)
	if !ok {
		return actionStep{}, "", "Invalid data. Expected a dictionary, but got " + jsonTypeName(item) + "."
	}
	st := actionStep{raw: jobj{}, urlMatching: "contains"}
	for _, key := range []string{"event", "selector", "tag_name", "text", "href", "url"} {
		v, present := m[key]
		if !present || v == nil {
			st.raw[key] = nil
			continue
		}
		text, ok := v.(string)
		if !ok {
			return actionStep{}, "__" + key, "Not a valid string."
		}
		st.raw[key] = text
		switch key {
		case "event":
			st.event = text
		case "url":
			st.url = &text
		default:
			st.elements = st.elements || text != ""
		}
	}
	for _, key := range []string{"text_matching", "href_matching", "url_matching"} {
		v, present := m[key]
		if !present && key == "url_matching" {
			st.raw[key] = "contains" // ActionStepJSON's default
			continue
		}
		if v == nil {
			st.raw[key] = nil
			continue
		}
		text, _ := v.(string)
		if !slices.Contains(actionMatchings, text) {
			return actionStep{}, "__" + key, `"` + pstr(v) + `" is not a valid choice.`
		}
		st.raw[key] = text
		if key == "url_matching" {
			st.urlMatching = text
		}
	}
	st.raw["properties"] = m["properties"]
	props, qerr := parsePFilters(actionStepSyntax, "properties", m["properties"])
	if qerr != nil {
		return actionStep{}, "__properties", qerr.detail
	}
	st.props = props
	return st, "", ""
}

// actionStepSyntax: an action step's properties are legacy Property dicts,
// event properties unless typed.
var actionStepSyntax = filterSyntax{model: "Property", defaultType: "event", legacy: true}

func (s *Server) actionJSON(a *action) jobj {
	steps := make([]any, len(a.steps))
	for i, st := range a.steps {
		steps[i] = st.raw
	}
	return jobj{
		"id": a.id, "name": a.name, "description": a.description, "tags": []any{}, "post_to_slack": false,
		"slack_message_format": "", "steps": steps, "created_at": a.createdAt.UTC().Format(time.RFC3339Nano),
		"created_by": nil, "deleted": false, "is_calculating": false, "last_calculated_at": a.createdAt.UTC().Format(time.RFC3339Nano),
		"team_id": s.st.teamID, "is_action": true, "bytecode_error": nil, "pinned_at": nil, "creation_context": nil,
	}
}

// jsonTypeName names a decoded JSON value's type the way DRF's messages do.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case string:
		return "str"
	case bool:
		return "bool"
	case float64:
		return "float"
	case []any:
		return "list"
	}
	return "dict"
}
