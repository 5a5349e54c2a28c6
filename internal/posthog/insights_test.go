package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A funnel as PostHog's UI saves it, with keys in an order of its own and a
// number written as 7.0: the client must send it back byte for byte.
const storedFunnel = `{"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "signed up"},
  {"kind": "EventsNode", "event": "paid"}, {"kind": "EventsNode", "event": "renewed"}],
  "funnelsFilter": {"funnelWindowInterval": 7.0, "exclusions": [{"kind": "EventsNode", "event": "refund", "funnelFromStep": 0, "funnelToStep": 1}]},
  "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
  "filterTestAccounts": true, "dateRange": {"date_from": "-30d"}}`

func insightAnswer(id int, shortID, query string) string {
	return fmt.Sprintf(`{"id": %d, "short_id": %q, "name": "Signup to renewal", "derived_name": null, "deleted": false,
	  "result": null, "filters": {}, "query": %s}`, id, shortID, query)
}

// insightServer answers GET insights/:id/ and insights/?short_id= with the
// answers given by path ("42" or "short:abc").
func insightServer(t *testing.T, answers map[string]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey || r.Method != http.MethodGet {
			t.Errorf("%s %s without the key", r.Method, r.URL)
		}
		key := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/projects/1/insights/"), "/")
		if key == "" {
			key = "short:" + r.URL.Query().Get("short_id")
		}
		body, ok := answers[key]
		if !ok {
			writeJSON(w, 404, `{"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": null}`)
			return
		}
		writeJSON(w, 200, body)
	}))
}

func TestInsightByIDAndShortID(t *testing.T) {
	srv := insightServer(t, map[string]string{
		"42": insightAnswer(42, "Ab3dEf7h", `{"kind": "InsightVizNode", "full": true, "source": `+storedFunnel+`}`),
		"short:Ab3dEf7h": `{"count": 1, "next": null, "previous": null, "results": [` +
			insightAnswer(42, "Ab3dEf7h", `{"kind": "InsightVizNode", "source": `+storedFunnel+`}`) + `]}`,
	})
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	for _, ref := range []InsightRef{{ID: 42}, {ShortID: "Ab3dEf7h"}} {
		ins, err := c.Insight(context.Background(), 1, ref)
		if err != nil {
			t.Fatalf("%v: %v", ref, err)
		}
		if ins.ID != 42 || ins.ShortID != "Ab3dEf7h" || ins.Name != "Signup to renewal" || ins.Kind != "FunnelsQuery" {
			t.Errorf("%v: got %+v", ref, ins)
		}
		if string(ins.Source) != storedFunnel {
			t.Errorf("%v: source %s, want the stored funnel as sent", ref, ins.Source)
		}
		if ins.Steps != 3 || ins.Breakdowns != 1 || ins.BreakdownType != "event" || ins.FunnelVizType != "" || ins.DateFrom != "-30d" {
			t.Errorf("%v: shape %+v", ref, ins)
		}
	}
}

func TestInsightBareLifecycle(t *testing.T) {
	srv := insightServer(t, map[string]string{
		"7": insightAnswer(7, "Lc000001", `{"kind": "LifecycleQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}`),
	})
	defer srv.Close()
	ins, err := newTestClient(t, srv.URL, 0).Insight(context.Background(), 1, InsightRef{ID: 7})
	if err != nil || ins.Kind != "LifecycleQuery" || ins.Interval != "day" || ins.Steps != 1 {
		t.Fatalf("got %+v, %v", ins, err)
	}
}

func TestInsightAnswersThatDoNotFit(t *testing.T) {
	viz := `{"kind": "InsightVizNode", "source": ` + storedFunnel + `}`
	big := `{"kind": "FunnelsQuery", "series": [], "pad": "` + strings.Repeat("x", maxInsightQueryBytes) + `"}`
	srv := insightServer(t, map[string]string{
		"1":             insightAnswer(2, "Ab3dEf7h", viz),
		"3":             strings.Replace(insightAnswer(3, "Ab3dEf7h", viz), `"deleted": false`, `"deleted": true`, 1),
		"4":             insightAnswer(4, "Ab3dEf7h", "null"),
		"5":             insightAnswer(5, "Ab3dEf7h", big),
		"6":             insightAnswer(6, "../../x", viz),
		"8":             insightAnswer(8, "Ab3dEf7h", `{"kind": "InsightVizNode", "source": "FunnelsQuery"}`),
		"short:other":   `{"results": [` + insightAnswer(9, "Zz9zZz9z", viz) + `]}`,
		"short:twice":   `{"results": [` + insightAnswer(10, "twice", viz) + `,` + insightAnswer(11, "twice", viz) + `]}`,
		"short:nothing": `{"count": 0, "results": []}`,
	})
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	for _, tc := range []struct {
		ref  InsightRef
		want string
	}{
		{InsightRef{ID: 1}, "asked for insight 1, got insight 2"},
		{InsightRef{ID: 4}, "stores no query"},
		{InsightRef{ID: 5}, "more than the 1048576 this provider accepts"},
		{InsightRef{ID: 6}, "no valid short id"},
		{InsightRef{ID: 8}, "InsightVizNode has no source query"},
		{InsightRef{ShortID: "other"}, "holds other insights"},
		{InsightRef{ShortID: "twice"}, `2 insights have short id "twice"`},
		{InsightRef{ID: 1, ShortID: "x"}, "exactly one"},
		{InsightRef{ShortID: "a/b"}, "is not an insight short id"},
	} {
		_, err := c.Insight(context.Background(), 1, tc.ref)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.ref, err, tc.want)
		}
	}
	// Unknown, deleted (PostHog answers 404, a deleted: true answer is
	// refused the same way) and an empty list are "not found".
	for _, ref := range []InsightRef{{ID: 99}, {ID: 3}, {ShortID: "nothing"}} {
		_, err := c.Insight(context.Background(), 1, ref)
		if !IsInsightNotFound(err) || !strings.Contains(err.Error(), "in project 1") {
			t.Errorf("%+v: err = %v, want an InsightNotFoundError", ref, err)
		}
	}
}

