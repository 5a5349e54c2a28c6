package posthog

import (
	"context"
	"errors"
	"testing"
)

// A breakdown is the FunnelsQuery's breakdownFilter (one property, its
// type), the attribution in funnelsFilter when set, and the value in
// funnelStepBreakdown, sent even when it is "".
func TestFunnelBreakdownJSON(t *testing.T) {
	funnel := Funnel{Steps: []EventStep{{Event: "a"}, {Event: "b"}}, WindowInterval: 7}
	req := FunnelActorsRequest{Funnel: funnel, Step: 2, Breakdown: &FunnelBreakdown{
		Type: BreakdownPerson, Property: "plan", Value: "", Attribution: BreakdownLastTouch,
	}}
	assertJSON(t, "person breakdown", req.querySource(), `{"kind": "FunnelsActorsQuery",
	  "source": {"kind": "FunnelsQuery",
	    "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
	    "funnelsFilter": {"funnelWindowInterval": 7, "breakdownAttributionType": "last_touch"},
	    "breakdownFilter": {"breakdown_type": "person", "breakdown": "plan"}},
	  "funnelStep": 2, "funnelStepBreakdown": ""}`)
	req.Funnel.WindowInterval = 0
	req.Breakdown = &FunnelBreakdown{Property: "$browser", Value: "Chrome"}
	assertJSON(t, "defaults", req.querySource(), `{"kind": "FunnelsActorsQuery",
	  "source": {"kind": "FunnelsQuery",
	    "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
	    "breakdownFilter": {"breakdown": "$browser"}},
	  "funnelStep": 2, "funnelStepBreakdown": "Chrome"}`)
}

func TestListActorsBreakdownNeedsQueryAPI(t *testing.T) {
	c := &Client{} // no host: a request that got past validation would panic
	req := ActorsRequest{API: ActorsAPILegacy, Limit: 1, PageSize: 1,
		Source: FunnelActorsRequest{Funnel: s4Funnel, Step: 1, Breakdown: &FunnelBreakdown{Property: "$browser", Value: "Chrome"}}}
	if _, err := c.ListActors(context.Background(), 1, req); !errors.Is(err, errLegacyBreakdown) {
		t.Errorf("err = %v", err)
	}
}
