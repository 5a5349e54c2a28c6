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

func TestAccPersonDeletion_AsyncMode(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{BulkDeleteMode: "async", AsyncDeleteDelay: 100 * time.Millisecond})
	alice := env.Person(t, "alice", "alice-anon")
	bob := env.Person(t, "bob")
	env.Person(t, "carol")

	config := deletionConfig(env, `distinct_ids = ["alice", "bob"]`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_at"), knownvalue.NotNull()),
				},
				// The apply returns only once the queued deletions happened.
				Check: func(*terraform.State) error {
					for _, id := range []string{"alice", "alice-anon", "bob"} {
						if env.Exists(id) {
							return fmt.Errorf("person of %q still exists after apply", id)
						}
					}
					if !env.Exists("carol") {
						return fmt.Errorf("carol was not requested but is gone")
					}
					if n := bulkDeleteCalls(env); n != 1 {
						return fmt.Errorf("bulk_delete called %d times, want 1", n)
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccPersonDeletion_SyncModeByUUID(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{BulkDeleteMode: "sync"})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")
	missing := "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"

	config := deletionConfig(env, fmt.Sprintf(`uuids = [%q, %q]`, alice.UUID, missing))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(1)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"), knownvalue.ListExact(stringChecks(missing))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks(missing))),
				},
				Check: func(*terraform.State) error {
					if env.Exists("alice") || !env.Exists("bob") {
						return fmt.Errorf("alice should be gone and bob (%s) intact", bob.UUID)
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// 1001 distinct ids: lookups go in batches of 200 (6 calls per pass) and
// deletion in chunks of at most 1000 (2 bulk_delete calls).
func TestAccPersonDeletion_BatchBoundaries1001(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestPersons(env, numberedIDs("user-", 1001)...)
	ingestPersons(env, "bystander")

	var planLookups int
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: env.Emulator.ResetStats,
				Config:    deletionConfig(env, `distinct_ids = [for i in range(1001) : "user-${i}"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// All 1001 found: nothing past the first 200 of a call was dropped.
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(1001)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"), knownvalue.ListSizeExact(0)),
					funcCheck(func() error {
						stats := env.Emulator.Stats()
						planLookups = stats.Count("POST", batchDistinctRoute)
						if planLookups != 6 {
							return fmt.Errorf("plan made %d batch_by_distinct_ids calls, want ceil(1001/200) = 6", planLookups)
						}
						if n := stats.Count("POST", bulkDeleteRoute); n != 0 {
							return fmt.Errorf("plan called bulk_delete %d times", n)
						}
						env.Emulator.ResetStats()
						return nil
					}),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(1001)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListSizeExact(1001)),
				},
				Check: func(*terraform.State) error {
					stats := env.Emulator.Stats()
					if n := stats.Count("POST", bulkDeleteRoute); n != 2 {
						return fmt.Errorf("apply made %d bulk_delete calls, want 2 (1000 + 1)", n)
					}
					if n := stats.Routes["POST "+bulkDeleteRoute]["202"]; n != 2 {
						return fmt.Errorf("bulk_delete answers: %v, want two 202s", stats.Routes["POST "+bulkDeleteRoute])
					}
					// Lookup passes: the apply-time plan, the resolve before deleting
					// and the check that nothing reappeared; each is 6 calls.
					if n := stats.Count("POST", batchDistinctRoute); n == 0 || n%6 != 0 {
						return fmt.Errorf("apply made %d batch_by_distinct_ids calls, want a multiple of 6", n)
					}
					// Verifying the deletion: 1000 uuids (5 calls) and 1 uuid (1 call).
					if n := stats.Count("POST", batchUUIDsRoute); n != 6 {
						return fmt.Errorf("apply made %d batch_by_uuids calls, want 6", n)
					}
					for _, id := range []string{"user-0", "user-199", "user-200", "user-999", "user-1000"} {
						if env.Exists(id) {
							return fmt.Errorf("%s still exists", id)
						}
					}
					if !env.Exists("bystander") {
						return fmt.Errorf("bystander was deleted")
					}
					return nil
				},
			},
		},
	})
}

// 200 ids fit in one lookup call, 201 need two.
func TestAccPersonDeletion_LookupBoundary200(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestPersons(env, numberedIDs("u-", 201)...)

	lookupsPerPlan := func(want int) plancheck.PlanCheck {
		return funcCheck(func() error {
			if n := env.Emulator.Stats().Count("POST", batchDistinctRoute); n != want {
				return fmt.Errorf("plan made %d batch_by_distinct_ids calls, want %d", n, want)
			}
			return nil
		})
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: env.Emulator.ResetStats,
				Config:    deletionConfig(env, `distinct_ids = [for i in range(200) : "u-${i}"]`),
				PlanOnly:  true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(200)),
					lookupsPerPlan(1),
				}},
			},
			{
				PreConfig: env.Emulator.ResetStats,
				Config:    deletionConfig(env, `distinct_ids = [for i in range(201) : "u-${i}"]`),
				PlanOnly:  true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(201)),
					lookupsPerPlan(2),
				}},
			},
		},
	})
	expectNoBulkDelete(t, env)
}

func TestAccPersonDeletion_UnknownIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "someone")

	config := deletionConfig(env, `
  distinct_ids  = ["ghost-1", "ghost-2"]
  delete_events = true`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(0)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListSizeExact(0)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"),
						knownvalue.ListExact(stringChecks("ghost-1", "ghost-2"))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"),
						knownvalue.ListExact(stringChecks("ghost-1", "ghost-2"))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("none")),
				},
				Check: func(*terraform.State) error {
					if n := bulkDeleteCalls(env); n != 0 {
						return fmt.Errorf("bulk_delete called %d times for ids that match nobody", n)
					}
					if !env.Exists("someone") {
						return fmt.Errorf("an unrequested person was deleted")
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	expectNoBulkDelete(t, env)
}

func TestAccPersonDeletion_PersonWithSeveralDistinctIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice", "alice-anon", "alice-phone")
	bob := env.Person(t, "bob", "bob-anon")
	aliceEvents := env.Emulator.EventCount(alice.UUID)
	if aliceEvents == 0 {
		t.Fatal("alice has no events to begin with")
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: deletionConfig(env, `distinct_ids = ["alice-phone"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("not_requested")),
				},
				Check: func(*terraform.State) error {
					for _, id := range []string{"alice", "alice-anon", "alice-phone"} {
						if env.Exists(id) {
							return fmt.Errorf("%s still resolves to a person", id)
						}
					}
					for _, id := range []string{"bob", "bob-anon"} {
						if p, ok := env.Emulator.PersonByDistinctID(id); !ok || p.UUID != bob.UUID {
							return fmt.Errorf("bob's id %s was affected", id)
						}
					}
					if n := env.Emulator.EventCount(alice.UUID); n != aliceEvents {
						return fmt.Errorf("alice's events: %d, want %d kept (delete_events is false)", n, aliceEvents)
					}
					// Even after PostHog's deletion job: nothing was queued.
					env.Emulator.RunDeletionJob()
					if n := env.Emulator.EventCount(alice.UUID); n != aliceEvents {
						return fmt.Errorf("alice's events after the deletion job: %d, want %d", n, aliceEvents)
					}
					return nil
				},
			},
		},
	})
}

