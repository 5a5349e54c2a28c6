package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// The funnel definition that posthog_funnel_persons and
// posthog_funnel_correlation_persons share. Both list persons of a funnel
// defined the same way (steps, conversion window and step order, plus the
// common date range and property filters, which apply to the funnel) and
// differ only in which of its persons they list: those of one step, or
// those behind one correlation signal. A change here changes both.

// funnelActorsAttributes is the schema both funnel data sources start from:
// the common actors attributes and the funnel definition.
func funnelActorsAttributes() map[string]schema.Attribute {
	attrs := actorsCommonAttributes("funnel")
	attrs["steps"] = schema.ListNestedAttribute{
		MarkdownDescription: "The funnel steps in order, at least two. Each is an event with optional property filters.",
		Required:            true,
		NestedObject:        eventStepObject("step"),
		Validators:          []validator.List{listvalidator.SizeAtLeast(2)},
	}
	attrs["window_interval"] = schema.Int64Attribute{
		MarkdownDescription: "How long a person has to complete the funnel after the first step, in `window_unit`s. Defaults to 14.",
		Optional:            true,
		Validators:          []validator.Int64{int64validator.Between(1, 10000)},
	}
	attrs["window_unit"] = schema.StringAttribute{
		MarkdownDescription: "The unit of `window_interval`: `second`, `minute`, `hour`, `day` (the default), `week` or `month`.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.OneOf("second", "minute", "hour", "day", "week", "month")},
	}
	attrs["order_type"] = schema.StringAttribute{
		MarkdownDescription: "How the steps must be done: `ordered` (the default; in order, other events may come between), " +
			"`strict` (in order, with no other event between steps) or `unordered` (in any order within the window).",
		Optional:   true,
		Validators: []validator.String{stringvalidator.OneOf("ordered", "strict", "unordered")},
	}
	return attrs
}

// funnelActorsModel is the model of funnelActorsAttributes, which both
// funnel data source models embed.
type funnelActorsModel struct {
	actorsCommonModel
	Steps          []eventStepModel `tfsdk:"steps"`
	WindowInterval types.Int64      `tfsdk:"window_interval"`
	WindowUnit     types.String     `tfsdk:"window_unit"`
	OrderType      types.String     `tfsdk:"order_type"`
}

// funnel is the funnel the configuration defines; unset settings are left
// to PostHog's defaults.
func (m funnelActorsModel) funnel() posthog.Funnel {
	from, to := m.dates()
	return posthog.Funnel{
		Steps:              eventSteps(m.Steps),
		DateFrom:           from,
		DateTo:             to,
		WindowInterval:     int(m.WindowInterval.ValueInt64()),
		WindowUnit:         posthog.FunnelWindowUnit(m.WindowUnit.ValueString()),
		OrderType:          posthog.StepOrder(m.OrderType.ValueString()),
		Properties:         propertyFilters(m.Properties),
		FilterTestAccounts: m.FilterTestAccounts.ValueBool(),
	}
}
