package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// This file holds what the lifecycle, funnel and funnel-correlation persons
// data sources share: the arguments (API choice, limit, dates, event and
// property filters), the plan-time validators, the persons result and the
// paging loop with the auto Query-API / legacy-endpoint choice.

const (
	apiAuto   = "auto"
	apiQuery  = "query"
	apiLegacy = "legacy"

	defaultActorsLimit    = 100
	maxActorsLimit        = 10000
	defaultActorsPageSize = 500
	defaultDateFrom       = "-7d"
)

// actorsCommonModel is embedded in every actors data source model.
type actorsCommonModel struct {
	ProjectID  types.String          `tfsdk:"project_id"`
	API        types.String          `tfsdk:"api"`
	Limit      types.Int64           `tfsdk:"limit"`
	PageSize   types.Int64           `tfsdk:"page_size"`
	DateFrom   types.String          `tfsdk:"date_from"`
	DateTo     types.String          `tfsdk:"date_to"`
	Properties []propertyFilterModel `tfsdk:"properties"`
	Persons    []actorPersonModel    `tfsdk:"persons"`
	HasMore    types.Bool            `tfsdk:"has_more"`
	APIUsed    types.String          `tfsdk:"api_used"`
}

type propertyFilterModel struct {
	Key      types.String `tfsdk:"key"`
	Value    types.String `tfsdk:"value"`
	Operator types.String `tfsdk:"operator"`
	Type     types.String `tfsdk:"type"`
}

type eventStepModel struct {
	Event      types.String          `tfsdk:"event"`
	Properties []propertyFilterModel `tfsdk:"properties"`
}

type actorPersonModel struct {
	UUID         types.String `tfsdk:"uuid"`
	DistinctIDs  types.List   `tfsdk:"distinct_ids"`
	Properties   types.String `tfsdk:"properties"`
	CreatedAt    types.String `tfsdk:"created_at"`
	IsIdentified types.Bool   `tfsdk:"is_identified"`
}

var propertyOperators = []string{
	"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte", "lt", "lte",
	"is_set", "is_not_set", "is_date_exact", "is_date_before", "is_date_after",
}

