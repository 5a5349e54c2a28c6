package emulator

// Validation of Query API bodies against PostHog's query schema, the way its
// pydantic models (posthog/schema.py, generated from the schema) validate them
// (docs/dev/posthog-behaviour.md#query-api): extra keys forbidden, enums and
// literals exact, optional fields nullable, and pydantic's lax coercions
// ("10" is an integer, 1 a boolean). A failure is PostHog's 400 parse_error.
//
// query_schema.json holds the definitions of PostHog's
// frontend/src/queries/schema.json that QueryRequest and ActorsQuery reach,
// without descriptions, defaults and the `response` properties (answers, never
// validated as input). QueryRequest.query is reduced to an object: its kind
// decides which definition applies (validateQueryRequest).

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

//go:embed query_schema.json
var querySchemaJSON []byte

var querySchema = func() map[string]any {
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(querySchemaJSON, &doc); err != nil {
		panic("query_schema.json: " + err.Error())
	}
	return doc.Definitions
}()

// schemaError is one pydantic error: location and message.
type schemaError struct {
	loc, msg string
}

// validateQueryRequest checks a /query/ body and, for an ActorsQuery, its
// query; it returns the body with pydantic's coercions applied.
func validateQueryRequest(body jobj) (jobj, *queryError) {
	v, err := validateRef("QueryRequest", body, "")
	if err != nil {
		return nil, qParse(queryRequestModel, err.loc, err.msg)
	}
	out, _ := asObj(v)
	if q, _ := asObj(out["query"]); q != nil && q["kind"] == "ActorsQuery" {
		qv, err := validateRef("ActorsQuery", q, "query")
		if err != nil {
			return nil, qParse(queryRequestModel, err.loc, err.msg)
		}
		out["query"] = qv
	}
	return out, nil
}

func validateRef(name string, v any, loc string) (any, *schemaError) {
	def, ok := querySchema[name].(map[string]any)
	if !ok {
		panic("query schema has no definition " + name)
	}
	return validateNode(def, v, loc, name)
}

// validateNode validates v against one schema node; model names the
// definition being validated, for messages.
func validateNode(n map[string]any, v any, loc, model string) (any, *schemaError) {
	if ref, ok := n["$ref"].(string); ok {
		return validateRef(strings.TrimPrefix(ref, "#/definitions/"), v, loc)
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		if branches, ok := n[key].([]any); ok {
			return validateUnion(branches, v, loc, model)
		}
	}
	if c, ok := n["const"]; ok {
		if v != c {
			return nil, &schemaError{loc, fmt.Sprintf("Input should be %s [type=literal_error]", pyRepr(c))}
		}
		return v, nil
	}
	if enum, ok := n["enum"].([]any); ok {
		return validateEnum(enum, v, loc)
	}
	types := schemaTypes(n)
	if v == nil {
		if slices.Contains(types, "null") {
			return nil, nil
		}
	}
	// pydantic's smart union: a type the value already has wins over an
	// earlier type it converts to (true stays a boolean in string | number |
	// boolean, rather than becoming 1).
	for _, t := range types {
		if exactType(t, v) {
			return validateInside(n, v, loc, model)
		}
	}
	for _, t := range types {
		if out, ok := coerce(t, v); ok {
			return validateInside(n, out, loc, model)
		}
	}
	if len(types) == 0 {
		return v, nil // no type: anything
	}
	return nil, &schemaError{loc, typeMessage(types[0], model)}
}

func schemaTypes(n map[string]any) []string {
	switch t := n["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if _, ok := n["properties"]; ok {
		return []string{"object"}
	}
	return nil
}

// exactType reports whether the JSON value v already is of type t.
func exactType(t string, v any) bool {
	switch x := v.(type) {
	case nil:
		return t == "null"
	case map[string]any:
		return t == "object"
	case []any:
		return t == "array"
	case string:
		return t == "string"
	case bool:
		return t == "boolean"
	case float64:
		return t == "number" || (t == "integer" && x == math.Trunc(x) && !math.IsInf(x, 0))
	}
	return false
}

// coerce applies pydantic's lax conversion of a JSON value to type t.
func coerce(t string, v any) (any, bool) {
	switch t {
	case "null":
		return nil, v == nil
	case "object":
		m, ok := v.(map[string]any)
		return m, ok
	case "array":
		a, ok := v.([]any)
		return a, ok
	case "string":
		s, ok := v.(string)
		return s, ok
	case "boolean":
		return laxBool(v)
	case "integer":
		return laxInt(v)
	case "number":
		return laxFloat(v)
	}
	return nil, false
}

func laxBool(v any) (any, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case float64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "0", "off", "f", "false", "n", "no":
			return false, true
		case "1", "on", "t", "true", "y", "yes":
			return true, true
		}
	}
	return nil, false
}

func laxInt(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return x, true
		}
	case bool:
		if x {
			return 1.0, true
		}
		return 0.0, true
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return float64(n), true
		}
	}
	return nil, false
}

func laxFloat(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case bool:
		return laxInt(x)
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, true
		}
	}
	return nil, false
}

