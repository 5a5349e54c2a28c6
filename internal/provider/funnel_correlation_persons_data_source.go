package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource                     = &funnelCorrelationPersonsDataSource{}
	_ datasource.DataSourceWithConfigure        = &funnelCorrelationPersonsDataSource{}
	_ datasource.DataSourceWithConfigValidators = &funnelCorrelationPersonsDataSource{}
)

// NewFunnelCorrelationPersonsDataSource is the posthog_funnel_correlation_persons constructor.
func NewFunnelCorrelationPersonsDataSource() datasource.DataSource {
	return &funnelCorrelationPersonsDataSource{}
}

type funnelCorrelationPersonsDataSource struct {
	data *providerData
}

type funnelCorrelationPersonsModel struct {
	funnelActorsModel
	Event          *eventStepModel       `tfsdk:"event"`
	PropertyValues []propertyFilterModel `tfsdk:"property_values"`
	Converted      types.String          `tfsdk:"converted"`
}

func (d *funnelCorrelationPersonsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_funnel_correlation_persons"
}

func (d *funnelCorrelationPersonsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := funnelActorsAttributes()
	attrs["event"] = schema.SingleNestedAttribute{
		MarkdownDescription: "The correlated event, with optional property filters: lists the funnel entrants who did " +
			"this event between entering the funnel and converting (or the end of the window). A funnel step's event never " +
			"matches. Exactly one of `event` and `property_values` must be set.",
		Optional:   true,
		Attributes: eventStepObject("correlated event").Attributes,
	}
	attrs["property_values"] = schema.ListNestedAttribute{
		MarkdownDescription: "The correlated property values: lists the funnel entrants who match all of these filters " +
			"(usually person properties, `type = \"person\"`). Exactly one of `event` and `property_values` must be set. " +
			"Set `converted` to `true` or `false` with them: PostHog may reject property correlation for both.",
		Optional:     true,
		NestedObject: propertyFilterObject(),
		Validators:   []validator.List{listvalidator.SizeAtLeast(1)},
	}
	attrs["converted"] = schema.StringAttribute{
		MarkdownDescription: "Which entrants to list: `true` (those who completed the funnel), `false` (those who did " +
			"not) or `either` (the default: both).",
		Optional:   true,
		Validators: []validator.String{stringvalidator.OneOf("true", "false", "either")},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the persons behind one funnel correlation signal: the funnel entrants who did a " +
			"correlated event, or who have correlated property values, and who did or did not convert. It uses the Query API " +
			"(`FunnelCorrelationActorsQuery`) or, on instances without one, the legacy `persons/funnel/correlation/` " +
			"endpoint (see `api`). At most `limit` persons are returned; `has_more` says whether PostHog had more.",
		Attributes: attrs,
		Blocks:     map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *funnelCorrelationPersonsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{dateOrderValidator{}, correlationTargetValidator{}, exclusionRangeValidator{}}
}

func (d *funnelCorrelationPersonsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *funnelCorrelationPersonsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model funnelCorrelationPersonsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	request := posthog.FunnelCorrelationActorsRequest{
		Funnel:         model.funnel(),
		PropertyValues: propertyFilters(model.PropertyValues),
	}
	if model.Event != nil {
		e := eventStep(*model.Event)
		request.Event = &e
	}
	if converted := model.Converted.ValueString(); converted == "true" || converted == "false" {
		request.Converted = new(converted == "true")
	}
	model.read(ctx, d.data, "funnel correlation persons", request, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// correlationTargetValidator requires exactly one of event and property_values.
type correlationTargetValidator struct{}

func (correlationTargetValidator) Description(context.Context) string {
	return "exactly one of event and property_values must be set"
}

func (v correlationTargetValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (correlationTargetValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var event types.Object
	var values types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("event"), &event)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("property_values"), &values)...)
	if resp.Diagnostics.HasError() || event.IsUnknown() || values.IsUnknown() {
		return
	}
	switch {
	case event.IsNull() && values.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("event"), "Missing correlation",
			"Say which correlation signal to list persons for: set event (a correlated event, such as "+
				"event = { event = \"clicked upgrade\" }) or property_values (correlated property filters).")
	case !event.IsNull() && !values.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("property_values"), "Two correlations",
			"Set only one of event and property_values: a correlation signal is either an event or property values.")
	}
}
