package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource                     = &lifecyclePersonsDataSource{}
	_ datasource.DataSourceWithConfigure        = &lifecyclePersonsDataSource{}
	_ datasource.DataSourceWithConfigValidators = &lifecyclePersonsDataSource{}
)

// NewLifecyclePersonsDataSource is the posthog_lifecycle_persons constructor.
func NewLifecyclePersonsDataSource() datasource.DataSource {
	return &lifecyclePersonsDataSource{}
}

type lifecyclePersonsDataSource struct {
	data *providerData
}

type lifecyclePersonsModel struct {
	actorsCommonModel
	Events   []seriesStepModel `tfsdk:"events"`
	Interval types.String      `tfsdk:"interval"`
	Day      types.String      `tfsdk:"day"`
	Status   types.String      `tfsdk:"status"`
}

var lifecycleStatuses = []string{"new", "returning", "resurrecting", "dormant"}

func (d *lifecyclePersonsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_lifecycle_persons"
}

func (d *lifecyclePersonsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := actorsCommonAttributes("lifecycle")
	attrs["events"] = schema.ListNestedAttribute{
		MarkdownDescription: "The events, or saved actions, that count as activity, each with optional property filters. PostHog combines " +
			"all entries with AND: an event counts when it matches every entry, so one entry is the usual choice.",
		Required:     true,
		NestedObject: seriesStepObject("entry"),
		Validators:   []validator.List{listvalidator.SizeAtLeast(1)},
	}
	attrs["interval"] = schema.StringAttribute{
		MarkdownDescription: "The period length: `hour`, `day` (the default), `week` or `month`.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.OneOf("hour", "day", "week", "month")},
	}
	attrs["day"] = schema.StringAttribute{
		MarkdownDescription: "The start of the period to list persons for, as a date (`2024-01-31`) or, for the hour " +
			"interval, a timestamp (`2024-01-31T13:00:00Z`). PostHog truncates it to the start of its interval in the " +
			"project's timezone.",
		Required:   true,
		Validators: []validator.String{dayValidator{}},
	}
	attrs["status"] = schema.StringAttribute{
		MarkdownDescription: "The lifecycle status: `new` (first active in the period the person was created in), " +
			"`returning` (active in this period and the one before), `resurrecting` (active again after at least one " +
			"inactive period) or `dormant` (active in the period before, not in this one).",
		Required:   true,
		Validators: []validator.String{stringvalidator.OneOf(lifecycleStatuses...)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the persons of one lifecycle status in one period, as PostHog's lifecycle insight " +
			"counts them: the persons behind one bar of the chart. It uses the Query API (`InsightActorsQuery` over a " +
			"`LifecycleQuery`) or, on instances without one, the legacy `persons/lifecycle/` endpoint (see `api`). " +
			"At most `limit` persons are returned; `has_more` says whether PostHog had more.",
		Attributes: attrs,
		Blocks:     map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *lifecyclePersonsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{dateOrderValidator{}, lifecycleDayValidator{}}
}

func (d *lifecyclePersonsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *lifecyclePersonsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model lifecyclePersonsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	from, to := model.dates()
	request := posthog.LifecycleActorsRequest{
		Events:             seriesSteps(model.Events),
		DateFrom:           from,
		DateTo:             to,
		Interval:           posthog.IntervalType(model.Interval.ValueString()),
		Properties:         propertyFilters(model.Properties),
		Day:                model.Day.ValueString(),
		Status:             posthog.LifecycleStatus(model.Status.ValueString()),
		FilterTestAccounts: model.FilterTestAccounts.ValueBool(),
	}
	if request.Interval == "" {
		request.Interval = posthog.IntervalDay
	}
	model.read(ctx, d.data, "lifecycle persons", request, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
