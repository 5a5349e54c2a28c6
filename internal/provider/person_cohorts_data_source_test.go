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

// cohortWriter is the key that seeds cohorts; the provider reads with acctest.APIKey.
const cohortWriter = "phx_cohort_writer"

func TestAccPersonCohortsDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: acctest.APIKey, Scopes: []string{"person:read", "cohort:read"}},
		{Key: "phx_no_cohorts", Scopes: []string{"person:read"}},
		{Key: cohortWriter, Scopes: []string{"cohort:write"}},
	}})
	jane := env.Person(t, "jane")
	john := env.Person(t, "john")
	// Cohorts are seeded through PostHog's cohorts API, as a user would.
	static := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Beta testers", "is_static": true, "_create_static_person_ids": []string{jane.UUID, john.UUID},
	})
	dynamic := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Example.com users",
		"filters": map[string]any{"properties": map[string]any{"type": "AND", "values": []any{
			map[string]any{"type": "person", "key": "email", "operator": "icontains", "value": "JANE@"},
		}}},
	})
	deleted := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Old campaign", "is_static": true, "_create_static_person_ids": []string{jane.UUID},
	})
	env.UpdateCohort(t, cohortWriter, deleted, map[string]any{"deleted": true})

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
							"id": knownvalue.Int64Exact(static), "name": knownvalue.StringExact("Beta testers"),
							"count": knownvalue.Int64Exact(2),
						}),
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id": knownvalue.Int64Exact(dynamic), "name": knownvalue.StringExact("Example.com users"),
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
