package provider_test

import (
	"fmt"
	"regexp"
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

// A deleted user sends another event: PostHog creates a new person, the next
// plan shows an in-place update that deletes it again.
func TestAccPersonDeletion_ResurrectedPerson(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	config := deletionConfig(env, `distinct_ids = ["alice"]`)
	var reborn emulator.PersonInfo

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
				},
			},
			{
				PreConfig: func() {
					env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: "alice"})
					var ok bool
					// PostHog derives a person's UUID from the distinct id that
					// created it, so the new person has the deleted one's UUID
					// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
					if reborn, ok = env.Emulator.PersonByDistinctID("alice"); !ok || reborn.UUID != alice.UUID || reborn.ID == alice.ID {
						t.Fatalf("ingestion did not create a new person for alice with her UUID: %+v", reborn)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringFunc(func(v string) error {
							if v != reborn.UUID {
								return fmt.Errorf("preview shows %s, want the new person %s", v, reborn.UUID)
							}
							return nil
						})})),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(1)),
					// Nobody is unmatched: alice matched in the first apply.
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"), knownvalue.ListSizeExact(0)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The same UUID deleted twice is one person in the record; the
					// evidence keeps one entry per apply.
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(s *terraform.State) error {
					if env.Exists("alice") {
						return fmt.Errorf("the new alice person still exists")
					}
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					if len(doc.Applies) != 2 || doc.Applies[1].PersonsDeleted != 1 || !slices.Equal(doc.Applies[1].DeletedPersonUUIDs, []string{reborn.UUID}) {
						return fmt.Errorf("the evidence does not record the second deletion of %s: %+v", reborn.UUID, doc.Applies)
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

// Adding ids deletes the new persons in place; removing ids is an update that
// makes no deletion call.
func TestAccPersonDeletion_AddAndRemoveIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")
	carol := env.Person(t, "carol")
	var firstID string
	var deletesBefore int

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: deletionConfig(env, `distinct_ids = ["alice"]`),
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[deletionAddr].Primary.ID
					return nil
				},
			},
			{
				Config: deletionConfig(env, `distinct_ids = ["alice", "bob", "newcomer"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListExact(stringChecks(bob.UUID))),
					// alice matched before, so only the new unknown id is unmatched.
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"), knownvalue.ListExact(stringChecks("newcomer"))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks("newcomer"))),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[deletionAddr].Primary.ID; id != firstID {
						return fmt.Errorf("id changed from %s to %s: the resource was replaced", firstID, id)
					}
					if env.Exists("bob") || !env.Exists("carol") {
						return fmt.Errorf("bob should be deleted and carol (%s) intact", carol.UUID)
					}
					deletesBefore = bulkDeleteCalls(env)
					if deletesBefore != 2 {
						return fmt.Errorf("bulk_delete called %d times, want 2 (one per apply)", deletesBefore)
					}
					return nil
				},
			},
			{
				Config: deletionConfig(env, `distinct_ids = ["alice"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The record of what was deleted stays.
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(*terraform.State) error {
					if n := bulkDeleteCalls(env); n != deletesBefore {
						return fmt.Errorf("removing ids made %d bulk_delete calls", n-deletesBefore)
					}
					if !env.Exists("carol") {
						return fmt.Errorf("carol was deleted")
					}
					return nil
				},
			},
		},
	})
}

