package emulator

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Property filters of the Query API and of the legacy actor endpoints, parsed
// into trees whose leaves are evaluated by propertyTest (property_match.go).

// pfilter is a property filter tree: a group (AND/OR of children) or a leaf.
type pfilter struct {
	group    string // "AND" or "OR" for a group; "" for a leaf
	children []*pfilter
	typ      string // leaf: event | person | cohort
	test     propertyTest
	// cohort leaves: the cohort id and operator (in or not_in); store.bindFilter sets
	// inCohort, which tells whether a person is a member.
	cohortID int
	notIn    bool
	inCohort func(*person) bool
}

// filterSyntax is how one endpoint writes property filters.
type filterSyntax struct {
	model       string // the pydantic model named in parse errors
	defaultType string // the type of a filter without one; "" = the type is required
	legacy      bool   // the legacy insight Filter (legacyFilterOperators for every type)
	noCohorts   bool   // cohort filters are not emulated here (501)
}

var (
	querySyntax  = filterSyntax{model: queryRequestModel}
	legacySyntax = filterSyntax{model: "Filter", defaultType: "event", legacy: true, noCohorts: true}
)

// operators returns the operator rules for a filter of type typ.
func (fs filterSyntax) operators(typ string) operatorRules {
	switch {
	case fs.legacy:
		return legacyFilterOperators
	case typ == "person":
		return queryPersonOperators
	}
	return queryEventOperators
}

// parsePFilters parses AnyPropertyFilter[] or a PropertyGroupFilter(Value).
func parsePFilters(fs filterSyntax, loc string, raw any) (*pfilter, *queryError) {
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
			return nil, qParse(fs.model, loc, "Input should be a valid list [type=list_type]")
		}
		return parsePFilters(fs, loc, v)
	case []any:
		return parseFilterGroup(fs, loc, "AND", x)
	case map[string]any:
		typ, _ := x["type"].(string)
		if vals, ok := x["values"]; ok && (typ == "AND" || typ == "OR") {
			list, ok := vals.([]any)
			if !ok {
				return nil, qParse(fs.model, loc+".values", "Input should be a valid list [type=list_type]")
			}
			return parseFilterGroup(fs, loc+".values", typ, list)
		}
		return parseFilterLeaf(fs, loc, x)
	}
	return nil, qParse(fs.model, loc, "Input should be a valid list [type=list_type]")
}

func parseFilterGroup(fs filterSyntax, loc, op string, items []any) (*pfilter, *queryError) {
	g := &pfilter{group: op}
	for i, item := range items {
		c, err := parsePFilters(fs, loc+"."+strconv.Itoa(i), item)
		if err != nil {
			return nil, err
		}
		if c != nil {
			g.children = append(g.children, c)
		}
	}
	return g, nil
}

// parseFilterLeaf parses one filter; an "empty" filter gives nil.
func parseFilterLeaf(fs filterSyntax, loc string, x map[string]any) (*pfilter, *queryError) {
	typ, _ := x["type"].(string)
	if typ == "" {
		typ = fs.defaultType
	}
	switch typ {
	case "event", "person":
	case "":
		return nil, qParse(fs.model, loc+".type", "Field required [type=missing]")
	case "empty":
		return nil, nil
	case "cohort":
		if fs.noCohorts {
			return nil, qUnsupported("cohort property filters on the legacy endpoints")
		}
		return parseCohortFilter(fs, loc, x)
	case "hogql", "element", "group", "session", "feature", "recording", "log_entry",
		"data_warehouse", "data_warehouse_person_property", "error_tracking_issue", "event_metadata",
		"revenue_analytics", "flag", "log", "workflow_variable":
		return nil, qUnsupported("property filters of type " + strconv.Quote(typ))
	default:
		return nil, qParse(fs.model, loc+".type", "Input tag '"+typ+"' does not match any of the expected tags")
	}
	key, ok := x["key"].(string)
	if !ok {
		return nil, qParse(fs.model, loc+".key", "Field required [type=missing]")
	}
	op, problem := fs.operators(typ).resolve(x["operator"])
	switch problem {
	case operatorMissing:
		return nil, qParse(fs.model, loc+".operator", "Field required [type=missing]")
	case operatorUnknown:
		return nil, qParse(fs.model, loc+".operator", "Input should be a valid PropertyOperator [type=enum]")
	case operatorNotEvaluated:
		return nil, qUnsupported("the property operator " + strconv.Quote(op))
	}
	return &pfilter{typ: typ, test: propertyTest{key: key, op: op, value: x["value"]}}, nil
}

