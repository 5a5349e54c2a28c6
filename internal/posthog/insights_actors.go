package posthog

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The persons of a saved insight, asked as PostHog's UI asks when a user
// clicks "view persons" on the chart: the insight's own query, unchanged, as
// the source of a FunnelsActorsQuery or InsightActorsQuery inside the
// ActorsQuery that ListActors sends (docs/dev/posthog-behaviour.md#saved-insights).

// InsightFunnelActorsRequest selects the persons of one step of a saved
// funnel insight: those who reached step Step (1-based) or, for a negative
// Step, dropped off at step -Step (docs/dev/posthog-behaviour.md#funnels).
type InsightFunnelActorsRequest struct {
	Insight SavedInsight // Kind FunnelsQuery
	Step    int
	// StepBreakdown is funnelStepBreakdown: the breakdown value whose persons
	// to list (a string, a number for a cohort breakdown, or a list of them);
	// nil lists every value's, as the chart's "Baseline" row does.
	StepBreakdown any
}

// InsightLifecycleActorsRequest selects the persons of one status in one
// period of a saved lifecycle insight (docs/dev/posthog-behaviour.md#lifecycle).
type InsightLifecycleActorsRequest struct {
	Insight SavedInsight // Kind LifecycleQuery
	Day     string
	Status  LifecycleStatus
}

var errInsightLegacy = errors.New("posthog: the persons of a saved insight need the Query API; the legacy endpoints cannot run a stored query")

func (r InsightFunnelActorsRequest) validate() error {
	if err := r.Insight.checkKind("FunnelsQuery"); err != nil {
		return err
	}
	switch {
	case r.Step == 0 || r.Step == -1:
		return fmt.Errorf("posthog: funnel step %d selects nobody: use 1 to N, or -2 to -N for drop-offs", r.Step)
	case r.Step > r.Insight.Steps || -r.Step > r.Insight.Steps:
		return fmt.Errorf("posthog: funnel step %d is beyond the insight's %d steps", r.Step, r.Insight.Steps)
	}
	return checkBreakdownValue(r.StepBreakdown)
}

func (r InsightLifecycleActorsRequest) validate() error {
	if err := r.Insight.checkKind("LifecycleQuery"); err != nil {
		return err
	}
	if r.Day == "" || r.Status == "" {
		return errors.New("posthog: the persons of a lifecycle need a day and a status")
	}
	return nil
}

func (ins SavedInsight) checkKind(kind string) error {
	switch {
	case ins.Kind != kind:
		return fmt.Errorf("posthog: insight %d is a %s, not a %s", ins.ID, ins.Kind, kind)
	case len(ins.Source) == 0:
		return fmt.Errorf("posthog: insight %d has no query", ins.ID)
	}
	return nil
}

// checkBreakdownValue accepts what BreakdownKeyType allows: a string, a
// number, a list of them, or nil.
func checkBreakdownValue(v any) error {
	switch x := v.(type) {
	case nil, string, int, int64, float64:
		return nil
	case []any:
		for _, item := range x {
			switch item.(type) {
			case string, int, int64, float64:
			default:
				return fmt.Errorf("posthog: a breakdown value list holds %T; only strings and numbers", item)
			}
		}
		return nil
	}
	return fmt.Errorf("posthog: a breakdown value is a string, a number or a list of them, not %T", v)
}

func (InsightFunnelActorsRequest) legacyUnsupported() error    { return errInsightLegacy }
func (InsightLifecycleActorsRequest) legacyUnsupported() error { return errInsightLegacy }
func (InsightFunnelActorsRequest) legacy() legacyRequest       { return legacyRequest{} }
func (InsightLifecycleActorsRequest) legacy() legacyRequest    { return legacyRequest{} }
func (InsightFunnelActorsRequest) queryName() string           { return "saved funnel insight persons" }
func (InsightLifecycleActorsRequest) queryName() string        { return "saved lifecycle insight persons" }

func (r InsightFunnelActorsRequest) querySource() actorsQuerySource {
	return storedFunnelsActorsQuery{Source: r.Insight.Source, FunnelStep: r.Step, FunnelStepBreakdown: r.StepBreakdown}
}

func (r InsightLifecycleActorsRequest) querySource() actorsQuerySource {
	return storedInsightActorsQuery{Source: r.Insight.Source, Day: r.Day, Status: r.Status}
}

// storedFunnelsActorsQuery is the schema's FunnelsActorsQuery over a stored
// FunnelsQuery, sent as PostHog stored it.
type storedFunnelsActorsQuery struct {
	Source              json.RawMessage `json:"source"`
	FunnelStep          int             `json:"funnelStep"`
	FunnelStepBreakdown any             `json:"funnelStepBreakdown,omitempty"`
}

// storedInsightActorsQuery is the schema's InsightActorsQuery over a stored
// LifecycleQuery.
type storedInsightActorsQuery struct {
	Source json.RawMessage `json:"source"`
	Day    string          `json:"day"`
	Status LifecycleStatus `json:"status"`
}

func (q storedFunnelsActorsQuery) MarshalJSON() ([]byte, error) {
	type plain storedFunnelsActorsQuery
	return withKind("FunnelsActorsQuery", plain(q))
}

func (q storedInsightActorsQuery) MarshalJSON() ([]byte, error) {
	type plain storedInsightActorsQuery
	return withKind("InsightActorsQuery", plain(q))
}

func (storedFunnelsActorsQuery) actorsQuerySource() {}
func (storedInsightActorsQuery) actorsQuerySource() {}
