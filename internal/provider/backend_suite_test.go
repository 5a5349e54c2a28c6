package provider_test

// The backend suite: Terraform-driven tests of the core deletion path that
// use nothing but PostHog's public API through acctest.Backend, so that they
// run unchanged against the in-process emulator (make test) and against a
// real PostHog named by POSTHOG_HOST, POSTHOG_API_KEY, POSTHOG_PROJECT_ID and
// POSTHOG_PROJECT_TOKEN (make test-real-emulator proves that path against an
// emulator in another process). Every distinct id carries the backend's random
// run prefix, so the tests only ever touch persons they created.

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
)

// backendDeletionConfig is the backend's provider block plus one
// posthog_person_deletion named "test" with body as its arguments.
func backendDeletionConfig(b *acctest.Backend, body string) string {
	return b.ProviderConfig() + fmt.Sprintf(`
resource "posthog_person_deletion" "test" {
%s
}
`, body)
}

// hclList renders ids as an HCL list of strings.
func hclList(ids ...string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// randomPersonUUID is a UUID no person has: on a real instance a fixed one
// could, in principle, belong to someone.
func randomPersonUUID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// The core path: the plan previews who a request matches and which ids match
// nobody; the apply deletes exactly the requested person (all of its distinct
// ids) and not a bystander; the next plan is empty; a returning user shows up
// on refresh as remaining_person_uuids and the re-apply deletes them again.
func TestAccBackend_DeletionLifecycle(t *testing.T) {
	t.Parallel() // each test seeds and deletes only ids with its own prefix (Backend.ID)
	b := acctest.NewBackend(t)
	aliceID, aliceAnon, bobID, nobody := b.ID("alice"), b.ID("alice-anon"), b.ID("bob"), b.ID("nobody")
	alice := b.SeedPerson(t, aliceID, aliceAnon)
	bob := b.SeedPerson(t, bobID)
	config := backendDeletionConfig(b, "  distinct_ids = "+hclList(aliceID, nobody))
	var reborn acctest.Person

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(1)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_ids"), knownvalue.ListExact(stringChecks(nobody))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_id_count"), knownvalue.Int64Exact(1)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(stringChecks(alice.UUID))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks(nobody))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(*terraform.State) error {
					for _, id := range []string{aliceID, aliceAnon} {
						if b.PersonExists(t, id) {
							return fmt.Errorf("the persons API still shows a person for %s after the apply", id)
						}
					}
					if got := b.Person(t, bobID); got.UUID != bob.UUID {
						return fmt.Errorf("bystander %s is now person %s, want the untouched %s", bobID, got.UUID, bob.UUID)
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() { reborn = b.SeedReturningPerson(t, alice) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// The refresh found the new person behind the deleted id.
					priorStateValue{deletionAddr, "remaining_person_uuids", func(v any) error {
						got, err := stringsAttr(v)
						if err == nil && !slices.Equal(got, []string{reborn.UUID}) {
							err = fmt.Errorf("remaining_person_uuids after refresh = %v, want the returning person %s", got, reborn.UUID)
						}
						return err
					}},
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringFunc(func(v string) error {
							if v != reborn.UUID {
								return fmt.Errorf("preview shows %s, want the returning person %s", v, reborn.UUID)
							}
							return nil
						})})),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// PostHog gives the returning person alice's UUID again: the
					// record lists that UUID once.
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources[deletionAddr].Primary.Attributes
					got := []string{attrs["deleted_person_uuids.0"]}
					if attrs["deleted_person_uuids.#"] != "1" || reborn.UUID != alice.UUID || got[0] != alice.UUID {
						return fmt.Errorf("deleted_person_uuids = %v (%s entries), want alice's UUID %s once (returning person %s)",
							got, attrs["deleted_person_uuids.#"], alice.UUID, reborn.UUID)
					}
					if b.PersonExists(t, aliceID) {
						return fmt.Errorf("the returning person for %s still exists after the re-apply", aliceID)
					}
					if got := b.Person(t, bobID); got.UUID != bob.UUID {
						return fmt.Errorf("bystander %s is now person %s, want the untouched %s", bobID, got.UUID, bob.UUID)
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

// posthog_persons looks persons up by distinct ids (every id of a merged
// person resolves to it) and by uuids, and lists the ids that match nobody.
func TestAccBackend_PersonsLookup(t *testing.T) {
	t.Parallel() // each test seeds and deletes only ids with its own prefix (Backend.ID)
	b := acctest.NewBackend(t)
	carolID, carolAnon, daveID, nobody := b.ID("carol"), b.ID("carol-anon"), b.ID("dave"), b.ID("nobody")
	carol := b.SeedPerson(t, carolID, carolAnon)
	dave := b.SeedPerson(t, daveID)
	missing := randomPersonUUID(t)
	const byIDs, byUUIDs = "data.posthog_persons.by_distinct_ids", "data.posthog_persons.by_uuids"
	config := b.ProviderConfig() + fmt.Sprintf(`
data "posthog_persons" "by_distinct_ids" {
  distinct_ids = %s
}

data "posthog_persons" "by_uuids" {
  uuids = %s
}

output "carol_email" {
  value     = jsondecode(data.posthog_persons.by_distinct_ids.persons[data.posthog_persons.by_distinct_ids.person_uuids[%q]].properties).email
  sensitive = true
}
`, hclList(carolID, carolAnon, daveID, nobody), hclList(carol.UUID, dave.UUID, missing), carolAnon)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(byIDs, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(4)),
				// Persons, not ids: carol's two ids are one person.
				statecheck.ExpectKnownValue(byIDs, tfjsonpath.New("found_count"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(byIDs, tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks(nobody))),
				statecheck.ExpectKnownValue(byIDs, tfjsonpath.New("person_uuids"), knownvalue.MapExact(map[string]knownvalue.Check{
					carolID:   knownvalue.StringExact(carol.UUID),
					carolAnon: knownvalue.StringExact(carol.UUID),
					daveID:    knownvalue.StringExact(dave.UUID),
				})),
				// Both ids, in whichever order PostHog lists them.
				statecheck.ExpectKnownValue(byIDs, tfjsonpath.New("persons").AtMapKey(carol.UUID).AtMapKey("distinct_ids"),
					knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue(byIDs, tfjsonpath.New("persons"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownOutputValue("carol_email", knownvalue.StringExact(carolID+"@example.com")),

				statecheck.ExpectKnownValue(byUUIDs, tfjsonpath.New("found_count"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(byUUIDs, tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks(missing))),
				statecheck.ExpectKnownValue(byUUIDs, tfjsonpath.New("persons").AtMapKey(dave.UUID).AtMapKey("distinct_ids"),
					knownvalue.ListExact(stringChecks(daveID))),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckTypeSetElemAttr(byIDs, "persons."+carol.UUID+".distinct_ids.*", carolID),
				resource.TestCheckTypeSetElemAttr(byIDs, "persons."+carol.UUID+".distinct_ids.*", carolAnon),
			),
		}},
	})
}

// posthog_person_deletion_status shows one queued event deletion for each
// person a deletion with delete_events removed. Whether PostHog's deletion
// job has verified it yet depends on its schedule, so either state passes.
func TestAccBackend_DeletionStatus(t *testing.T) {
	t.Parallel() // each test seeds and deletes only ids with its own prefix (Backend.ID)
	b := acctest.NewBackend(t)
	erinID, frankID := b.ID("erin"), b.ID("frank")
	erin := b.SeedPerson(t, erinID)
	frank := b.SeedPerson(t, frankID)
	config := backendDeletionConfig(b, fmt.Sprintf(`
  distinct_ids  = %s
  delete_events = true`, hclList(erinID, frankID))) + `
data "posthog_person_deletion_status" "deleted" {
  count       = 2
  person_uuid = posthog_person_deletion.test.deleted_person_uuids[count.index]
}
`
	pendingOrCompleted := knownvalue.StringRegexp(regexp.MustCompile(`^(pending|completed)$`))
	// deleted_person_uuids is sorted, so status row i belongs to the i-th uuid.
	deleted := []acctest.Person{erin, frank}
	slices.SortFunc(deleted, func(x, y acctest.Person) int { return strings.Compare(x.UUID, y.UUID) })
	var checks []statecheck.StateCheck
	for i, person := range deleted {
		addr := fmt.Sprintf("data.posthog_person_deletion_status.deleted[%d]", i)
		checks = append(checks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("total_count"), knownvalue.Int64Exact(1)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deletions").AtSliceIndex(0).AtMapKey("person_uuid"), knownvalue.StringExact(person.UUID)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deletions").AtSliceIndex(0).AtMapKey("status"), pendingOrCompleted),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deletions").AtSliceIndex(0).AtMapKey("created_at"), knownvalue.StringRegexp(rfc3339)),
		)
	}
	checks = append(checks,
		statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.ListExact(sortedUUIDChecks(erin.UUID, frank.UUID))),
		statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), pendingOrCompleted),
	)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: checks,
			Check: func(s *terraform.State) error {
				for i, person := range deleted {
					attrs := s.RootModule().Resources[fmt.Sprintf("data.posthog_person_deletion_status.deleted.%d", i)].Primary.Attributes
					pending, completed := attrs["pending_count"], attrs["completed_count"]
					if oneRow := pending + "/" + completed; oneRow != "1/0" && oneRow != "0/1" {
						return fmt.Errorf("deletion status of %s: pending_count %s, completed_count %s; want one row in either state",
							person.UUID, pending, completed)
					}
					if b.PersonExists(t, person.DistinctIDs[0]) {
						return fmt.Errorf("%s still exists after the apply", person.DistinctIDs[0])
					}
				}
				return nil
			},
		}},
	})
}
