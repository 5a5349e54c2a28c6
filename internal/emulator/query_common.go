package emulator

// Shared pieces of the Query API emulation (reference posthog-query-actors.md,
// cited as Q§N): error values, JSON accessors, property filters, date ranges and
// period arithmetic in the team timezone.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // team timezones must resolve on hosts without zoneinfo
)

// queryError is an error answer of the Query API or of the legacy actor endpoints.
type queryError struct {
	status int
	typ    string
	code   string
	detail string
	// legacyBody, when set, is written verbatim (hand-built {message, detail} bodies).
	legacyBody map[string]any
}

func (e *queryError) Error() string { return e.detail }

func (e *queryError) write(w http.ResponseWriter) {
	if e.legacyBody != nil {
		writeJSON(w, e.status, e.legacyBody)
		return
	}
	writeError(w, e.status, e.typ, e.code, e.detail)
}

// qParse is the pydantic validation failure of Q§1.2/§1.7: DRF ParseError with
// "JSON parse error - <pydantic text>". The pydantic text is an approximation
// (model, location, message); its exact wording is UNVERIFIED.
func qParse(model, loc, msg string) *queryError {
	return &queryError{status: 400, typ: "invalid_request", code: "parse_error",
		detail: fmt.Sprintf("JSON parse error - 1 validation error for %s\n%s\n  %s", model, loc, msg)}
}

// qValidation is a query-runner error surfaced as DRF ValidationError (Q§1.7).
func qValidation(detail string) *queryError {
	return &queryError{status: 400, typ: "validation_error", code: "invalid_input", detail: detail}
}

// qServer is an unhandled exception (plain ValueError/AssertionError in a runner).
func qServer() *queryError {
	return &queryError{status: 500, typ: "server_error", code: "error", detail: "A server error occurred."}
}

// qUnsupported marks PostHog features the emulator does not model. It is not a
// PostHog answer; 501 makes the gap obvious instead of answering wrongly.
func qUnsupported(what string) *queryError {
	return &queryError{status: http.StatusNotImplemented, typ: "server_error", code: "not_implemented",
		detail: "The PostHog emulator does not implement " + what + "."}
}

// ---- JSON accessors ----

type jobj = map[string]any

func asObj(v any) (jobj, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// checkKeys rejects keys outside allowed (pydantic extra="forbid").
func checkKeys(model, loc string, m jobj, allowed ...string) *queryError {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) && !slices.Contains(nodeKeys, k) {
			return qParse(model, joinLoc(loc, k), "Extra inputs are not permitted [type=extra_forbidden]")
		}
	}
	return nil
}

// nodeKeys are the DataNode/Node keys every query model accepts.
var nodeKeys = []string{"kind", "modifiers", "tags", "version", "response"}

func itoa(i int) string { return strconv.Itoa(i) }

func joinLoc(loc, k string) string {
	if loc == "" {
		return k
	}
	return loc + "." + k
}

// queryRequestModel is the pydantic model named in /query/ parse errors.
const queryRequestModel = "QueryRequest"

// optInt reads an optional integer; floats with a fraction and other types fail.
func optInt(loc string, m jobj, key string) (*int, *queryError) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return nil, qParse(queryRequestModel, joinLoc(loc, key), "Input should be a valid integer [type=int_type]")
	}
	n := int(f)
	return &n, nil
}

func optString(model, loc string, m jobj, key string) (*string, *queryError) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, qParse(model, joinLoc(loc, key), "Input should be a valid string [type=string_type]")
	}
	return &s, nil
}

func optBool(model, loc string, m jobj, key string) (*bool, *queryError) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	b, ok := v.(bool)
	if !ok {
		return nil, qParse(model, joinLoc(loc, key), "Input should be a valid boolean [type=bool_type]")
	}
	return &b, nil
}

func reqObj(loc string, m jobj, key string) (jobj, *queryError) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, qParse(queryRequestModel, joinLoc(loc, key), "Field required [type=missing]")
	}
	o, ok := asObj(v)
	if !ok {
		return nil, qParse(queryRequestModel, joinLoc(loc, key), "Input should be a valid dictionary or object [type=model_type]")
	}
	return o, nil
}

// ---- property filters ----

// pfilter is a property filter tree: a group (AND/OR of children) or a leaf.
type pfilter struct {
	group    string // "AND" or "OR" for a group; "" for a leaf
	children []*pfilter
	typ      string // event | person
	key      string
	op       string
	value    any
}

