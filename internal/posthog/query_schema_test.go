package posthog

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The expected JSON below is written from PostHog's query schema: key names
// and enum values as the schema spells them, every node's "kind" first, and
// unset optional keys left out. The comparison is byte for byte (after
// removing the layout whitespace of the expected text).

func assertJSON(t *testing.T, name string, v any, want string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(want)); err != nil {
		t.Fatalf("%s: bad expected JSON: %v", name, err)
	}
	if !bytes.Equal(got, compact.Bytes()) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, compact.Bytes())
	}
}

func TestPropertyFilterJSON(t *testing.T) {
	assertJSON(t, "event filter", PropertyFilter{Type: PropertyFilterEvent, Key: "$browser", Value: "Chrome", Operator: "exact"},
		`{"type": "event", "key": "$browser", "value": "Chrome", "operator": "exact"}`)
	assertJSON(t, "person filter without value", PropertyFilter{Type: PropertyFilterPerson, Key: "email", Operator: "is_set"},
		`{"type": "person", "key": "email", "operator": "is_set"}`)
	assertJSON(t, "empty string value is a value", PropertyFilter{Type: PropertyFilterPerson, Key: "plan", Value: "", Operator: "is_not"},
		`{"type": "person", "key": "plan", "value": "", "operator": "is_not"}`)
}

func TestDateRangeAndEventsNodeJSON(t *testing.T) {
	if newDateRange("", "") != nil {
		t.Error("a date range without dates should be left out")
	}
	assertJSON(t, "date range", newDateRange("-7d", "2024-01-31"), `{"date_from": "-7d", "date_to": "2024-01-31"}`)
	assertJSON(t, "date range without end", newDateRange("all", ""), `{"date_from": "all"}`)
	assertJSON(t, "bare event", newEventsNode(EventStep{Event: "$pageview"}), `{"kind": "EventsNode", "event": "$pageview"}`)
	assertJSON(t, "event with filters", newEventsNode(EventStep{Event: "paid",
		Properties: []PropertyFilter{{Type: PropertyFilterEvent, Key: "amount", Value: "10", Operator: "gt"}}}),
		`{"kind": "EventsNode", "event": "paid", "properties": [{"type": "event", "key": "amount", "value": "10", "operator": "gt"}]}`)
}

func TestLifecycleQueryJSON(t *testing.T) {
	minimal := LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}}
	assertJSON(t, "minimal lifecycle", minimal.querySource(),
		`{"kind": "InsightActorsQuery", "source": {"kind": "LifecycleQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}}`)
	full := LifecycleActorsRequest{
		Events:     []EventStep{{Event: "$pageview"}, {Event: "$screen"}},
		DateFrom:   "2020-01-09",
		DateTo:     "2020-01-19",
		Interval:   IntervalWeek,
		Properties: []PropertyFilter{{Type: PropertyFilterPerson, Key: "plan", Value: "pro", Operator: "exact"}},
		Day:        "2020-01-13",
		Status:     LifecycleResurrecting,
	}
	assertJSON(t, "full lifecycle", full.querySource(), `{"kind": "InsightActorsQuery",
	  "source": {"kind": "LifecycleQuery",
	    "series": [{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$screen"}],
	    "interval": "week",
	    "dateRange": {"date_from": "2020-01-09", "date_to": "2020-01-19"},
	    "properties": [{"type": "person", "key": "plan", "value": "pro", "operator": "exact"}]},
	  "day": "2020-01-13", "status": "resurrecting"}`)
}

