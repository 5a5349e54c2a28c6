package provider_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
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

func numberAttr(v any) (int64, error) {
	switch n := v.(type) {
	case float64:
		return int64(n), nil
	case json.Number:
		return n.Int64()
	}
	return 0, fmt.Errorf("not a number: %#v", v)
}

func stringsAttr(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list: %#v", v)
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i], _ = e.(string)
	}
	return out, nil
}

// 1100 persons: the first chunk of 1000 is deleted, five persons of the
// second chunk fail more often than the provider retries. The apply fails
// naming them and state records exactly the persons deleted; the next apply
// finishes the job and touches nobody else.
func TestAccPersonDeletion_InterruptedApply(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ids := numberedIDs("user-", 1100)
	ingestPersons(env, ids...)
	ingestPersons(env, numberedIDs("other-", 10)...)

	uuids := make([]string, len(ids))
	for i, id := range ids {
		p, _ := env.Emulator.PersonByDistinctID(id)
		uuids[i] = p.UUID
	}
	slices.Sort(uuids) // the provider deletes in sorted uuid order
	failing := uuids[1040:1045]
	// Four failing attempts: the first apply makes three. The ClickHouse
	// tombstone is the step PostHog fails person by person; a Postgres failure
	// would fail the whole call (docs/dev/posthog-behaviour.md#bulk-delete).
	env.Emulator.FailDeletions(failing, "tombstone_clickhouse", 4)
	isFailing := func(u string) bool { return slices.Contains(failing, u) }

	// range() stops at 1024 values.
	config := deletionConfig(env, `distinct_ids = concat([for i in range(1000) : "user-${i}"], [for i in range(1000, 1100) : "user-${i}"])`)
	var deletesAfterFailure int
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: regexp.MustCompile(`(?s)PostHog could not delete 5 persons after 3 attempts:.*` +
					regexp.QuoteMeta(failing[0]) + ` \(step tombstone_clickhouse\).*State records only the 1095 persons confirmed deleted`),
			},
			{
				PreConfig: func() {
					deletesAfterFailure = bulkDeleteCalls(env)
					// chunk 1: 1 call; chunk 2: 3 attempts.
					if deletesAfterFailure != 4 {
						t.Errorf("failed apply made %d bulk_delete calls, want 4", deletesAfterFailure)
					}
					for _, u := range uuids {
						_, exists := env.Emulator.PersonByUUID(u)
						if exists != isFailing(u) {
							t.Errorf("person %s exists=%v after the failed apply, failing=%v", u, exists, isFailing(u))
						}
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// What the failed apply recorded.
					priorStateValue{deletionAddr, "deleted_person_count", func(v any) error {
						n, err := numberAttr(v)
						if err == nil && n != 1095 {
							err = fmt.Errorf("deleted_person_count after the failed apply = %d, want 1095", n)
						}
						return err
					}},
					priorStateValue{deletionAddr, "deleted_person_uuids", func(v any) error {
						got, err := stringsAttr(v)
						if err != nil {
							return err
						}
						want := slices.DeleteFunc(slices.Clone(uuids), isFailing)
						if !slices.Equal(got, want) {
							return fmt.Errorf("deleted_person_uuids after the failed apply has %d entries, want the 1095 deleted", len(got))
						}
						return nil
					}},
					priorStateValue{deletionAddr, "remaining_person_uuids", func(v any) error {
						got, err := stringsAttr(v)
						if err == nil && !slices.Equal(got, failing) {
							err = fmt.Errorf("remaining_person_uuids after the failed apply = %v, want %v", got, failing)
						}
						return err
					}},
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.ListExact(stringChecks(failing...))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_uuids"), knownvalue.ListSizeExact(0)),
				},
				Check: func(s *terraform.State) error {
					// One failing attempt left, then success: two calls.
					if n := bulkDeleteCalls(env) - deletesAfterFailure; n != 2 {
						return fmt.Errorf("the second apply made %d bulk_delete calls, want 2", n)
					}
					for _, u := range failing {
						if _, ok := env.Emulator.PersonByUUID(u); ok {
							return fmt.Errorf("%s still exists", u)
						}
					}
					for _, id := range numberedIDs("other-", 10) {
						if !env.Exists(id) {
							return fmt.Errorf("untouched person %s was deleted", id)
						}
					}
					// The failed create left a tainted object, so this apply is a
					// replacement: its record starts afresh with the five persons.
					a := s.RootModule().Resources[deletionAddr].Primary.Attributes
					var recorded []string
					for i := 0; a[fmt.Sprintf("deleted_person_uuids.%d", i)] != ""; i++ {
						recorded = append(recorded, a[fmt.Sprintf("deleted_person_uuids.%d", i)])
					}
					for _, u := range failing {
						if !slices.Contains(recorded, u) {
							return fmt.Errorf("deleted_person_uuids lacks %s, deleted by this apply", u)
						}
					}
					return nil
				},
			},
		},
	})
}

// A create timeout while queued deletions are still pending: a clear error
// and no claim that anyone was deleted.
func TestAccPersonDeletion_CreateTimeout(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{BulkDeleteMode: "async", AsyncDeleteDelay: time.Minute})
	env.Person(t, "alice")
	env.Person(t, "bob")
	config := deletionConfig(env, `
  distinct_ids = ["alice", "bob"]
  timeouts {
    create = "2s"
  }`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Person deletion was interrupted.*2 persons queued for deletion still exist.*State records only the 0 persons confirmed deleted`),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					priorStateValue{deletionAddr, "deleted_person_count", func(v any) error {
						n, err := numberAttr(v)
						if err == nil && n != 0 {
							err = fmt.Errorf("deleted_person_count after the timeout = %d, want 0", n)
						}
						return err
					}},
					priorStateValue{deletionAddr, "remaining_person_uuids", func(v any) error {
						got, err := stringsAttr(v)
						if err == nil && len(got) != 2 {
							err = fmt.Errorf("remaining_person_uuids after the timeout = %v, want both persons", got)
						}
						return err
					}},
				}},
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
	if !env.Exists("alice") || !env.Exists("bob") {
		t.Error("the persons were deleted although their queued deletion was not due")
	}
}