var knownOps = []string{"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte",
	"lt", "lte", "is_set", "is_not_set", "is_date_exact", "is_date_before", "is_date_after", "between",
	"not_between", "min", "max", "in", "not_in", "is_cleaned_path_exact", "flag_evaluates_to",
	"semver_eq", "semver_neq", "semver_gt", "semver_gte", "semver_lt", "semver_lte", "semver_tilde",
	"semver_caret", "semver_wildcard", "icontains_multi", "not_icontains_multi"}

var emulatedOps = []string{"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte",
	"lt", "lte", "is_set", "is_not_set", "in", "not_in"}

// parsePFilters parses AnyPropertyFilter[] or a PropertyGroupFilter(Value).
// defaultType applies to leaves without "type" (legacy filters default to event).
func parsePFilters(model, loc string, raw any, defaultType string) (*pfilter, *queryError) {
	switch x := raw.(type) {
	case nil:
		return nil, nil
	case string:
		// Legacy endpoints carry JSON in query strings.
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		var v any
		if err := json.Unmarshal([]byte(x), &v); err != nil {
			return nil, qParse(model, loc, "Input should be a valid list [type=list_type]")
		}
		return parsePFilters(model, loc, v, defaultType)
	case []any:
		g := &pfilter{group: "AND"}
		for i, item := range x {
			c, err := parsePFilters(model, loc+"."+strconv.Itoa(i), item, defaultType)
			if err != nil {
				return nil, err
			}
			if c != nil {
				g.children = append(g.children, c)
			}
		}
		return g, nil
	case map[string]any:
		typ, _ := x["type"].(string)
		if vals, ok := x["values"]; ok && (typ == "AND" || typ == "OR") {
			list, ok := vals.([]any)
			if !ok {
				return nil, qParse(model, loc+".values", "Input should be a valid list [type=list_type]")
			}
			g := &pfilter{group: typ}
			for i, item := range list {
				c, err := parsePFilters(model, loc+".values."+strconv.Itoa(i), item, defaultType)
				if err != nil {
					return nil, err
				}
				if c != nil {
					g.children = append(g.children, c)
				}
			}
			return g, nil
		}
		if typ == "" {
			typ = defaultType
		}
		switch typ {
		case "event", "person":
		case "":
			return nil, qParse(model, loc+".type", "Field required [type=missing]")
		case "empty":
			return nil, nil
		case "cohort", "hogql", "element", "group", "session", "feature", "recording", "log_entry",
			"data_warehouse", "data_warehouse_person_property", "error_tracking_issue", "event_metadata",
			"revenue_analytics", "flag", "log", "workflow_variable":
			return nil, qUnsupported("property filters of type " + strconv.Quote(typ))
		default:
			return nil, qParse(model, loc+".type", "Input tag '"+typ+"' does not match any of the expected tags")
		}
		key, ok := x["key"].(string)
		if !ok {
			return nil, qParse(model, loc+".key", "Field required [type=missing]")
		}
		op, _ := x["operator"].(string)
		if op == "" {
			op = "exact"
		}
		if !slices.Contains(knownOps, op) {
			return nil, qParse(model, loc+".operator", "Input should be a valid PropertyOperator [type=enum]")
		}
		if !slices.Contains(emulatedOps, op) {
			return nil, qUnsupported("the property operator " + strconv.Quote(op))
		}
		return &pfilter{typ: typ, key: key, op: op, value: x["value"]}, nil
	}
	return nil, qParse(model, loc, "Input should be a valid list [type=list_type]")
}

// match evaluates the filter against an event's and its person's properties.
func (f *pfilter) match(eventProps, personProps map[string]any) bool {
	if f == nil {
		return true
	}
	if f.group != "" {
		if len(f.children) == 0 {
			return true
		}
		for _, c := range f.children {
			ok := c.match(eventProps, personProps)
			if f.group == "OR" && ok {
				return true
			}
			if f.group == "AND" && !ok {
				return false
			}
		}
		return f.group == "AND"
	}
	props := eventProps
	if f.typ == "person" {
		props = personProps
	}
	v, present := props[f.key]
	if v == nil {
		present = false
	}
	return matchOp(v, present, f.op, f.value)
}