func typeMessage(t, model string) string {
	switch t {
	case "object":
		return "Input should be a valid dictionary or instance of " + model + " [type=model_type]"
	case "array":
		return "Input should be a valid list [type=list_type]"
	case "string":
		return "Input should be a valid string [type=string_type]"
	case "boolean":
		return "Input should be a valid boolean [type=bool_type]"
	case "integer":
		return "Input should be a valid integer [type=int_type]"
	case "number":
		return "Input should be a valid number [type=float_type]"
	}
	return "Input should be None [type=none_required]"
}

// validateInside checks an object's properties or an array's items.
func validateInside(n map[string]any, v any, loc, model string) (any, *schemaError) {
	switch x := v.(type) {
	case map[string]any:
		return validateObject(n, x, loc, model)
	case []any:
		return validateArray(n, x, loc, model)
	}
	return v, nil
}

func validateObject(n map[string]any, m map[string]any, loc, model string) (any, *schemaError) {
	props, _ := n["properties"].(map[string]any)
	required, _ := n["required"].([]any)
	for _, r := range required {
		name, _ := r.(string)
		if _, ok := m[name]; !ok {
			return nil, &schemaError{joinLoc(loc, name), "Field required [type=missing]"}
		}
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		val := m[k]
		if ps, ok := props[k].(map[string]any); ok {
			// Optional fields are Optional[...] in posthog/schema.py: null is accepted.
			if val == nil && !slices.Contains(required, any(k)) {
				out[k] = nil
				continue
			}
			cv, err := validateNode(ps, val, joinLoc(loc, k), model)
			if err != nil {
				return nil, err
			}
			out[k] = cv
			continue
		}
		switch ap := n["additionalProperties"].(type) {
		case bool:
			if !ap {
				return nil, &schemaError{joinLoc(loc, k), "Extra inputs are not permitted [type=extra_forbidden]"}
			}
			out[k] = val
		case map[string]any:
			cv, err := validateNode(ap, val, joinLoc(loc, k), model)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		default:
			out[k] = val
		}
	}
	return out, nil
}

func validateArray(n map[string]any, a []any, loc, model string) (any, *schemaError) {
	if lo, ok := n["minItems"].(float64); ok && float64(len(a)) < lo {
		return nil, &schemaError{loc, fmt.Sprintf("List should have at least %d items after validation, not %d [type=too_short]", int(lo), len(a))}
	}
	if hi, ok := n["maxItems"].(float64); ok && float64(len(a)) > hi {
		return nil, &schemaError{loc, fmt.Sprintf("List should have at most %d items after validation, not %d [type=too_long]", int(hi), len(a))}
	}
	out := make([]any, len(a))
	for i, item := range a {
		var is map[string]any
		switch items := n["items"].(type) {
		case map[string]any:
			is = items
		case []any: // a tuple: one schema per position
			if i < len(items) {
				is, _ = items[i].(map[string]any)
			}
		}
		if is == nil {
			out[i] = item
			continue
		}
		cv, err := validateNode(is, item, joinLoc(loc, itoa(i)), model)
		if err != nil {
			return nil, err
		}
		out[i] = cv
	}
	return out, nil
}

func validateEnum(enum []any, v any, loc string) (any, *schemaError) {
	if slices.Contains(enum, v) {
		return v, nil
	}
	var names []string
	for _, e := range enum {
		if e != nil {
			names = append(names, pyRepr(e))
		}
	}
	msg := names[0]
	if len(names) > 1 {
		msg = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	return nil, &schemaError{loc, "Input should be " + msg + " [type=enum]"}
}

// validateUnion accepts v when a branch does. When it fails, the branch whose
// kind literal matches v's kind names the error (the tag of PostHog's node
// unions); a kind no branch has is named as such; otherwise the first
// branch's error stands for all (pydantic lists every branch's).
func validateUnion(branches []any, v any, loc, model string) (any, *schemaError) {
	var first, tagged *schemaError
	for _, b := range branches {
		bn, _ := b.(map[string]any)
		out, err := validateNode(bn, v, loc, model)
		if err == nil {
			return out, nil
		}
		if first == nil {
			first = err
		}
		if tagged == nil && branchKind(bn) != nil && branchKind(bn) == kindOf(v) {
			tagged = err
		}
	}
	if tagged != nil {
		return nil, tagged
	}
	if tags := unionTags(branches); len(tags) > 0 && kindOf(v) != nil {
		return nil, &schemaError{loc, fmt.Sprintf("Input tag %s found using 'kind' does not match any of the expected tags: %s [type=union_tag_invalid]",
			pyRepr(kindOf(v)), strings.Join(tags, ", "))}
	}
	return nil, first
}

// unionTags lists the kind literals of a union whose branches are all nodes.
func unionTags(branches []any) []string {
	var tags []string
	for _, b := range branches {
		bn, _ := b.(map[string]any)
		k := branchKind(bn)
		if k == nil {
			return nil
		}
		tags = append(tags, pyRepr(k))
	}
	return tags
}

// branchKind is the kind literal of a union branch that is a node definition.
func branchKind(n map[string]any) any {
	ref, ok := n["$ref"].(string)
	if !ok {
		return nil
	}
	def, _ := querySchema[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any)
	props, _ := def["properties"].(map[string]any)
	kind, _ := props["kind"].(map[string]any)
	return kind["const"]
}

func kindOf(v any) any {
	m, _ := v.(map[string]any)
	return m["kind"]
}

// pyRepr writes a literal the way pydantic quotes it in messages.
func pyRepr(v any) string {
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
