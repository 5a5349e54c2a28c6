package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The property filter argument of the actors data sources and its validator.

var propertyOperators = []string{
	"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte", "lt", "lte",
	"is_set", "is_not_set", "is_date_exact", "is_date_before", "is_date_after",
}

func propertyFilterObject() schema.NestedAttributeObject {
	return schema.NestedAttributeObject{
		Attributes: map[string]schema.Attribute{
			"key": schema.StringAttribute{
				MarkdownDescription: "The property name, such as `$browser` or `email`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The value to compare with. Required except for the `is_set` and `is_not_set` operators, which take none.",
				Optional:            true,
			},
			"operator": schema.StringAttribute{
				MarkdownDescription: "How to compare: one of `" + strings.Join(propertyOperators, "`, `") + "`. Defaults to `exact`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(propertyOperators...)},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Whose property it is: `event` (the default) or `person`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("event", "person")},
			},
		},
		Validators: []validator.Object{propertyValueValidator{}},
	}
}

// propertyValueValidator requires a value unless the operator takes none.
type propertyValueValidator struct{}

func (propertyValueValidator) Description(context.Context) string {
	return "value is required unless operator is is_set or is_not_set, which take none"
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
	if op.IsUnknown() || value.IsUnknown() {
		return
	}
	noValue := op.ValueString() == "is_set" || op.ValueString() == "is_not_set"
	switch {
	case noValue && !value.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Value with a value-less operator",
			fmt.Sprintf("The %s operator takes no value; remove value.", op.ValueString()))
	case !noValue && value.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Missing property value",
			"Set value: a property filter compares the property with it. Only the is_set and is_not_set operators take no value.")
	}
}
