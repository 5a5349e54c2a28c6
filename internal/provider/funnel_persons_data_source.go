package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource                     = &funnelPersonsDataSource{}
	_ datasource.DataSourceWithConfigure        = &funnelPersonsDataSource{}
	_ datasource.DataSourceWithConfigValidators = &funnelPersonsDataSource{}
)

// NewFunnelPersonsDataSource is the posthog_funnel_persons constructor.
func NewFunnelPersonsDataSource() datasource.DataSource {
	return &funnelPersonsDataSource{}
}

type funnelPersonsDataSource struct {
	data *providerData
}

type funnelPersonsModel struct {
	funnelActorsModel
	Step      types.Int64     `tfsdk:"step"`
	Breakdown *breakdownModel `tfsdk:"breakdown"`
}

type breakdownModel struct {
	Property    types.String `tfsdk:"property"`
	Type        types.String `tfsdk:"type"`
	Value       types.String `tfsdk:"value"`
	Attribution types.String `tfsdk:"attribution"`
}

// request is the posthog.FunnelBreakdown of the configuration, or nil.
func (m *breakdownModel) request() *posthog.FunnelBreakdown {
	if m == nil {
		return nil
	}
	return &posthog.FunnelBreakdown{
		Type:        posthog.BreakdownType(m.Type.ValueString()),
		Property:    m.Property.ValueString(),
		Value:       m.Value.ValueString(),
		Attribution: posthog.BreakdownAttribution(m.Attribution.ValueString()),
	}
}

// breakdownAttribute is the breakdown argument: the property the funnel is
// broken down by and the value whose persons to list
// (docs/dev/posthog-behaviour.md#funnel-breakdowns).
func breakdownAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Lists only the persons of one breakdown value, as clicking one bar of a funnel broken " +
			"down by a property does in PostHog. The funnel is broken down by `property` and only persons whose " +
			"breakdown value equals `value` are listed. Needs the Query API.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"property": schema.StringAttribute{
				MarkdownDescription: "The property the funnel is broken down by, such as `$browser` or `plan`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Whose property it is: `event` (the default; the property of the step event that " +
					"`attribution` picks) or `person`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf("event", "person")},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The breakdown value whose persons to list, as text: PostHog compares breakdown values " +
					"as strings, so a number is written as it reads (`95`) and a boolean as `true` or `false`. An empty " +
					"string lists the persons none of whose funnel events has the property (PostHog's funnels read a missing " +
					"property as an empty string).",
				Required: true,
			},
			"attribution": schema.StringAttribute{
				MarkdownDescription: "For an event property, which of the person's funnel events gives its breakdown " +
					"value: `first_touch` (the default, as in PostHog: the earliest one that has the property) or " +
					"`last_touch` (the latest one that has it).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf("first_touch", "last_touch")},
			},
		},
	}
}

func (d *funnelPersonsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_funnel_persons"
}

func (d *funnelPersonsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := funnelActorsAttributes()
	attrs["step"] = schema.Int64Attribute{
		MarkdownDescription: "Which persons to list, by 1-based step number. A positive `N` lists the persons who " +
			"reached step `N` (`1` is everyone who entered the funnel). A negative `-N` lists the persons who dropped off " +
			"before step `N`: they completed step `N-1` but not step `N`. `0` and `-1` are invalid (nobody drops off " +
			"before the first step), and `N` may not exceed the number of steps.",
		Required:   true,
		Validators: []validator.Int64{funnelStepValidator{}},
	}
	attrs["breakdown"] = breakdownAttribute()
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the persons who converted at, or dropped off before, one step of a funnel: the " +
			"persons behind one bar of PostHog's funnel insight. It uses the Query API (`FunnelsActorsQuery` over a " +
			"`FunnelsQuery`) or, on instances without one, the legacy `persons/funnel/` endpoint (see `api`). " +
			"At most `limit` persons are returned; `has_more` says whether PostHog had more.",
		Attributes: attrs,
		Blocks:     map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *funnelPersonsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{dateOrderValidator{}, stepRangeValidator{}, exclusionRangeValidator{}}
}

func (d *funnelPersonsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *funnelPersonsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model funnelPersonsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	request := posthog.FunnelActorsRequest{Funnel: model.funnel(), Step: int(model.Step.ValueInt64()), Breakdown: model.Breakdown.request()}
	model.read(ctx, d.data, "funnel persons", request, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// funnelStepValidator rejects the step numbers that can never be valid.
type funnelStepValidator struct{}

func (funnelStepValidator) Description(context.Context) string {
	return "must be a step number from 1, or a negative step number from -2 for drop-offs"
}

func (v funnelStepValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (funnelStepValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	switch req.ConfigValue.ValueInt64() {
	case 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid funnel step",
			"step 0 does not exist: steps are numbered from 1. Use N for the persons who reached step N, or -N for the "+
				"persons who dropped off before step N.")
	case -1:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid funnel step",
			"step -1 would be the persons who dropped off before step 1, but everyone in a funnel did step 1. Use -2 "+
				"for the persons who did step 1 but not step 2, or 1 for everyone who entered the funnel.")
	}
}

// stepRangeValidator rejects a step beyond the last step.
type stepRangeValidator struct{}

func (stepRangeValidator) Description(context.Context) string {
	return "step must not be beyond the last of steps"
}

func (v stepRangeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (stepRangeValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var step types.Int64
	var steps types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("step"), &step)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("steps"), &steps)...)
	if step.IsNull() || step.IsUnknown() || steps.IsNull() || steps.IsUnknown() {
		return
	}
	n := int64(len(steps.Elements()))
	s := step.ValueInt64()
	if s > n || -s > n {
		resp.Diagnostics.AddAttributeError(path.Root("step"), "Funnel step beyond the last step",
			fmt.Sprintf("step is %d, but the funnel has %d steps: use a step from 1 to %d, or from -2 to -%d for drop-offs.", s, n, n, n))
	}
}
