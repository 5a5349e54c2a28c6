package emulator

import (
	"fmt"
	"strings"
)

// Cohort filter trees. Shape and validation follow PostHog/posthog
// posthog/api/cohort.py (CohortFilters / Group / PersonFilter / CohortFilter /
// BehavioralFilter pydantic models, and CohortSerializer.validate_filters):
//
//	{"properties": {"type": "AND"|"OR", "values": [group | filter, ...]}}
//
// A filter is {"type":"person","key":k,"operator":op,"value":v,"negation":bool},
// {"type":"cohort","key":"id","value":<cohort id>,"negation":bool} or a behavioral
// filter (accepted, but never matches here: the emulator keeps no event matcher).
// Person conditions are evaluated by propertyTest (property_match.go).

// condNode is a parsed filter tree: a group (op "AND"/"OR") or a leaf.
type condNode struct {
	op       string // "AND" / "OR" for groups, "" for leaves
	children []*condNode

	kind     string // leaf type: "person", "cohort", "behavioral", "person_metadata"
	key      string
	operator string
	value    any
	negation bool
}

// filterError is a validation failure of the filters field. attr follows
// exceptions_hog's nested-key join ("filters__detail" for the dict-shaped error).
type filterError struct {
	attr   string
	detail string
}

const filtersNeedProperties = "Must contain a 'properties' key with type and values"

// parseCohortFilters validates a dynamic cohort's `filters` like validate_filters.
func parseCohortFilters(raw any) (*condNode, *filterError) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, &filterError{"filters__detail", filtersNeedProperties}
	}
	props, ok := obj["properties"]
	if !ok {
		// validate_filters raises ValidationError({"detail": ..., "type": ...}) inside a
		// field validator, so DRF nests it under "filters"; exceptions_hog reports the
		// first nested key joined with "__" (drf-exceptions-hog handler.py).
		return nil, &filterError{"filters__detail", filtersNeedProperties}
	}
	for k := range obj {
		if k != "properties" {
			// CohortFilters is extra="forbid"; the real detail is str(pydantic errors)
			// (UNVERIFIED wording).
			return nil, &filterError{"filters", "Extra inputs are not permitted: " + k}
		}
	}
	n, msg := parseGroup(props)
	if msg != "" {
		return nil, &filterError{"filters", msg}
	}
	return n, nil
}

func parseGroup(raw any) (*condNode, string) {
	g, ok := raw.(map[string]any)
	if !ok {
		return nil, "Input should be a valid dictionary or instance of Group" // UNVERIFIED wording
	}
	typ, _ := g["type"].(string)
	if typ != "AND" && typ != "OR" {
		return nil, "Group type must be 'AND' or 'OR'" // UNVERIFIED wording
	}
	vals, ok := g["values"].([]any)
	if !ok {
		return nil, "Group values must be a list" // UNVERIFIED wording
	}
	n := &condNode{op: typ}
	for _, v := range vals {
		child, msg := parseFilterOrGroup(v)
		if msg != "" {
			return nil, msg
		}
		n.children = append(n.children, child)
	}
	return n, ""
}

func parseFilterOrGroup(raw any) (*condNode, string) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, "Filter must be an object" // UNVERIFIED wording
	}
	typ, _ := m["type"].(string)
	switch typ {
	case "AND", "OR":
		return parseGroup(m)
	case "person", "person_metadata":
		return parsePersonLeaf(typ, m)
	case "cohort":
		return parseCohortLeaf(m)
	case "behavioral":
		var missing []string
		for _, k := range []string{"key", "value", "event_type"} {
			if _, ok := m[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			// _cohort_error_message maps pydantic's "missing" errors to this form.
			return nil, "Missing required keys for behavioral filter: " + missing[0]
		}
		neg, _ := m["negation"].(bool)
		return &condNode{kind: "behavioral", key: toString(m["key"]), negation: neg}, ""
	}
	// Discriminator mismatch: the real detail is str(pydantic errors) (UNVERIFIED wording).
	return nil, fmt.Sprintf("Input tag '%v' found using 'type' does not match any of the expected tags: 'behavioral', 'cohort', 'person', 'person_metadata', 'AND', 'OR'", m["type"])
}

func parsePersonLeaf(typ string, m map[string]any) (*condNode, string) {
	key, ok := m["key"].(string)
	if !ok {
		return nil, "Missing required keys for " + typ + " filter: key"
	}
	// PersonFilter._missing_keys_check: value is required unless the operator is
	// is_set / is_not_set; operator is always required.
	op, _ := m["operator"].(string)
	var missing []string
	if m["value"] == nil && op != "is_set" && op != "is_not_set" {
		missing = append(missing, "value")
	}
	if m["operator"] == nil {
		missing = append(missing, "operator")
	}
	if len(missing) > 0 {
		return nil, "Missing required keys for " + typ + " filter: " + strings.Join(missing, ", ")
	}
	// cohortOperators: an operator the emulator cannot evaluate is kept and matches nobody.
	op, _ = cohortOperators.resolve(m["operator"])
	neg, _ := m["negation"].(bool)
	return &condNode{kind: typ, key: key, operator: op, value: m["value"], negation: neg}, ""
}

