package provider_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

func TestAccPersonsDataSource_moreThanOneBatch(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	// 453 ids: PostHog reads only 200 ids per batch call, so a single call
	// would silently miss 253 of them. One user id in ten is a person, so
	// that every batch holds persons and ids that match nobody; the other
	// ids stay unmatched because each found person adds two sensitive
	// values to the state, and Terraform's time to render a state grows
	// faster than linearly with their number.
	at := time.Now().Add(-time.Hour)
	var unmatched []string
	for i := range 450 {
		id := fmt.Sprintf("user-%d", i)
		if i%10 != 9 {
			unmatched = append(unmatched, id)
			continue
		}
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: id, Timestamp: at,
			Properties: map[string]any{"$set": map[string]any{"email": id + "@example.com", "plan": "pro"}}})
	}
	unmatched = append(unmatched, "nobody")
	alice := env.Person(t, "alice", "alice-anon")
	middle, _ := env.Emulator.PersonByDistinctID("user-209") // in the second batch

	config := env.ProviderConfig() + `
data "posthog_persons" "test" {
  distinct_ids = concat([for i in range(450) : "user-${i}"], ["alice", "alice-anon", "nobody"])
}

output "alice_email" {
  value     = jsondecode(data.posthog_persons.test.persons[data.posthog_persons.test.person_uuids["alice"]].properties).email
  sensitive = true
}

output "last_user_plan" {
  value     = jsondecode(data.posthog_persons.test.persons[data.posthog_persons.test.person_uuids["user-449"]].properties).plan
  sensitive = true
}

output "alice_anon_uuid" {
  value = data.posthog_persons.test.person_uuids["alice-anon"]
}
`
	const addr = "data.posthog_persons.test"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(453)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("found_count"), knownvalue.Int64Exact(46)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks(unmatched...))),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids"), knownvalue.MapSizeExact(47)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids").AtMapKey("alice"), knownvalue.StringExact(alice.UUID)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids").AtMapKey("user-209"), knownvalue.StringExact(middle.UUID)),
				statecheck.ExpectKnownOutputValue("alice_anon_uuid", knownvalue.StringExact(alice.UUID)),
				statecheck.ExpectKnownOutputValue("alice_email", knownvalue.StringExact("alice@example.com")),
				statecheck.ExpectKnownOutputValue("last_user_plan", knownvalue.StringExact("pro")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("persons").AtMapKey(alice.UUID).AtMapKey("distinct_ids"),
					knownvalue.ListSizeExact(2)),
			},
		}},
	})
}

func TestAccPersonsDataSource_uuids(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	bob := env.Person(t, "bob")
	missing := "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	const addr = "data.posthog_persons.test"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Invalid configurations first: the harness destroys with the last step's configuration.
			{
				Config: env.ProviderConfig() + `
data "posthog_persons" "test" {
  uuids = ["not-a-uuid"]
}
`,
				ExpectError: regexp.MustCompile(`is not a person UUID`),
			},
			{
				Config: env.ProviderConfig() + `
data "posthog_persons" "test" {
  distinct_ids = ["a"]
  uuids        = ["0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"]
}
`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination`),
			},
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
data "posthog_persons" "test" {
  uuids = [%q, %q]
}
`, bob.UUID, missing),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("found_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("persons").AtMapKey(bob.UUID).AtMapKey("id"),
						knownvalue.Int64Exact(bob.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unmatched_ids"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(missing)})),
				},
			},
		},
	})
}

func TestAccPersonDeletionStatusDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	first := env.Person(t, "first")
	second := env.Person(t, "second")
	const addr = "data.posthog_person_deletion_status.all"
	deletion := env.ProviderConfig() + `
resource "posthog_person_deletion" "first" {
  distinct_ids  = ["first"]
  delete_events = true
}
`
	withStatus := deletion + `
resource "posthog_person_deletion" "second" {
  distinct_ids  = ["second"]
  delete_events = true
  depends_on    = [posthog_person_deletion.first]
}

data "posthog_person_deletion_status" "all" {
  depends_on = [posthog_person_deletion.second]
}

data "posthog_person_deletion_status" "pending" {
  status     = "pending"
  depends_on = [posthog_person_deletion.second]
}

data "posthog_person_deletion_status" "second" {
  person_uuid = posthog_person_deletion.second.deleted_person_uuids[0]
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "posthog_person_deletion_status" "bad" {
  status = "done"
}
`,
				ExpectError: regexp.MustCompile(`(?s)value must be one of:.*"all".*"pending".*"completed"`),
			},
			{
				Config: deletion,
				Check: func(*terraform.State) error {
					// The first deletion's row is verified before the second is queued.
					env.Emulator.RunDeletionJob()
					return nil
				},
			},
			{
				Config: withStatus,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("total_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("pending_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("completed_count"), knownvalue.Int64Exact(1)),
					// Newest first: the second deletion, still pending.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deletions").AtSliceIndex(0).AtMapKey("person_uuid"),
						knownvalue.StringExact(second.UUID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deletions").AtSliceIndex(1).AtMapKey("person_uuid"),
						knownvalue.StringExact(first.UUID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deletions").AtSliceIndex(1).AtMapKey("status"),
						knownvalue.StringExact("completed")),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.pending", tfjsonpath.New("total_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.second", tfjsonpath.New("deletions"),
						knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}
