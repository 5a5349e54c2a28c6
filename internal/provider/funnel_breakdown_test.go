package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// ingestBrowsers: a two-step funnel ("step one" on May 1, "step two" on May
// 3, both at 12:00) where the event property $browser differs between steps:
//
//	person     step one   step two   plan
//	chrome_1   Chrome     Safari     pro
//	chrome_2   Chrome     (none)     free
//	safari_1   Safari     Chrome     pro
//	none_1     (none)     Chrome     (none)
//	none_2     (none)     -          free
func ingestBrowsers(env *acctest.Env) {
	type visit struct{ first, second, plan string }
	for id, v := range map[string]visit{
		"chrome_1": {"Chrome", "Safari", "pro"}, "chrome_2": {"Chrome", "", "free"}, "safari_1": {"Safari", "Chrome", "pro"},
		"none_1": {"", "Chrome", ""}, "none_2": {"", "-", "free"},
	} {
		props := map[string]any{}
		if v.plan != "" {
			props["$set"] = map[string]any{"plan": v.plan}
		}
		if v.first != "" {
			props["$browser"] = v.first
		}
		env.Emulator.Ingest(emulator.Event{Event: "step one", DistinctID: id, Properties: props, Timestamp: may2021(1)})
		if v.second == "-" {
			continue
		}
		props = map[string]any{}
		if v.second != "" {
			props["$browser"] = v.second
		}
		env.Emulator.Ingest(emulator.Event{Event: "step two", DistinctID: id, Properties: props, Timestamp: may2021(3)})
	}
}

// A person's $browser is read from its step events, a missing one as "".
// With PostHog's default first_touch attribution it is the earliest
// non-empty one: Chrome for chrome_1 and chrome_2, Safari for safari_1, and
// Chrome for none_1 (its step one has none, its step two Chrome); none_2 has
// none at all, so "", and drops off before step 2. With last_touch it is the
// latest non-empty one: Safari for chrome_1, Chrome for chrome_2 (its step
// two has none), safari_1 and none_1. A person breakdown reads the person's
// property: plan pro is chrome_1 and safari_1, "" is none_1. Without the
// breakdown, step 2 has all four who did step two.
func TestAccFunnelPersonsDataSource_breakdown(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestBrowsers(env)
	steps := `[{ event = "step one" }, { event = "step two" }]`
	bd := func(value, extra string) string {
		return fmt.Sprintf(`breakdown = { property = "$browser", value = %q %s }`, value, extra)
	}
	config := env.ProviderConfig() +
		funnelStepsBlock("chrome_2", steps, 2, bd("Chrome", "")) +
		funnelStepsBlock("safari_2", steps, 2, bd("Safari", `, type = "event", attribution = "first_touch"`)) +
		funnelStepsBlock("none_1", steps, 1, bd("", "")) +
		funnelStepsBlock("none_dropped_2", steps, -2, bd("", "")) +
		funnelStepsBlock("last_chrome_2", steps, 2, bd("Chrome", `, attribution = "last_touch"`)) +
		funnelStepsBlock("plan_pro_1", steps, 1, `breakdown = { property = "plan", type = "person", value = "pro" }`) +
		funnelStepsBlock("plan_none_1", steps, 1, `breakdown = { property = "plan", type = "person", value = "" }`) +
		funnelStepsBlock("all_2", steps, 2, "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("chrome_2", "chrome_1", "chrome_2", "none_1"),
				idsOutput("safari_2", "safari_1"),
				idsOutput("none_1", "none_2"),
				idsOutput("none_dropped_2", "none_2"),
				idsOutput("last_chrome_2", "chrome_2", "none_1", "safari_1"),
				idsOutput("plan_pro_1", "chrome_1", "safari_1"),
				idsOutput("plan_none_1", "none_1"),
				idsOutput("all_2", "chrome_1", "chrome_2", "none_1", "safari_1"),
			},
		}, {
			Config:      env.ProviderConfig() + funnelStepsBlock("legacy", steps, 1, bd("Chrome", "")+"\napi = \"legacy\""),
			ExpectError: regexpSpaced(`funnel breakdowns need the Query API`),
		}},
	})
}
