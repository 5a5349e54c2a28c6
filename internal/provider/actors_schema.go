package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// The schema the lifecycle, funnel and funnel-correlation persons data
// sources share: the API choice, limit, dates, event and property filters,
// and the persons result.

const (
	defaultActorsLimit    = 100
	maxActorsLimit        = 10000
	defaultActorsPageSize = 500
	defaultDateFrom       = "-7d"
)

// actorsCommonAttributes returns the arguments and results every actors data
// source has; what names the date range's purpose.
func actorsCommonAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"project_id": dataSourceProjectIDAttribute(),
		"async": schema.BoolAttribute{
			MarkdownDescription: "Whether to run each Query API page asynchronously: PostHog queues the query " +
				"(`refresh = force_async`) and the provider polls `GET /query/:id/` until it completes, for queries that would " +
				"outlast one HTTP request (`request_timeout`). Polling is bounded by the read timeout and by 10 minutes per " +
				"query. Defaults to `false`: each page is computed in its request. The legacy endpoints ignore it.",
			Optional: true,
		},
		"api": schema.StringAttribute{
			MarkdownDescription: "Which PostHog API to call: `auto` (the default), `query` or `legacy`. `query` uses the " +
				"Query API (`POST /api/projects/:id/query/`, API key scope `query:read`). `legacy` uses the persons actor " +
				"endpoints (`persons/lifecycle/`, `persons/funnel/`, `persons/funnel/correlation/`) that PostHog removed in 2026 " +
				"and that only older self-hosted instances still serve. `auto` uses the Query API and falls back to the legacy " +
				"endpoint only when the instance has no Query API, that is when `/query/` answers 404 Not Found or 405 Method " +
				"Not Allowed. Any other Query API error is reported as it is, without a fallback: in particular a 403 for an API " +
				"key without the `query:read` scope is a key to fix, not a missing API.",
			Optional: true,
			Validators: []validator.String{stringvalidator.OneOf(
				string(posthog.ActorsAPIAuto), string(posthog.ActorsAPIQuery), string(posthog.ActorsAPILegacy))},
		},
		"limit": schema.Int64Attribute{
			MarkdownDescription: fmt.Sprintf("The most persons to return, from 1 to %d. Defaults to %d. The data source pages "+
				"through PostHog until it has this many persons, and `has_more` says whether there were more. Terraform slows down "+
				"and uses a lot of memory with very long computed lists, so keep this as small as the use allows.",
				maxActorsLimit, defaultActorsLimit),
			Optional:   true,
			Validators: []validator.Int64{int64validator.Between(1, maxActorsLimit)},
		},
		"page_size": schema.Int64Attribute{
			MarkdownDescription: fmt.Sprintf("How many persons to ask PostHog for per request, from 1 to %d. Defaults to %d. "+
				"Every page is a separate query that counts against PostHog's rate limits.", maxActorsLimit, defaultActorsPageSize),
			Optional:   true,
			Validators: []validator.Int64{int64validator.Between(1, maxActorsLimit)},
		},
		"date_from": schema.StringAttribute{
			MarkdownDescription: "The start of the " + what + "'s date range: a date (`2024-01-31`), a timestamp " +
				"(`2024-01-31T12:00:00Z`), a relative date such as `-7d`, `-2w`, `-1m`, `-24h` or `-1y` (optionally with a " +
				"`Start` or `End` suffix, such as `-1mStart`), or `all`. Defaults to `" + defaultDateFrom + "`.",
			Optional:   true,
			Validators: []validator.String{dateValidator{allowAll: true}},
		},
		"date_to": schema.StringAttribute{
			MarkdownDescription: "The end of the " + what + "'s date range, in the same forms as `date_from` except `all`. " +
				"Defaults to now. A date means the end of that day. It must not be before `date_from`.",
			Optional:   true,
			Validators: []validator.String{dateValidator{}},
		},
		"properties": schema.ListNestedAttribute{
			MarkdownDescription: "Property filters that every event of the " + what + " must match, all of them.",
			Optional:            true,
			NestedObject:        propertyFilterObject(),
		},
		"filter_test_accounts": schema.BoolAttribute{
			MarkdownDescription: "Whether to leave out test accounts, as the \"Filter out internal and test users\" toggle " +
				"of PostHog's insights does: the project's test-account filters (its settings' `test_account_filters`) " +
				"are added to `properties`. Defaults to `false`. Needs the Query API: with `api = \"legacy\"`, or a " +
				"fallback to the legacy endpoint, the data source fails instead of listing persons unfiltered.",
			Optional: true,
		},
		"aggregation_group_type_index": schema.Int64Attribute{
			MarkdownDescription: "Not supported, and an error when set. In PostHog's \"Aggregating by\" choice, a group " +
				"type index makes the " + what + " count groups (companies, teams) instead of persons, and the Query API then " +
				"lists groups, identified by group keys, not persons: there is no person list to return, and a group key " +
				"must never reach `posthog_person_deletion`. To list persons of one company or team, filter on a person " +
				"property or a cohort instead.",
			Optional:   true,
			Validators: []validator.Int64{groupAggregationValidator{}},
		},
		"persons": schema.ListNestedAttribute{
			MarkdownDescription: "The persons found, at most `limit` of them, in PostHog's order. Persons deleted since " +
				"they matched are left out, as in PostHog's own person lists: PostHog joins the matching actors to its " +
				"persons table and drops those without a person, so a deleted user's past events do not bring them back here.",
			Computed: true,
			NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{
					"uuid": schema.StringAttribute{MarkdownDescription: "The person's UUID, which `posthog_person_deletion` accepts in `uuids`.", Computed: true},
					"distinct_ids": schema.ListAttribute{
						MarkdownDescription: "The person's distinct ids. The Query API returns at most 101, identified ids first.",
						ElementType:         types.StringType,
						Computed:            true,
					},
					"properties": schema.StringAttribute{
						MarkdownDescription: "The person's properties as a JSON object string; read it with `jsondecode()`. " +
							"Marked sensitive: it holds personal data. It is `{}` when PostHog no longer has the person's row.",
						Computed:  true,
						Sensitive: true,
					},
					"created_at": schema.StringAttribute{
						MarkdownDescription: "When PostHog created the person (ISO 8601), or null when PostHog did not say.",
						Computed:            true,
					},
					"is_identified": schema.BoolAttribute{
						MarkdownDescription: "Whether the person is identified, or null when PostHog did not say.",
						Computed:            true,
					},
				},
			},
		},
		"has_more": schema.BoolAttribute{
			MarkdownDescription: "Whether PostHog has more persons than the `limit` returned.",
			Computed:            true,
		},
		"api_used": schema.StringAttribute{
			MarkdownDescription: "The API that answered: `query` or `legacy`. With `api = \"auto\"` it shows whether the fallback was used.",
			Computed:            true,
		},
	}
}

