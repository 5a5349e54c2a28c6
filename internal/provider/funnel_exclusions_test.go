package provider_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

func exclusion(event string, from, to int, extra string) string {
	return fmt.Sprintf("exclusions = [{ event = %q, funnel_from_step = %d, funnel_to_step = %d %s }]", event, from, to, extra)
}

// S4 (steps on May 1, 3 and 5 at 12:00; 7-day window; May 1-7) plus
// "cancel" events at 12:00: user_0 on May 2 (between steps 1 and 2), user_1
// on May 4 (between 2 and 3), user_5 (reached step 2 only) on May 4,
// user_15 (step 1 only) on May 2, user_2 on May 6 (after completing the
// funnel), user_16 on May 9 (after date_to). A person who cancels while an
// attempt is between the excluded steps leaves the funnel at every step.
func TestAccFunnelPersonsDataSource_exclusions(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	for id, day := range map[string]int{"user_0": 2, "user_1": 4, "user_5": 4, "user_15": 2, "user_2": 6, "user_16": 9} {
		env.Emulator.Ingest(emulator.Event{Event: "cancel", DistinctID: id, Timestamp: may2021(day)})
	}
	config := env.ProviderConfig() +
		funnelBlock("first_1", 1, exclusion("cancel", 0, 1, "")) +
		funnelBlock("first_3", 3, exclusion("cancel", 0, 1, "")) +
		funnelBlock("second_3", 3, exclusion("cancel", 1, 2, "")) +
		funnelBlock("second_dropped_3", -3, exclusion("cancel", 1, 2, "")) +
		funnelBlock("whole_1", 1, exclusion("cancel", 0, 2, "")) +
		funnelBlock("whole_3", 3, exclusion("cancel", 0, 2, "")) +
		// user_1's cancel has no reason = "mistake": only user_0's and user_15's count.
		funnelBlock("filtered_1", 1, exclusion("cancel", 0, 2, `, properties = [{ key = "reason", value = "mistake" }]`))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("first_1", 33),
				idsOutput("first_3", users(1, 2, 3, 4)...),
				idsOutput("second_3", users(0, 2, 3, 4)...),
				idsOutput("second_dropped_3", users(6, 7, 8, 9, 10, 11, 12, 13, 14)...),
				countOutput("whole_1", 31),
				idsOutput("whole_3", users(2, 3, 4)...),
				countOutput("filtered_1", 35),
			},
		}, {
			Config:      env.ProviderConfig() + funnelBlock("legacy", 1, exclusion("cancel", 0, 1, "")+"\napi = \"legacy\""),
			ExpectError: regexp.MustCompile(`funnel\s+exclusions\s+need\s+the\s+Query\s+API`),
		}},
	})
}

// S6 (signed up Jan 2, paid Jan 4) with user_0 and user_1, both converted,
// doing "refund" on Jan 3: they leave the funnel, so its correlation persons.
func TestAccFunnelCorrelationPersonsDataSource_exclusions(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS6(env)
	for _, id := range []string{"user_0", "user_1"} {
		env.Emulator.Ingest(emulator.Event{Event: "refund", DistinctID: id, Timestamp: time.Date(2020, 1, 3, 15, 0, 0, 0, time.UTC)})
	}
	config := env.ProviderConfig() +
		correlationBlock("pos_true", eventCorrelation("positively_related", "true")+"\n"+exclusion("refund", 0, 1, ""))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{idsOutput("pos_true", users(2, 4, 6, 8)...)},
		}},
	})
}

func TestAccFunnelPersonsDataSource_invalidExclusions(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_funnel_persons", [][2]string{
			{threeSteps + "\nstep = 1\n" + exclusion("cancel", 1, 1, ""), `(?s)Invalid funnel exclusion.*funnel_to_step \(1\) must be greater than funnel_from_step \(1\)`},
			{threeSteps + "\nstep = 1\n" + exclusion("cancel", 0, 3, ""), `(?s)Invalid funnel exclusion.*funnel_to_step is 3, but the funnel's steps are numbered 0 to 2`},
			{threeSteps + "\nstep = 1\n" + exclusion("step two", 0, 1, ""), `(?s)Invalid funnel exclusion.*"step two" is step 1 of the funnel`},
			{threeSteps + "\nstep = 1\n" + exclusion("cancel", -1, 1, ""), `(?s)funnel_from_step.*at least 0`},
		}),
	})
	expectNoActorCalls(t, env)
}
