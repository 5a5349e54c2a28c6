package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource                     = &insightPersonsDataSource{}
	_ datasource.DataSourceWithConfigure        = &insightPersonsDataSource{}
	_ datasource.DataSourceWithConfigValidators = &insightPersonsDataSource{}
)

// NewInsightPersonsDataSource is the posthog_insight_persons constructor.
func NewInsightPersonsDataSource() datasource.DataSource {
	return &insightPersonsDataSource{}
}

type insightPersonsDataSource struct {
	data *providerData
}

type insightPersonsModel struct {
	ProjectID           types.String       `tfsdk:"project_id"`
	InsightID           types.Int64        `tfsdk:"insight_id"`
	InsightShortID      types.String       `tfsdk:"insight_short_id"`
	FunnelStep          types.Int64        `tfsdk:"funnel_step"`
	FunnelStepBreakdown types.String       `tfsdk:"funnel_step_breakdown"`
	Day                 types.String       `tfsdk:"day"`
	Status              types.String       `tfsdk:"status"`
	Async               types.Bool         `tfsdk:"async"`
	Limit               types.Int64        `tfsdk:"limit"`
	PageSize            types.Int64        `tfsdk:"page_size"`
	InsightName         types.String       `tfsdk:"insight_name"`
	InsightKind         types.String       `tfsdk:"insight_kind"`
	Persons             []actorPersonModel `tfsdk:"persons"`
	HasMore             types.Bool         `tfsdk:"has_more"`
	Timeouts            timeouts.Value     `tfsdk:"timeouts"`
}

func (d *insightPersonsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_insight_persons"
}

func (d *insightPersonsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	common := actorsCommonAttributes("insight")
	attrs := map[string]schema.Attribute{
		"project_id": dataSourceProjectIDAttribute(),
		"insight_id": schema.Int64Attribute{
			MarkdownDescription: "The numeric id of the saved insight. Set this or `insight_short_id`; the other is filled in.",
			Optional:            true,
			Computed:            true,
			Validators:          []validator.Int64{int64validator.AtLeast(1)},
		},
		"insight_short_id": schema.StringAttribute{
			MarkdownDescription: "The short id of the saved insight: the part after `/insights/` in its URL, such as " +
				"`aBcD1234`. Set this or `insight_id`; the other is filled in.",
			Optional:   true,
			Computed:   true,
			Validators: []validator.String{insightShortIDValidator{}},
		},
		"funnel_step": schema.Int64Attribute{
			MarkdownDescription: "For a funnel insight: which persons to list, by 1-based step number, as the funnel " +
				"chart numbers its steps. A positive `N` lists the persons who reached step `N` (`1` is everyone who " +
				"entered the funnel); a negative `-N` lists the persons who dropped off at step `N` (they completed step " +
				"`N-1` but not step `N`). `0` and `-1` are invalid, and `N` may not exceed the insight's number of steps.",
			Optional: true,
			Validators: []validator.Int64{funnelStepValidator{},
				int64validator.ConflictsWith(path.MatchRoot("day"), path.MatchRoot("status"))},
		},
		"funnel_step_breakdown": schema.StringAttribute{
			MarkdownDescription: "For a funnel insight with a breakdown: the breakdown value whose persons to list, as " +
				"the chart shows it (for a cohort breakdown, the cohort's id). Unset lists the persons of every value, " +
				"as the chart's \"Baseline\" row does.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("funnel_step"))},
		},
		"day": schema.StringAttribute{
			MarkdownDescription: "For a lifecycle insight: the start of the period to list persons for, as a date " +
				"(`2024-01-31`) or, for an hourly lifecycle, a timestamp (`2024-01-31T13:00:00Z`). It must lie in the " +
				"insight's date range.",
			Optional:   true,
			Validators: []validator.String{dayValidator{}, stringvalidator.AlsoRequires(path.MatchRoot("status"))},
		},
		"status": schema.StringAttribute{
			MarkdownDescription: "For a lifecycle insight: the lifecycle status, `new`, `returning`, `resurrecting` or `dormant`.",
			Optional:            true,
			Validators: []validator.String{stringvalidator.OneOf(lifecycleStatuses...),
				stringvalidator.AlsoRequires(path.MatchRoot("day"))},
		},
		"insight_name": schema.StringAttribute{
			MarkdownDescription: "The insight's name (or the name PostHog derived for it).",
			Computed:            true,
		},
		"insight_kind": schema.StringAttribute{
			MarkdownDescription: "The kind of the insight's query: `FunnelsQuery` or `LifecycleQuery`.",
			Computed:            true,
		},
	}
	for _, name := range []string{"async", "limit", "page_size", "persons", "has_more"} {
		attrs[name] = common[name]
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the persons behind one bar of a saved PostHog insight: the persons of a funnel step " +
			"(converted or dropped off, optionally of one breakdown value) or of a lifecycle status in one period. It " +
			"reads the insight's stored query and lists its persons the way the chart's \"view persons\" does, so the " +
			"list follows the insight as the team edits it in PostHog: its steps, date range, filters, test-account " +
			"filtering and exclusions. It needs the Query API and an API key with `insight:read` and `query:read`. " +
			"At most `limit` persons are returned; `has_more` says whether PostHog had more.",
		Attributes: attrs,
		Blocks:     map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *insightPersonsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("insight_id"), path.MatchRoot("insight_short_id")),
		datasourcevalidator.AtLeastOneOf(path.MatchRoot("funnel_step"), path.MatchRoot("day")),
	}
}

