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
	listing := actorsListing{API: m.API, Async: m.Async, Limit: m.Limit, PageSize: m.PageSize}
	res, err := data.client.ListActors(ctx, projectID, listing.request(source))
	if err != nil {
		diags.AddError("Unable to list "+title, deadline.explain(ctx, err))
		return
	}
	m.setResult(res, diags)
}

// actorsListing holds how every actors data source lists persons: the API,
// async, limit and page_size arguments.
type actorsListing struct {
	API      types.String
	Async    types.Bool
	Limit    types.Int64
	PageSize types.Int64
}

// request is the ListActors request for source, with the documented defaults.
func (l actorsListing) request(source posthog.ActorsSource) posthog.ActorsRequest {
	req := posthog.ActorsRequest{
		API:      posthog.ActorsAPI(l.API.ValueString()),
		Limit:    defaultActorsLimit,
		PageSize: defaultActorsPageSize,
		Source:   source,
		Async:    boolValue(l.Async),
	}
	if !l.Limit.IsNull() {
		req.Limit = int(l.Limit.ValueInt64())
	}
	if !l.PageSize.IsNull() {
		req.PageSize = int(l.PageSize.ValueInt64())
	}
	return req
}

// setResult fills the common result attributes.
func (m *actorsCommonModel) setResult(res posthog.ActorsResult, diags *diag.Diagnostics) {
	persons, err := actorPersons(res.Persons)
	if err != nil {
		diags.AddError("Unexpected person from PostHog", err.Error())
		return
	}
	m.Persons = persons
	m.HasMore = types.BoolValue(res.HasMore)
	m.APIUsed = types.StringValue(string(res.APIUsed))
}

// actorPersons converts the persons a listing found.
func actorPersons(persons []posthog.Person) ([]actorPersonModel, error) {
	out := make([]actorPersonModel, 0, len(persons))
	for _, p := range persons {
		person, err := actorPerson(p)
		if err != nil {
			return nil, err
		}
		out = append(out, person)
	}
	return out, nil
}
