package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// PostHog deletes a bulk_delete call's persons from Postgres in one
// statement: when it fails, every person of the call is reported at step
// delete_postgres and none is deleted
// (docs/dev/posthog-behaviour.md#bulk-delete). The provider retries them
// all and records each deletion only once it is verified.
func TestAccPersonDeletion_BatchWidePostgresFailureIsRetried(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	env.Person(t, "bob")
	env.Person(t, "carol")
	env.Person(t, "dave") // a bystander
	env.Emulator.FailPostgresDeletes(1)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: deletionConfig(env, `distinct_ids = ["alice", "bob", "carol"]`),
			Check: func(s *terraform.State) error {
				doc, _, err := readEvidence(s)
				if err != nil {
					return err
				}
				a := doc.Applies[0]
				// First call: 3 found, 0 deleted, 3 errors; second: 3 deleted.
				if a.Outcome != "completed" || a.PersonsDeleted != 3 || a.PostHog.BulkDeleteCalls != 2 ||
					a.PostHog.DeletionErrors != 3 || a.PostHog.PersonsDeleted != 3 || a.PostHog.AnswersOutsideRequest != 0 {
					return fmt.Errorf("apply = %+v", a)
				}
				return nil
			},
		}},
	})
	for _, id := range []string{"alice", "bob", "carol"} {
		if env.Exists(id) {
			t.Errorf("%s still exists", id)
		}
	}
	if !env.Exists("dave") {
		t.Error("the bystander was deleted")
	}
}
