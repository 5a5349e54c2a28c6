package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource              = &cohortPersonsDataSource{}
	_ datasource.DataSourceWithConfigure = &cohortPersonsDataSource{}
)

// NewCohortPersonsDataSource is the posthog_cohort_persons constructor.
func NewCohortPersonsDataSource() datasource.DataSource {
	return &cohortPersonsDataSource{}
}

type cohortPersonsDataSource struct {
	data *providerData
}

type cohortPersonsModel struct {
	ProjectID   types.String       `tfsdk:"project_id"`
	CohortID    types.Int64        `tfsdk:"cohort_id"`
	Limit       types.Int64        `tfsdk:"limit"`
	Persons     []actorPersonModel `tfsdk:"persons"`
	PersonUUIDs types.List         `tfsdk:"person_uuids"`
	HasMore     types.Bool         `tfsdk:"has_more"`
	Timeouts    timeouts.Value     `tfsdk:"timeouts"`
}

func (d *cohortPersonsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cohort_persons"
}

func (d *cohortPersonsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the members of a cohort, static or dynamic, so that they can be reviewed or deleted with " +
			"`posthog_person_deletion`. A dynamic cohort's members are those of PostHog's last calculation of the cohort, " +
			"not a fresh evaluation of its filters. The API key needs the `cohort:read` and `person:read` scopes. An unknown or " +
			"deleted cohort is an error, not an empty list.",
		Attributes: map[string]schema.Attribute{
			"project_id": dataSourceProjectIDAttribute(),
			"cohort_id": schema.Int64Attribute{
				MarkdownDescription: "The numeric id of the cohort, as in the cohort's URL in PostHog.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"limit": personListLimitAttribute("If the cohort has more members, `persons` holds the first `limit` " +
				"of them and `has_more` is true; check it before deleting a whole cohort."),
			"persons":      personListPersonsAttribute("PostHog shows at most 10 per person here."),
			"person_uuids": personUUIDsAttribute(),
			"has_more": schema.BoolAttribute{
				MarkdownDescription: "Whether the cohort has more members than `limit`.",
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *cohortPersonsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *cohortPersonsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model cohortPersonsModel
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
	cohortID := model.CohortID.ValueInt64()
	list, err := d.data.client.CohortPersons(ctx, projectID, cohortID, personListLimit(model.Limit), personListPageSize)
	switch {
	case posthog.IsNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("cohort_id"), "Cohort not found",
			fmt.Sprintf("PostHog project %d has no cohort with id %d. Check the id in the cohort's URL in PostHog.", projectID, cohortID))
		return
	case posthog.IsCohortDeleted(err):
		resp.Diagnostics.AddAttributeError(path.Root("cohort_id"), "Cohort is deleted",
			fmt.Sprintf("In PostHog project %d, %s. PostHog keeps a deleted cohort's members only until a background "+
				"job removes them, so they are not a reliable list; restore the cohort in PostHog or use another one.", projectID, err))
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to list the cohort's persons", deadline.explain(ctx, err))
		return
	}
	persons, uuids, err := personListValues(list.Persons)
	if err != nil {
		resp.Diagnostics.AddError("Unable to convert the cohort's persons", err.Error())
		return
	}
	model.Persons, model.PersonUUIDs, model.HasMore = persons, uuids, types.BoolValue(list.HasMore)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