// Changing a deletion flag forces a new resource.
func TestAccPersonDeletion_FlagChangeReplaces(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: deletionConfig(env, `distinct_ids = ["alice"]`)},
			{
				Config: deletionConfig(env, `
  distinct_ids  = ["alice"]
  delete_events = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}

// Destroying makes no API call and restores nobody.
func TestAccPersonDeletion_Destroy(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	env.Person(t, "bob")
	config := deletionConfig(env, `distinct_ids = ["alice"]`)
	var deletes int
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					deletes = bulkDeleteCalls(env)
					if deletes != 1 {
						return fmt.Errorf("bulk_delete called %d times, want 1", deletes)
					}
					return nil
				},
			},
			{
				Config:  config,
				Destroy: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionDestroy),
				}},
			},
		},
		CheckDestroy: func(s *terraform.State) error {
			if _, ok := s.RootModule().Resources[deletionAddr]; ok {
				return fmt.Errorf("%s still in state", deletionAddr)
			}
			stats := env.Emulator.Stats()
			if n := stats.Count("POST", bulkDeleteRoute); n != deletes {
				return fmt.Errorf("destroy made %d bulk_delete calls", n-deletes)
			}
			if n := stats.Count("DELETE", "/api/projects/{project_id}/persons/{id}/"); n != 0 {
				return fmt.Errorf("destroy made %d DELETE calls", n)
			}
			if env.Exists("alice") || !env.Exists("bob") {
				return fmt.Errorf("after destroy alice must stay deleted and bob intact")
			}
			return nil
		},
	})
}

// Import by distinct ids: state shows who still exists; the first apply
// adopts the configured flags in place and deletes them.
func TestAccPersonDeletion_ImportDistinctIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")
	config := deletionConfig(env, `
  distinct_ids  = ["alice", "bob", "gone"]
  delete_events = true`)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       deletionAddr,
				ImportState:        true,
				ImportStateId:      "1:distinct_ids:alice,bob,gone",
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances", len(states))
					}
					a := states[0].Attributes
					want := map[string]string{
						"project_id":               "1",
						"distinct_ids.#":           "3",
						"distinct_ids.0":           "alice",
						"remaining_person_uuids.#": "2",
						"deleted_person_count":     "0",
						"events_deletion_status":   "not_requested",
					}
					for k, v := range want {
						if a[k] != v {
							return fmt.Errorf("after import %s = %q, want %q (attributes: %v)", k, a[k], v, a)
						}
					}
					got := map[string]bool{a["remaining_person_uuids.0"]: true, a["remaining_person_uuids.1"]: true}
					if !got[alice.UUID] || !got[bob.UUID] {
						return fmt.Errorf("remaining_person_uuids = %v, want alice and bob", got)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("delete_events"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"),
						knownvalue.ListExact(sortedUUIDChecks(alice.UUID, bob.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("pending")),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(*terraform.State) error {
					if env.Exists("alice") || env.Exists("bob") {
						return fmt.Errorf("imported persons were not deleted by the first apply")
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

// Import by uuids: requested persons that no longer exist are recorded as
// deleted; with flags matching the defaults the first plan is still an
// in-place update (the flags are adopted), not a replacement.
func TestAccPersonDeletion_ImportUUIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	bob := env.Person(t, "bob")
	gone := "0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B" // upper case on purpose
	config := deletionConfig(env, fmt.Sprintf(`uuids = [%q, %q]`, gone, bob.UUID))

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       deletionAddr,
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("uuids:%s,%s", gone, bob.UUID),
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					a := states[0].Attributes
					if a["project_id"] != "1" {
						return fmt.Errorf("project_id = %q, want the provider's 1", a["project_id"])
					}
					if a["deleted_person_uuids.#"] != "1" || a["deleted_person_uuids.0"] != "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b" {
						return fmt.Errorf("deleted_person_uuids: %v", a)
					}
					if a["remaining_person_uuids.#"] != "1" || a["remaining_person_uuids.0"] != bob.UUID {
						return fmt.Errorf("remaining_person_uuids: %v", a)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(*terraform.State) error {
					if env.Exists("bob") {
						return fmt.Errorf("bob still exists")
					}
					return nil
				},
			},
		},
	})
}

func TestAccPersonDeletion_ImportInvalidID(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	config := deletionConfig(env, `distinct_ids = ["alice"]`)
	for _, tc := range []struct{ id, want string }{
		{"alice,bob", `must look like`},
		{"1:emails:alice", `must look like`},
		{"x:distinct_ids:alice", `project_id must be the positive numeric id`},
		{"distinct_ids:alice,,bob", `has an empty id`},
		{"uuids:not-a-uuid", `is not a person UUID`},
	} {
		t.Run(tc.id, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:        config,
					ResourceName:  deletionAddr,
					ImportState:   true,
					ImportStateId: tc.id,
					ExpectError:   regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	expectNoBulkDelete(t, env)
}
