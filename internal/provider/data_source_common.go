package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// configureDataSource extracts the provider data handed to a data source.
func configureDataSource(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	if req.ProviderData == nil {
		return nil
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Data Source Configure Type",
			fmt.Sprintf("Expected *providerData, got: %T. Please report this issue to the provider developers.", req.ProviderData))
		return nil
	}
	return data
}

// dataSourceProject returns the data source's project_id, else the
// provider's, with a diagnostic that says where to set it.
func dataSourceProject(data *providerData, configured types.String, diags *diag.Diagnostics) int64 {
	if data == nil {
		diags.AddError("Provider not configured",
			"The posthog provider has no usable configuration (host, api_key), so it cannot call PostHog.")
		return 0
	}
	if !configured.IsNull() && !configured.IsUnknown() {
		id, err := parseProjectID(configured.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("project_id"), "Invalid project id", err.Error())
		}
		return id
	}
	if data.projectID == 0 {
		diags.AddAttributeError(path.Root("project_id"), "Missing PostHog project id",
			"Set project_id on this data source, in the provider block, or in the "+envProjectID+" environment variable.")
	}
	return data.projectID
}

// dataSourceProjectIDAttribute is the project_id argument every data source
// has; dataSourceProject resolves it.
func dataSourceProjectIDAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "The numeric id of the PostHog project to read. Defaults to the provider's `project_id`.",
		Optional:            true,
		Validators:          []validator.String{projectIDValidator{}},
	}
}
