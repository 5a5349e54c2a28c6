package emulator

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// propertyFilter is one entry of the list endpoint's ?properties= JSON array.
// Only person-property filters with the common operators are emulated; legacy
// filters without an operator mean "exact" (§4.1).
type propertyFilter struct {
	Key      string `json:"key"`
	Value    any    `json:"value"`
	Operator string `json:"operator"`
	Type     string `json:"type"`
}

type propertyFilters []propertyFilter

func parsePropertyFilters(raw string) (propertyFilters, error) {
	if raw == "" {
		return nil, nil
	}
	var fs propertyFilters
	if err := json.Unmarshal([]byte(raw), &fs); err != nil {
		return nil, detailError("Properties must be a JSON array of property filters.")
	}
	return fs, nil
}

func (fs propertyFilters) match(p *person) bool {
	for _, f := range fs {
		if f.Type != "" && f.Type != "person" {
			continue // other filter types are not emulated
		}
		if !f.match(p) {
			return false
		}
	}
	return true
}

func (f propertyFilter) match(p *person) bool {
	v, present := p.props[f.Key]
	values := []any{f.Value}
	if list, ok := f.Value.([]any); ok {
		values = list
	}
	anyEq := func() bool {
		for _, want := range values {
			if present && toString(v) == toString(want) {
				return true
			}
		}
		return false
	}
	anyContains := func() bool {
		for _, want := range values {
			if present && strings.Contains(strings.ToLower(toString(v)), strings.ToLower(toString(want))) {
				return true
			}
		}
		return false
	}
	switch f.Operator {
	case "", "exact":
		return anyEq()
	case "is_not":
		return !anyEq()
	case "icontains":
		return anyContains()
	case "not_icontains":
		return !anyContains()
	case "is_set":
		return present
	case "is_not_set":
		return !present
	}
	return true
}

// writeCSV renders list rows like djangorestframework-csv: nested keys flattened
// with dots (properties.email, distinct_ids.0), one header row, one row per person.
func writeCSV(w http.ResponseWriter, rows []map[string]any) {
	flat := make([]map[string]string, len(rows))
	headerSet := map[string]bool{}
	for i, row := range rows {
		flat[i] = map[string]string{}
		flatten("", row, flat[i])
		for k := range flat[i] {
			headerSet[k] = true
		}
	}
	header := make([]string, 0, len(headerSet))
	for k := range headerSet {
		header = append(header, k)
	}
	sort.Strings(header)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	for _, f := range flat {
		rec := make([]string, len(header))
		for i, h := range header {
			rec[i] = f[h]
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}

func flatten(prefix string, v any, out map[string]string) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			flatten(join(k), vv, out)
		}
	case []any:
		for i, vv := range x {
			flatten(join(strconv.Itoa(i)), vv, out)
		}
	case []string:
		for i, vv := range x {
			out[join(strconv.Itoa(i))] = vv
		}
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = toString(v)
	}
}
