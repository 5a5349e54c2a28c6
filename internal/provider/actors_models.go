package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// The Terraform models the lifecycle, funnel and funnel-correlation persons
// data sources share, and their conversion into the client's requests.

// actorsCommonModel is embedded in every actors data source model; its
// attributes are those of actorsCommonAttributes.
type actorsCommonModel struct {
	ProjectID  types.String          `tfsdk:"project_id"`
	API        types.String          `tfsdk:"api"`
	Async      types.Bool            `tfsdk:"async"`
	Limit      types.Int64           `tfsdk:"limit"`
	PageSize   types.Int64           `tfsdk:"page_size"`
	DateFrom   types.String          `tfsdk:"date_from"`
	DateTo     types.String          `tfsdk:"date_to"`
	Properties []propertyFilterModel `tfsdk:"properties"`
	// FilterTestAccounts is filter_test_accounts; null means false.
	FilterTestAccounts types.Bool `tfsdk:"filter_test_accounts"`
	// AggregationGroupTypeIndex is always null: its validator refuses a value.
	AggregationGroupTypeIndex types.Int64        `tfsdk:"aggregation_group_type_index"`
	Persons                   []actorPersonModel `tfsdk:"persons"`
	HasMore                   types.Bool         `tfsdk:"has_more"`
	APIUsed                   types.String       `tfsdk:"api_used"`
	Timeouts                  timeouts.Value     `tfsdk:"timeouts"`
}

type propertyFilterModel struct {
	Key       types.String `tfsdk:"key"`
	Value     types.String `tfsdk:"value"`
	ValueJSON types.String `tfsdk:"value_json"`
	Operator  types.String `tfsdk:"operator"`
	Type      types.String `tfsdk:"type"`
}

type eventStepModel struct {
	Event      types.String          `tfsdk:"event"`
	Properties []propertyFilterModel `tfsdk:"properties"`
}

// seriesStepModel is the model of seriesStepObject.
type seriesStepModel struct {
	Event      types.String          `tfsdk:"event"`
	ActionID   types.Int64           `tfsdk:"action_id"`
	Properties []propertyFilterModel `tfsdk:"properties"`
}

// actorPersonModel is one entry of persons; actorPerson fills it.
type actorPersonModel struct {
	UUID         types.String `tfsdk:"uuid"`
	DistinctIDs  types.List   `tfsdk:"distinct_ids"`
	Properties   types.String `tfsdk:"properties"`
	CreatedAt    types.String `tfsdk:"created_at"`
	IsIdentified types.Bool   `tfsdk:"is_identified"`
}

// dates is the date range with date_from's default filled in; an unset
// date_to is left to PostHog (now).
func (m actorsCommonModel) dates() (string, string) {
	from := m.DateFrom.ValueString()
	if from == "" {
		from = defaultDateFrom
	}
	return from, m.DateTo.ValueString()
}

// propertyFilters converts property filters, filling in the defaults the
// schema documents: type event, operator exact (in for a cohort filter).
func propertyFilters(models []propertyFilterModel) []posthog.PropertyFilter {
	if len(models) == 0 {
		return nil
	}
	out := make([]posthog.PropertyFilter, len(models))
	for i, m := range models {
		f := posthog.PropertyFilter{
			Key:      m.Key.ValueString(),
			Operator: posthog.PropertyOperator(m.Operator.ValueString()),
			Type:     posthog.PropertyFilterType(m.Type.ValueString()),
		}
		if f.Type == "" {
			f.Type = posthog.PropertyFilterEvent
		}
		f.Value = m.value()
		switch {
		case f.Type == posthog.PropertyFilterCohort:
			if f.Operator == "" {
				f.Operator = "in"
			}
			f.Value = cohortValue(f.Value)
		case f.Operator == "":
			f.Operator = "exact"
		}
		out[i] = f
	}
	return out
}

// value is the filter's value: value as a string, value_json decoded, or
// nil for none. filterValueJSONValidator has accepted value_json already, so
// a decoding error cannot happen here; the text would then be sent as it is.
func (m propertyFilterModel) value() any {
	switch {
	case !m.ValueJSON.IsNull():
		v, err := decodeFilterValue(m.ValueJSON.ValueString())
		if err != nil {
			return m.ValueJSON.ValueString()
		}
		return v
	case !m.Value.IsNull():
		return m.Value.ValueString()
	}
	return nil
}

func seriesSteps(models []seriesStepModel) []posthog.EventStep {
	out := make([]posthog.EventStep, len(models))
	for i, m := range models {
		out[i] = posthog.EventStep{Event: m.Event.ValueString(), ActionID: m.ActionID.ValueInt64(), Properties: propertyFilters(m.Properties)}
	}
	return out
}

func eventStep(m eventStepModel) posthog.EventStep {
	return posthog.EventStep{Event: m.Event.ValueString(), Properties: propertyFilters(m.Properties)}
}

// cohortValue is a cohort filter's value as the integer the schema wants;
// cohortFilterValidator has accepted it already.
func cohortValue(v any) any {
	if text, ok := v.(string); ok {
		if n, ok := cohortID(text); ok {
			return n
		}
	}
	return v
}
