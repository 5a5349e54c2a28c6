package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

var (
	_ datasource.DataSource              = &personsByPropertyDataSource{}
	_ datasource.DataSourceWithConfigure = &personsByPropertyDataSource{}
)

// NewPersonsByPropertyDataSource is the posthog_persons_by_property
// constructor. It is a data source of its own rather than a mode of
// posthog_persons: that one resolves ids through the batch lookups, one
// person per id, while a property value can match any number of persons
// and is answered by the persons list.
func NewPersonsByPropertyDataSource() datasource.DataSource {
	return &personsByPropertyDataSource{}
}

type personsByPropertyDataSource struct {
	data *providerData
}

type personsByPropertyModel struct {
	ProjectID       types.String       `tfsdk:"project_id"`
	Key             types.String       `tfsdk:"key"`
	Values          []string           `tfsdk:"values"`
	Limit           types.Int64        `tfsdk:"limit"`
	Persons         []actorPersonModel `tfsdk:"persons"`
	PersonUUIDs     types.List         `tfsdk:"person_uuids"`
	Matches         types.Map          `tfsdk:"matches"`
	UnmatchedValues types.List         `tfsdk:"unmatched_values"`
	Timeouts        timeouts.Value     `tfsdk:"timeouts"`
}

func (d *personsByPropertyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_persons_by_property"
}

func (d *personsByPropertyDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the persons whose person property `key` (for example `email`) equals one of `values`, " +
			"to erase users known by an email address rather than a distinct id. The comparison is PostHog's `exact` " +
			"property filter: the whole value, **letter case included**, so `Jane@Example.com` does not find a person whose " +
			"email is `jane@example.com`; such a value is listed in `unmatched_values`. The API key needs the `person:read` scope.",
		Attributes: map[string]schema.Attribute{
			"project_id": dataSourceProjectIDAttribute(),
			"key": schema.StringAttribute{
				MarkdownDescription: "The person property to compare, such as `email`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"values": schema.ListAttribute{
				MarkdownDescription: "The values to look for, compared exactly and case-sensitively. A value given twice is looked up once.",
				ElementType:         types.StringType,
				Required:            true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"limit": personListLimitAttribute("More matching persons than this is an error rather than a partial list, " +
				"because a partial list would also make `unmatched_values` wrong."),
			"persons":      personListPersonsAttribute(""),
			"person_uuids": personUUIDsAttribute(),
			"matches": schema.MapAttribute{
				MarkdownDescription: "For each requested value that matched, the sorted UUIDs of the persons it matched. " +
					"Several persons can share a value.",
				ElementType: types.ListType{ElemType: types.StringType},
				Computed:    true,
			},
			"unmatched_values": schema.ListAttribute{
				MarkdownDescription: "The requested values no person has, in the order given.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *personsByPropertyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *personsByPropertyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model personsByPropertyModel
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
	key, limit := model.Key.ValueString(), personListLimit(model.Limit)
	list, err := d.data.client.PersonsByProperty(ctx, projectID, key, model.Values, limit, personListPageSize)
	if err != nil {
		resp.Diagnostics.AddError("Unable to find persons by property", deadline.explain(ctx, err))
		return
	}
	if list.HasMore {
		resp.Diagnostics.AddAttributeError(path.Root("limit"), "Too many persons match",
			fmt.Sprintf("More than %d persons have one of the %d values of %q. Raise limit (at most %d), or split the values "+
				"over several data sources.", limit, len(model.Values), key, maxPersonListLimit))
		return
	}
	persons, uuids, err := personListValues(list.Persons)
	if err != nil {
		resp.Diagnostics.AddError("Unable to convert the persons found", err.Error())
		return
	}
	matches, unmatched := matchValues(key, model.Values, list.Persons)
	model.Persons, model.PersonUUIDs = persons, uuids
	model.Matches = types.MapValueMust(types.ListType{ElemType: types.StringType}, matches)
	model.UnmatchedValues = stringListValue(unmatched)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// matchValues sorts the persons found under the requested values they
// match, comparing the property's text exactly as PostHog's exact filter
// does; unmatched lists the values no person has, in request order, once each.
func matchValues(key string, values []string, persons []posthog.Person) (map[string]attr.Value, []string) {
	byValue := map[string][]string{}
	for _, p := range persons {
		if text, ok := propertyText(p.Properties[key]); ok {
			byValue[text] = append(byValue[text], p.UUID)
		}
	}
	matches := map[string]attr.Value{}
	unmatched := []string{}
	for _, v := range values {
		if _, done := matches[v]; done {
			continue
		}
		uuids, found := byValue[v]
		if !found {
			if !containsValue(unmatched, v) {
				unmatched = append(unmatched, v)
			}
			continue
		}
		sort.Strings(uuids)
		matches[v] = stringListValue(uuids)
	}
	return matches, unmatched
}

// propertyText is a property value as PostHog compares it: a string as it
// is, a number or boolean as its JSON text; ok is false for an absent or
// null property.
func propertyText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	encoded, err := json.Marshal(v)
	return string(encoded), err == nil
}

func containsValue(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
