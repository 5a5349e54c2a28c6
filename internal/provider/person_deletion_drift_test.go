package provider_test

import (
	"fmt"
	"regexp"
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

// A requested user sends a first event between the reviewed plan and the
// apply. Terraform plans again during apply (in a new provider process, so no
// memory of the first plan survives); the changed preview makes it stop the
// apply before anything is deleted, and the next plan shows the new person.
func TestAccPersonDeletion_PersonAppearsBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	config := deletionConfig(env, `distinct_ids = ["alice", "dave"]`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					funcCheck(func() error { ingestPersons(env, "dave"); return nil }),
				}},
				ExpectError: regexp.MustCompile(`(?s)inconsistent final plan.*preview_person`),
			},
			{
				// Nothing was deleted by the refused apply; a new plan covers both.
				PreConfig: func() {
					if !env.Exists("alice") || !env.Exists("dave") {
						t.Fatal("the refused apply deleted a person")
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(2)),
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
			},
		},
	})
}
