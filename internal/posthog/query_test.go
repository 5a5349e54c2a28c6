package posthog

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// decodeBody reads a JSON request body into a generic value.
func decodeBody(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("request body %q is not JSON: %v", b, err)
	}
	return m
}

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad expected JSON: %v", err)
	}
	return m
}

// checkQueryEnvelope checks and removes the generated client_query_id, then
// compares the rest of the body with want.
func checkQueryEnvelope(t *testing.T, got map[string]any, want string) {
	t.Helper()
	id, _ := got["client_query_id"].(string)
	if len(id) != 36 {
		t.Errorf("client_query_id = %v; want a UUID", got["client_query_id"])
	}
	delete(got, "client_query_id")
	if w := mustJSON(t, want); !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("request body:\n got %s\nwant %s", g, want)
	}
}

const actorsResponseBody = `{
  "columns": ["actor"], "types": ["Tuple"], "hasMore": true, "limit": 2, "offset": 0, "is_cached": false,
  "results": [
    [{"id": "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a90", "properties": {"email": "p1@example.com"}, "is_identified": true,
      "created_at": "2020-01-11T12:00:00Z", "last_seen_at": null, "distinct_ids": ["p1", "anon-1"]}],
    [{"id": "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a91"}]
  ],
  "missing_actors_count": 1
}`

func TestLifecyclePersonsQueryBodyAndActors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/projects/7/query/" || r.URL.RawQuery != "" {
			t.Errorf("request %s %s", r.Method, r.URL)
		}
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Authorization") != "Bearer "+testKey {
			t.Errorf("headers %v", r.Header)
		}
		checkQueryEnvelope(t, decodeBody(t, r), `{
		  "refresh": "force_blocking", "name": "terraform-provider-posthog lifecycle persons",
		  "query": {"kind": "ActorsQuery", "select": ["actor"], "limit": 2, "offset": 4,
		    "source": {"kind": "InsightActorsQuery", "day": "2020-01-12", "status": "returning",
		      "source": {"kind": "LifecycleQuery", "interval": "day",
		        "dateRange": {"date_from": "2020-01-09", "date_to": "2020-01-19"},
		        "properties": [{"type": "person", "key": "plan", "value": "pro", "operator": "exact"}],
		        "series": [{"kind": "EventsNode", "event": "$pageview",
		          "properties": [{"type": "event", "key": "$number", "value": "1", "operator": "exact"}]}]}}}}`)
		writeJSON(w, 200, actorsResponseBody)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	page, err := c.queryActors(context.Background(), 7, LifecycleActorsRequest{
		Events:   []EventStep{{Event: "$pageview", Properties: []PropertyFilter{{Type: "event", Key: "$number", Value: "1", Operator: "exact"}}}},
		DateFrom: "2020-01-09", DateTo: "2020-01-19", Interval: "day",
		Properties: []PropertyFilter{{Type: "person", Key: "plan", Value: "pro", Operator: "exact"}},
		Day:        "2020-01-12", Status: "returning",
	}, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !page.hasMore || page.next != "" || len(page.persons) != 2 {
		t.Fatalf("page = %+v", page)
	}
	p := page.persons[0]
	if p.UUID != "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a90" || !reflect.DeepEqual(p.DistinctIDs, []string{"p1", "anon-1"}) ||
		p.Properties["email"] != "p1@example.com" || p.CreatedAt != "2020-01-11T12:00:00Z" || p.IsIdentified == nil || !*p.IsIdentified {
		t.Errorf("person 0 = %+v", p)
	}
	// A missing person row comes back as {"id": …} only.
	if m := page.persons[1]; m.UUID != "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a91" || m.IsIdentified != nil || len(m.Properties) != 0 {
		t.Errorf("person 1 = %+v", m)
	}
}

var s4Funnel = Funnel{
	Steps:    []EventStep{{Event: "step one"}, {Event: "step two"}, {Event: "step three"}},
	DateFrom: "2021-05-01", DateTo: "2021-05-07", WindowInterval: 7, WindowUnit: "day", OrderType: "ordered",
}