// actorsCommonAttributes returns the arguments and results every actors data
// source has; what names the date range's purpose.
func actorsCommonAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"project_id": dataSourceProjectIDAttribute(),
		"api": schema.StringAttribute{
			MarkdownDescription: "Which PostHog API to call: `auto` (the default), `query` or `legacy`. `query` uses the " +
				"Query API (`POST /api/projects/:id/query/`, API key scope `query:read`). `legacy` uses the persons actor " +
				"endpoints (`persons/lifecycle/`, `persons/funnel/`, `persons/funnel/correlation/`) that PostHog removed in 2026 " +
				"and that only older self-hosted instances still serve. `auto` uses the Query API and falls back to the legacy " +
				"endpoint only when the instance has no Query API, that is when `/query/` answers 404 Not Found or 405 Method " +
				"Not Allowed. Any other Query API error is reported as it is, without a fallback: in particular a 403 for an API " +
				"key without the `query:read` scope is a key to fix, not a missing API.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf(apiAuto, apiQuery, apiLegacy)},
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
		"persons": schema.ListNestedAttribute{
			MarkdownDescription: "The persons found, at most `limit` of them, in PostHog's order.",
			Computed:            true,
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

func propertyFilterObject() schema.NestedAttributeObject {
	return schema.NestedAttributeObject{
		Attributes: map[string]schema.Attribute{
			"key": schema.StringAttribute{
				MarkdownDescription: "The property name, such as `$browser` or `email`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The value to compare with. Required except for the `is_set` and `is_not_set` operators, which take none.",
				Optional:            true,
			},
			"operator": schema.StringAttribute{
				MarkdownDescription: "How to compare: one of `" + strings.Join(propertyOperators, "`, `") + "`. Defaults to `exact`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(propertyOperators...)},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Whose property it is: `event` (the default) or `person`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("event", "person")},
			},
		},
		Validators: []validator.Object{propertyValueValidator{}},
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

// funnelAttributes adds the funnel definition shared by the funnel and
// correlation data sources.
func funnelAttributes(attrs map[string]schema.Attribute) {
	attrs["steps"] = schema.ListNestedAttribute{
		MarkdownDescription: "The funnel steps in order, at least two. Each is an event with optional property filters.",
		Required:            true,
		NestedObject:        eventStepObject("step"),
		Validators:          []validator.List{listvalidator.SizeAtLeast(2)},
	}
	attrs["window_interval"] = schema.Int64Attribute{
		MarkdownDescription: "How long a person has to complete the funnel after the first step, in `window_unit`s. Defaults to 14.",
		Optional:            true,
		Validators:          []validator.Int64{int64validator.Between(1, 10000)},
	}
	attrs["window_unit"] = schema.StringAttribute{
		MarkdownDescription: "The unit of `window_interval`: `second`, `minute`, `hour`, `day` (the default), `week` or `month`.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.OneOf("second", "minute", "hour", "day", "week", "month")},
	}
	attrs["order_type"] = schema.StringAttribute{
		MarkdownDescription: "How the steps must be done: `ordered` (the default; in order, other events may come between), " +
			"`strict` (in order, with no other event between steps) or `unordered` (in any order within the window).",
		Optional:   true,
		Validators: []validator.String{stringvalidator.OneOf("ordered", "strict", "unordered")},
	}
}

type funnelModel struct {
	Steps          []eventStepModel `tfsdk:"steps"`
	WindowInterval types.Int64      `tfsdk:"window_interval"`
	WindowUnit     types.String     `tfsdk:"window_unit"`
	OrderType      types.String     `tfsdk:"order_type"`
}

func (m funnelModel) funnel(common actorsCommonModel) posthog.Funnel {
	from, to := common.dates()
	return posthog.Funnel{
		Steps:          eventSteps(m.Steps),
		DateFrom:       from,
		DateTo:         to,
		WindowInterval: int(m.WindowInterval.ValueInt64()),
		WindowUnit:     m.WindowUnit.ValueString(),
		OrderType:      m.OrderType.ValueString(),
		Properties:     propertyFilters(common.Properties),
	}
}

func (m actorsCommonModel) dates() (string, string) {
	from := m.DateFrom.ValueString()
	if from == "" {
		from = defaultDateFrom
	}
	return from, m.DateTo.ValueString()
}

func propertyFilters(models []propertyFilterModel) []posthog.PropertyFilter {
	if len(models) == 0 {
		return nil
	}
	out := make([]posthog.PropertyFilter, len(models))
	for i, m := range models {
		f := posthog.PropertyFilter{Key: m.Key.ValueString(), Operator: m.Operator.ValueString(), Type: m.Type.ValueString()}
		if f.Operator == "" {
			f.Operator = "exact"
		}
		if f.Type == "" {
			f.Type = "event"
		}
		if !m.Value.IsNull() {
			f.Value = m.Value.ValueString()
		}
		out[i] = f
	}
	return out
}

func eventSteps(models []eventStepModel) []posthog.EventStep {
	out := make([]posthog.EventStep, len(models))
	for i, m := range models {
		out[i] = eventStep(m)
	}
	return out
}

func eventStep(m eventStepModel) posthog.EventStep {
	return posthog.EventStep{Event: m.Event.ValueString(), Properties: propertyFilters(m.Properties)}
}

// --- validators ---------------------------------------------------------

// propertyValueValidator requires a value unless the operator takes none.
type propertyValueValidator struct{}

func (propertyValueValidator) Description(context.Context) string {
	return "value is required unless operator is is_set or is_not_set, which take none"
}

func (v propertyValueValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (propertyValueValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	op, _ := attrs["operator"].(types.String)
	value, _ := attrs["value"].(types.String)
	if op.IsUnknown() || value.IsUnknown() {
		return
	}
	noValue := op.ValueString() == "is_set" || op.ValueString() == "is_not_set"
	switch {
	case noValue && !value.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Value with a value-less operator",
			fmt.Sprintf("The %s operator takes no value; remove value.", op.ValueString()))
	case !noValue && value.IsNull():
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Missing property value",
			"Set value: a property filter compares the property with it. Only the is_set and is_not_set operators take no value.")
	}
}

var (
	relativeDateRE = regexp.MustCompile(`^-(\d+)([hdwmqyM])(Start|End)?$`)
	dateLayouts    = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}
)

const dateForms = "a date such as 2024-01-31, a timestamp such as 2024-01-31T12:00:00Z, or a relative date such as -7d, -2w, -1m, -24h, -1y or -1mStart"

// parseDate resolves a date argument against now. end makes a bare date mean
// the end of its day (PostHog's date_to). ok is false for malformed input;
// "all" gives the zero time.
func parseDate(s string, now time.Time, end bool) (time.Time, bool) {
	if s == "all" {
		return time.Time{}, true
	}
	if m := relativeDateRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return time.Time{}, false
		}
		t := now
		switch m[2] {
		case "M":
			t = t.Add(-time.Duration(n) * time.Minute)
		case "h":
			t = t.Add(-time.Duration(n) * time.Hour)
		case "d":
			t = t.AddDate(0, 0, -n)
		case "w":
			t = t.AddDate(0, 0, -7*n)
		case "m":
			t = t.AddDate(0, -n, 0)
		case "q":
			t = t.AddDate(0, -3*n, 0)
		case "y":
			t = t.AddDate(-n, 0, 0)
		}
		switch m[3] {
		case "Start":
			t = t.Truncate(24 * time.Hour)
		case "End":
			t = t.Truncate(24 * time.Hour).Add(24*time.Hour - time.Nanosecond)
		}
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if layout == "2006-01-02" && end {
				t = t.Add(24*time.Hour - time.Nanosecond)
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// dateValidator checks date_from / date_to forms.
type dateValidator struct{ allowAll bool }

func (v dateValidator) Description(context.Context) string {
	if v.allowAll {
		return "must be " + dateForms + ", or all"
	}
	return "must be " + dateForms
}

func (v dateValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v dateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if _, ok := parseDate(s, time.Now(), false); !ok || (s == "all" && !v.allowAll) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid date",
			fmt.Sprintf("%q is not a date PostHog understands: use %s.", s, v.Description(context.Background())[len("must be "):]))
	}
}

// dayValidator requires an absolute date or timestamp (the lifecycle period).
type dayValidator struct{}

func (dayValidator) Description(context.Context) string {
	return "must be a date such as 2024-01-31 or a timestamp such as 2024-01-31T12:00:00Z"
}

func (v dayValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v dayValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	valid := false
	for _, layout := range dateLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			valid = true
			break
		}
	}
	if !valid {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid day",
			fmt.Sprintf("%q is not a day: day %s, the start of the period to list persons for (relative dates are not accepted here).",
				s, v.Description(context.Background())))
	}
}

