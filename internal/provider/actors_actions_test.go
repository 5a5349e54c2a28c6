package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// funnelStepsBlock is one posthog_funnel_persons over S4's dates (7-day
// window, 2021-05-01..07) with the given steps, and the outputs of funnelBlock.
func funnelStepsBlock(name, steps string, step int, extra string) string {
	return fmt.Sprintf(`
data "posthog_funnel_persons" %[1]q {
  steps           = %[2]s
  date_from       = "2021-05-01"
  date_to         = "2021-05-07"
  window_interval = 7
  step            = %[3]d
%[4]s
}

output "%[1]s_count" {
  value = length(data.posthog_funnel_persons.%[1]s.persons)
}

output %[1]q {
  value = sort([for p in data.posthog_funnel_persons.%[1]s.persons : p.distinct_ids[0]])
}
`, name, steps, step, extra)
}

// S4 plus $pageview events on May 2 at 12:00: user_15 (step one only) on
// https://x.com/pricing?a, user_16 on https://x.com/about, user_17 on
// https://x.com/PRICING. The action "Interested" matches "step two" OR a
// $pageview whose $current_url contains "/pricing"; PostHog ORs an action's
// steps and compares a contains URL with a case-sensitive LIKE. So with
// "Interested" as the second step, step 2 is user_0..14 (step two on May 3)
// plus user_15 (16 persons), against 15 with the event "step two"; the
// drop-offs at step 2 are user_16..34 (19). The action "About" (a $pageview
// on exactly https://x.com/about) as the second step is reached by user_16
// alone.
func TestAccFunnelPersonsDataSource_actions(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	for id, url := range map[string]string{"user_15": "https://x.com/pricing?a", "user_16": "https://x.com/about", "user_17": "https://x.com/PRICING"} {
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: id, Properties: map[string]any{"$current_url": url}, Timestamp: may2021(2)})
	}
	interested := env.CreateAction(t, acctest.APIKey, map[string]any{"name": "Interested", "steps": []any{
		map[string]any{"event": "step two"},
		map[string]any{"event": "$pageview", "url": "/pricing", "url_matching": "contains"},
	}})
	about := env.CreateAction(t, acctest.APIKey, map[string]any{"name": "About", "steps": []any{
		map[string]any{"event": "$pageview", "url": "https://x.com/about", "url_matching": "exact"},
	}})
	withAction := func(id int64) string {
		return fmt.Sprintf(`[{ event = "step one" }, { action_id = %d }]`, id)
	}
	config := env.ProviderConfig() +
		funnelStepsBlock("interested_2", withAction(interested), 2, "") +
		funnelStepsBlock("interested_dropped_2", withAction(interested), -2, "") +
		funnelStepsBlock("event_2", `[{ event = "step one" }, { event = "step two" }]`, 2, "") +
		funnelStepsBlock("about_2", withAction(about), 2, "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("interested_2", 16),
				countOutput("interested_dropped_2", 19),
				countOutput("event_2", 15),
				idsOutput("about_2", "user_16"),
			},
		}, {
			Config:      env.ProviderConfig() + funnelStepsBlock("missing", withAction(999), 1, ""),
			ExpectError: regexpSpaced(`Action ID 999 does not exist!`),
		}, {
			Config:      env.ProviderConfig() + funnelStepsBlock("legacy", withAction(about), 1, `api = "legacy"`),
			ExpectError: regexpSpaced(`actions as steps or series need the Query API`),
		}},
	})
}

// S1 plus p5, who does $screen (not $pageview) on January 13th and 14th at
// 12:00, and is created by the first. With the action "Active" ($pageview OR
// $screen) as the series, p5 is new on the 13th and returning on the 14th;
// with the event $pageview, p5 is in no bucket, and S1 has nobody new on the
// 13th.
func TestAccLifecyclePersonsDataSource_actions(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS1(env)
	for _, day := range []int{13, 14} {
		env.Emulator.Ingest(emulator.Event{Event: "$screen", DistinctID: "p5", Timestamp: time.Date(2020, 1, day, 12, 0, 0, 0, time.UTC)})
	}
	active := env.CreateAction(t, acctest.APIKey, map[string]any{"name": "Active", "steps": []any{
		map[string]any{"event": "$pageview"}, map[string]any{"event": "$screen"},
	}})
	block := func(name, events, day, status string) string {
		return fmt.Sprintf(`
data "posthog_lifecycle_persons" %[1]q {
  events    = %[2]s
  date_from = "2020-01-12T00:00:00Z"
  date_to   = "2020-01-19T00:00:00Z"
  day       = %[3]q
  status    = %[4]q
}

output %[1]q {
  value = sort([for p in data.posthog_lifecycle_persons.%[1]s.persons : p.distinct_ids[0]])
}
`, name, events, day, status)
	}
	action := fmt.Sprintf(`[{ action_id = %d }]`, active)
	pageview := `[{ event = "$pageview" }]`
	config := env.ProviderConfig() +
		block("action_new_13", action, "2020-01-13", "new") +
		block("action_returning_14", action, "2020-01-14", "returning") +
		block("event_new_13", pageview, "2020-01-13", "new") +
		block("event_returning_14", pageview, "2020-01-14", "returning")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("action_new_13", "p5"),
				idsOutput("action_returning_14", "p5"),
				idsOutput("event_new_13"),
				idsOutput("event_returning_14"),
			},
		}},
	})
}

func TestAccFunnelPersonsDataSource_invalidActionSteps(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_funnel_persons", [][2]string{
			{`steps = [{ event = "a", action_id = 3 }, { event = "b" }]` + "\nstep = 1", `Both event and action_id`},
			{`steps = [{ properties = [] }, { event = "b" }]` + "\nstep = 1", `Missing event or action_id`},
		}),
	})
	expectNoActorCalls(t, env)
}

// regexpSpaced matches text in an error Terraform may have wrapped: any
// space may be a line break.
func regexpSpaced(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`))
}
