package posthog

import (
	"errors"
	"fmt"
)

// This file defines which persons ListActors lists: the persons behind a
// lifecycle bucket, a funnel step, or a funnel-correlation signal. Each
// request is asked of the Query API as an ActorsQuery with select ["actor"]
// wrapping the insight's actors query (docs/dev/posthog-behaviour.md#query-api),
// or of the legacy actor endpoint that served it before
// (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).

// ActorsSource says which persons to list: a LifecycleActorsRequest, a
// FunnelActorsRequest or a FunnelCorrelationActorsRequest.
type ActorsSource interface {
	// validate refuses, before any call, what PostHog could never answer.
	validate() error
	// queryName names the query in PostHog's query log.
	queryName() string
	// querySource is the ActorsQuery source for the Query API.
	querySource() actorsQuerySource
	// legacy is the request to the legacy endpoint.
	legacy() legacyRequest
	// legacyUnsupported is the reason the legacy endpoint cannot serve the
	// request (the client sends some settings to the Query API only), or nil.
	legacyUnsupported() error
}

// EventStep is an event, or a saved action, with optional property filters:
// a lifecycle series entry, a funnel step or a correlated event. ActionID,
// when not 0, names the action (docs/dev/posthog-behaviour.md#actions) and
// Event is not used; only lifecycle series and funnel steps may name one.
type EventStep struct {
	Event      string
	ActionID   int64
	Properties []PropertyFilter
}

// LifecycleActorsRequest selects the persons with one lifecycle status in
// one period (docs/dev/posthog-behaviour.md#lifecycle).
type LifecycleActorsRequest struct {
	Events           []EventStep  // PostHog AND-s the filters of every entry
	DateFrom, DateTo string       // "" = not sent
	Interval         IntervalType // "" = not sent (PostHog: day)
	Properties       []PropertyFilter
	Day              string // the period start, e.g. "2020-01-12"
	Status           LifecycleStatus
	// FilterTestAccounts leaves out the events the project's test-account
	// filters reject (docs/dev/posthog-behaviour.md#query-api).
	FilterTestAccounts bool
}

// Funnel defines a funnel (docs/dev/posthog-behaviour.md#funnels).
type Funnel struct {
	Steps            []EventStep
	DateFrom, DateTo string           // "" = not sent
	WindowInterval   int              // 0 = not sent (PostHog: 14)
	WindowUnit       FunnelWindowUnit // "" = not sent (PostHog: day)
	OrderType        StepOrder        // "" = not sent (PostHog: ordered)
	Properties       []PropertyFilter
	// FilterTestAccounts leaves out the events the project's test-account
	// filters reject (docs/dev/posthog-behaviour.md#query-api).
	FilterTestAccounts bool
	Exclusions         []FunnelExclusion
}

// FunnelExclusion drops from the funnel every person who did Event between
// the steps FromStep and ToStep (0-based, as PostHog numbers them) of an
// attempt (docs/dev/posthog-behaviour.md#funnels).
type FunnelExclusion struct {
	Event            EventStep
	FromStep, ToStep int
}

// FunnelActorsRequest selects the persons who reached step Step (1-based)
// or, for a negative Step, dropped off before step -Step
// (docs/dev/posthog-behaviour.md#funnels); with a Breakdown, only those
// with its value.
type FunnelActorsRequest struct {
	Funnel    Funnel
	Step      int
	Breakdown *FunnelBreakdown
}

// FunnelBreakdown breaks the funnel down by one property and keeps the
// persons whose breakdown value is Value, as clicking one breakdown bar of
// PostHog's funnel does (docs/dev/posthog-behaviour.md#funnel-breakdowns).
type FunnelBreakdown struct {
	Type     BreakdownType // "" = not sent (PostHog: event)
	Property string
	// Value "" selects the persons without the property: PostHog's funnels
	// read a missing property as "".
	Value       string
	Attribution BreakdownAttribution // "" = not sent (PostHog: first_touch)
}

// FunnelCorrelationActorsRequest selects the funnel entrants behind one
// correlation signal (docs/dev/posthog-behaviour.md#funnel-correlation): a
// correlated Event, or PropertyValues. Converted nil means converted and not
// converted.
type FunnelCorrelationActorsRequest struct {
	Funnel         Funnel
	Event          *EventStep
	PropertyValues []PropertyFilter
	Converted      *bool
}

