package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// s4Series are S4's three funnel steps as a saved FunnelsQuery has them.
var s4Series = []any{
	map[string]any{"kind": "EventsNode", "event": "step one"},
	map[string]any{"kind": "EventsNode", "event": "step two"},
	map[string]any{"kind": "EventsNode", "event": "step three"},
}

// savedFunnel is a funnel insight as PostHog's UI saves it: an
// InsightVizNode around the FunnelsQuery, over S4's range and window.
func savedFunnel(name string, funnelsFilter map[string]any, extra map[string]any) map[string]any {
	filter := map[string]any{"funnelWindowInterval": 7, "funnelWindowIntervalUnit": "day", "funnelVizType": "steps"}
	for k, v := range funnelsFilter {
		filter[k] = v
	}
	source := map[string]any{
		"kind": "FunnelsQuery", "series": s4Series, "funnelsFilter": filter,
		"dateRange": map[string]any{"date_from": "2021-05-01", "date_to": "2021-05-07"},
	}
	for k, v := range extra {
		source[k] = v
	}
	return map[string]any{"name": name, "saved": true, "query": map[string]any{"kind": "InsightVizNode", "source": source, "full": true}}
}

// insightBlock is one posthog_insight_persons with arguments args, plus an
// output of its persons' sorted first distinct ids named after it.
func insightBlock(name, args string) string {
	return fmt.Sprintf(`
data "posthog_insight_persons" %[1]q {
%[2]s
}

output %[1]q {
  value = sort([for p in data.posthog_insight_persons.%[1]s.persons : p.distinct_ids[0]])
}
`, name, args)
}

func usersRange(from, to int, extra ...int) []string {
	var ids []int
	for i := from; i < to; i++ {
		ids = append(ids, i)
	}
	return users(append(ids, extra...)...)
}

// S4 with test accounts and an exclusion, saved in the insight. Test
// accounts (PostHog's default email filter): user_0 (all three steps),
// user_5 (steps one and two) and user_16 (step one, posthog.community
// contains posthog.com). Exclusion "cancel" between the first and second
// step: user_1 (all three steps) and user_17 (step one) cancel on May 2,
// between their step one (May 1) and step two (May 3 for user_1). Left:
// user_2..4 completed; user_6..14 reached step two only; user_15 and
// user_18..34 did step one only: 30 entrants.
func TestAccInsightPersonsDataSource_funnelAsFunnelPersons(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	setEmails(env, time.Date(2021, 4, 20, 12, 0, 0, 0, time.UTC), map[string]string{
		"user_0": "ann@posthog.com", "user_5": "bob@PostHog.com", "user_15": "cat@example.com", "user_16": "dan@posthog.community",
	})
	if err := env.Emulator.SetTestAccountFilters(posthogEmailTestAccounts); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"user_1", "user_17"} {
		env.Emulator.Ingest(emulator.Event{Event: "cancel", DistinctID: id, Timestamp: may2021(2)})
	}
	exclusions := []any{map[string]any{"kind": "EventsNode", "event": "cancel", "funnelFromStep": 0, "funnelToStep": 1}}
	id, shortID := env.CreateInsight(t, acctest.APIKey, savedFunnel("Onboarding funnel",
		map[string]any{"exclusions": exclusions}, map[string]any{"filterTestAccounts": true}))
	byID := fmt.Sprintf("insight_id = %d\n", id)
	same := "filter_test_accounts = true\n" + exclusion("cancel", 0, 1, "")
	config := env.ProviderConfig() +
		insightBlock("reached_1", byID+"funnel_step = 1") +
		insightBlock("reached_2", byID+"funnel_step = 2") +
		insightBlock("reached_3", byID+"funnel_step = 3") +
		insightBlock("dropped_2", byID+"funnel_step = -2\npage_size = 7") +
		insightBlock("dropped_3", fmt.Sprintf("insight_short_id = %q\nfunnel_step = -3", shortID)) +
		insightBlock("limited", byID+"funnel_step = 1\nlimit = 10") +
		funnelBlock("direct_2", -2, same) +
		funnelBlock("direct_3", 3, same)
	stepOne := usersRange(2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
	stepOne = append(stepOne, usersRange(18, 35)...)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("reached_1", sortedStrings(stepOne)...),
				idsOutput("reached_2", usersRange(2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)...),
				idsOutput("reached_3", users(2, 3, 4)...),
				idsOutput("dropped_2", sortedStrings(append(users(15), usersRange(18, 35)...))...),
				idsOutput("dropped_3", users(6, 7, 8, 9, 10, 11, 12, 13, 14)...),
				// The same persons as posthog_funnel_persons with the same definition.
				idsOutput("direct_2", sortedStrings(append(users(15), usersRange(18, 35)...))...),
				idsOutput("direct_3", users(2, 3, 4)...),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.dropped_3", tfjsonpath.New("insight_id"), knownvalue.Int64Exact(id)),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.reached_1", tfjsonpath.New("insight_short_id"), knownvalue.StringExact(shortID)),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.reached_1", tfjsonpath.New("insight_name"), knownvalue.StringExact("Onboarding funnel")),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.reached_1", tfjsonpath.New("insight_kind"), knownvalue.StringExact("FunnelsQuery")),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.reached_1", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.limited", tfjsonpath.New("persons"), knownvalue.ListSizeExact(10)),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
			},
		}},
	})
}