// An insight's name is server text: escapes go and the key is masked.
func TestInsightNameCleaned(t *testing.T) {
	srv := insightServer(t, map[string]string{
		"12": strings.Replace(insightAnswer(12, "Ab3dEf7h", `{"kind": "LifecycleQuery", "series": []}`),
			`"Signup to renewal"`, `"\u001b[31mred `+testKey+`"`, 1),
	})
	defer srv.Close()
	ins, err := newTestClient(t, srv.URL, 0).Insight(context.Background(), 1, InsightRef{ID: 12})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ins.Name, "\x1b") || strings.Contains(ins.Name, testKey) || !strings.HasPrefix(ins.Name, "red ") {
		t.Errorf("name %q not cleaned", ins.Name)
	}
}

func TestInsightActorsQueryBodies(t *testing.T) {
	funnel := SavedInsight{ID: 42, Kind: "FunnelsQuery", Source: json.RawMessage(storedFunnel), Steps: 3}
	lifecycle := SavedInsight{ID: 7, Kind: "LifecycleQuery", Source: json.RawMessage(`{"kind": "LifecycleQuery", "series": []}`)}
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if bytes.Contains(raw, []byte("signed up")) && !bytes.Contains(raw, []byte(`"funnelWindowInterval":7.0`)) {
			t.Errorf("the stored funnel was not sent as stored: %s", raw)
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		b := decodeBody(t, r)
		query, _ := b["query"].(map[string]any)
		q, _ := json.Marshal(query["source"])
		bodies = append(bodies, string(q))
		writeJSON(w, 200, `{"columns": ["actor"], "results": [], "hasMore": false}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	for _, src := range []ActorsSource{
		InsightFunnelActorsRequest{Insight: funnel, Step: -2, StepBreakdown: "Chrome"},
		InsightFunnelActorsRequest{Insight: funnel, Step: 3},
		InsightLifecycleActorsRequest{Insight: lifecycle, Day: "2020-01-12", Status: LifecycleReturning},
	} {
		if _, err := c.ListActors(context.Background(), 1, ActorsRequest{API: ActorsAPIQuery, Limit: 5, PageSize: 5, Source: src}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		`{"funnelStep":-2,"funnelStepBreakdown":"Chrome","kind":"FunnelsActorsQuery","source":` + compactJSON(t, storedFunnel) + `}`,
		`{"funnelStep":3,"kind":"FunnelsActorsQuery","source":` + compactJSON(t, storedFunnel) + `}`,
		`{"day":"2020-01-12","kind":"InsightActorsQuery","source":{"kind":"LifecycleQuery","series":[]},"status":"returning"}`,
	}
	for i := range want {
		if i >= len(bodies) || bodies[i] != want[i] {
			t.Errorf("source %d:\n got %v\nwant %s", i, bodies, want[i])
		}
	}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Picks that do not fit the insight, and the legacy API, are refused
// before any request.
func TestInsightActorsRefused(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls++; writeJSON(w, 404, `{}`) }))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	funnel := SavedInsight{ID: 42, Kind: "FunnelsQuery", Source: json.RawMessage(storedFunnel), Steps: 3}
	for _, tc := range []struct {
		req  ActorsRequest
		want error
		text string
	}{
		{ActorsRequest{Source: InsightFunnelActorsRequest{Insight: funnel, Step: 4}}, nil, "beyond the insight's 3 steps"},
		{ActorsRequest{Source: InsightFunnelActorsRequest{Insight: funnel, Step: -1}}, nil, "selects nobody"},
		{ActorsRequest{Source: InsightFunnelActorsRequest{Insight: funnel, Step: 1, StepBreakdown: map[string]any{}}}, nil, "breakdown value"},
		{ActorsRequest{Source: InsightLifecycleActorsRequest{Insight: funnel, Day: "2020-01-01", Status: "new"}}, nil, "is a FunnelsQuery, not a LifecycleQuery"},
		{ActorsRequest{API: ActorsAPILegacy, Source: InsightFunnelActorsRequest{Insight: funnel, Step: 1}}, errInsightLegacy, ""},
	} {
		tc.req.Limit, tc.req.PageSize = 1, 1
		_, err := c.ListActors(context.Background(), 1, tc.req)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%+v: err = %v", tc.req.Source, err)
		}
	}
	if calls != 0 {
		t.Errorf("%d requests; want none", calls)
	}
	// auto never falls back to the legacy endpoint for a stored query.
	_, err := c.ListActors(context.Background(), 1, ActorsRequest{Limit: 1, PageSize: 1, Source: InsightFunnelActorsRequest{Insight: funnel, Step: 1}})
	if !errors.Is(err, errInsightLegacy) || calls != 1 {
		t.Errorf("auto on a PostHog without /query/: err = %v after %d calls, want the Query API refusal after 1", err, calls)
	}
}