// dateOrderValidator rejects date_to before date_from.
type dateOrderValidator struct{}

func (dateOrderValidator) Description(context.Context) string {
	return "date_to must not be before date_from"
}

func (v dateOrderValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (dateOrderValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var from, to types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("date_from"), &from)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("date_to"), &to)...)
	if from.IsNull() || from.IsUnknown() || to.IsNull() || to.IsUnknown() {
		return
	}
	now := time.Now()
	f, okF := parseDate(from.ValueString(), now, false)
	t, okT := parseDate(to.ValueString(), now, true)
	if okF && okT && t.Before(f) {
		resp.Diagnostics.AddAttributeError(path.Root("date_to"), "date_to is before date_from",
			fmt.Sprintf("date_to (%s) is before date_from (%s), so the date range is empty. Swap them or correct one of them.",
				to.ValueString(), from.ValueString()))
	}
}

// --- results and paging -------------------------------------------------

// actorsFetch requests one page with a page size and offset; next follows a
// legacy page's next link.
type actorsFetch struct {
	query  func(ctx context.Context, limit, offset int) (*posthog.ActorsPage, error)
	legacy func(ctx context.Context, limit int) (*posthog.ActorsPage, error)
	next   func(ctx context.Context, prev *posthog.ActorsPage) (*posthog.ActorsPage, error)
}

type actorsResult struct {
	persons []posthog.Person
	hasMore bool
	apiUsed string
}

// noQueryAPI reports an answer that means the instance has no Query API: 404
// (no such route) or 405 (the route exists but not for POST).
func noQueryAPI(err error) bool {
	var ae *posthog.APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusMethodNotAllowed)
}