// pstr renders a JSON value as ClickHouse's JSONExtractString-ish text.
func pstr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func matchOp(v any, present bool, op string, value any) bool {
	values := []any{value}
	if list, ok := value.([]any); ok {
		values = list
	}
	s := strings.ToLower(pstr(v))
	anyOf := func(pred func(want string) bool) bool {
		for _, want := range values {
			if pred(pstr(want)) {
				return true
			}
		}
		return false
	}
	num := func(cmp func(a, b float64) bool) bool {
		a, err := strconv.ParseFloat(pstr(v), 64)
		if !present || err != nil {
			return false
		}
		b, err := strconv.ParseFloat(pstr(value), 64)
		return err == nil && cmp(a, b)
	}
	switch op {
	case "exact", "in":
		return present && anyOf(func(w string) bool { return pstr(v) == w })
	case "is_not", "not_in":
		return !(present && anyOf(func(w string) bool { return pstr(v) == w }))
	case "icontains":
		return present && anyOf(func(w string) bool { return strings.Contains(s, strings.ToLower(w)) })
	case "not_icontains":
		return !(present && anyOf(func(w string) bool { return strings.Contains(s, strings.ToLower(w)) }))
	case "regex", "not_regex":
		re, err := regexp.Compile(pstr(value))
		hit := err == nil && present && re.MatchString(pstr(v))
		return hit == (op == "regex")
	case "gt":
		return num(func(a, b float64) bool { return a > b })
	case "gte":
		return num(func(a, b float64) bool { return a >= b })
	case "lt":
		return num(func(a, b float64) bool { return a < b })
	case "lte":
		return num(func(a, b float64) bool { return a <= b })
	case "is_set":
		return present
	case "is_not_set":
		return !present
	}
	return false
}

// ---- entity nodes ----

// entity is an EventsNode (event nil = all events) with its property filters.
type entity struct {
	event *string
	props *pfilter
}

func (e entity) match(ev *event, personProps map[string]any) bool {
	if e.event != nil && ev.event != *e.event {
		return false
	}
	return e.props.match(ev.props, personProps)
}

func (e entity) sameEventAs(o entity) bool {
	if e.event == nil || o.event == nil {
		return e.event == nil && o.event == nil
	}
	return *e.event == *o.event
}

var entityKeys = []string{"name", "custom_name", "math", "math_multiplier", "math_property", "math_property_type",
	"math_property_revenue_currency", "math_hogql", "math_group_type_index", "properties", "fixedProperties",
	"optionalInFunnel", "limit", "orderBy", "event", "id"}

// parseEntity parses an EventsNode. ActionsNode and data-warehouse nodes are
// valid PostHog input but the emulator has no actions.
func parseEntity(model, loc string, raw any) (entity, *queryError) {
	m, ok := asObj(raw)
	if !ok {
		return entity{}, qParse(model, loc, "Input should be a valid dictionary or object [type=model_type]")
	}
	kind, _ := m["kind"].(string)
	switch kind {
	case "EventsNode":
	case "ActionsNode", "DataWarehouseNode", "FunnelsDataWarehouseNode", "LifecycleDataWarehouseNode", "GroupNode":
		return entity{}, qUnsupported(kind + " series (only EventsNode is emulated)")
	default:
		return entity{}, qParse(model, loc+".kind", "Input tag '"+kind+"' found using 'kind' does not match any of the expected tags")
	}
	if err := checkKeys(model, loc, m, entityKeys...); err != nil {
		return entity{}, err
	}
	ev, err := optString(model, loc, m, "event")
	if err != nil {
		return entity{}, err
	}
	if b, _ := m["optionalInFunnel"].(bool); b {
		return entity{}, qUnsupported("optional funnel steps (optionalInFunnel)")
	}
	p, err := parsePFilters(model, loc+".properties", m["properties"], "")
	if err != nil {
		return entity{}, err
	}
	fp, err := parsePFilters(model, loc+".fixedProperties", m["fixedProperties"], "")
	if err != nil {
		return entity{}, err
	}
	return entity{event: ev, props: andFilters(p, fp)}, nil
}

func andFilters(fs ...*pfilter) *pfilter {
	g := &pfilter{group: "AND"}
	for _, f := range fs {
		if f != nil {
			g.children = append(g.children, f)
		}
	}
	if len(g.children) == 0 {
		return nil
	}
	return g
}

// ---- time: team timezone, intervals, date ranges ----

// teamClock carries the team settings that lifecycle and funnels depend on.
type teamClock struct {
	loc       *time.Location
	weekStart time.Weekday
	now       time.Time
}

// ValidTimezone reports whether Config.Timezone names a known zone ("" = UTC).
func ValidTimezone(name string) bool {
	_, err := time.LoadLocation(name)
	return err == nil
}

func (s *Server) teamClock() teamClock {
	loc := time.UTC
	if s.cfg.Timezone != "" {
		if l, err := time.LoadLocation(s.cfg.Timezone); err == nil {
			loc = l
		}
	}
	return teamClock{loc: loc, weekStart: time.Weekday(s.cfg.WeekStartDay % 7), now: s.now()}
}

var intervals = []string{"second", "minute", "hour", "day", "week", "month"}

