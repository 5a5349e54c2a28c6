package provider_test

import (
	"fmt"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// sortedChecks is the expected person_uuids: the UUIDs, sorted.
func sortedChecks(uuids ...string) knownvalue.Check {
	sorted := append([]string(nil), uuids...)
	sort.Strings(sorted)
	return knownvalue.ListExact(stringChecks(sorted...))
}

// personWithEmail creates a person whose email property is email.
func personWithEmail(t *testing.T, env *acctest.Env, distinctID, email string) emulator.PersonInfo {
	t.Helper()
	env.Emulator.Ingest(emulator.Event{Event: "$identify", DistinctID: distinctID, Timestamp: time.Now().Add(-time.Hour),
		Properties: map[string]any{"$set": map[string]any{"email": email}}})
	p, ok := env.Emulator.PersonByDistinctID(distinctID)
	if !ok {
		t.Fatalf("no person for %q", distinctID)
	}
	return p
}

func TestAccCohortPersonsDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: acctest.APIKey, Scopes: []string{"person:read", "cohort:read"}},
		{Key: "phx_no_persons", Scopes: []string{"cohort:read"}},
		{Key: cohortWriter, Scopes: []string{"cohort:write"}},
	}})
	jane := env.Person(t, "jane")
	john := env.Person(t, "john")
	ann := env.Person(t, "ann")
	static := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Beta testers", "is_static": true, "_create_static_person_ids": []string{jane.UUID, john.UUID},
	})
	// env.Person gives each person the email <distinct id>@example.com.
	dynamic := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Jane and Ann",
		"filters": map[string]any{"properties": map[string]any{"type": "AND", "values": []any{
			map[string]any{"type": "person", "key": "email", "operator": "exact", "value": []string{"jane@example.com", "ann@example.com"}},
		}}},
	})
	deleted := env.CreateCohort(t, cohortWriter, map[string]any{
		"name": "Old campaign", "is_static": true, "_create_static_person_ids": []string{ann.UUID},
	})
	env.UpdateCohort(t, cohortWriter, deleted, map[string]any{"deleted": true})

	const addr = "data.posthog_cohort_persons.c"
	cohort := func(id int64, extra string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
data "posthog_cohort_persons" "c" {
  cohort_id = %d
  %s
}
`, id, extra)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cohort(static, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids"), sortedChecks(jane.UUID, john.UUID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("persons"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				},
			},
			{
				Config: cohort(dynamic, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids"), sortedChecks(jane.UUID, ann.UUID)),
				},
			},
			{
				// Two members, limit 1: one listed, and has_more says so.
				Config: cohort(static, "limit = 1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("has_more"), knownvalue.Bool(true)),
				},
			},
			{
				Config:      cohort(deleted, ""),
				ExpectError: regexp.MustCompile(`(?s)Cohort is deleted.*"Old campaign"`),
			},
			{
				Config:      cohort(9999, ""),
				ExpectError: regexp.MustCompile(`(?s)Cohort not found.*no cohort with id 9999`),
			},
			{
				Config: env.ProviderConfigWithKey("phx_no_persons") + fmt.Sprintf(`
data "posthog_cohort_persons" "c" {
  cohort_id = %d
}
`, static),
				ExpectError: regexp.MustCompile(`person:read`),
			},
		},
	})
}

func TestAccPersonsByPropertyDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	jane := env.Person(t, "jane") // jane@example.com
	env.Person(t, "john")         // john@example.com
	mixed := personWithEmail(t, env, "mixed", "Mixed.Case@Example.com")
	first := personWithEmail(t, env, "team-1", "team@example.com")
	second := personWithEmail(t, env, "team-2", "team@example.com")

	const addr = "data.posthog_persons_by_property.p"
	lookup := func(extra string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
data "posthog_persons_by_property" "p" {
  key    = "email"
  values = ["jane@example.com", "JOHN@example.com", "nobody@example.com", "Mixed.Case@Example.com", "team@example.com", "jane@example.com"]
  %s
}
`, extra)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: lookup(""),
				ConfigStateChecks: []statecheck.StateCheck{
					// JOHN@example.com differs from john's email in letter case only:
					// PostHog's exact filter does not match it.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unmatched_values"),
						knownvalue.ListExact(stringChecks("JOHN@example.com", "nobody@example.com"))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("matches"), knownvalue.MapExact(map[string]knownvalue.Check{
						"jane@example.com":       knownvalue.ListExact(stringChecks(jane.UUID)),
						"Mixed.Case@Example.com": knownvalue.ListExact(stringChecks(mixed.UUID)),
						"team@example.com":       sortedChecks(first.UUID, second.UUID),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("person_uuids"),
						sortedChecks(jane.UUID, mixed.UUID, first.UUID, second.UUID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("persons"), knownvalue.ListSizeExact(4)),
				},
			},
			{
				// Four persons match; a limit of 3 is an error, not a partial answer.
				Config:      lookup("limit = 3"),
				ExpectError: regexp.MustCompile(`(?s)Too many persons match.*More than 3 persons`),
			},
		},
	})
}

