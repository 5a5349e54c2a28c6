package posthog

import (
	"encoding/json"
	"strconv"
)

// This file holds the Query API request bodies the client sends, as Go
// types that follow PostHog's query schema (docs/dev/posthog-behaviour.md#query-api):
// the same JSON keys, and only the keys the client uses. Optional keys are
// omitted when unset, so PostHog applies its own defaults. PostHog validates
// every node strictly (unknown keys are a 400), so a key may only be added
// here with the schema's exact spelling.

// IntervalType is the schema's IntervalType: the length of a lifecycle period.
type IntervalType string

// The intervals a lifecycle can use.
const (
	IntervalHour  IntervalType = "hour"
	IntervalDay   IntervalType = "day"
	IntervalWeek  IntervalType = "week"
	IntervalMonth IntervalType = "month"
)

// LifecycleStatus is the schema's LifecycleToggle: the status of a person in
// one lifecycle period (docs/dev/posthog-behaviour.md#lifecycle).
type LifecycleStatus string

// The lifecycle statuses.
const (
	LifecycleNew          LifecycleStatus = "new"
	LifecycleReturning    LifecycleStatus = "returning"
	LifecycleResurrecting LifecycleStatus = "resurrecting"
	LifecycleDormant      LifecycleStatus = "dormant"
)

// FunnelWindowUnit is the schema's FunnelConversionWindowTimeUnit.
type FunnelWindowUnit string

// The units of a funnel's conversion window.
const (
	FunnelWindowSecond FunnelWindowUnit = "second"
	FunnelWindowMinute FunnelWindowUnit = "minute"
	FunnelWindowHour   FunnelWindowUnit = "hour"
	FunnelWindowDay    FunnelWindowUnit = "day"
	FunnelWindowWeek   FunnelWindowUnit = "week"
	FunnelWindowMonth  FunnelWindowUnit = "month"
)

// StepOrder is the schema's StepOrderValue: how a funnel's steps must follow
// each other (docs/dev/posthog-behaviour.md#funnels).
type StepOrder string

// The funnel step orders.
const (
	StepOrderOrdered   StepOrder = "ordered"
	StepOrderStrict    StepOrder = "strict"
	StepOrderUnordered StepOrder = "unordered"
)

// PropertyFilterType says whose property a filter reads: the "type" of the
// schema's EventPropertyFilter and PersonPropertyFilter, or "cohort" for its
// CohortPropertyFilter.
type PropertyFilterType string

// The property filter types the client sends.
const (
	PropertyFilterEvent  PropertyFilterType = "event"
	PropertyFilterPerson PropertyFilterType = "person"
	// PropertyFilterCohort: Key "id", Value the cohort id (an integer),
	// Operator in or not_in (docs/dev/posthog-behaviour.md#cohort-filters).
	PropertyFilterCohort PropertyFilterType = "cohort"
)

// BreakdownType is the schema's BreakdownType, for the breakdowns the
// client sends: an event or a person property.
type BreakdownType string

// The breakdown types the client sends.
const (
	BreakdownEvent  BreakdownType = "event"
	BreakdownPerson BreakdownType = "person"
)

// BreakdownAttribution is the schema's BreakdownAttributionType, for the
// attributions the client sends: which step event gives a person's
// breakdown value (docs/dev/posthog-behaviour.md#funnel-breakdowns).
type BreakdownAttribution string

// The breakdown attributions the client sends.
const (
	BreakdownFirstTouch BreakdownAttribution = "first_touch"
	BreakdownLastTouch  BreakdownAttribution = "last_touch"
)

// PropertyOperator is the schema's PropertyOperator, such as exact, is_not,
// icontains, gt or is_set.
type PropertyOperator string

// PropertyFilter is the schema's EventPropertyFilter, PersonPropertyFilter
// or CohortPropertyFilter (they differ in Type; a cohort filter's Value is
// an integer). The legacy endpoints read the same shape.
type PropertyFilter struct {
	Type PropertyFilterType `json:"type"`
	Key  string             `json:"key"`
	// Value is the schema's PropertyFilterValue (a string, number, boolean
	// or list); nil omits it, as is_set and is_not_set need.
	Value    any              `json:"value,omitempty"`
	Operator PropertyOperator `json:"operator"`
}

// correlationType is the schema's FunnelCorrelationResultsType.
type correlationType string

const (
	correlationEvents              correlationType = "events"
	correlationEventWithProperties correlationType = "event_with_properties"
	correlationProperties          correlationType = "properties"
)

// refreshForceBlocking is the RefreshType that always calculates, in the
// request: a data source should see current data, and a page must not come
// from an older cache entry than the page before it (every page is its own
// cache entry, docs/dev/posthog-behaviour.md#query-api).
const refreshForceBlocking = "force_blocking"

