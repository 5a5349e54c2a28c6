package posthog

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// legacyPeople renders a legacy actor-endpoint body with persons named ids.
func legacyPeople(next string, ids ...string) string {
	people := make([]string, len(ids))
	for i, id := range ids {
		people[i] = fmt.Sprintf(`{"type":"person","id":"00000000-0000-4000-8000-%012d","uuid":"00000000-0000-4000-8000-%012d",
		  "name":%q,"distinct_ids":[%q],"properties":{"email":"%s@example.com"},"is_identified":false,
		  "created_at":"2021-05-01T00:00:00Z","matched_recordings":[],"value_at_data_point":null}`, i, i, id, id, id)
	}
	n := "null"
	if next != "" {
		n = fmt.Sprintf("%q", next)
	}
	return fmt.Sprintf(`{"results":[{"people":[%s],"count":%d}],"next":%s,"missing_persons":0}`, strings.Join(people, ","), len(ids), n)
}

func checkQuery(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	flat := map[string]string{}
	for k, v := range got {
		if len(v) != 1 {
			t.Errorf("query key %s has %d values", k, len(v))
		}
		flat[k] = v[0]
	}
	if !reflect.DeepEqual(flat, want) {
		t.Errorf("query string:\n got %v\nwant %v", flat, want)
	}
}

func TestLegacyLifecyclePersonsQueryString(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/projects/3/persons/lifecycle/" || r.ContentLength > 0 {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		checkQuery(t, r.URL.Query(), map[string]string{
			"events":         `[{"id":"$pageview","order":0,"properties":[{"type":"event","key":"$number","value":"1","operator":"exact"}],"type":"events"}]`,
			"target_date":    "2020-01-13",
			"lifecycle_type": "dormant",
			"date_from":      "2020-01-12",
			"date_to":        "2020-01-19",
			"interval":       "day",
			"limit":          "100",
		})
		writeJSON(w, 200, legacyPeople("", "p2", "p3"))
	}))
	defer srv.Close()
	lifecycle := LifecycleActorsRequest{
		Events:   []EventStep{{Event: "$pageview", Properties: []PropertyFilter{{Type: "event", Key: "$number", Value: "1", Operator: "exact"}}}},
		DateFrom: "2020-01-12", DateTo: "2020-01-19", Interval: "day", Day: "2020-01-13", Status: "dormant",
	}
	// Lifecycle has only the GET form, whatever form is asked for.
	page, err := newTestClient(t, srv.URL, 0).legacyActors(context.Background(), 3, lifecycle.legacy(), legacyPOST, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if page.hasMore || page.next != "" || len(page.persons) != 2 {
		t.Fatalf("page = %+v", page)
	}
	p := page.persons[1]
	if p.UUID != "00000000-0000-4000-8000-000000000001" || p.DistinctIDs[0] != "p3" || p.Properties["email"] != "p3@example.com" ||
		p.IsIdentified == nil || *p.IsIdentified {
		t.Errorf("person = %+v", p)
	}
	if next, err := newTestClient(t, srv.URL, 0).legacyNextPage(context.Background(), page); next != nil || err != nil {
		t.Errorf("legacyNextPage without next = %v, %v", next, err)
	}
}

const legacyEventsJSON = `[{"id":"step one","order":0,"type":"events"},{"id":"step two","order":1,"type":"events"},{"id":"step three","order":2,"type":"events"}]`