func eventStepObject(what string) schema.NestedAttributeObject {
	return schema.NestedAttributeObject{
		Attributes: map[string]schema.Attribute{
			"event": schema.StringAttribute{
				MarkdownDescription: "The event name, such as `$pageview`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"properties": schema.ListNestedAttribute{
				MarkdownDescription: "Property filters that the " + what + "'s events must match, all of them.",
				Optional:            true,
				NestedObject:        propertyFilterObject(),
			},
		},
	}
}

// seriesStepObject is a funnel step or lifecycle series entry: an event or a
// saved action, exactly one of them, with optional property filters.
func seriesStepObject(what string) schema.NestedAttributeObject {
	obj := eventStepObject(what)
	obj.Attributes["event"] = schema.StringAttribute{
		MarkdownDescription: "The event name, such as `$pageview`. Set this or `action_id`.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	obj.Attributes["action_id"] = schema.Int64Attribute{
		MarkdownDescription: "The id of a saved PostHog action (Data management, Actions) instead of an event: the " +
			what + " matches the events the action matches, as in PostHog's insights. Set this or `event`. Needs the " +
			"Query API.",
		Optional:   true,
		Validators: []validator.Int64{int64validator.AtLeast(1)},
	}
	obj.Validators = []validator.Object{eventOrActionValidator{}}
	return obj
}

// eventOrActionValidator requires exactly one of event and action_id.
type eventOrActionValidator struct{}

func (eventOrActionValidator) Description(context.Context) string {
	return "exactly one of event and action_id must be set"
}

func (v eventOrActionValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (eventOrActionValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	event, _ := attrs["event"].(types.String)
	actionID, _ := attrs["action_id"].(types.Int64)
	if event.IsUnknown() || actionID.IsUnknown() {
		return
	}
	switch {
	case !event.IsNull() && !actionID.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("action_id"), "Both event and action_id",
			"A step names an event or a saved action, not both: remove event or action_id.")
	case event.IsNull() && actionID.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("event"), "Missing event or action_id",
			"Set event (an event name) or action_id (the id of a saved action).")
	}
}

// groupAggregationValidator refuses aggregation_group_type_index: with it
// PostHog's actors are groups, not persons
// (docs/dev/posthog-behaviour.md#group-aggregation).
type groupAggregationValidator struct{}

func (groupAggregationValidator) Description(context.Context) string {
	return "must not be set: with group aggregation PostHog lists groups, not persons"
}

func (v groupAggregationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (groupAggregationValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Group aggregation lists groups, not persons",
		"With aggregation_group_type_index, PostHog's insight counts groups (such as companies) and its Query API lists "+
			"the groups of a step or bucket, identified by their group keys, not persons. This data source lists persons, "+
			"so it does not offer it: remove aggregation_group_type_index. To find the persons of one company or team, "+
			"filter on a person property or a cohort instead.")
}
