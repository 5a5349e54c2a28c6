package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

func cohortFilter(id int64, operator string) string {
	return fmt.Sprintf(`properties = [{ type = "cohort", key = "id", value = "%d" %s }]`, id, operator)
}

// S4 with the static cohort "Beta" = user_0 (all three steps), user_5 (steps
// one and two) and user_15 (step one), and the dynamic cohort "Corp" =
// persons whose email contains @corp.com: user_1 (all steps) and user_6
// (steps one and two), who get their email on April 1st, outside the funnel.
// A cohort filter keeps or drops all of a person's events, so in the cohort,
// step 1 is its members and step 2 those of them who did step two; not in
// "Beta", step 3 is user_1..4.
func TestAccFunnelPersonsDataSource_cohortFilters(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: acctest.APIKey, Scopes: []string{"*"}},
		{Key: cohortWriter, Scopes: []string{"cohort:write"}},
	}})
	ingestS4(env, false)
	setEmails(env, time.Date(2021, 4, 1, 12, 0, 0, 0, time.UTC), map[string]string{"user_1": "a@corp.com", "user_6": "b@corp.com", "user_7": "c@example.com"})
	ids := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			p, ok := env.Emulator.PersonByDistinctID(n)
			if !ok {
				t.Fatalf("no person %s", n)
			}
			out[i] = p.UUID
		}
		return out
	}
	beta := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Beta", "is_static": true, "_create_static_person_ids": ids("user_0", "user_5", "user_15"),
	})
	corp := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Corp",
		"filters": map[string]any{"properties": map[string]any{"type": "AND", "values": []any{
			map[string]any{"type": "person", "key": "email", "operator": "icontains", "value": "@corp.com"},
		}}},
	})
	config := env.ProviderConfig() +
		funnelBlock("beta_1", 1, cohortFilter(beta, "")) +
		funnelBlock("beta_2", 2, cohortFilter(beta, `, operator = "in"`)) +
		funnelBlock("not_beta_3", 3, cohortFilter(beta, `, operator = "not_in"`)) +
		funnelBlock("corp_2", 2, cohortFilter(corp, ""))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("beta_1", users(0, 5, 15)...),
				idsOutput("beta_2", users(0, 5)...),
				idsOutput("not_beta_3", users(1, 2, 3, 4)...),
				idsOutput("corp_2", users(1, 6)...),
			},
		}, {
			Config:      env.ProviderConfig() + funnelBlock("legacy", 1, cohortFilter(beta, "")+"\napi = \"legacy\""),
			ExpectError: regexpSpaced(`cohort property filters need the Query API`),
		}},
	})
}

// S1 with the static cohort {p1, p2}: on the 12th p2 is resurrecting and
// in the cohort; on the 13th p2 and p3 go dormant, and only p2 is in it.
func TestAccLifecyclePersonsDataSource_cohortFilters(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: acctest.APIKey, Scopes: []string{"*"}},
		{Key: cohortWriter, Scopes: []string{"cohort:write"}},
	}})
	ingestS1(env)
	var members []string
	for _, id := range []string{"p1", "p2"} {
		p, _ := env.Emulator.PersonByDistinctID(id)
		members = append(members, p.UUID)
	}
	cohort := env.CreateCohort(t, cohortWriter, map[string]any{"name": "Early", "is_static": true, "_create_static_person_ids": members})
	filter := fmt.Sprintf(`properties = [{ type = "cohort", key = "id", value_json = jsonencode(%d) }]`, cohort)
	config := env.ProviderConfig() +
		lifecycleBlock("resurrecting_12", "2020-01-12", "resurrecting", filter) +
		lifecycleBlock("dormant_13", "2020-01-13", "dormant", filter)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("resurrecting_12", "p2"),
				idsOutput("dormant_13", "p2"),
			},
		}},
	})
}

func TestAccFunnelPersonsDataSource_invalidCohortFilters(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_funnel_persons", [][2]string{
			{threeSteps + "\nstep = 1\n" + `properties = [{ type = "cohort", key = "email", value = "3" }]`, `A cohort filter's key is "id"`},
			{threeSteps + "\nstep = 1\n" + `properties = [{ type = "cohort", key = "id", value = "3", operator = "exact" }]`, `takes the operator in or not_in, not exact`},
			{threeSteps + "\nstep = 1\n" + `properties = [{ type = "cohort", key = "id", value = "beta" }]`, `a positive whole number, not beta`},
			{threeSteps + "\nstep = 1\n" + `properties = [{ key = "plan", value = "pro", operator = "in" }]`, `The in operator is for cohort filters`},
		}),
	})
	expectNoActorCalls(t, env)
}