// refreshForceAsync always queues the query; PostHog answers 202 with a
// query_status to poll (docs/dev/posthog-behaviour.md#query-api).
const refreshForceAsync = "force_async"

// queryRequest is the schema's QueryRequest: the body of POST /query/.
type queryRequest struct {
	Query         actorsQuery `json:"query"`
	Refresh       string      `json:"refresh,omitempty"`
	ClientQueryID string      `json:"client_query_id,omitempty"`
	Name          string      `json:"name,omitempty"`
}

// actorsQuerySource is what an ActorsQuery lists the actors of:
// insightActorsQuery, funnelsActorsQuery or funnelCorrelationActorsQuery.
type actorsQuerySource interface {
	json.Marshaler
	actorsQuerySource()
}

// actorsQuery is the schema's ActorsQuery.
type actorsQuery struct {
	Select []string          `json:"select,omitempty"`
	Source actorsQuerySource `json:"source,omitempty"`
	Limit  int               `json:"limit,omitempty"`
	Offset int               `json:"offset,omitempty"`
}

// insightActorsQuery is the schema's InsightActorsQuery over a lifecycle.
type insightActorsQuery struct {
	Source lifecycleQuery  `json:"source"`
	Day    string          `json:"day,omitempty"`
	Status LifecycleStatus `json:"status,omitempty"`
}

// lifecycleQuery is the schema's LifecycleQuery.
type lifecycleQuery struct {
	Series     []seriesNode     `json:"series"`
	Interval   IntervalType     `json:"interval,omitempty"`
	DateRange  *dateRange       `json:"dateRange,omitempty"`
	Properties []PropertyFilter `json:"properties,omitempty"`
	// FilterTestAccounts applies the project's test-account filters.
	FilterTestAccounts bool `json:"filterTestAccounts,omitempty"`
}

// funnelsActorsQuery is the schema's FunnelsActorsQuery. FunnelStep 0 is
// omitted: PostHog then lists everyone who entered the funnel.
// FunnelStepBreakdown nil is omitted; a pointer to "" is sent, as "" is a
// breakdown value (the persons without the property).
type funnelsActorsQuery struct {
	Source              funnelsQuery `json:"source"`
	FunnelStep          int          `json:"funnelStep,omitempty"`
	FunnelStepBreakdown *string      `json:"funnelStepBreakdown,omitempty"`
}

// breakdownFilter is the schema's BreakdownFilter with one property; it has
// no kind.
type breakdownFilter struct {
	BreakdownType BreakdownType `json:"breakdown_type,omitempty"`
	Breakdown     string        `json:"breakdown"`
}

// funnelsQuery is the schema's FunnelsQuery.
type funnelsQuery struct {
	Series          []seriesNode     `json:"series"`
	DateRange       *dateRange       `json:"dateRange,omitempty"`
	FunnelsFilter   *funnelsFilter   `json:"funnelsFilter,omitempty"`
	BreakdownFilter *breakdownFilter `json:"breakdownFilter,omitempty"`
	Properties      []PropertyFilter `json:"properties,omitempty"`
	// FilterTestAccounts applies the project's test-account filters.
	FilterTestAccounts bool `json:"filterTestAccounts,omitempty"`
}

// funnelsFilter is the schema's FunnelsFilter; it has no kind.
type funnelsFilter struct {
	FunnelWindowInterval     int              `json:"funnelWindowInterval,omitempty"`
	FunnelWindowIntervalUnit FunnelWindowUnit `json:"funnelWindowIntervalUnit,omitempty"`
	FunnelOrderType          StepOrder        `json:"funnelOrderType,omitempty"`
	Exclusions               []exclusionNode  `json:"exclusions,omitempty"`
	// BreakdownAttributionType "" is omitted: PostHog then uses first_touch.
	BreakdownAttributionType BreakdownAttribution `json:"breakdownAttributionType,omitempty"`
}

func (f funnelsFilter) empty() bool {
	return f.FunnelWindowInterval == 0 && f.FunnelWindowIntervalUnit == "" && f.FunnelOrderType == "" &&
		len(f.Exclusions) == 0 && f.BreakdownAttributionType == ""
}

// exclusionNode is the schema's FunnelExclusionEventsNode: an EventsNode
// with the 0-based step range it excludes between. Both steps are required,
// so 0 is sent.
type exclusionNode struct {
	Event          string           `json:"event"`
	Properties     []PropertyFilter `json:"properties,omitempty"`
	FunnelFromStep int              `json:"funnelFromStep"`
	FunnelToStep   int              `json:"funnelToStep"`
}

// funnelCorrelationQuery is the schema's FunnelCorrelationQuery.
type funnelCorrelationQuery struct {
	Source                funnelsActorsQuery `json:"source"`
	FunnelCorrelationType correlationType    `json:"funnelCorrelationType"`
}

