package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
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

// defaultReadTimeout bounds a data source read when timeouts.read is not
// set: long enough for a large listing paced at PostHog's rate limits, short
// enough that a server that never finishes cannot hold a plan for long.
const defaultReadTimeout = 5 * time.Minute

// dataSourceTimeoutsBlock is the timeouts { read } block every data source
// has; startRead applies it.
func dataSourceTimeoutsBlock(ctx context.Context) schema.Block {
	return timeouts.BlockWithOpts(ctx, timeouts.Opts{
		ReadDescription: "How long the whole read may take, retries and waits for PostHog's rate limits included, as a " +
			"Go duration such as `\"30s\"` or `\"15m\"`. Defaults to `\"" + durationText(defaultReadTimeout) + "\"`. A read " +
			"that runs out of time fails with an error that says so.",
	})
}

// readDeadline is the deadline of one data source read.
type readDeadline struct {
	timeout time.Duration
}

// startRead returns ctx bounded by the configured timeouts.read (or the
// default); ok is false, with a diagnostic, when the timeout is unusable.
func startRead(ctx context.Context, value timeouts.Value, diags *diag.Diagnostics) (context.Context, context.CancelFunc, readDeadline, bool) {
	d, ds := value.Read(ctx, defaultReadTimeout)
	diags.Append(ds...)
	if ds.HasError() {
		return ctx, func() {}, readDeadline{}, false
	}
	if d <= 0 {
		diags.AddAttributeError(path.Root("timeouts").AtName("read"), "Invalid timeout",
			fmt.Sprintf("timeouts.read must be a positive duration such as \"10m\", got %s.", d))
		return ctx, func() {}, readDeadline{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, readDeadline{timeout: d}, true
}

// explain is err's text, saying so when the read ran out of time.
func (r readDeadline) explain(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("%s\n\nThe read did not finish within timeouts.read (%s). If PostHog is slow or the list is long, "+
			"raise it in the data source's timeouts block, e.g. timeouts { read = \"15m\" }.", err, r.timeout)
	}
	return err.Error()
}
