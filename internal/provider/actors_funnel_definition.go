package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
		MarkdownDescription: "The funnel steps in order, at least two. Each is an event or a saved action, with optional property filters.",
		Required:            true,
		NestedObject:        seriesStepObject("step"),
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
	attrs["exclusions"] = schema.ListNestedAttribute{
		MarkdownDescription: "Exclusion steps, as in PostHog's funnel insight: a person who did the event (with its optional " +
			"property filters) after reaching step `funnel_from_step` and before reaching step `funnel_to_step` of the " +
			"same attempt, within the conversion window, is left out of the whole funnel, at every step. Steps are " +
			"numbered from 0 here, as PostHog numbers them in exclusions: `funnel_from_step = 0`, `funnel_to_step = 1` " +
			"excludes between the first and the second step. The event may not be one of the steps in that range. " +
			"Needs the Query API.",
		Optional:     true,
		NestedObject: exclusionObject(),
	}
	return attrs
}

func exclusionObject() schema.NestedAttributeObject {
	obj := eventStepObject("exclusion")
	obj.Attributes["funnel_from_step"] = schema.Int64Attribute{
		MarkdownDescription: "The step after which the event excludes, numbered from 0 (the first step).",
		Required:            true,
		Validators:          []validator.Int64{int64validator.AtLeast(0)},
	}
	obj.Attributes["funnel_to_step"] = schema.Int64Attribute{
		MarkdownDescription: "The step before which the event excludes, numbered from 0; greater than `funnel_from_step` " +
			"and at most the last step's number (the number of steps minus one).",
		Required:   true,
		Validators: []validator.Int64{int64validator.AtLeast(1)},
	}
	return obj
}

// funnelActorsModel is the model of funnelActorsAttributes, which both
// funnel data source models embed.
type funnelActorsModel struct {
	actorsCommonModel
	Steps          []seriesStepModel `tfsdk:"steps"`
	WindowInterval types.Int64       `tfsdk:"window_interval"`
	WindowUnit     types.String      `tfsdk:"window_unit"`
	OrderType      types.String      `tfsdk:"order_type"`
	Exclusions     []exclusionModel  `tfsdk:"exclusions"`
}

type exclusionModel struct {
	eventStepModel
	FunnelFromStep types.Int64 `tfsdk:"funnel_from_step"`
	FunnelToStep   types.Int64 `tfsdk:"funnel_to_step"`
}

// funnel is the funnel the configuration defines; unset settings are left
// to PostHog's defaults.
func (m funnelActorsModel) funnel() posthog.Funnel {
	from, to := m.dates()
	return posthog.Funnel{
		Steps:              seriesSteps(m.Steps),
		DateFrom:           from,
		DateTo:             to,
		WindowInterval:     int(m.WindowInterval.ValueInt64()),
		WindowUnit:         posthog.FunnelWindowUnit(m.WindowUnit.ValueString()),
		OrderType:          posthog.StepOrder(m.OrderType.ValueString()),
		Properties:         propertyFilters(m.Properties),
		FilterTestAccounts: m.FilterTestAccounts.ValueBool(),
		Exclusions:         exclusions(m.Exclusions),
	}
}

func exclusions(models []exclusionModel) []posthog.FunnelExclusion {
	if len(models) == 0 {
		return nil
	}
	out := make([]posthog.FunnelExclusion, len(models))
	for i, m := range models {
		out[i] = posthog.FunnelExclusion{
			Event:    eventStep(m.eventStepModel),
			FromStep: int(m.FunnelFromStep.ValueInt64()),
			ToStep:   int(m.FunnelToStep.ValueInt64()),
		}
	}
	return out
}

// exclusionRangeValidator applies PostHog's checks of exclusion ranges
// (docs/dev/posthog-behaviour.md#funnels) before any request.
type exclusionRangeValidator struct{}

func (exclusionRangeValidator) Description(context.Context) string {
	return "each exclusion's funnel_to_step must be greater than its funnel_from_step and at most the last step's number, " +
		"and its event may not be a step event in that range"
}

func (v exclusionRangeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (exclusionRangeValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var stepList, exclusionList types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("steps"), &stepList)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("exclusions"), &exclusionList)...)
	if resp.Diagnostics.HasError() || stepList.IsUnknown() || exclusionList.IsUnknown() || exclusionList.IsNull() {
		return
	}
	var steps []seriesStepModel
	var exclusions []exclusionModel
	// Unknown elements fail the conversion; they are checked once known.
	if stepList.ElementsAs(ctx, &steps, false).HasError() || exclusionList.ElementsAs(ctx, &exclusions, false).HasError() {
		return
	}
	for i, ex := range exclusions {
		if problem := exclusionProblem(ex, steps); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("exclusions").AtListIndex(i), "Invalid funnel exclusion", problem)
		}
	}
}

// exclusionProblem says what is wrong with an exclusion, or "" when nothing
// is or when unknown values leave it open.
func exclusionProblem(ex exclusionModel, steps []seriesStepModel) string {
	if ex.FunnelFromStep.IsUnknown() || ex.FunnelToStep.IsUnknown() || ex.FunnelFromStep.IsNull() || ex.FunnelToStep.IsNull() {
		return ""
	}
	from, to, last := ex.FunnelFromStep.ValueInt64(), ex.FunnelToStep.ValueInt64(), int64(len(steps)-1)
	switch {
	case from < 0:
		return "" // the attribute's own validator reports it
	case from >= to:
		return fmt.Sprintf("funnel_to_step (%d) must be greater than funnel_from_step (%d).", to, from)
	case to > last:
		return fmt.Sprintf("funnel_to_step is %d, but the funnel's steps are numbered 0 to %d here.", to, last)
	}
	if ex.Event.IsUnknown() || len(ex.Properties) > 0 {
		// PostHog also refuses an exclusion whose filters equal or include a
		// step's; that is left to PostHog.
		return ""
	}
	for k := from; k <= to; k++ {
		if st := steps[k]; !st.Event.IsUnknown() && !st.Event.IsNull() && st.Event.ValueString() == ex.Event.ValueString() {
			return fmt.Sprintf("the event %q is step %d of the funnel, inside the excluded range %d to %d: PostHog refuses "+
				"an exclusion on a step's event.", ex.Event.ValueString(), k, from, to)
		}
	}
	return ""
}