// funnelCorrelationActorsQuery is the schema's FunnelCorrelationActorsQuery.
type funnelCorrelationActorsQuery struct {
	Source                           funnelCorrelationQuery `json:"source"`
	FunnelCorrelationPersonConverted *bool                  `json:"funnelCorrelationPersonConverted,omitempty"`
	FunnelCorrelationPersonEntity    *eventsNode            `json:"funnelCorrelationPersonEntity,omitempty"`
	FunnelCorrelationPropertyValues  []PropertyFilter       `json:"funnelCorrelationPropertyValues,omitempty"`
}

// seriesNode is a lifecycle series entry or a funnel step: an eventsNode
// or an actionsNode.
type seriesNode interface {
	json.Marshaler
	seriesNode()
}

// eventsNode is the schema's EventsNode for one named event.
type eventsNode struct {
	Event      string           `json:"event"`
	Properties []PropertyFilter `json:"properties,omitempty"`
}

// actionsNode is the schema's ActionsNode: a saved action, by id.
type actionsNode struct {
	ID         int64            `json:"id"`
	Properties []PropertyFilter `json:"properties,omitempty"`
}

func (eventsNode) seriesNode()  {}
func (actionsNode) seriesNode() {}

// dateRange is the schema's DateRange; it has no kind.
type dateRange struct {
	DateFrom string `json:"date_from,omitempty"`
	DateTo   string `json:"date_to,omitempty"`
}

// Every query node carries its schema name in "kind". The types above leave
// it out and MarshalJSON adds it, so no node can be sent with a wrong or
// missing kind.

func (q actorsQuery) MarshalJSON() ([]byte, error) {
	type plain actorsQuery
	return withKind("ActorsQuery", plain(q))
}

func (q insightActorsQuery) MarshalJSON() ([]byte, error) {
	type plain insightActorsQuery
	return withKind("InsightActorsQuery", plain(q))
}

func (q lifecycleQuery) MarshalJSON() ([]byte, error) {
	type plain lifecycleQuery
	return withKind("LifecycleQuery", plain(q))
}

func (q funnelsActorsQuery) MarshalJSON() ([]byte, error) {
	type plain funnelsActorsQuery
	return withKind("FunnelsActorsQuery", plain(q))
}

func (q funnelsQuery) MarshalJSON() ([]byte, error) {
	type plain funnelsQuery
	return withKind("FunnelsQuery", plain(q))
}

func (q funnelCorrelationQuery) MarshalJSON() ([]byte, error) {
	type plain funnelCorrelationQuery
	return withKind("FunnelCorrelationQuery", plain(q))
}

func (q funnelCorrelationActorsQuery) MarshalJSON() ([]byte, error) {
	type plain funnelCorrelationActorsQuery
	return withKind("FunnelCorrelationActorsQuery", plain(q))
}

func (n eventsNode) MarshalJSON() ([]byte, error) {
	type plain eventsNode
	return withKind("EventsNode", plain(n))
}

func (n actionsNode) MarshalJSON() ([]byte, error) {
	type plain actionsNode
	return withKind("ActionsNode", plain(n))
}

func (n exclusionNode) MarshalJSON() ([]byte, error) {
	type plain exclusionNode
	return withKind("EventsNode", plain(n))
}

func (insightActorsQuery) actorsQuerySource()           {}
func (funnelsActorsQuery) actorsQuerySource()           {}
func (funnelCorrelationActorsQuery) actorsQuerySource() {}

// withKind encodes v, a struct, as a JSON object whose first key is "kind".
func withKind(kind string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	head := `{"kind":` + strconv.Quote(kind)
	if string(b) == "{}" {
		return []byte(head + "}"), nil
	}
	return append([]byte(head+","), b[1:]...), nil
}

// newDateRange is nil when neither date is set.
func newDateRange(from, to string) *dateRange {
	if from == "" && to == "" {
		return nil
	}
	return &dateRange{DateFrom: from, DateTo: to}
}

func newEventsNode(e EventStep) eventsNode {
	return eventsNode{Event: e.Event, Properties: e.Properties}
}

// newSeriesNode is the ActionsNode of a step naming an action, otherwise
// its EventsNode.
func newSeriesNode(e EventStep) seriesNode {
	if e.ActionID != 0 {
		return actionsNode{ID: e.ActionID, Properties: e.Properties}
	}
	return newEventsNode(e)
}

func newExclusionNodes(exclusions []FunnelExclusion) []exclusionNode {
	if len(exclusions) == 0 {
		return nil
	}
	out := make([]exclusionNode, len(exclusions))
	for i, e := range exclusions {
		out[i] = exclusionNode{Event: e.Event.Event, Properties: e.Event.Properties, FunnelFromStep: e.FromStep, FunnelToStep: e.ToStep}
	}
	return out
}

func newSeriesNodes(events []EventStep) []seriesNode {
	out := make([]seriesNode, len(events))
	for i, e := range events {
		out[i] = newSeriesNode(e)
	}
	return out
}