// A cohort's members, snapshotted with terraform_data, are what a deletion
// deletes: exactly the members, not the non-member, and the next plan is
// empty although the cohort has no members left.
func TestAccCohortPersonsFeedADeletion(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")
	env.Person(t, "carol")
	cohort := env.CreateCohort(t, acctest.APIKey, map[string]any{
		"name": "Erase", "is_static": true, "_create_static_person_ids": []string{alice.UUID, bob.UUID},
	})
	config := env.ProviderConfig() + fmt.Sprintf(`
data "posthog_cohort_persons" "erase" {
  cohort_id = %d
}

resource "terraform_data" "snapshot" {
  input = data.posthog_cohort_persons.erase.person_uuids
  lifecycle {
    ignore_changes = [input]
  }
}

resource "posthog_person_deletion" "erase" {
  uuids  = terraform_data.snapshot.input
  reason = "cohort-erasure"
}
`, cohort)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("posthog_person_deletion.erase", tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(2)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("posthog_person_deletion.erase", tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	if env.Exists("alice") || env.Exists("bob") || !env.Exists("carol") {
		t.Errorf("want alice and bob deleted and carol kept; alice %v bob %v carol %v",
			env.Exists("alice"), env.Exists("bob"), env.Exists("carol"))
	}
}

// Wrong arguments of the two person-list data sources fail at plan time,
// before any request.
func TestPersonListsBadConfiguration(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	data := func(kind, body string) string {
		return env.ProviderConfig() + fmt.Sprintf("data %q \"x\" {\n%s\n}\n", kind, body)
	}
	var steps []resource.TestStep
	for _, c := range []struct{ config, want string }{
		{data("posthog_cohort_persons", `cohort_id = 0`), `cohort_id.*at least 1`},
		{data("posthog_cohort_persons", "cohort_id = 3\nlimit = 0"), `limit.*between 1 and 10000`},
		{data("posthog_cohort_persons", ``), `The argument "cohort_id" is required`},
		{data("posthog_persons_by_property", "key = \"email\"\nvalues = []"), `values.*at least 1`},
		{data("posthog_persons_by_property", "key = \"email\"\nvalues = [\"a@example.com\", \"\"]"), `values\[1\].*at least 1`},
		{data("posthog_persons_by_property", "key = \"\"\nvalues = [\"a@example.com\"]"), `key.*at least 1`},
		{data("posthog_persons_by_property", "key = \"email\"\nvalues = [\"a@example.com\"]\nlimit = 10001"), `limit.*between 1 and 10000`},
	} {
		steps = append(steps, resource.TestStep{Config: c.config, PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)` + c.want)})
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
	if total := env.Emulator.Stats().Total; total != 0 {
		t.Errorf("invalid configurations made %d PostHog requests", total)
	}
}
