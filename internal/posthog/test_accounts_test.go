package posthog

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// filterTestAccounts is a key of LifecycleQuery and FunnelsQuery in PostHog's
// query schema, left out when false.
func TestFilterTestAccountsJSON(t *testing.T) {
	lifecycle := LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}, FilterTestAccounts: true}
	assertJSON(t, "lifecycle", lifecycle.querySource(), `{"kind": "InsightActorsQuery", "source": {"kind": "LifecycleQuery",
	  "series": [{"kind": "EventsNode", "event": "$pageview"}], "filterTestAccounts": true}}`)
	funnel := Funnel{Steps: []EventStep{{Event: "a"}, {Event: "b"}}, FilterTestAccounts: true}
	assertJSON(t, "funnel", FunnelActorsRequest{Funnel: funnel, Step: 2}.querySource(), `{"kind": "FunnelsActorsQuery",
	  "source": {"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
	    "filterTestAccounts": true}, "funnelStep": 2}`)
	assertJSON(t, "correlation", FunnelCorrelationActorsRequest{Funnel: funnel, Event: &EventStep{Event: "c"}}.querySource(),
		`{"kind": "FunnelCorrelationActorsQuery", "source": {"kind": "FunnelCorrelationQuery",
		  "source": {"kind": "FunnelsActorsQuery", "source": {"kind": "FunnelsQuery",
		    "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}], "filterTestAccounts": true}},
		  "funnelCorrelationType": "events"},
		  "funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "c"}}`)
	funnel.FilterTestAccounts = false
	assertJSON(t, "funnel, false", funnel.query(), `{"kind": "FunnelsQuery",
	  "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}]}`)
}

// The legacy endpoints are never asked for a request that filters test
// accounts: not with api legacy, and not as the fallback of api auto.
func TestListActorsTestAccountsNeedQueryAPI(t *testing.T) {
	legacyCalls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/projects/1/query/" {
			writeJSON(w, 404, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`)
			return
		}
		legacyCalls++
		writeJSON(w, 200, legacyPeople("", "user_1"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	funnel := s4Funnel
	funnel.FilterTestAccounts = true
	for _, api := range []ActorsAPI{ActorsAPILegacy, ActorsAPIAuto} {
		req := ActorsRequest{API: api, Limit: 10, PageSize: 5, Source: FunnelActorsRequest{Funnel: funnel, Step: 1}}
		if _, err := c.ListActors(context.Background(), 1, req); !errors.Is(err, errLegacyTestAccounts) {
			t.Errorf("api %s: err = %v", api, err)
		}
	}
	if legacyCalls != 0 {
		t.Errorf("the legacy endpoint was called %d times", legacyCalls)
	}
}