// parseCohortFilter parses a CohortPropertyFilter, already checked against the
// schema (key "id", an integer value): the person is (operator not_in: is
// not) a member of the cohort (docs/dev/posthog-behaviour.md#cohort-filters).
func parseCohortFilter(fs filterSyntax, loc string, x map[string]any) (*pfilter, *queryError) {
	id, ok := x["value"].(float64)
	if !ok || id != float64(int(id)) {
		return nil, qParse(fs.model, loc+".value", "Input should be a valid integer [type=int_type]")
	}
	op, _ := x["operator"].(string)
	return &pfilter{typ: "cohort", cohortID: int(id), notIn: op == "not_in"}, nil
}

// match evaluates the filter against an event's properties and its person
// (nil when the event has no person).
func (f *pfilter) match(eventProps map[string]any, p *person) bool {
	if f == nil {
		return true
	}
	if f.group != "" {
		if len(f.children) == 0 {
			return true
		}
		for _, c := range f.children {
			ok := c.match(eventProps, p)
			if f.group == "OR" && ok {
				return true
			}
			if f.group == "AND" && !ok {
				return false
			}
		}
		return f.group == "AND"
	}
	switch f.typ {
	case "cohort":
		return p != nil && f.inCohort != nil && f.inCohort(p) != f.notIn
	case "person":
		var props map[string]any
		if p != nil {
			props = p.props
		}
		return f.test.matches(props)
	}
	return f.test.matches(eventProps)
}

// entity is an EventsNode (event nil = all events) or an ActionsNode
// (actionID set; store.bindEntity sets action), with its property filters.
type entity struct {
	event    *string
	actionID *int
	action   *action
	props    *pfilter
}

func (e entity) match(ev *event, p *person) bool {
	switch {
	case e.actionID != nil:
		if e.action == nil || !e.action.matches(ev, p) {
			return false
		}
	case e.event != nil && ev.event != *e.event:
		return false
	}
	return e.props.match(ev.props, p)
}

// sameEventAs tells whether two steps name the same event or the same action.
func (e entity) sameEventAs(o entity) bool {
	if e.actionID != nil || o.actionID != nil {
		return e.actionID != nil && o.actionID != nil && *e.actionID == *o.actionID
	}
	if e.event == nil || o.event == nil {
		return e.event == nil && o.event == nil
	}
	return *e.event == *o.event
}

// stepEvents are the event names a funnel step stands for, for the
// correlation's "not a step event" rule; all is true when the step matches
// any event name (docs/dev/posthog-behaviour.md#funnel-correlation).
func (e entity) stepEvents() (names []string, all bool) {
	switch {
	case e.action != nil:
		return e.action.stepEvents(), false
	case e.event == nil:
		return nil, true
	}
	return []string{*e.event}, false
}

var entityKeys = []string{"name", "custom_name", "math", "math_multiplier", "math_property", "math_property_type",
	"math_property_revenue_currency", "math_hogql", "math_group_type_index", "properties", "fixedProperties",
	"optionalInFunnel", "limit", "orderBy", "event", "id"}

// parseEntity parses an EventsNode or an ActionsNode; data-warehouse and
// group nodes are valid PostHog input the emulator does not model.
func parseEntity(loc string, raw any) (entity, *queryError) {
	const model = "QueryRequest" // every series is validated as part of the request
	m, ok := asObj(raw)
	if !ok {
		return entity{}, qParse(model, loc, "Input should be a valid dictionary or object [type=model_type]")
	}
	kind, _ := m["kind"].(string)
	switch kind {
	case "EventsNode", "ActionsNode":
	case "DataWarehouseNode", "FunnelsDataWarehouseNode", "LifecycleDataWarehouseNode", "GroupNode":
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
	p, err := parsePFilters(querySyntax, loc+".properties", m["properties"])
	if err != nil {
		return entity{}, err
	}
	fp, err := parsePFilters(querySyntax, loc+".fixedProperties", m["fixedProperties"])
	if err != nil {
		return entity{}, err
	}
	e := entity{event: ev, props: andFilters(p, fp)}
	if kind == "ActionsNode" {
		id, err := optInt(loc, m, "id")
		if err != nil {
			return entity{}, err
		}
		if id == nil {
			return entity{}, qParse(model, loc+".id", "Field required [type=missing]")
		}
		e.event, e.actionID = nil, id
	}
	return e, nil
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