func TestAccPersonDeletion_KeepPersonDeleteEvents(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice", "alice-anon")
	bob := env.Person(t, "bob")
	if env.Emulator.EventCount(alice.UUID) == 0 {
		t.Fatal("alice has no events")
	}
	config := deletionConfig(env, `
  distinct_ids  = ["alice"]
  keep_person   = true
  delete_events = true`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("pending")),
				},
				Check: func(*terraform.State) error {
					p, ok := env.Emulator.PersonByDistinctID("alice-anon")
					if !ok || p.UUID != alice.UUID {
						return fmt.Errorf("alice was not kept")
					}
					if n := bulkDeleteCalls(env); n != 1 {
						return fmt.Errorf("bulk_delete called %d times, want 1", n)
					}
					env.Emulator.RunDeletionJob()
					if n := env.Emulator.EventCount(alice.UUID); n != 0 {
						return fmt.Errorf("alice still has %d events after the deletion job", n)
					}
					if env.Emulator.EventCount(bob.UUID) == 0 {
						return fmt.Errorf("bob's events were deleted")
					}
					return nil
				},
			},
			{
				// The kept person is not a "returning" user: nothing to redo.
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("completed")),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_verified_at"), knownvalue.NotNull()),
				},
				Check: func(*terraform.State) error {
					if n := bulkDeleteCalls(env); n != 1 {
						return fmt.Errorf("bulk_delete called %d times in total, want still 1", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccPersonDeletion_WaitForEventsDeletion(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{DeletionJobEvery: 200 * time.Millisecond})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: deletionConfig(env, `
  distinct_ids             = ["alice"]
  delete_events            = true
  wait_for_events_deletion = true`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("completed")),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_verified_at"), knownvalue.StringRegexp(rfc3339)),
				},
				Check: func(*terraform.State) error {
					if n := env.Emulator.EventCount(alice.UUID); n != 0 {
						return fmt.Errorf("alice still has %d events", n)
					}
					if env.Emulator.EventCount(bob.UUID) == 0 {
						return fmt.Errorf("bob's events were deleted")
					}
					return nil
				},
			},
		},
	})
}

func TestAccPersonDeletion_EventsDeletionWithoutWaiting(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	config := deletionConfig(env, `
  distinct_ids  = ["alice"]
  delete_events = true`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("pending")),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_verified_at"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if env.Emulator.EventCount(alice.UUID) == 0 {
						return fmt.Errorf("events are gone before PostHog's deletion job ran")
					}
					return nil
				},
			},
			{
				PreConfig:        func() { env.Emulator.RunDeletionJob() },
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("completed")),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_verified_at"), knownvalue.StringRegexp(rfc3339)),
				},
				Check: func(*terraform.State) error {
					if n := env.Emulator.EventCount(alice.UUID); n != 0 {
						return fmt.Errorf("alice still has %d events", n)
					}
					if n := bulkDeleteCalls(env); n != 1 {
						return fmt.Errorf("bulk_delete called %d times, want 1", n)
					}
					return nil
				},
			},
		},
	})
}