const s4FunnelsQuery = `{"kind": "FunnelsQuery", "dateRange": {"date_from": "2021-05-01", "date_to": "2021-05-07"},
  "funnelsFilter": {"funnelWindowInterval": 7, "funnelWindowIntervalUnit": "day", "funnelOrderType": "ordered"},
  "series": [{"kind": "EventsNode", "event": "step one"}, {"kind": "EventsNode", "event": "step two"},
             {"kind": "EventsNode", "event": "step three"}]}`

func TestFunnelPersonsQueryBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checkQueryEnvelope(t, decodeBody(t, r), `{
		  "refresh": "force_blocking", "name": "terraform-provider-posthog funnel persons",
		  "query": {"kind": "ActorsQuery", "select": ["actor"], "limit": 100,
		    "source": {"kind": "FunnelsActorsQuery", "funnelStep": -2, "source": `+s4FunnelsQuery+`}}}`)
		writeJSON(w, 200, `{"columns": ["actor"], "results": [], "hasMore": false}`)
	}))
	defer srv.Close()
	page, err := newTestClient(t, srv.URL, 0).queryActors(context.Background(), 1, FunnelActorsRequest{Funnel: s4Funnel, Step: -2}, 100, 0)
	if err != nil || page.hasMore || len(page.persons) != 0 {
		t.Fatalf("page = %+v, err = %v", page, err)
	}
	// The server above would fail the test on a body without funnelStep.
	if _, err := newTestClient(t, srv.URL, 0).ListActors(context.Background(), 1,
		ActorsRequest{Limit: 1, PageSize: 1, Source: FunnelActorsRequest{Funnel: s4Funnel}}); err == nil {
		t.Error("step 0 should be refused before calling PostHog")
	}
}

func TestFunnelCorrelationPersonsQueryBodies(t *testing.T) {
	yes := true
	funnel := Funnel{Steps: []EventStep{{Event: "user signed up"}, {Event: "paid"}}, DateFrom: "2020-01-01", DateTo: "2020-01-14"}
	inner := `{"kind": "FunnelCorrelationQuery", "funnelCorrelationType": %TYPE%, "source": {"kind": "FunnelsActorsQuery",
	  "source": {"kind": "FunnelsQuery", "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-14"},
	    "series": [{"kind": "EventsNode", "event": "user signed up"}, {"kind": "EventsNode", "event": "paid"}]}}}`
	for name, tc := range map[string]struct {
		req  FunnelCorrelationActorsRequest
		want string
	}{
		"event converted": {
			req: FunnelCorrelationActorsRequest{Funnel: funnel, Event: &EventStep{Event: "positively_related"}, Converted: &yes},
			want: `{"kind": "FunnelCorrelationActorsQuery", "funnelCorrelationPersonConverted": true,
			  "funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "positively_related"},
			  "source": ` + strings.Replace(inner, "%TYPE%", `"events"`, 1) + `}`,
		},
		"event with properties, either": {
			req: FunnelCorrelationActorsRequest{Funnel: funnel, Event: &EventStep{Event: "x",
				Properties: []PropertyFilter{{Type: "event", Key: "k", Value: "v", Operator: "exact"}}}},
			want: `{"kind": "FunnelCorrelationActorsQuery",
			  "funnelCorrelationPersonEntity": {"kind": "EventsNode", "event": "x", "properties": [{"type": "event", "key": "k", "value": "v", "operator": "exact"}]},
			  "source": ` + strings.Replace(inner, "%TYPE%", `"event_with_properties"`, 1) + `}`,
		},
		"properties": {
			req: FunnelCorrelationActorsRequest{Funnel: funnel, Converted: new(bool),
				PropertyValues: []PropertyFilter{{Type: "person", Key: "$browser", Value: "Chrome", Operator: "exact"}}},
			want: `{"kind": "FunnelCorrelationActorsQuery", "funnelCorrelationPersonConverted": false,
			  "funnelCorrelationPropertyValues": [{"type": "person", "key": "$browser", "value": "Chrome", "operator": "exact"}],
			  "source": ` + strings.Replace(inner, "%TYPE%", `"properties"`, 1) + `}`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				checkQueryEnvelope(t, decodeBody(t, r), `{"refresh": "force_blocking", "name": "terraform-provider-posthog funnel correlation persons",
				  "query": {"kind": "ActorsQuery", "select": ["actor"], "source": `+tc.want+`}}`)
				writeJSON(w, 200, `{"columns": ["actor"], "results": []}`)
			}))
			defer srv.Close()
			if _, err := newTestClient(t, srv.URL, 0).queryActors(context.Background(), 1, tc.req, 0, 0); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := (&Client{}).ListActors(context.Background(), 1,
		ActorsRequest{Limit: 1, PageSize: 1, Source: FunnelCorrelationActorsRequest{Funnel: funnel}}); err == nil {
		t.Error("a correlation without event or property values should be refused")
	}
}

