package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

func TestAccPersonCohortsDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: acctest.APIKey, Scopes: []string{"person:read", "cohort:read"}},
		{Key: "phx_no_cohorts", Scopes: []string{"person:read"}},
	}})
	jane := env.Person(t, "jane")
	john := env.Person(t, "john")
	static := env.Emulator.CreateCohort("Beta testers", true, []string{jane.UUID, john.UUID}, nil)
	dynamic := env.Emulator.CreateCohort("Example.com users", false, nil,
		[]emulator.CohortFilter{{Key: "email", Operator: "icontains", Value: "JANE@"}})
	deleted := env.Emulator.CreateCohort("Old campaign", true, []string{jane.UUID}, nil)
	env.Emulator.SetCohortDeleted(deleted, true)

	const addr = "data.posthog_person_cohorts.jane"
	cohortsOf := func(id string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
data "posthog_person_cohorts" "jane" {
  person_id = %q
}
`, id)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cohortsOf("not-a-person-id"),
				ExpectError: regexp.MustCompile(`neither a person UUID`),
			},
			{
				Config:      cohortsOf("0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"),
				ExpectError: regexp.MustCompile(`(?s)Person not found.*has no person with id`),
			},
			{
				Config: env.ProviderConfigWithKey("phx_no_cohorts") + fmt.Sprintf(`
data "posthog_person_cohorts" "jane" {
  person_id = %q
}
`, jane.UUID),
				ExpectError: regexp.MustCompile(`cohort:read`),
			},
			{
				Config: cohortsOf(jane.UUID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cohorts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id": knownvalue.Int64Exact(int64(static)), "name": knownvalue.StringExact("Beta testers"),
							"count": knownvalue.Int64Exact(2),
						}),
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id": knownvalue.Int64Exact(int64(dynamic)), "name": knownvalue.StringExact("Example.com users"),
							"count": knownvalue.Int64Exact(1),
						}),
					})),
				},
			},
			{
				// The numeric id works too; john is only in the static cohort.
				Config: cohortsOf(fmt.Sprint(john.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cohorts"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cohorts").AtSliceIndex(0).AtMapKey("name"),
						knownvalue.StringExact("Beta testers")),
				},
			},
		},
	})
}
