package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// A user who comes back gets the same UUID; deleting them again while the
// first event deletion is pending queues nothing new, so PostHog's job
// deletes only the events captured before the first request
// (docs/dev/posthog-behaviour.md#event-deletion). The record must say
// incomplete, not completed. A return after the job queues anew.
func TestAccPersonDeletion_ReturningUserEventsAcrossTheWeeklyJob(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	config := deletionConfig(env, `
  distinct_ids  = ["alice"]
  delete_events = true
  reason        = "GDPR-9"`)
	status := func(want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact(want))
	}
	comeBack := func() {
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: "alice"})
		if p, ok := env.Emulator.PersonByDistinctID("alice"); !ok || p.UUID != alice.UUID {
			t.Fatalf("alice did not come back with her UUID: %+v", p)
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{status("pending")}},
			{
				// Alice is back before the job ran; the re-deletion finds her
				// first request pending.
				PreConfig:         comeBack,
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{status("pending")},
				Check: func(s *terraform.State) error {
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					kept := doc.Applies[len(doc.Applies)-1].EventsNotQueued
					if len(doc.Applies) != 2 || len(kept) != 1 || kept[0].PersonUUID != alice.UUID || kept[0].KeptRequestCreatedAt == "" {
						return fmt.Errorf("the re-deletion does not record the kept request: %+v", doc.Applies)
					}
					return nil
				},
			},
			{
				// The job verifies the first request; the event alice sent on
				// her return stays, and the record says so.
				PreConfig: func() {
					env.Emulator.RunDeletionJob()
					if remaining := env.Emulator.Events(alice.UUID); len(remaining) == 0 {
						t.Fatal("the job deleted the event captured after the first request; PostHog keeps it")
					}
				},
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{status("incomplete")},
			},
			{
				// She comes back once more, after the job: this deletion
				// queues a new request, which covers her later events.
				PreConfig:         comeBack,
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{status("pending")},
				Check: func(s *terraform.State) error {
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					if kept := doc.Applies[len(doc.Applies)-1].EventsNotQueued; len(kept) != 0 {
						return fmt.Errorf("a re-deletion after the job recorded kept requests: %+v", kept)
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					env.Emulator.RunDeletionJob()
					if remaining := env.Emulator.Events(alice.UUID); len(remaining) != 0 {
						t.Fatalf("%d events of alice remain after the second job", len(remaining))
					}
				},
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{status("completed")},
			},
		},
	})
}
