package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Conversions between Terraform values and Go values, shared by the
// resource and the data sources.

func boolValue(v types.Bool) bool {
	return !v.IsNull() && !v.IsUnknown() && v.ValueBool()
}

// stringList returns the known string elements of a list (nil when null or unknown).
func stringList(list types.List) []string {
	if list.IsNull() || list.IsUnknown() {
		return nil
	}
	out := make([]string, 0, len(list.Elements()))
	for _, element := range list.Elements() {
		if s, ok := element.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	return out
}

func stringListValue(values []string) types.List {
	elements := make([]attr.Value, len(values))
	for i, v := range values {
		elements[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elements)
}

// int64OrZero returns the value of v, or 0 when it is null or unknown.
func int64OrZero(v types.Int64) int64 {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	return v.ValueInt64()
}

// listLength is the number of elements of a list as an Int64 attribute:
// unknown when the list is unknown, null when it is null.
func listLength(l types.List) types.Int64 {
	switch {
	case l.IsUnknown():
		return types.Int64Unknown()
	case l.IsNull():
		return types.Int64Null()
	}
	return types.Int64Value(int64(len(l.Elements())))
}

func optionalString(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

// optionalStringValue is null for "".
func optionalStringValue(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
