package emulator

// JSON accessors for query bodies, with pydantic-style errors.

import (
	"math"
	"slices"
	"sort"
	"strconv"
)

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

// reqSource reads a node's required source object.
func reqSource(loc string, m jobj) (jobj, *queryError) {
	v, ok := m["source"]
	if !ok || v == nil {
		return nil, qParse(queryRequestModel, joinLoc(loc, "source"), "Field required [type=missing]")
	}
	o, ok := asObj(v)
	if !ok {
		return nil, qParse(queryRequestModel, joinLoc(loc, "source"), "Input should be a valid dictionary or object [type=model_type]")
	}
	return o, nil
}