func TestFunnelsQueryJSON(t *testing.T) {
	steps := []EventStep{{Event: "signed up"}, {Event: "paid"}}
	assertJSON(t, "funnel without filter", Funnel{Steps: steps}.query(),
		`{"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "signed up"}, {"kind": "EventsNode", "event": "paid"}]}`)
	assertJSON(t, "funnel with only an order", Funnel{Steps: steps[:1], OrderType: StepOrderUnordered}.query(),
		`{"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "signed up"}], "funnelsFilter": {"funnelOrderType": "unordered"}}`)
	full := Funnel{Steps: steps, DateFrom: "2021-05-01", DateTo: "2021-05-07", WindowInterval: 7, WindowUnit: FunnelWindowHour,
		OrderType: StepOrderStrict, Properties: []PropertyFilter{{Type: PropertyFilterEvent, Key: "$os", Value: "iOS", Operator: "exact"}}}
	assertJSON(t, "funnel persons who dropped off", FunnelActorsRequest{Funnel: full, Step: -2}.querySource(), `{"kind": "FunnelsActorsQuery",
	  "source": {"kind": "FunnelsQuery",
	    "series": [{"kind": "EventsNode", "event": "signed up"}, {"kind": "EventsNode", "event": "paid"}],
	    "dateRange": {"date_from": "2021-05-01", "date_to": "2021-05-07"},
	    "funnelsFilter": {"funnelWindowInterval": 7, "funnelWindowIntervalUnit": "hour", "funnelOrderType": "strict"},
	    "properties": [{"type": "event", "key": "$os", "value": "iOS", "operator": "exact"}]},
	  "funnelStep": -2}`)
}

func TestFunnelCorrelationActorsQueryJSON(t *testing.T) {
	funnel := Funnel{Steps: []EventStep{{Event: "signed up"}, {Event: "paid"}}}
	inner := func(kind string) string {
		return `"source": {"kind": "FunnelCorrelationQuery",
		  "source": {"kind": "FunnelsActorsQuery", "source": {"kind": "FunnelsQuery",
		    "series": [{"kind": "EventsNode", "event": "signed up"}, {"kind": "EventsNode", "event": "paid"}]}},
		  "funnelCorrelationType": "` + kind + `"}`
	}
	no := false
	assertJSON(t, "event, either", FunnelCorrelationActorsRequest{Funnel: funnel, Event: &EventStep{Event: "clicked"}}.querySource(),
		`{"kind": "FunnelCorrelationActorsQuery", `+inner("events")+`,
		  "funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "clicked"}}`)
	assertJSON(t, "event with properties, not converted", FunnelCorrelationActorsRequest{Funnel: funnel, Converted: &no,
		Event: &EventStep{Event: "clicked", Properties: []PropertyFilter{{Type: PropertyFilterEvent, Key: "k", Value: "v", Operator: "exact"}}}}.querySource(),
		`{"kind": "FunnelCorrelationActorsQuery", `+inner("event_with_properties")+`,
		  "funnelCorrelationPersonConverted": false,
		  "funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "clicked",
		    "properties": [{"type": "event", "key": "k", "value": "v", "operator": "exact"}]}}`)
	assertJSON(t, "property values", FunnelCorrelationActorsRequest{Funnel: funnel,
		PropertyValues: []PropertyFilter{{Type: PropertyFilterPerson, Key: "$browser", Value: "Chrome", Operator: "exact"}}}.querySource(),
		`{"kind": "FunnelCorrelationActorsQuery", `+inner("properties")+`,
		  "funnelCorrelationPropertyValues": [{"type": "person", "key": "$browser", "value": "Chrome", "operator": "exact"}]}`)
}

func TestQueryRequestJSON(t *testing.T) {
	source := FunnelActorsRequest{Funnel: Funnel{Steps: []EventStep{{Event: "a"}}}, Step: 1}.querySource()
	assertJSON(t, "first page", queryRequest{
		Query:         actorsQuery{Select: []string{"actor"}, Source: source, Limit: 100},
		Refresh:       refreshForceBlocking,
		ClientQueryID: "0190a0e8-0000-7000-8000-000000000001",
		Name:          "terraform-provider-posthog funnel persons",
	}, `{"query": {"kind": "ActorsQuery", "select": ["actor"],
	    "source": {"kind": "FunnelsActorsQuery", "source": {"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "a"}]}, "funnelStep": 1},
	    "limit": 100},
	  "refresh": "force_blocking", "client_query_id": "0190a0e8-0000-7000-8000-000000000001",
	  "name": "terraform-provider-posthog funnel persons"}`)
	assertJSON(t, "later page", actorsQuery{Select: []string{"actor"}, Source: source, Limit: 50, Offset: 150},
		`{"kind": "ActorsQuery", "select": ["actor"],
		  "source": {"kind": "FunnelsActorsQuery", "source": {"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "a"}]}, "funnelStep": 1},
		  "limit": 50, "offset": 150}`)
	assertJSON(t, "all persons", actorsQuery{}, `{"kind": "ActorsQuery"}`)
}