func parseCohortLeaf(m map[string]any) (*condNode, string) {
	if _, ok := m["value"]; !ok {
		return nil, "Missing required keys for cohort filter: value"
	}
	if _, ok := m["key"]; !ok {
		return nil, "Missing required keys for cohort filter: key"
	}
	id, ok := m["value"].(float64)
	if !ok || id != float64(int(id)) {
		return nil, "Input should be a valid integer" // UNVERIFIED wording
	}
	neg, _ := m["negation"].(bool)
	return &condNode{kind: "cohort", key: "id", value: int(id), negation: neg}, ""
}

// legacyGroups converts the legacy `groups` field ([{"properties": [...]}, ...]) into a
// tree: groups are OR-ed, the properties of one group AND-ed (Cohort.properties in
// posthog/models/cohort/cohort.py). Old-style {"key": value} property dicts become
// exact filters. Groups with action_id/event_id are behavioral and never match here.
// It also returns the {"properties": ...} dict the serializer shows as `filters` for
// a cohort without filters (CohortSerializer.to_representation).
func legacyGroups(groups []any) (*condNode, map[string]any) {
	root := &condNode{op: "OR"}
	var outer []any
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		and := &condNode{op: "AND"}
		var inner []any
		if gm["action_id"] != nil || gm["event_id"] != nil {
			and.children = append(and.children, &condNode{kind: "behavioral"})
		}
		switch ps := gm["properties"].(type) {
		case []any:
			for _, p := range ps {
				pm, ok := p.(map[string]any)
				if !ok {
					continue
				}
				typ, _ := pm["type"].(string)
				if typ == "" {
					typ = "person"
				}
				op, _ := pm["operator"].(string)
				if op == "" {
					op = "exact"
				}
				neg, _ := pm["negation"].(bool)
				leaf := &condNode{kind: typ, key: toString(pm["key"]), operator: op, value: pm["value"], negation: neg}
				if typ == "cohort" {
					if f, ok := pm["value"].(float64); ok {
						leaf.value = int(f)
					}
				}
				and.children = append(and.children, leaf)
				inner = append(inner, pm)
			}
		case map[string]any:
			for k, v := range ps {
				and.children = append(and.children, &condNode{kind: "person", key: k, operator: "exact", value: v})
				inner = append(inner, map[string]any{"key": k, "value": v, "type": "person"})
			}
		}
		root.children = append(root.children, and)
		if inner == nil {
			inner = []any{}
		}
		outer = append(outer, map[string]any{"type": "AND", "values": inner})
	}
	if len(outer) == 0 {
		// An empty PropertyGroup serialises as {} (UNVERIFIED).
		return root, map[string]any{"properties": map[string]any{}}
	}
	return root, map[string]any{"properties": map[string]any{"type": "OR", "values": outer}}
}

// hasValues: a tree with at least one leaf (cohort_filters_have_values).
func (n *condNode) hasValues() bool {
	if n == nil {
		return false
	}
	if n.op == "" {
		return true
	}
	for _, c := range n.children {
		if c.hasValues() {
			return true
		}
	}
	return false
}

// matchCtx evaluates nested cohort filters; depth guards against reference loops.
type matchCtx struct {
	st    *store
	depth int
}

// match evaluates the tree for a person. An empty group matches nobody: an
// emulator choice for a dynamic cohort without criteria (UNVERIFIED).
func (n *condNode) match(ctx matchCtx, p *person) bool {
	if n == nil {
		return false
	}
	if n.op != "" {
		if len(n.children) == 0 {
			return false
		}
		for _, c := range n.children {
			m := c.match(ctx, p)
			if n.op == "OR" && m {
				return true
			}
			if n.op == "AND" && !m {
				return false
			}
		}
		return n.op == "AND"
	}
	var m bool
	switch n.kind {
	case "person":
		m = propertyTest{key: n.key, op: n.operator, value: n.value}.matches(p.props)
	case "cohort":
		id, _ := n.value.(int)
		if c := ctx.st.cohorts[id]; c != nil && ctx.depth < 16 {
			m = ctx.st.cohortHas(matchCtx{st: ctx.st, depth: ctx.depth + 1}, c, p)
		}
	default:
		// behavioral and person_metadata filters are not evaluated by the emulator.
		return false
	}
	return m != n.negation
}