func (d *insightPersonsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *insightPersonsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m insightPersonsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, deadline, ok := startRead(ctx, m.Timeouts, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	projectID := dataSourceProject(d.data, m.ProjectID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ins, ok := m.readInsight(ctx, d.data.client, projectID, deadline, &resp.Diagnostics)
	if !ok {
		return
	}
	source := m.actorsSource(ins, time.Now().UTC(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	listing := actorsListing{API: types.StringValue(string(posthog.ActorsAPIQuery)), Async: m.Async, Limit: m.Limit, PageSize: m.PageSize}
	res, err := d.data.client.ListActors(ctx, projectID, listing.request(source))
	if err != nil {
		resp.Diagnostics.AddError("Unable to list the persons of insight "+describeInsight(ins), deadline.explain(ctx, err))
		return
	}
	if m.Persons, err = actorPersons(res.Persons); err != nil {
		resp.Diagnostics.AddError("Unexpected person from PostHog", err.Error())
		return
	}
	m.HasMore = types.BoolValue(res.HasMore)
	m.InsightID = types.Int64Value(ins.ID)
	m.InsightShortID = types.StringValue(ins.ShortID)
	m.InsightName = types.StringValue(ins.Name)
	m.InsightKind = types.StringValue(ins.Kind)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// readInsight reads the insight the configuration names.
func (m insightPersonsModel) readInsight(ctx context.Context, client *posthog.Client, projectID int64, deadline readDeadline,
	diags *diag.Diagnostics,
) (posthog.SavedInsight, bool) {
	ref := posthog.InsightRef{ID: m.InsightID.ValueInt64(), ShortID: m.InsightShortID.ValueString()}
	at := path.Root("insight_id")
	if ref.ShortID != "" {
		at = path.Root("insight_short_id")
	}
	ins, err := client.Insight(ctx, projectID, ref)
	switch {
	case posthog.IsInsightNotFound(err):
		diags.AddAttributeError(at, "Saved insight not found", err.Error()+". Check the id against the insight's URL "+
			"(.../project/<project_id>/insights/<short_id>) and that project_id is the insight's project. A deleted "+
			"insight lists no persons: restore it in PostHog or point this data source at its replacement.")
		return ins, false
	case err != nil:
		diags.AddAttributeError(at, "Unable to read the saved insight", deadline.explain(ctx, err))
		return ins, false
	}
	return ins, true
}

// describeInsight names an insight in messages: its id and name.
func describeInsight(ins posthog.SavedInsight) string {
	if ins.Name == "" {
		return strconv.FormatInt(ins.ID, 10)
	}
	return fmt.Sprintf("%d (%q)", ins.ID, ins.Name)
}

// actorsSource is the persons request for the pick the configuration
// makes, or an error that says what to change when the pick does not fit
// the insight.
func (m insightPersonsModel) actorsSource(ins posthog.SavedInsight, now time.Time, diags *diag.Diagnostics) posthog.ActorsSource {
	name := describeInsight(ins)
	if ins.AggregatesGroups {
		diags.AddError("Insight counts groups, not persons",
			fmt.Sprintf("Insight %s aggregates by groups (aggregation_group_type_index): its chart counts groups, and "+
				"this data source lists persons. Use an insight that counts unique users.", name))
		return nil
	}
	switch ins.Kind {
	case "FunnelsQuery":
		return m.funnelSource(ins, name, diags)
	case "LifecycleQuery":
		return m.lifecycleSource(ins, name, now, diags)
	}
	diags.AddError("Insight has no person list here",
		fmt.Sprintf("Insight %s is a %s. This data source lists the persons of funnel (FunnelsQuery) and lifecycle "+
			"(LifecycleQuery) insights. For other lists use posthog_persons, posthog_persons_by_property or "+
			"posthog_cohort_persons.", name, ins.Kind))
	return nil
}

func (m insightPersonsModel) funnelSource(ins posthog.SavedInsight, name string, diags *diag.Diagnostics) posthog.ActorsSource {
	step := m.FunnelStep.ValueInt64()
	switch {
	case m.FunnelStep.IsNull():
		diags.AddAttributeError(path.Root("day"), "Pick does not fit the insight",
			fmt.Sprintf("Insight %s is a funnel: set funnel_step (and funnel_step_breakdown for one breakdown value) "+
				"instead of day and status.", name))
	case ins.AggregatesHogQL:
		diags.AddError("Insight has no person list",
			fmt.Sprintf("Insight %s aggregates by a HogQL expression (funnelAggregateByHogQL), and PostHog offers no "+
				"person list for such a funnel.", name))
	case ins.FunnelVizType != "" && ins.FunnelVizType != "steps":
		diags.AddError("Insight shows no funnel steps",
			fmt.Sprintf("Insight %s shows the funnel as %q, whose persons are picked by time, not by step. Switch its "+
				"visualisation to steps in PostHog, or use posthog_funnel_persons.", name, ins.FunnelVizType))
	case step > int64(ins.Steps) || -step > int64(ins.Steps):
		diags.AddAttributeError(path.Root("funnel_step"), "Funnel step beyond the last step",
			fmt.Sprintf("funnel_step is %d, but insight %s has %d steps: use a step from 1 to %d, or from -2 to -%d for "+
				"drop-offs.", step, name, ins.Steps, ins.Steps, ins.Steps))
	}
	if diags.HasError() {
		return nil
	}
	breakdown := m.breakdownValue(ins, name, diags)
	if diags.HasError() {
		return nil
	}
	return posthog.InsightFunnelActorsRequest{Insight: ins, Step: int(step), StepBreakdown: breakdown}
}

// breakdownValue is funnel_step_breakdown as funnelStepBreakdown: the
// cohort id as a number for a cohort breakdown (PostHog compares a number
// as text otherwise), else the text (docs/dev/posthog-behaviour.md#funnels).
func (m insightPersonsModel) breakdownValue(ins posthog.SavedInsight, name string, diags *diag.Diagnostics) any {
	if m.FunnelStepBreakdown.IsNull() {
		return nil
	}
	value := m.FunnelStepBreakdown.ValueString()
	at := path.Root("funnel_step_breakdown")
	switch {
	case ins.Breakdowns == 0:
		diags.AddAttributeError(at, "Insight has no breakdown",
			fmt.Sprintf("Insight %s has no breakdown, so funnel_step_breakdown selects nothing: remove it.", name))
	case ins.Breakdowns > 1:
		diags.AddAttributeError(at, "Insight has several breakdowns",
			fmt.Sprintf("Insight %s breaks down by %d properties; funnel_step_breakdown takes the value of a single "+
				"breakdown. Remove it to list the persons of every value.", name, ins.Breakdowns))
	case ins.BreakdownType == "cohort":
		id, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			diags.AddAttributeError(at, "Invalid cohort breakdown value",
				fmt.Sprintf("Insight %s breaks down by cohort: funnel_step_breakdown is the cohort's numeric id, not %q.", name, value))
			return nil
		}
		return id
	}
	return value
}

func (m insightPersonsModel) lifecycleSource(ins posthog.SavedInsight, name string, now time.Time, diags *diag.Diagnostics) posthog.ActorsSource {
	if m.Day.IsNull() {
		diags.AddAttributeError(path.Root("funnel_step"), "Pick does not fit the insight",
			fmt.Sprintf("Insight %s is a lifecycle: set day and status instead of funnel_step.", name))
		return nil
	}
	from := ins.DateFrom
	if from == "" {
		from = "all" // PostHog's default range is not known here: check only the end
	}
	if problem := dayOutsideRange(m.Day.ValueString(), from, ins.DateTo, ins.Interval, now); problem != "" {
		diags.AddAttributeError(path.Root("day"), "day is outside the insight's date range",
			fmt.Sprintf("Insight %s covers %s to %s in %s periods, and its chart has no period for day %q, so PostHog "+
				"would list nobody. Choose a day the chart shows, or change the insight's date range in PostHog.",
				name, orDefault(ins.DateFrom, "PostHog's default start"), orDefault(ins.DateTo, "now"), ins.Interval, m.Day.ValueString()))
		return nil
	}
	return posthog.InsightLifecycleActorsRequest{Insight: ins, Day: m.Day.ValueString(), Status: posthog.LifecycleStatus(m.Status.ValueString())}
}

// insightShortIDValidator rejects what cannot be a short id.
type insightShortIDValidator struct{}

func (insightShortIDValidator) Description(context.Context) string {
	return "must be an insight short id: 1 to 12 letters and digits"
}

func (v insightShortIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v insightShortIDValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || posthog.ValidInsightShortID(req.ConfigValue.ValueString()) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid insight short id",
		fmt.Sprintf("%q is not an insight short id: it %s, as in the insight's URL .../insights/<short_id>.",
			req.ConfigValue.ValueString(), v.Description(ctx)))
}

// orDefault is s, or what an empty s stands for.
func orDefault(s, empty string) string {
	if s == "" {
		return empty
	}
	return strconv.Quote(s)
}
