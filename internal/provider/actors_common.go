package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// read lists the persons of source with the common settings (project, API,
// limit, page size, timeouts.read) and stores them in the model; title names the data
// source in the error summary. The client does the paging and the choice
// between the Query API and the legacy endpoint.
func (m *actorsCommonModel) read(ctx context.Context, data *providerData, title string, source posthog.ActorsSource, diags *diag.Diagnostics) {
	ctx, cancel, deadline, ok := startRead(ctx, m.Timeouts, diags)
	if !ok {
		return
	}
	defer cancel()
	projectID := dataSourceProject(data, m.ProjectID, diags)
	if diags.HasError() {
		return
	}
	req := posthog.ActorsRequest{
		API:      posthog.ActorsAPI(m.API.ValueString()),
		Limit:    defaultActorsLimit,
		PageSize: defaultActorsPageSize,
		Source:   source,
		Async:    boolValue(m.Async),
	}
	if !m.Limit.IsNull() {
		req.Limit = int(m.Limit.ValueInt64())
	}
	if !m.PageSize.IsNull() {
		req.PageSize = int(m.PageSize.ValueInt64())
	}
	res, err := data.client.ListActors(ctx, projectID, req)
	if err != nil {
		diags.AddError("Unable to list "+title, deadline.explain(ctx, err))
		return
	}
	m.setResult(res, diags)
}

// setResult fills the common result attributes.
func (m *actorsCommonModel) setResult(res posthog.ActorsResult, diags *diag.Diagnostics) {
	m.Persons = make([]actorPersonModel, 0, len(res.Persons))
	for _, p := range res.Persons {
		person, err := actorPerson(p)
		if err != nil {
			diags.AddError("Unexpected person from PostHog", err.Error())
			return
		}
		m.Persons = append(m.Persons, person)
	}
	m.HasMore = types.BoolValue(res.HasMore)
	m.APIUsed = types.StringValue(string(res.APIUsed))
}