func TestLegacyFunnelPersonsGETAndPOST(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method)
		mu.Unlock()
		if r.URL.Path != "/api/projects/1/persons/funnel/" {
			t.Errorf("path %s", r.URL.Path)
		}
		switch r.Method {
		case http.MethodGet:
			checkQuery(t, r.URL.Query(), map[string]string{
				"events": legacyEventsJSON, "date_from": "2021-05-01", "date_to": "2021-05-07",
				"funnel_window_interval": "7", "funnel_window_interval_unit": "day", "funnel_order_type": "ordered",
				"funnel_step": "-3", "limit": "50", "offset": "10",
			})
		case http.MethodPost:
			checkQuery(t, r.URL.Query(), map[string]string{"limit": "50", "offset": "10"})
			got := decodeBody(t, r)
			want := mustJSON(t, `{"events": `+legacyEventsJSON+`, "date_from": "2021-05-01", "date_to": "2021-05-07",
			  "funnel_window_interval": 7, "funnel_window_interval_unit": "day", "funnel_order_type": "ordered", "funnel_step": -3}`)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("POST body:\n got %v\nwant %v", got, want)
			}
		}
		writeJSON(w, 200, legacyPeople("", "user_5"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	for _, form := range []legacyForm{legacyGET, legacyPOST} {
		page, err := c.legacyActors(context.Background(), 1, FunnelActorsRequest{Funnel: s4Funnel, Step: -3}.legacy(), form, 50, 10)
		if err != nil || len(page.persons) != 1 || page.hasMore {
			t.Fatalf("form %d: page = %+v, err = %v", form, page, err)
		}
	}
	if !reflect.DeepEqual(seen, []string{"GET", "POST"}) {
		t.Errorf("methods = %v", seen)
	}
}

func TestLegacyFunnelCorrelationPersonsGETAndPOST(t *testing.T) {
	no := false
	req := FunnelCorrelationActorsRequest{
		Funnel:    Funnel{Steps: []EventStep{{Event: "user signed up"}, {Event: "paid"}}, DateFrom: "2020-01-01", DateTo: "2020-01-14"},
		Event:     &EventStep{Event: "negatively_related"},
		Converted: &no,
	}
	events := `[{"id":"user signed up","order":0,"type":"events"},{"id":"paid","order":1,"type":"events"}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/projects/1/persons/funnel/correlation/" {
			t.Errorf("path %s", r.URL.Path)
		}
		switch r.Method {
		case http.MethodGet:
			if r.URL.Query().Has("funnel_correlation_person_offset") {
				checkQuery(t, r.URL.Query(), map[string]string{"funnel_correlation_person_limit": "20", "funnel_correlation_person_offset": "20",
					"events": events, "date_from": "2020-01-01", "date_to": "2020-01-14", "funnel_correlation_type": "events",
					"funnel_correlation_person_entity":    `{"id":"negatively_related","order":0,"type":"events"}`,
					"funnel_correlation_person_converted": "false"})
				writeJSON(w, 200, legacyPeople("", "user_18"))
				return
			}
			checkQuery(t, r.URL.Query(), map[string]string{
				"events": events, "date_from": "2020-01-01", "date_to": "2020-01-14", "funnel_correlation_type": "events",
				"funnel_correlation_person_entity":    `{"id":"negatively_related","order":0,"type":"events"}`,
				"funnel_correlation_person_converted": "false", "funnel_correlation_person_limit": "20",
			})
			// PostHog rebuilt the URL with the correlation offset.
			next := *r.URL
			q := next.Query()
			q.Set("funnel_correlation_person_offset", "20")
			next.RawQuery = q.Encode()
			writeJSON(w, 200, legacyPeople("http://"+r.Host+next.String(), "user_10", "user_12"))
		case http.MethodPost:
			checkQuery(t, r.URL.Query(), map[string]string{"funnel_correlation_person_limit": "20"})
			got := decodeBody(t, r)
			want := mustJSON(t, `{"events": `+events+`, "date_from": "2020-01-01", "date_to": "2020-01-14",
			  "funnel_correlation_type": "events", "funnel_correlation_person_entity": {"id": "negatively_related", "type": "events", "order": 0},
			  "funnel_correlation_person_converted": "false"}`)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("POST body:\n got %v\nwant %v", got, want)
			}
			writeJSON(w, 200, legacyPeople(""))
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	page, err := c.legacyActors(context.Background(), 1, req.legacy(), legacyGET, 20, 0)
	if err != nil || !page.hasMore || len(page.persons) != 2 {
		t.Fatalf("page = %+v, err = %v", page, err)
	}
	page, err = c.legacyNextPage(context.Background(), page)
	if err != nil || page.hasMore || len(page.persons) != 1 || page.persons[0].DistinctIDs[0] != "user_18" {
		t.Fatalf("next page = %+v, err = %v", page, err)
	}
	if page, err = c.legacyActors(context.Background(), 1, req.legacy(), legacyPOST, 20, 0); err != nil || len(page.persons) != 0 || page.hasMore {
		t.Fatalf("POST page = %+v, err = %v", page, err)
	}
	props := req
	props.Event, props.Converted = nil, nil
	props.PropertyValues = []PropertyFilter{{Type: "person", Key: "$browser", Value: "Chrome", Operator: "exact"}}
	if v, _ := queryValues(map[string]any{"funnel_correlation_property_values": props.PropertyValues}); v.Get("funnel_correlation_property_values") !=
		`[{"type":"person","key":"$browser","value":"Chrome","operator":"exact"}]` {
		t.Errorf("property values encode as %q", v.Get("funnel_correlation_property_values"))
	}
	if props.correlationType() != correlationProperties {
		t.Errorf("correlation type %q", props.correlationType())
	}
}

// TestLegacyNextFollowing pages 5 persons 2 at a time through each form of
// `next` PostHog produces: an absolute URL, the path without its leading
// slash (format_paginated_url's quirk when offset was already in the URL), a
// root-relative path, and a query-only link. A POST page is re-posted with
// the same body.
func TestLegacyNextFollowing(t *testing.T) {
	for name, style := range map[string]func(host, path, query string) string{
		"absolute":               func(host, path, query string) string { return "http://" + host + path + "?" + query },
		"relative without slash": func(_, path, query string) string { return strings.TrimPrefix(path, "/") + "?" + query },
		"relative with slash":    func(_, path, query string) string { return path + "?" + query },
		"query only":             func(_, _, query string) string { return "?" + query },
	} {
		for form, method := range map[legacyForm]string{legacyGET: http.MethodGet, legacyPOST: http.MethodPost} {
			t.Run(name+" "+method, func(t *testing.T) {
				all := []string{"a", "b", "c", "d", "e"}
				var bodies []string
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/api/projects/1/persons/funnel/" || r.Method != method {
						t.Errorf("request %s %s", r.Method, r.URL)
						writeJSON(w, 404, `{"detail":"Endpoint not found."}`)
						return
					}
					if form == legacyPOST {
						bodies = append(bodies, fmt.Sprint(decodeBody(t, r)))
					}
					q := r.URL.Query()
					offset, _ := strconv.Atoi(q.Get("offset"))
					end := min(offset+2, len(all))
					next := ""
					if end-offset >= 2 {
						q.Set("offset", fmt.Sprint(end))
						next = style(r.Host, r.URL.Path, q.Encode())
					}
					writeJSON(w, 200, legacyPeople(next, all[offset:end]...))
				}))
				defer srv.Close()
				c := newTestClient(t, srv.URL, 0)
				page, err := c.legacyActors(context.Background(), 1, FunnelActorsRequest{Funnel: s4Funnel, Step: 1}.legacy(), form, 2, 0)
				var got []string
				for page != nil && err == nil {
					for _, p := range page.persons {
						got = append(got, p.DistinctIDs[0])
					}
					page, err = c.legacyNextPage(context.Background(), page)
				}
				if err != nil || !reflect.DeepEqual(got, all) {
					t.Fatalf("got %v, err %v", got, err)
				}
				if form == legacyPOST && (len(bodies) != 3 || bodies[0] != bodies[1] || bodies[1] != bodies[2]) {
					t.Errorf("POST bodies differ between pages: %v", bodies)
				}
			})
		}
	}
}

func TestLegacyResolveNext(t *testing.T) {
	c, err := NewClient(Config{Host: "https://ph.example.com/posthog", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	const cur = "/api/projects/1/persons/lifecycle/"
	for next, want := range map[string]string{
		"https://ph.example.com/posthog/api/projects/1/persons/lifecycle/?offset=100": "/api/projects/1/persons/lifecycle/?offset=100",
		"https://PH.example.com/api/projects/1/persons/lifecycle/?offset=100":         "/api/projects/1/persons/lifecycle/?offset=100",
		"api/projects/1/persons/lifecycle/?offset=200&limit=100":                      "/api/projects/1/persons/lifecycle/?limit=100&offset=200",
		"/posthog/api/projects/1/persons/lifecycle/?offset=300":                       "/api/projects/1/persons/lifecycle/?offset=300",
		"?offset=400": "/api/projects/1/persons/lifecycle/?offset=400",
	} {
		path, q, err := c.resolveNext(next, cur)
		if got := path + "?" + q.Encode(); err != nil || got != want {
			t.Errorf("resolveNext(%q) = %q, %v; want %q", next, got, err, want)
		}
	}
	for _, bad := range []string{
		"https://evil.example.com/api/projects/1/persons/lifecycle/?offset=100",
		"http://ph.example.com/posthog/api/projects/1/persons/lifecycle/?offset=100", // https → http downgrade
		"//evil.example.com/api/x/",
		"https://ph.example.com/posthog/login?next=/api/",
	} {
		if _, _, err := c.resolveNext(bad, cur); err == nil {
			t.Errorf("resolveNext(%q) should be refused", bad)
		}
	}
}

func TestLegacyRemovedEndpointErrors(t *testing.T) {
	// How current PostHog answers the removed endpoints
	// (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/correlation/"):
			writeJSON(w, 404, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`)
		case r.Method == http.MethodPost:
			writeJSON(w, 405, `{"type":"invalid_request","code":"method_not_allowed","detail":"Method \"POST\" not allowed.","attr":null}`)
		default:
			writeJSON(w, 400, `{"type":"validation_error","code":"invalid_input","detail":"The ID provided does not look like a personID.","attr":null}`)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	ctx := context.Background()
	funnel := FunnelActorsRequest{Funnel: s4Funnel, Step: 1}.legacy()
	if _, err := c.legacyActors(ctx, 1, funnel, legacyGET, 0, 0); err == nil ||
		!strings.Contains(err.Error(), "400 invalid_input: The ID provided does not look like a personID.") {
		t.Errorf("GET funnel: %v", err)
	}
	if _, err := c.legacyActors(ctx, 1, funnel, legacyPOST, 0, 0); !hasStatus(err, 405) {
		t.Errorf("POST funnel: %v", err)
	}
	correlation := FunnelCorrelationActorsRequest{Funnel: s4Funnel, Event: &EventStep{Event: "x"}}.legacy()
	_, err := c.legacyActors(ctx, 1, correlation, legacyGET, 0, 0)
	if !IsNotFound(err) {
		t.Errorf("correlation: %v", err)
	}
}

func TestLegacyAutoFormSwitchesToPOSTForLongFilters(t *testing.T) {
	var methods []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods = append(methods, r.Method)
		if r.Method == http.MethodPost && r.URL.RawQuery != "limit=10" {
			t.Errorf("POST query %q; want only the paging parameters", r.URL.RawQuery)
		}
		writeJSON(w, 200, legacyPeople(""))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	short := FunnelActorsRequest{Funnel: s4Funnel, Step: 2}
	long := short
	long.Funnel.Properties = []PropertyFilter{{Type: "person", Key: "email", Value: strings.Repeat("x", maxLegacyQueryLength), Operator: "exact"}}
	for _, req := range []FunnelActorsRequest{short, long} {
		if _, err := c.legacyActors(context.Background(), 1, req.legacy(), legacyAuto, 10, 0); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(methods, []string{"GET", "POST"}) {
		t.Errorf("methods = %v; want GET for the short filter and POST for the long one", methods)
	}
}