// collectActors pages through PostHog until limit persons are collected.
// Query API pages ask for exactly what is missing, so its hasMore is exact.
// Legacy pages ask for up to limit+1 persons and follow `next`: one person
// past the limit proves there are more, and a legacy `next` alone does not
// (PostHog links a next page whenever a page is full).
func collectActors(ctx context.Context, mode string, limit, pageSize int, fetch actorsFetch) (actorsResult, error) {
	if mode == "" {
		mode = apiAuto
	}
	res := actorsResult{apiUsed: apiQuery}
	seen := make(map[string]bool)
	add := func(persons []posthog.Person) {
		for _, p := range persons {
			if !seen[p.UUID] {
				seen[p.UUID] = true
				res.persons = append(res.persons, p)
			}
		}
	}
	var fallbackErr error
	if mode != apiLegacy {
		offset := 0
		for len(res.persons) < limit {
			page, err := fetch.query(ctx, min(pageSize, limit-len(res.persons)), offset)
			if err != nil {
				if mode == apiAuto && offset == 0 && noQueryAPI(err) {
					tflog.Info(ctx, "PostHog has no Query API; using the legacy persons endpoint", map[string]any{"error": err.Error()})
					fallbackErr = err
					break
				}
				return res, queryError(err)
			}
			add(page.Persons)
			offset += len(page.Persons)
			res.hasMore = page.HasMore
			if !page.HasMore || len(page.Persons) == 0 {
				res.hasMore = false
				break
			}
		}
		if fallbackErr == nil {
			res.persons = res.persons[:min(len(res.persons), limit)]
			return res, nil
		}
	}

	res = actorsResult{apiUsed: apiLegacy}
	clear(seen)
	size := min(pageSize, limit+1)
	page, err := fetch.legacy(ctx, size)
	visited := map[string]bool{}
	for pages := 1; ; pages++ {
		if err != nil {
			return res, legacyError(err, fallbackErr)
		}
		add(page.Persons)
		if len(res.persons) > limit {
			res.hasMore = true
			break
		}
		if page.Next == "" || len(page.Persons) == 0 {
			break
		}
		if visited[page.Next] || pages > limit/size+3 {
			return res, fmt.Errorf("PostHog's next-page links do not advance (%s was linked again after %d pages); "+
				"stopping instead of looping", page.Next, pages)
		}
		visited[page.Next] = true
		page, err = fetch.next(ctx, page)
	}
	res.persons = res.persons[:min(len(res.persons), limit)]
	return res, nil
}

func queryError(err error) error {
	var ae *posthog.APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w. The Query API needs an API key with the query:read scope; api = \"auto\" does not fall back "+
			"to the legacy endpoints on 403, because the Query API exists and the key is what needs fixing", err)
	}
	return err
}

func legacyError(err, fallbackErr error) error {
	var ae *posthog.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusMethodNotAllowed ||
			(ae.StatusCode == http.StatusBadRequest && strings.Contains(ae.Detail, "does not look like a person")):
			err = fmt.Errorf("%w. This PostHog does not have the legacy persons endpoint (PostHog removed it in 2026); use api = \"query\"", err)
		case ae.StatusCode == http.StatusForbidden && strings.Contains(ae.Detail, "does not support Personal API Key access"):
			err = fmt.Errorf("%w. The legacy endpoints declare no API key scopes, so PostHog refuses scoped personal API keys on them; "+
				"use an unscoped key or the Query API", err)
		}
	}
	if fallbackErr != nil {
		return fmt.Errorf("the Query API is not available (%v), and the legacy endpoint failed too: %w", fallbackErr, err)
	}
	return err
}

// setActorsResult fills the common result attributes.
func (m *actorsCommonModel) setResult(res actorsResult, diags *diag.Diagnostics) {
	m.Persons = make([]actorPersonModel, 0, len(res.persons))
	for _, p := range res.persons {
		props := p.Properties
		if props == nil {
			props = map[string]any{}
		}
		encoded, err := json.Marshal(props)
		if err != nil {
			diags.AddError("Unexpected person from PostHog",
				fmt.Sprintf("Person %s has properties that cannot be encoded as JSON: %v", p.UUID, err))
			return
		}
		person := actorPersonModel{
			UUID:         types.StringValue(p.UUID),
			DistinctIDs:  stringListValue(append([]string{}, p.DistinctIDs...)),
			Properties:   types.StringValue(string(encoded)),
			CreatedAt:    types.StringNull(),
			IsIdentified: types.BoolNull(),
		}
		if p.CreatedAt != "" {
			person.CreatedAt = types.StringValue(p.CreatedAt)
		}
		if p.IsIdentified != nil {
			person.IsIdentified = types.BoolValue(*p.IsIdentified)
		}
		m.Persons = append(m.Persons, person)
	}
	m.HasMore = types.BoolValue(res.hasMore)
	m.APIUsed = types.StringValue(res.apiUsed)
}

// readActors resolves the common settings, runs the paging loop and stores
// the result; title names the data source in the error summary.
func (m *actorsCommonModel) read(ctx context.Context, data *providerData, title string, diags *diag.Diagnostics,
	build func(client *posthog.Client, projectID int64) actorsFetch) {
	projectID := dataSourceProject(data, m.ProjectID, diags)
	if diags.HasError() {
		return
	}
	limit := defaultActorsLimit
	if !m.Limit.IsNull() {
		limit = int(m.Limit.ValueInt64())
	}
	pageSize := defaultActorsPageSize
	if !m.PageSize.IsNull() {
		pageSize = int(m.PageSize.ValueInt64())
	}
	res, err := collectActors(ctx, m.API.ValueString(), limit, pageSize, build(data.client, projectID))
	if err != nil {
		diags.AddError("Unable to list "+title, err.Error())
		return
	}
	m.setResult(res, diags)
}
