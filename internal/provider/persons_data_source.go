package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource                     = &personsDataSource{}
	_ datasource.DataSourceWithConfigure        = &personsDataSource{}
	_ datasource.DataSourceWithConfigValidators = &personsDataSource{}
)

// NewPersonsDataSource is the posthog_persons constructor.
func NewPersonsDataSource() datasource.DataSource {
	return &personsDataSource{}
}

type personsDataSource struct {
	data *providerData
}

type personsDataSourceModel struct {
	ProjectID     types.String   `tfsdk:"project_id"`
	DistinctIDs   types.List     `tfsdk:"distinct_ids"`
	UUIDs         types.List     `tfsdk:"uuids"`
	Persons       types.Map      `tfsdk:"persons"`
	PersonUUIDs   types.Map      `tfsdk:"person_uuids"`
	UnmatchedIDs  types.List     `tfsdk:"unmatched_ids"`
	FoundCount    types.Int64    `tfsdk:"found_count"`
	RequestedSize types.Int64    `tfsdk:"requested_count"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

// personAttrTypes is the object type of one entry of persons.
var personAttrTypes = map[string]attr.Type{
	"uuid":         types.StringType,
	"id":           types.Int64Type,
	"name":         types.StringType,
	"distinct_ids": types.ListType{ElemType: types.StringType},
	"properties":   types.StringType,
	"created_at":   types.StringType,
	"last_seen_at": types.StringType,
}

func (d *personsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_persons"
}

func (d *personsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up persons by distinct ids or by UUIDs with PostHog's batch endpoints. " +
			"PostHog reads only the first 200 ids of a batch call, so the lookup is split into batches of 200 and " +
			"any number of ids gives complete results. A person matched by several requested distinct ids appears " +
			"once in `persons` and is reachable from each of them through `person_uuids`.",
		Attributes: map[string]schema.Attribute{
			"project_id": dataSourceProjectIDAttribute(),
			"distinct_ids": schema.ListAttribute{
				MarkdownDescription: "The distinct ids to look up. Exactly one of `distinct_ids` and `uuids` must be set.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(distinctIDValidator{}),
					uniqueIDsValidator{},
				},
			},
			"uuids": schema.ListAttribute{
				MarkdownDescription: "The person UUIDs to look up. Exactly one of `distinct_ids` and `uuids` must be set.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(personUUIDValidator{}),
					uniqueIDsValidator{foldCase: true},
				},
			},
			"persons": schema.MapNestedAttribute{
				MarkdownDescription: "The persons found, keyed by person UUID.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"uuid": schema.StringAttribute{MarkdownDescription: "The person's UUID, which is also this entry's key in `persons`.", Computed: true},
						"id":   schema.Int64Attribute{MarkdownDescription: "The person's numeric id in PostHog.", Computed: true},
						"name": schema.StringAttribute{
							MarkdownDescription: "The person's display name, as PostHog builds it (email, name or username property, else a distinct id).",
							Computed:            true,
							Sensitive:           true,
						},
						"distinct_ids": schema.ListAttribute{
							MarkdownDescription: "Up to 10 of the person's distinct ids (PostHog's batch endpoints return at most 10).",
							ElementType:         types.StringType,
							Computed:            true,
						},
						"properties": schema.StringAttribute{
							MarkdownDescription: "The person's properties as a JSON object string; read it with `jsondecode()`. Marked sensitive: it holds personal data.",
							Computed:            true,
							Sensitive:           true,
						},
						"created_at":   schema.StringAttribute{MarkdownDescription: "When PostHog created the person (ISO 8601).", Computed: true},
						"last_seen_at": schema.StringAttribute{MarkdownDescription: "When the person was last seen (ISO 8601), or null. PostHog updates it about hourly.", Computed: true},
					},
				},
			},
			"person_uuids": schema.MapAttribute{
				MarkdownDescription: "For every requested id that matched, the UUID of its person: `persons[person_uuids[\"<id>\"]]` is the person of a requested id.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"unmatched_ids": schema.ListAttribute{
				MarkdownDescription: "The requested ids that matched no person, in request order.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"found_count": schema.Int64Attribute{
				MarkdownDescription: "How many distinct persons were found.",
				Computed:            true,
			},
			"requested_count": schema.Int64Attribute{
				MarkdownDescription: "How many ids were requested.",
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *personsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("distinct_ids"), path.MatchRoot("uuids")),
	}
}

func (d *personsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *personsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model personsDataSourceModel
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
	byUUID := !model.UUIDs.IsNull()
	ids := stringList(model.DistinctIDs)
	if byUUID {
		ids = stringList(model.UUIDs)
	}
	found, err := d.data.lookups.Resolve(ctx, projectID, byUUID, ids)
	if err != nil {
		resp.Diagnostics.AddError("Unable to look up persons", deadline.explain(ctx, err))
		return
	}

	persons := make(map[string]attr.Value)
	personUUIDs := make(map[string]attr.Value)
	var unmatched []string
	for _, id := range ids {
		person, ok := found[id]
		if !ok {
			unmatched = append(unmatched, id)
			continue
		}
		personUUIDs[id] = types.StringValue(person.UUID)
		if _, seen := persons[person.UUID]; seen {
			continue
		}
		value, err := personObject(person)
		if err != nil {
			resp.Diagnostics.AddError("Unexpected person from PostHog", err.Error())
			return
		}
		persons[person.UUID] = value
	}
	model.Persons = types.MapValueMust(types.ObjectType{AttrTypes: personAttrTypes}, persons)
	model.PersonUUIDs = types.MapValueMust(types.StringType, personUUIDs)
	model.UnmatchedIDs = stringListValue(unmatched)
	model.FoundCount = types.Int64Value(int64(len(persons)))
	model.RequestedSize = types.Int64Value(int64(len(ids)))
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
