package provider_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

const deletionAddr = "posthog_person_deletion.test"

func TestAccPersonDeletion_distinctIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice", "alice-anon")
	bob := env.Person(t, "bob")
	carol := env.Person(t, "carol")

	config := env.ProviderConfig() + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice", "alice-anon", "bob", "nobody"]
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(2)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("nobody")})),
					plancheck.ExpectUnknownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("nobody")})),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("not_requested")),
				},
				Check: func(*terraform.State) error {
					for _, id := range []string{"alice", "alice-anon", "bob"} {
						if env.Exists(id) {
							return fmt.Errorf("person of %q still exists", id)
						}
					}
					if !env.Exists("carol") {
						return fmt.Errorf("carol (%s) was not requested but is gone", carol.UUID)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// sortedUUIDChecks expects the uuids in the sorted order the resource keeps.
func sortedUUIDChecks(uuids ...string) []knownvalue.Check {
	sorted := slices.Sorted(slices.Values(uuids))
	checks := make([]knownvalue.Check, len(sorted))
	for i, id := range sorted {
		checks[i] = knownvalue.StringExact(id)
	}
	return checks
}
