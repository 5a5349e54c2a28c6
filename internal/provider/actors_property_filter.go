package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The property filter argument of the actors data sources and its validator.

var propertyOperators = []string{
	"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte", "lt", "lte",
	"is_set", "is_not_set", "is_date_exact", "is_date_before", "is_date_after", "in", "not_in",
}

func propertyFilterObject() schema.NestedAttributeObject {
	return schema.NestedAttributeObject{
		Attributes: map[string]schema.Attribute{
			"key": schema.StringAttribute{
				MarkdownDescription: "The property name, such as `$browser` or `email`; `id` for a cohort filter.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The value to compare with, as a string. A property filter needs `value` or `value_json`, " +
					"except with the `is_set` and `is_not_set` operators, which take neither.",
				Optional: true,
			},
			"value_json": schema.StringAttribute{
				MarkdownDescription: "The value to compare with, as JSON: a number, a boolean, a string, or a list of them, " +
					"such as `jsonencode(42)`, `jsonencode(true)` or `jsonencode([\"gold\", \"silver\"])`. PostHog's query " +
					"schema allows these types, and the value is sent as it is. A list matches when any of its values " +
					"matches, and for the negated operators (`is_not`, `not_icontains`, `not_regex`) when none does. " +
					"Use instead of `value`.",
				Optional:   true,
				Validators: []validator.String{filterValueJSONValidator{}},
			},
			"operator": schema.StringAttribute{
				MarkdownDescription: "How to compare: one of `" + strings.Join(propertyOperators, "`, `") + "`. Defaults to " +
					"`exact`. `in` and `not_in` are for cohort filters only, where `in` is the default.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(propertyOperators...)},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Whose property it is: `event` (the default) or `person`; or `cohort` for membership of a " +
					"PostHog cohort, static or dynamic: `key = \"id\"`, the cohort's id as `value` (or `value_json`), and " +
					"`operator` `in` (the default: persons in the cohort) or `not_in` (persons not in it). A cohort filter " +
					"keeps or drops all of a person's events. Needs the Query API.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf("event", "person", "cohort")},
			},
		},
		Validators: []validator.Object{propertyValueValidator{}, cohortFilterValidator{}},
	}
}

// propertyValueValidator requires one of value and value_json unless the
// operator takes no value, and then neither.
type propertyValueValidator struct{}

func (propertyValueValidator) Description(context.Context) string {
	return "one of value and value_json is required unless operator is is_set or is_not_set, which take neither"
}

func (v propertyValueValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (propertyValueValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	op, _ := attrs["operator"].(types.String)
	value, _ := attrs["value"].(types.String)
	valueJSON, _ := attrs["value_json"].(types.String)
	if op.IsUnknown() || value.IsUnknown() || valueJSON.IsUnknown() {
		return
	}
	noValue := op.ValueString() == "is_set" || op.ValueString() == "is_not_set"
	switch {
	case !value.IsNull() && !valueJSON.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value_json"), "Two property values",
			"Set only one of value and value_json.")
	case noValue && (!value.IsNull() || !valueJSON.IsNull()):
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Value with a value-less operator",
			fmt.Sprintf("The %s operator takes no value; remove value and value_json.", op.ValueString()))
	case !noValue && value.IsNull() && valueJSON.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Missing property value",
			"Set value or value_json: a property filter compares the property with it. Only the is_set and is_not_set "+
				"operators take no value.")
	}
}

// filterValueJSONValidator accepts the JSON of PostHog's PropertyFilterValue:
// a string, number or boolean, or a non-empty list of them.
type filterValueJSONValidator struct{}

func (filterValueJSONValidator) Description(context.Context) string {
	return "must be the JSON of a string, number or boolean, or of a non-empty list of them"
}

func (v filterValueJSONValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v filterValueJSONValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := decodeFilterValue(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value_json",
			fmt.Sprintf("%s; value_json %s, such as jsonencode(42) or jsonencode([\"a\", \"b\"]).", err, v.Description(ctx)))
	}
}

// decodeFilterValue decodes value_json, keeping numbers exactly as written.
func decodeFilterValue(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	list, isList := v.([]any)
	if !isList {
		if !isScalarValue(v) {
			return nil, fmt.Errorf("%s is not a string, number, boolean or list", jsonKind(v))
		}
		return v, nil
	}
	if len(list) == 0 {
		return nil, errors.New("the list is empty")
	}
	for i, e := range list {
		if !isScalarValue(e) {
			return nil, fmt.Errorf("list element %d is %s, not a string, number or boolean", i, jsonKind(e))
		}
	}
	return v, nil
}

func isScalarValue(v any) bool {
	switch v.(type) {
	case string, json.Number, bool:
		return true
	}
	return false
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

// cohortFilterValidator checks the shape of PostHog's CohortPropertyFilter
// (docs/dev/posthog-behaviour.md#cohort-filters): key id, an integer cohort
// id, operator in or not_in; and keeps in and not_in to cohort filters.
type cohortFilterValidator struct{}

func (cohortFilterValidator) Description(context.Context) string {
	return "a cohort filter has key id, a cohort id as its value and the operator in or not_in; only cohort filters take in and not_in"
}

func (v cohortFilterValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (cohortFilterValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	typ, _ := attrs["type"].(types.String)
	op, _ := attrs["operator"].(types.String)
	if typ.IsUnknown() || op.IsUnknown() {
		return
	}
	cohortOp := op.ValueString() == "in" || op.ValueString() == "not_in"
	if typ.ValueString() != "cohort" {
		if cohortOp {
			resp.Diagnostics.AddAttributeError(req.Path.AtName("operator"), "Cohort operator on a property",
				fmt.Sprintf("The %s operator is for cohort filters (type = \"cohort\"); to compare a property with several "+
					"values use exact or is_not with a list in value_json.", op.ValueString()))
		}
		return
	}
	if !op.IsNull() && !cohortOp {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("operator"), "Invalid cohort filter operator",
			fmt.Sprintf("A cohort filter takes the operator in or not_in, not %s.", op.ValueString()))
	}
	if key, _ := attrs["key"].(types.String); !key.IsUnknown() && key.ValueString() != "id" {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("key"), "Invalid cohort filter key",
			fmt.Sprintf("A cohort filter's key is \"id\" (the cohort's id goes in value), not %q.", key.ValueString()))
	}
	if problem := cohortIDProblem(attrs); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Invalid cohort id", problem)
	}
}

// cohortIDProblem says what is wrong with a cohort filter's value, or "".
func cohortIDProblem(attrs map[string]attr.Value) string {
	value, _ := attrs["value"].(types.String)
	valueJSON, _ := attrs["value_json"].(types.String)
	var text string
	switch {
	case value.IsUnknown() || valueJSON.IsUnknown():
		return ""
	case !value.IsNull():
		text = value.ValueString()
	case !valueJSON.IsNull():
		text = valueJSON.ValueString()
	default:
		return "" // propertyValueValidator reports the missing value
	}
	if _, ok := cohortID(text); !ok {
		return fmt.Sprintf("A cohort filter's value is a cohort id, a positive whole number, not %s.", text)
	}
	return ""
}

// cohortID reads a cohort id written as digits.
func cohortID(text string) (json.Number, bool) {
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 1 {
		return "", false
	}
	return json.Number(strconv.FormatInt(n, 10)), true
}
