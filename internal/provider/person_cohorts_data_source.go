package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource              = &personCohortsDataSource{}
	_ datasource.DataSourceWithConfigure = &personCohortsDataSource{}
)

// NewPersonCohortsDataSource is the posthog_person_cohorts constructor.
func NewPersonCohortsDataSource() datasource.DataSource {
	return &personCohortsDataSource{}
}

type personCohortsDataSource struct {
	data *providerData
}

type personCohortsModel struct {
	ProjectID types.String   `tfsdk:"project_id"`
	PersonID  types.String   `tfsdk:"person_id"`
	Cohorts   types.List     `tfsdk:"cohorts"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

var cohortAttrTypes = map[string]attr.Type{
	"id":    types.Int64Type,
	"name":  types.StringType,
	"count": types.Int64Type,
}

func (d *personCohortsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_person_cohorts"
}

func (d *personCohortsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the cohorts a person belongs to, static and dynamic, so that a deletion pipeline can see " +
			"where else a user's data is used. Deleted cohorts are not listed. The API key needs the `person:read` and " +
			"`cohort:read` scopes. An unknown person is an error, not an empty list.",
		Attributes: map[string]schema.Attribute{
			"project_id": dataSourceProjectIDAttribute(),
			"person_id": schema.StringAttribute{
				MarkdownDescription: "The UUID or the numeric id of the person whose cohorts are listed.",
				Required:            true,
				Validators:          []validator.String{personIDValidator{}},
			},
			"cohorts": schema.ListNestedAttribute{
				MarkdownDescription: "The person's cohorts, in PostHog's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":    schema.Int64Attribute{MarkdownDescription: "The cohort's numeric id.", Computed: true},
						"name":  schema.StringAttribute{MarkdownDescription: "The cohort's name, as shown in PostHog.", Computed: true},
						"count": schema.Int64Attribute{MarkdownDescription: "How many persons the cohort holds (its size, not this person's membership), or null when PostHog has not computed it.", Computed: true},
					},
				},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *personCohortsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *personCohortsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model personCohortsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, deadline, ok := startRead(ctx, model.Timeouts, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	projectID := dataSourceProject(d.data, model.ProjectID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	personID := model.PersonID.ValueString()
	cohorts, err := d.data.client.PersonCohorts(ctx, projectID, personID)
	if err != nil {
		if posthog.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("person_id"), "Person not found",
				fmt.Sprintf("PostHog project %d has no person with id %q. Check the id, or look the person up with "+
					"data.posthog_persons first (a deleted person has no cohorts).", projectID, personID))
			return
		}
		resp.Diagnostics.AddError("Unable to read the person's cohorts", deadline.explain(ctx, err))
		return
	}
	values := make([]attr.Value, len(cohorts))
	for i, c := range cohorts {
		count := types.Int64Null()
		if c.Count != nil {
			count = types.Int64Value(int64(*c.Count))
		}
		values[i] = types.ObjectValueMust(cohortAttrTypes, map[string]attr.Value{
			"id": types.Int64Value(c.ID), "name": types.StringValue(c.Name), "count": count,
		})
	}
	model.Cohorts = types.ListValueMust(types.ObjectType{AttrTypes: cohortAttrTypes}, values)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// personIDValidator accepts a person UUID or a positive numeric id, the two
// forms PostHog's cohorts endpoint takes.
type personIDValidator struct{}

func (personIDValidator) Description(context.Context) string {
	return "must be a person UUID or a positive numeric person id"
}

func (v personIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (personIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	id := req.ConfigValue.ValueString()
	if canonicalUUID.MatchString(id) {
		return
	}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid person id",
		fmt.Sprintf("%q is neither a person UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) nor a numeric person id.", id))
}
