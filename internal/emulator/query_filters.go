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
	typ      string // leaf: event | person
	test     propertyTest
}

// filterSyntax is how one endpoint writes property filters.
type filterSyntax struct {
	model       string // the pydantic model named in parse errors
	defaultType string // the type of a filter without one; "" = the type is required
	legacy      bool   // the legacy insight Filter (legacyFilterOperators for every type)
}

var (
	querySyntax  = filterSyntax{model: queryRequestModel}
	legacySyntax = filterSyntax{model: "Filter", defaultType: "event", legacy: true}
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
	case "cohort", "hogql", "element", "group", "session", "feature", "recording", "log_entry",
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
	if f.typ == "person" {
		return f.test.matches(personProps)
	}
	return f.test.matches(eventProps)
}

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
func parseEntity(loc string, raw any) (entity, *queryError) {
	const model = "QueryRequest" // every series is validated as part of the request
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
	p, err := parsePFilters(querySyntax, loc+".properties", m["properties"])
	if err != nil {
		return entity{}, err
	}
	fp, err := parsePFilters(querySyntax, loc+".fixedProperties", m["fixedProperties"])
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
