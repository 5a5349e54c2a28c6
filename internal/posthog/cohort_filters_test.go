package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// A cohort filter is the schema's CohortPropertyFilter: type cohort, key
// id, the cohort id as an integer, operator in or not_in.
func TestCohortFilterJSON(t *testing.T) {
	assertJSON(t, "in", PropertyFilter{Type: PropertyFilterCohort, Key: "id", Value: json.Number("42"), Operator: "in"},
		`{"type": "cohort", "key": "id", "value": 42, "operator": "in"}`)
	lifecycle := LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}},
		Properties: []PropertyFilter{{Type: PropertyFilterCohort, Key: "id", Value: json.Number("7"), Operator: "not_in"}}}
	assertJSON(t, "lifecycle", lifecycle.querySource(), `{"kind": "InsightActorsQuery", "source": {"kind": "LifecycleQuery",
	  "series": [{"kind": "EventsNode", "event": "$pageview"}],
	  "properties": [{"type": "cohort", "key": "id", "value": 7, "operator": "not_in"}]}}`)
}

func TestListActorsCohortFiltersNeedQueryAPI(t *testing.T) {
	c := &Client{} // no host: a request that got past validation would panic
	cohort := []PropertyFilter{{Type: PropertyFilterCohort, Key: "id", Value: json.Number("7"), Operator: "in"}}
	funnel := s4Funnel
	funnel.Properties = cohort
	withStepFilter := s4Funnel
	withStepFilter.Steps = append([]EventStep{{Event: "step one", Properties: cohort}}, s4Funnel.Steps[1:]...)
	for name, src := range map[string]ActorsSource{
		"funnel":      FunnelActorsRequest{Funnel: funnel, Step: 1},
		"step filter": FunnelActorsRequest{Funnel: withStepFilter, Step: 1},
		"lifecycle":   LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}, Properties: cohort, Day: "2020-01-12", Status: LifecycleNew},
		"correlation": FunnelCorrelationActorsRequest{Funnel: s4Funnel, PropertyValues: cohort},
	} {
		req := ActorsRequest{API: ActorsAPILegacy, Limit: 1, PageSize: 1, Source: src}
		if _, err := c.ListActors(context.Background(), 1, req); !errors.Is(err, errLegacyCohortFilters) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