func (r LifecycleActorsRequest) validate() error {
	if len(r.Events) == 0 {
		return errors.New("posthog: a lifecycle needs at least one event")
	}
	return nil
}

func (r FunnelActorsRequest) validate() error {
	if r.Step == 0 {
		return errors.New("posthog: a funnel persons request needs a non-zero step")
	}
	return nil
}

func (r FunnelCorrelationActorsRequest) validate() error {
	if r.Event == nil && len(r.PropertyValues) == 0 {
		return errors.New("posthog: a funnel correlation persons request needs an event or property values")
	}
	if r.Event != nil && r.Event.ActionID != 0 {
		// The correlation runner takes an EventsNode only (docs/dev/posthog-behaviour.md#funnel-correlation).
		return errors.New("posthog: a correlated event cannot be an action")
	}
	return nil
}

func (r LifecycleActorsRequest) legacyUnsupported() error {
	switch {
	case r.FilterTestAccounts:
		return errLegacyTestAccounts
	case namesAction(r.Events):
		return errLegacyActions
	case hasCohortFilter(r.Properties) || stepsHaveCohortFilter(r.Events):
		return errLegacyCohortFilters
	}
	return nil
}

// hasCohortFilter tells whether a filter list holds a cohort filter.
func hasCohortFilter(filters []PropertyFilter) bool {
	for _, f := range filters {
		if f.Type == PropertyFilterCohort {
			return true
		}
	}
	return false
}

func stepsHaveCohortFilter(steps []EventStep) bool {
	for _, s := range steps {
		if hasCohortFilter(s.Properties) {
			return true
		}
	}
	return false
}

// namesAction tells whether a step names a saved action.
func namesAction(steps []EventStep) bool {
	for _, s := range steps {
		if s.ActionID != 0 {
			return true
		}
	}
	return false
}

func (r FunnelActorsRequest) legacyUnsupported() error {
	if r.Breakdown != nil {
		return errLegacyBreakdown
	}
	return r.Funnel.legacyUnsupported()
}
func (r FunnelCorrelationActorsRequest) legacyUnsupported() error {
	if hasCohortFilter(r.PropertyValues) || r.Event != nil && hasCohortFilter(r.Event.Properties) {
		return errLegacyCohortFilters
	}
	return r.Funnel.legacyUnsupported()
}

func (f Funnel) legacyUnsupported() error {
	switch {
	case f.FilterTestAccounts:
		return errLegacyTestAccounts
	case len(f.Exclusions) > 0:
		return errLegacyExclusions
	case namesAction(f.Steps):
		return errLegacyActions
	case hasCohortFilter(f.Properties) || stepsHaveCohortFilter(f.Steps):
		return errLegacyCohortFilters
	}
	return nil
}

// The settings the client sends to the Query API only: rather than list
// persons without them, the legacy endpoint is refused.
var (
	errLegacyTestAccounts  = errors.New("posthog: filtering test accounts needs the Query API; this provider does not send it to the legacy endpoint")
	errLegacyExclusions    = errors.New("posthog: funnel exclusions need the Query API; this provider does not send them to the legacy endpoint")
	errLegacyCohortFilters = errors.New("posthog: cohort property filters need the Query API; this provider does not send them to the legacy endpoint")
	errLegacyBreakdown     = errors.New("posthog: funnel breakdowns need the Query API; this provider does not send them to the legacy endpoint")
	errLegacyActions       = errors.New("posthog: actions as steps or series need the Query API; this provider does not send them to the legacy endpoint")
)

func (LifecycleActorsRequest) queryName() string         { return "lifecycle persons" }
func (FunnelActorsRequest) queryName() string            { return "funnel persons" }
func (FunnelCorrelationActorsRequest) queryName() string { return "funnel correlation persons" }

func (r LifecycleActorsRequest) querySource() actorsQuerySource {
	return insightActorsQuery{
		Source: lifecycleQuery{
			Series:             newSeriesNodes(r.Events),
			Interval:           r.Interval,
			DateRange:          newDateRange(r.DateFrom, r.DateTo),
			Properties:         r.Properties,
			FilterTestAccounts: r.FilterTestAccounts,
		},
		Day:    r.Day,
		Status: r.Status,
	}
}

