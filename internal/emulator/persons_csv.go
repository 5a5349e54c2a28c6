package emulator

// CSV output of the persons list (?format=csv and /persons.csv).

import (
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
)

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
