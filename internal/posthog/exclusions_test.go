package posthog

import (
	"context"
	"errors"
	"testing"
)

// An exclusion is the schema's FunnelExclusionEventsNode inside
// funnelsFilter.exclusions: kind EventsNode, the event and its filters, and
// both (required) steps, 0 included.
func TestFunnelExclusionsJSON(t *testing.T) {
	funnel := Funnel{Steps: []EventStep{{Event: "a"}, {Event: "b"}}, Exclusions: []FunnelExclusion{
		{Event: EventStep{Event: "cancel"}, FromStep: 0, ToStep: 1},
		{Event: EventStep{Event: "refund", Properties: []PropertyFilter{{Type: PropertyFilterEvent, Key: "k", Value: "v", Operator: "exact"}}}, FromStep: 0, ToStep: 1},
	}}
	assertJSON(t, "exclusions", funnel.query(), `{"kind": "FunnelsQuery",
	  "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
	  "funnelsFilter": {"exclusions": [
	    {"kind": "EventsNode", "event": "cancel", "funnelFromStep": 0, "funnelToStep": 1},
	    {"kind": "EventsNode", "event": "refund", "properties": [{"type": "event", "key": "k", "value": "v", "operator": "exact"}],
	     "funnelFromStep": 0, "funnelToStep": 1}]}}`)
}

func TestListActorsExclusionsNeedQueryAPI(t *testing.T) {
	c := &Client{} // no host: a request that got past validation would panic
	funnel := s4Funnel
	funnel.Exclusions = []FunnelExclusion{{Event: EventStep{Event: "cancel"}, FromStep: 0, ToStep: 1}}
	req := ActorsRequest{API: ActorsAPILegacy, Limit: 1, PageSize: 1, Source: FunnelActorsRequest{Funnel: funnel, Step: 1}}
	if _, err := c.ListActors(context.Background(), 1, req); !errors.Is(err, errLegacyExclusions) {
		t.Errorf("err = %v", err)
	}
}