func (r FunnelActorsRequest) querySource() actorsQuerySource {
	q := funnelsActorsQuery{Source: r.Funnel.query(), FunnelStep: r.Step}
	if b := r.Breakdown; b != nil {
		q.Source.BreakdownFilter = &breakdownFilter{BreakdownType: b.Type, Breakdown: b.Property}
		if b.Attribution != "" {
			filter := funnelsFilter{}
			if q.Source.FunnelsFilter != nil {
				filter = *q.Source.FunnelsFilter
			}
			filter.BreakdownAttributionType = b.Attribution
			q.Source.FunnelsFilter = &filter
		}
		value := b.Value
		q.FunnelStepBreakdown = &value
	}
	return q
}

// querySource nests four deep: FunnelCorrelationActorsQuery →
// FunnelCorrelationQuery → FunnelsActorsQuery → FunnelsQuery.
func (r FunnelCorrelationActorsRequest) querySource() actorsQuerySource {
	q := funnelCorrelationActorsQuery{
		Source: funnelCorrelationQuery{
			Source:                funnelsActorsQuery{Source: r.Funnel.query()},
			FunnelCorrelationType: r.correlationType(),
		},
		FunnelCorrelationPersonConverted: r.Converted,
	}
	if r.Event != nil {
		node := newEventsNode(*r.Event)
		q.FunnelCorrelationPersonEntity = &node
	} else {
		q.FunnelCorrelationPropertyValues = r.PropertyValues
	}
	return q
}

// correlationType is the funnelCorrelationType this request needs: events
// for a bare event, event_with_properties for an event with property
// filters, properties for property values.
func (r FunnelCorrelationActorsRequest) correlationType() correlationType {
	switch {
	case r.Event != nil && len(r.Event.Properties) > 0:
		return correlationEventWithProperties
	case r.Event != nil:
		return correlationEvents
	default:
		return correlationProperties
	}
}

func (f Funnel) query() funnelsQuery {
	q := funnelsQuery{
		Series:             newSeriesNodes(f.Steps),
		DateRange:          newDateRange(f.DateFrom, f.DateTo),
		Properties:         f.Properties,
		FilterTestAccounts: f.FilterTestAccounts,
	}
	filter := funnelsFilter{
		FunnelWindowInterval:     f.WindowInterval,
		FunnelWindowIntervalUnit: f.WindowUnit,
		FunnelOrderType:          f.OrderType,
		Exclusions:               newExclusionNodes(f.Exclusions),
	}
	if !filter.empty() {
		q.FunnelsFilter = &filter
	}
	return q
}

// ActorsAPI chooses the PostHog API that lists actors.
type ActorsAPI string

const (
	// ActorsAPIAuto uses the Query API, and the legacy endpoint only when
	// the instance has no Query API.
	ActorsAPIAuto ActorsAPI = "auto"
	// ActorsAPIQuery uses only the Query API.
	ActorsAPIQuery ActorsAPI = "query"
	// ActorsAPILegacy uses only the legacy actor endpoints.
	ActorsAPILegacy ActorsAPI = "legacy"
)

// ActorsRequest is a ListActors call.
type ActorsRequest struct {
	API      ActorsAPI // "" means ActorsAPIAuto
	Limit    int       // the most persons to return, at least 1
	PageSize int       // persons to ask for per request, at least 1
	Source   ActorsSource
	// Async asks the Query API to queue each page (refresh force_async) and
	// polls for it, for queries that would outlast one HTTP request
	// (docs/dev/posthog-behaviour.md#query-api); otherwise each page is
	// computed in its request (force_blocking).
	Async bool
}

// ActorsResult is what ListActors found: at most Limit persons in PostHog's
// order, each once.
type ActorsResult struct {
	Persons []Person
	HasMore bool      // PostHog has more persons than Persons holds
	APIUsed ActorsAPI // ActorsAPIQuery or ActorsAPILegacy
}

func (r ActorsRequest) validate() error {
	switch {
	case r.Source == nil:
		return errors.New("posthog: ListActors needs a source")
	case r.Limit < 1 || r.PageSize < 1:
		return fmt.Errorf("posthog: ListActors needs a limit and page size of at least 1, got %d and %d", r.Limit, r.PageSize)
	}
	switch r.API {
	case ActorsAPILegacy:
		if err := r.Source.legacyUnsupported(); err != nil {
			return err
		}
	case "", ActorsAPIAuto, ActorsAPIQuery:
	default:
		return fmt.Errorf("posthog: ListActors API %q must be auto, query or legacy", r.API)
	}
	return r.Source.validate()
}
