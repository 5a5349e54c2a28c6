package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource              = &personDeletionStatusDataSource{}
	_ datasource.DataSourceWithConfigure = &personDeletionStatusDataSource{}
)

// NewPersonDeletionStatusDataSource is the posthog_person_deletion_status constructor.
func NewPersonDeletionStatusDataSource() datasource.DataSource {
	return &personDeletionStatusDataSource{}
}

type personDeletionStatusDataSource struct {
	data *providerData
}

type personDeletionStatusModel struct {
	ProjectID      types.String   `tfsdk:"project_id"`
	Status         types.String   `tfsdk:"status"`
	PersonUUID     types.String   `tfsdk:"person_uuid"`
	Deletions      types.List     `tfsdk:"deletions"`
	TotalCount     types.Int64    `tfsdk:"total_count"`
	PendingCount   types.Int64    `tfsdk:"pending_count"`
	CompletedCount types.Int64    `tfsdk:"completed_count"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

var deletionRowAttrTypes = map[string]attr.Type{
	"person_uuid":        types.StringType,
	"status":             types.StringType,
	"created_at":         types.StringType,
	"delete_verified_at": types.StringType,
}

func (d *personDeletionStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_person_deletion_status"
}

func (d *personDeletionStatusDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads PostHog's event-deletion queue (`deletion_status`): one row per queued deletion of a " +
			"person's events, `pending` until PostHog's weekly deletion job verifies it, then `completed`. Every page is " +
			"read. A person queued again after a completed deletion has two rows. Profile and recording deletions have " +
			"no status in PostHog and do not appear here.",
		Attributes: map[string]schema.Attribute{
			"project_id": dataSourceProjectIDAttribute(),
			"status": schema.StringAttribute{
				MarkdownDescription: "Which rows to return: `all` (the default), `pending` or `completed`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("all", "pending", "completed")},
			},
			"person_uuid": schema.StringAttribute{
				MarkdownDescription: "Only return the rows of this person UUID.",
				Optional:            true,
				Validators:          []validator.String{personUUIDValidator{}},
			},
			"deletions": schema.ListNestedAttribute{
				MarkdownDescription: "The matching rows, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"person_uuid":        schema.StringAttribute{MarkdownDescription: "The UUID of the person whose events are deleted.", Computed: true},
						"status":             schema.StringAttribute{MarkdownDescription: "The row's status: `pending` until PostHog's weekly deletion job verifies the deletion, then `completed`.", Computed: true},
						"created_at":         schema.StringAttribute{MarkdownDescription: "When the deletion was queued (ISO 8601); only events captured before it are deleted.", Computed: true},
						"delete_verified_at": schema.StringAttribute{MarkdownDescription: "When PostHog verified the deletion (ISO 8601), or null while pending.", Computed: true},
					},
				},
			},
			"total_count":     schema.Int64Attribute{MarkdownDescription: "How many rows match.", Computed: true},
			"pending_count":   schema.Int64Attribute{MarkdownDescription: "How many matching rows are pending.", Computed: true},
			"completed_count": schema.Int64Attribute{MarkdownDescription: "How many matching rows are completed.", Computed: true},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *personDeletionStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *personDeletionStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model personDeletionStatusModel
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
	rows, err := d.data.client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{
		Status:     model.Status.ValueString(),
		PersonUUID: model.PersonUUID.ValueString(),
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to read the deletion status", deadline.explain(ctx, err))
		return
	}
	values := make([]attr.Value, len(rows))
	var pending, completed int64
	for i, row := range rows {
		switch row.Status {
		case deletion.EventsPending:
			pending++
		case deletion.EventsCompleted:
			completed++
		}
		verified := types.StringNull()
		if row.DeleteVerifiedAt != "" {
			verified = types.StringValue(row.DeleteVerifiedAt)
		}
		values[i] = types.ObjectValueMust(deletionRowAttrTypes, map[string]attr.Value{
			"person_uuid":        types.StringValue(row.PersonUUID),
			"status":             types.StringValue(row.Status),
			"created_at":         types.StringValue(row.CreatedAt),
			"delete_verified_at": verified,
		})
	}
	model.Deletions = types.ListValueMust(types.ObjectType{AttrTypes: deletionRowAttrTypes}, values)
	model.TotalCount = types.Int64Value(int64(len(rows)))
	model.PendingCount = types.Int64Value(pending)
	model.CompletedCount = types.Int64Value(completed)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