// trunc is start_of_interval in the team timezone.
func (c teamClock) trunc(t time.Time, interval string) time.Time {
	t = t.In(c.loc)
	y, mo, d := t.Date()
	switch interval {
	case "second":
		return t.Truncate(time.Second)
	case "minute":
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, c.loc)
	case "hour":
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, c.loc)
	case "week":
		back := (int(t.Weekday()) - int(c.weekStart) + 7) % 7
		return time.Date(y, mo, d-back, 0, 0, 0, 0, c.loc)
	case "month":
		return time.Date(y, mo, 1, 0, 0, 0, 0, c.loc)
	}
	return time.Date(y, mo, d, 0, 0, 0, 0, c.loc)
}

func addInterval(t time.Time, interval string, n int) time.Time {
	switch interval {
	case "second":
		return t.Add(time.Duration(n) * time.Second)
	case "minute":
		return t.Add(time.Duration(n) * time.Minute)
	case "hour":
		return t.Add(time.Duration(n) * time.Hour)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "month":
		return t.AddDate(0, n, 0)
	}
	return t.AddDate(0, 0, n)
}

var relDate = regexp.MustCompile(`^-?(\d+)([hdwmqyM])(Start|End)?$`)

// parseDate resolves a DateRange bound. A bare date is the start of that day in
// the team timezone, or its end for date_to (unless explicitDate). Relative
// forms ("-7d", "-1mStart", "-2w", "-3h") are resolved against the emulator
// clock; "all" is the epoch for date_from. Exact PostHog edge rules (rounding of
// relative day/week/month offsets) are approximated.
func (c teamClock) parseDate(raw string, isTo, explicit bool) (time.Time, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "all" {
		return time.Unix(0, 0).UTC(), true
	}
	if m := relDate.FindStringSubmatch(raw); m != nil {
		n, _ := strconv.Atoi(m[1])
		if !strings.HasPrefix(raw, "-") {
			n = -n
		}
		now := c.now.In(c.loc)
		var t time.Time
		unit := ""
		switch m[2] {
		case "h":
			t, unit = now.Add(-time.Duration(n)*time.Hour), "hour"
		case "d":
			t, unit = now.AddDate(0, 0, -n), "day"
		case "w":
			t, unit = now.AddDate(0, 0, -7*n), "week"
		case "m", "M":
			t, unit = now.AddDate(0, -n, 0), "month"
		case "q":
			t, unit = now.AddDate(0, -3*n, 0), "month"
		case "y":
			t, unit = now.AddDate(-n, 0, 0), "year"
		}
		switch {
		case m[3] == "Start" && unit == "year":
			return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, c.loc), true
		case m[3] == "End" && unit == "year":
			return time.Date(t.Year(), 12, 31, 23, 59, 59, 999999000, c.loc), true
		case m[3] == "Start":
			return c.trunc(t, unit), true
		case m[3] == "End":
			return addInterval(c.trunc(t, unit), unit, 1).Add(-time.Microsecond), true
		case unit == "hour":
			return t, true
		case isTo:
			return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 999999000, c.loc), true
		default:
			return c.trunc(t, "day"), true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", raw, c.loc); err == nil {
		if isTo && !explicit {
			return t.AddDate(0, 0, 1).Add(-time.Microsecond), true
		}
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, raw, c.loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateRange resolves {date_from, date_to, explicitDate}. The default date_from
// when omitted is "-7d" (UNVERIFIED, Q§2.3); date_to defaults to now.
func (c teamClock) dateRange(model, loc string, raw any) (from, to time.Time, err *queryError) {
	m := jobj{}
	if raw != nil {
		var ok bool
		if m, ok = asObj(raw); !ok {
			return from, to, qParse(model, loc, "Input should be a valid dictionary or object [type=model_type]")
		}
	}
	if e := checkKeys(model, loc, m, "date_from", "date_to", "explicitDate"); e != nil {
		return from, to, e
	}
	explicit, _ := m["explicitDate"].(bool)
	fromS, e := optString(model, loc, m, "date_from")
	if e != nil {
		return from, to, e
	}
	toS, e := optString(model, loc, m, "date_to")
	if e != nil {
		return from, to, e
	}
	fs := "-7d"
	if fromS != nil && *fromS != "" {
		fs = *fromS
	}
	var ok bool
	if from, ok = c.parseDate(fs, false, explicit); !ok {
		return from, to, qValidation("Unable to parse date_from: " + fs)
	}
	to = c.now
	if toS != nil && *toS != "" {
		if to, ok = c.parseDate(*toS, true, explicit); !ok {
			return from, to, qValidation("Unable to parse date_to: " + *toS)
		}
	}
	return from, to, nil
}