// A breakdown by the event property $browser: a (Chrome) and b (Firefox)
// complete both steps, c (Chrome) does only step one. Every event of a
// person carries its browser, so attribution does not matter.
func TestAccInsightPersonsDataSource_funnelBreakdown(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	for id, browser := range map[string]string{"a": "Chrome", "b": "Firefox", "c": "Chrome"} {
		env.Emulator.Ingest(emulator.Event{Event: "step one", DistinctID: id, Timestamp: may2021(1), Properties: map[string]any{"$browser": browser}})
		if id != "c" {
			env.Emulator.Ingest(emulator.Event{Event: "step two", DistinctID: id, Timestamp: may2021(2), Properties: map[string]any{"$browser": browser}})
		}
	}
	query := savedFunnel("By browser", nil, map[string]any{
		"series":          s4Series[:2],
		"breakdownFilter": map[string]any{"breakdown": "$browser", "breakdown_type": "event"},
	})
	id, _ := env.CreateInsight(t, acctest.APIKey, query)
	byID := fmt.Sprintf("insight_id = %d\n", id)
	config := env.ProviderConfig() +
		insightBlock("chrome_2", byID+"funnel_step = 2\nfunnel_step_breakdown = \"Chrome\"") +
		insightBlock("firefox_2", byID+"funnel_step = 2\nfunnel_step_breakdown = \"Firefox\"") +
		insightBlock("chrome_dropped_2", byID+"funnel_step = -2\nfunnel_step_breakdown = \"Chrome\"") +
		insightBlock("all_1", byID+"funnel_step = 1")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("chrome_2", "a"),
				idsOutput("firefox_2", "b"),
				idsOutput("chrome_dropped_2", "c"),
				idsOutput("all_1", "a", "b", "c"),
			},
		}},
	})
}

// S1's daily lifecycle saved as an insight over 2020-01-12..19: on the 12th
// p1 returns, p2 resurrects and p3 is new; on the 13th p2 and p3 are dormant.
func TestAccInsightPersonsDataSource_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS1(env)
	id, shortID := env.CreateInsight(t, acctest.APIKey, map[string]any{"name": "Daily lifecycle", "query": map[string]any{
		"kind": "InsightVizNode", "source": map[string]any{
			"kind": "LifecycleQuery", "interval": "day",
			"series":    []any{map[string]any{"kind": "EventsNode", "event": "$pageview", "math": "total"}},
			"dateRange": map[string]any{"date_from": "2020-01-12T00:00:00Z", "date_to": "2020-01-19T00:00:00Z"},
		},
	}})
	byShort := fmt.Sprintf("insight_short_id = %q\n", shortID)
	config := env.ProviderConfig() +
		insightBlock("returning_12", byShort+`day = "2020-01-12"`+"\nstatus = \"returning\"") +
		insightBlock("resurrecting_12", byShort+`day = "2020-01-12"`+"\nstatus = \"resurrecting\"") +
		insightBlock("new_12", fmt.Sprintf("insight_id = %d\n", id)+`day = "2020-01-12"`+"\nstatus = \"new\"") +
		insightBlock("dormant_13", byShort+`day = "2020-01-13"`+"\nstatus = \"dormant\"\npage_size = 1")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("returning_12", "p1"),
				idsOutput("resurrecting_12", "p2"),
				idsOutput("new_12", "p3"),
				idsOutput("dormant_13", "p2", "p3"),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.returning_12", tfjsonpath.New("insight_id"), knownvalue.Int64Exact(id)),
				statecheck.ExpectKnownValue("data.posthog_insight_persons.returning_12", tfjsonpath.New("insight_kind"), knownvalue.StringExact("LifecycleQuery")),
			},
		}, {
			Config:      env.ProviderConfig() + insightBlock("funnel_pick", byShort+"funnel_step = 2"),
			ExpectError: spaced(`Insight \d+ \("Daily lifecycle"\) is a lifecycle: set day and status instead of funnel_step`),
		}, {
			Config:      env.ProviderConfig() + insightBlock("late", byShort+`day = "2020-02-20"`+"\nstatus = \"new\""),
			ExpectError: spaced(`day is outside the insight's date range.*no period for day "2020-02-20"`),
		}},
	})
}

