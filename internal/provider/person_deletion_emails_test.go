package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// A request stated in emails: the persons whose email property equals one of
// them, exactly (PostHog compares property values exactly, letter case
// included: docs/dev/posthog-behaviour.md#cohorts). The request stays
// stated in emails, so a person who appears later with one of them is found.
func TestAccPersonDeletion_ByEmail(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	person := func(distinctID, email string) {
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: distinctID, Timestamp: time.Now().Add(-time.Minute),
			Properties: map[string]any{"$set": map[string]any{"email": email}}})
	}
	person("u-1", "alice@example.com")
	person("u-2", "alice@example.com") // a second person with the same email
	person("u-3", "Bob@Example.com")   // stored with capitals
	person("u-4", "carol@example.com") // a bystander
	config := deletionConfig(env, `
  emails = ["alice@example.com", "bob@example.com", "nobody@example.com"]
  reason = "DSR-51"`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(2)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"),
						knownvalue.ListExact(stringChecks("bob@example.com", "nobody@example.com"))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"),
						knownvalue.ListExact(stringChecks("bob@example.com", "nobody@example.com"))),
				},
				Check: func(s *terraform.State) error {
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					if doc.Request.IDKind != "emails" || !env.Exists("u-3") || !env.Exists("u-4") || env.Exists("u-1") || env.Exists("u-2") {
						return fmt.Errorf("id kind %q; u-1..u-4 exist: %v %v %v %v", doc.Request.IDKind,
							env.Exists("u-1"), env.Exists("u-2"), env.Exists("u-3"), env.Exists("u-4"))
					}
					return nil
				},
			},
			{
				// Alice signs up again under a new distinct id.
				PreConfig: func() { person("u-9", "alice@example.com") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(1)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(3)),
				},
				Check: func(*terraform.State) error {
					if env.Exists("u-9") {
						return fmt.Errorf("the returning alice was not deleted")
					}
					return nil
				},
			},
		},
	})
}
