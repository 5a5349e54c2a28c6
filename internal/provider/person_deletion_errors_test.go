package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

func TestAccPersonDeletion_WrongAPIKey(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfigWithKey("phx_wrong") + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`,
			ExpectError: regexp.MustCompile(`(?s)Unable to preview the person deletion.*401.*API key is missing or invalid`),
		}},
	})
	expectNoBulkDelete(t, env)
	if !env.Exists("alice") {
		t.Error("alice was deleted")
	}
}

// A read-only key can preview but not delete; the error names the scope.
func TestAccPersonDeletion_ReadOnlyKey(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{{Key: "phx_reader", Scopes: []string{"person:read"}}}})
	env.Person(t, "alice")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfigWithKey("phx_reader") + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`,
			ExpectError: regexp.MustCompile(`(?s)bulk_delete/: 403 permission_denied: API key\s+missing required scope 'person:write'.*give the API key the person:write\s+scope.*Nothing was deleted.*nothing\s+to\s+untaint`),
		}},
	})
	stats := env.Emulator.Stats()
	if n := stats.Routes["POST "+bulkDeleteRoute]["403"]; n != 1 {
		t.Errorf("bulk_delete answers %v, want one 403 (a 403 is not retried)", stats.Routes["POST "+bulkDeleteRoute])
	}
	if !env.Exists("alice") {
		t.Error("alice was deleted")
	}
}

func TestAccPersonDeletion_UnknownProject(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: deletionConfig(env, `
  project_id   = "999"
  distinct_ids = ["alice"]`),
			ExpectError: regexp.MustCompile(`(?s)Unable to preview the person deletion.*PostHog has no project 999.*check\s+project_id.*: 404`),
		}},
	})
	expectNoBulkDelete(t, env)
}

// Throttled answers are retried after the wait PostHog names; the apply succeeds.
func TestAccPersonDeletion_ThrottledThenSucceeds(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{Fault429: 0.15, FaultSeed: 7})
	env.Person(t, "alice")
	env.Person(t, "bob")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "posthog" {
  host        = %q
  api_key     = %q
  project_id  = "1"
  max_retries = 6
}
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice", "bob"]
}
`, env.URL, acctest.APIKey),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
			},
			Check: func(*terraform.State) error {
				throttled := 0
				for _, statuses := range env.Emulator.Stats().Routes {
					throttled += statuses["429"]
				}
				if throttled == 0 {
					return fmt.Errorf("no request was throttled; the test does not exercise 429 handling")
				}
				if env.Exists("alice") || env.Exists("bob") {
					return fmt.Errorf("persons still exist")
				}
				return nil
			},
		}},
	})
}

// PostHog's own rate limit (scaled down so that the window is short): a burst
// fills the limit, the provider waits for the time named in the 429 detail.
func TestAccPersonDeletion_RateLimited(t *testing.T) {
	env := acctest.NewEnv(t, emulator.Config{RateLimit: true, RateLimitScale: 20}) // 240 lookups per 3s
	env.Person(t, "alice")
	config := deletionConfig(env, `distinct_ids = ["alice"]`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { exhaustLookupLimit(t, env) },
			Config:    config,
			Check: func(*terraform.State) error {
				if env.Exists("alice") {
					return fmt.Errorf("alice still exists")
				}
				return nil
			},
		}},
	})
	if n := env.Emulator.Stats().Routes["POST "+batchDistinctRoute]["429"]; n == 0 {
		t.Error("no lookup was throttled; the test does not exercise the rate limit")
	}
}

// Persistent throttling ends in a clear error.
func TestAccPersonDeletion_AlwaysThrottled(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{Fault429: 1, FaultSeed: 1})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      deletionConfig(env, `distinct_ids = ["alice"]`),
			ExpectError: regexp.MustCompile(`(?s)Unable to preview the person deletion.*429 throttled: Request was\s+throttled.*throttled by PostHog.*gave up after 3 attempts`),
		}},
	})
	expectNoBulkDelete(t, env)
}
