package emulator

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

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
