package provider_test

import (
	"fmt"
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

// A requested user sends a first event between plan and apply: the apply
// deletes whatever the ids match at apply time (as documented for
// preview_person_uuids) instead of failing.
func TestAccPersonDeletion_PersonAppearsBetweenPlanAndApply(t *testing.T) {
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: deletionConfig(env, `distinct_ids = ["alice", "dave"]`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
				funcCheck(func() error { ingestPersons(env, "dave"); return nil }),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"), knownvalue.ListSizeExact(0)),
			},
			Check: func(*terraform.State) error {
				if env.Exists("dave") || env.Exists("alice") {
					return fmt.Errorf("alice and dave should be deleted")
				}
				return nil
			},
		}},
	})
}
