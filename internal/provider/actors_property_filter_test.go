package provider

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The value a filter sends, as JSON: value_json keeps its type (PostHog's
// PropertyFilterValue is a string, number, boolean or list of them), value
// stays a string, and no value is left out.
func TestPropertyFilterValues(t *testing.T) {
	for name, tc := range map[string]struct {
		model propertyFilterModel
		want  string
	}{
		"string value":     {propertyFilterModel{Value: types.StringValue("5")}, `"5"`},
		"number json":      {propertyFilterModel{ValueJSON: types.StringValue("42.50")}, `42.50`},
		"boolean json":     {propertyFilterModel{ValueJSON: types.StringValue("true")}, `true`},
		"string json":      {propertyFilterModel{ValueJSON: types.StringValue(`"gold"`)}, `"gold"`},
		"mixed list json":  {propertyFilterModel{ValueJSON: types.StringValue(`["a", 1, false]`)}, `["a",1,false]`},
		"no value, is_set": {propertyFilterModel{Operator: types.StringValue("is_set")}, ``},
	} {
		m := tc.model
		m.Key = types.StringValue("k")
		filters := propertyFilters([]propertyFilterModel{m})
		got, err := json.Marshal(filters[0])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(got, &obj); err != nil {
			t.Fatal(err)
		}
		if string(obj["value"]) != tc.want {
			t.Errorf("%s: value %s, want %s (filter %s)", name, obj["value"], tc.want, got)
		}
	}
}

func TestDecodeFilterValueRefuses(t *testing.T) {
	for _, text := range []string{``, `{"a": 1}`, `null`, `[]`, `[[1]]`, `[{"a": 1}]`, `[null]`, `1 2`, `tru`} {
		if v, err := decodeFilterValue(text); err == nil {
			t.Errorf("%q accepted as %v", text, v)
		}
	}
}
