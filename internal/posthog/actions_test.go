package posthog

import (
	"context"
	"errors"
	"testing"
)

// A step naming an action is the schema's ActionsNode {kind, id}, with its
// property filters; other steps stay EventsNodes.
func TestActionStepsJSON(t *testing.T) {
	funnel := Funnel{Steps: []EventStep{
		{Event: "a"},
		{ActionID: 7, Properties: []PropertyFilter{{Type: PropertyFilterEvent, Key: "k", Value: "v", Operator: "exact"}}},
	}}
	assertJSON(t, "funnel", funnel.query(), `{"kind": "FunnelsQuery",
	  "series": [{"kind": "EventsNode", "event": "a"},
	    {"kind": "ActionsNode", "id": 7, "properties": [{"type": "event", "key": "k", "value": "v", "operator": "exact"}]}]}`)
	lifecycle := LifecycleActorsRequest{Events: []EventStep{{ActionID: 12}}, Day: "2020-01-12", Status: LifecycleNew}
	assertJSON(t, "lifecycle", lifecycle.querySource(), `{"kind": "InsightActorsQuery",
	  "source": {"kind": "LifecycleQuery", "series": [{"kind": "ActionsNode", "id": 12}]},
	  "day": "2020-01-12", "status": "new"}`)
}

func TestListActorsActionsNeedQueryAPI(t *testing.T) {
	c := &Client{} // no host: a request that got past validation would panic
	funnel := s4Funnel
	funnel.Steps = append([]EventStep{{ActionID: 3}}, funnel.Steps[1:]...)
	for name, src := range map[string]ActorsSource{
		"funnel":    FunnelActorsRequest{Funnel: funnel, Step: 1},
		"lifecycle": LifecycleActorsRequest{Events: []EventStep{{ActionID: 3}}, Day: "2020-01-12", Status: LifecycleNew},
	} {
		req := ActorsRequest{API: ActorsAPILegacy, Limit: 1, PageSize: 1, Source: src}
		if _, err := c.ListActors(context.Background(), 1, req); !errors.Is(err, errLegacyActions) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