func TestQueryAsyncPolling(t *testing.T) {
	queryPollInterval, queryPollMaxInterval = time.Millisecond, 2*time.Millisecond
	defer func() { queryPollInterval, queryPollMaxInterval = 500*time.Millisecond, 5*time.Second }()
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/projects/1/query/":
			writeJSON(w, 202, `{"query_status": {"id": "q-1", "complete": false, "error": false}}`)
		case r.Method == http.MethodGet && r.URL.Path == "/api/projects/1/query/q-1/":
			if polls.Add(1) < 3 {
				writeJSON(w, 202, `{"query_status": {"id": "q-1", "complete": false}}`)
				return
			}
			writeJSON(w, 200, `{"query_status": {"id": "q-1", "complete": true, "results": `+actorsResponseBody+`}}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	}))
	defer srv.Close()
	page, err := newTestClient(t, srv.URL, 0).queryActors(context.Background(), 1, FunnelActorsRequest{Funnel: s4Funnel, Step: 1}, 0, 0)
	if err != nil || len(page.persons) != 2 || !page.hasMore || polls.Load() != 3 {
		t.Fatalf("page = %+v, polls = %d, err = %v", page, polls.Load(), err)
	}
}

func TestQueryAsyncFailure(t *testing.T) {
	queryPollInterval = time.Millisecond
	defer func() { queryPollInterval = 500 * time.Millisecond }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			writeJSON(w, 202, `{"query_status": {"id": "q-2", "complete": false}}`)
			return
		}
		writeJSON(w, 200, `{"query_status": {"id": "q-2", "complete": true, "error": true, "error_message": "Missing prior required step"}}`)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 0).queryActors(context.Background(), 1, FunnelActorsRequest{Funnel: s4Funnel, Step: 2}, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "PostHog query failed: Missing prior required step") {
		t.Fatalf("err = %v", err)
	}
}

func TestQueryErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		status           int
		body             string
		notFound, unauth bool
		want             string
	}{
		"parse error": {400, `{"type":"invalid_request","code":"parse_error","detail":"JSON parse error - extra keys","attr":null}`,
			false, false, "POST /api/projects/1/query/: 400 parse_error: JSON parse error - extra keys"},
		"no query api": {404, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`,
			true, false, "404 not_found: Endpoint not found."},
		"missing scope": {403, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'query:read'","attr":null}`,
			false, true, "give the API key the query:read scope"},
		"validation": {400, `{"type":"validation_error","code":"invalid_input","detail":"No entity for persons specified","attr":null}`,
			false, false, "No entity for persons specified"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tc.status, tc.body) }))
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, 0).queryActors(context.Background(), 1, LifecycleActorsRequest{
				Events: []EventStep{{Event: "$pageview"}}, Day: "2020-01-12", Status: "new"}, 0, 0)
			if err == nil || IsNotFound(err) != tc.notFound || isUnauthorized(err) != tc.unauth || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (notFound %v, unauthorized %v)", err, IsNotFound(err), isUnauthorized(err))
			}
		})
	}
}

func TestQueryResultErrorField(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"columns": ["actor"], "results": [], "error": "Query exceeded memory"}`)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, 0).queryActors(context.Background(), 1, FunnelActorsRequest{Funnel: s4Funnel, Step: 1}, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "Query exceeded memory") {
		t.Fatalf("err = %v", err)
	}
}