// spaced is a pattern whose spaces also match Terraform's line breaks.
func spaced(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

// Insights and picks that cannot give a person list are refused, saying
// what to change; nothing is listed.
func TestAccInsightPersonsDataSource_refused(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	funnelID, _ := env.CreateInsight(t, acctest.APIKey, savedFunnel("Checkout", nil, nil))
	deletedID, deletedShort := env.CreateInsight(t, acctest.APIKey, savedFunnel("Old checkout", nil, nil))
	env.UpdateInsight(t, acctest.APIKey, deletedID, map[string]any{"deleted": true})
	trendsID, _ := env.CreateInsight(t, acctest.APIKey, map[string]any{"name": "Pageviews", "query": map[string]any{
		"kind": "InsightVizNode", "source": map[string]any{"kind": "TrendsQuery", "series": []any{map[string]any{"kind": "EventsNode", "event": "$pageview"}}},
	}})
	legacyID, _ := env.CreateInsight(t, acctest.APIKey, map[string]any{"name": "Legacy funnel"})
	trendsViz, _ := env.CreateInsight(t, acctest.APIKey, savedFunnel("Conversion over time", map[string]any{"funnelVizType": "trends"}, nil))
	byID := func(id int64, rest string) string { return fmt.Sprintf("insight_id = %d\n%s", id, rest) }
	steps := []resource.TestStep{}
	for _, c := range [][2]string{
		{byID(deletedID, "funnel_step = 1"), `Saved insight not found.*PostHog has no insight \d+ in project 1`},
		{fmt.Sprintf("insight_short_id = %q\nfunnel_step = 1", deletedShort), `Saved insight not found.*short id "` + deletedShort + `"`},
		{byID(trendsID, "funnel_step = 1"), `Insight has no person list here.*\("Pageviews"\) is a TrendsQuery`},
		{byID(trendsViz, "funnel_step = 1"), `Insight shows no funnel steps.*shows the funnel as "trends"`},
		{byID(legacyID, "funnel_step = 1"), `Unable to read the saved insight.*stores no query.*save it again`},
		{byID(funnelID, `day = "2021-05-02"`+"\nstatus = \"new\""), `\("Checkout"\) is a funnel: set funnel_step`},
		{byID(funnelID, "funnel_step = 4"), `Funnel step beyond the last step.*funnel_step is 4, but insight \d+ \("Checkout"\) has 3 steps`},
		{byID(funnelID, "funnel_step = -4"), `funnel_step is -4`},
		{byID(funnelID, "funnel_step = 2\nfunnel_step_breakdown = \"Chrome\""), `Insight has no breakdown.*remove it`},
	} {
		steps = append(steps, resource.TestStep{Config: env.ProviderConfig() + insightBlock("refused", c[0]), ExpectError: spaced(c[1])})
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
	if n := env.Emulator.Stats().Count("POST", queryRoute); n != 0 {
		t.Errorf("refused picks ran %d queries; want none", n)
	}
}

// Configurations that can never work fail at validation, before any request.
func TestAccInsightPersonsDataSource_invalidConfig(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_insight_persons", [][2]string{
			{"funnel_step = 1", `(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured:\s+\[insight_id,insight_short_id\]`},
			{"insight_id = 1\ninsight_short_id = \"abc\"\nfunnel_step = 1", `(?s)Invalid Attribute Combination`},
			{"insight_id = 1", `(?s)Missing Attribute Configuration.*At least one.*\[funnel_step,day\]`},
			{"insight_id = 1\nfunnel_step = 0", `(?s)Invalid funnel step.*step 0 does not exist`},
			{"insight_id = 1\nfunnel_step = -1", `(?s)Invalid funnel step.*everyone in a funnel did step 1`},
			{"insight_id = 1\nfunnel_step = 2\nstatus = \"new\"", `(?s)Invalid Attribute Combination`},
			{"insight_id = 1\nday = \"2020-01-12\"", `(?s)Invalid Attribute Combination.*status`},
			{"insight_id = 1\nday = \"2020-01-12\"\nstatus = \"gone\"", `(?s)status value must be one of`},
			{"insight_id = 1\nfunnel_step_breakdown = \"Chrome\"\nday = \"2020-01-12\"\nstatus = \"new\"", `(?s)Invalid Attribute Combination.*funnel_step`},
			{"insight_short_id = \"../1\"\nfunnel_step = 1", `(?s)Invalid insight short id.*1 to 12 letters and digits`},
		}),
	})
	expectNoActorCalls(t, env)
}

// The insight is read with insight:read; a key without it is told so.
func TestAccInsightPersonsDataSource_scope(t *testing.T) {
	t.Parallel()
	const queryOnly = "phx_query_only"
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: acctest.APIKey, Scopes: []string{"*"}},
		{Key: queryOnly, Scopes: []string{"query:read"}},
	}})
	id, _ := env.CreateInsight(t, acctest.APIKey, savedFunnel("Checkout", nil, nil))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      env.ProviderConfigWithKey(queryOnly) + insightBlock("scoped", fmt.Sprintf("insight_id = %d\nfunnel_step = 1", id)),
			ExpectError: spaced(`Unable to read the saved insight.*missing required scope 'insight:read'`),
		}},
	})
}
