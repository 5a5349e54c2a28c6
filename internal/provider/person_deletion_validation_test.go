package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Configuration mistakes fail at plan time, before any call to PostHog.
func TestAccPersonDeletion_PlanTimeValidation(t *testing.T) {
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	const uuid = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	resourceCases := []struct{ name, body, want string }{
		{"both lists", fmt.Sprintf(`
  distinct_ids = ["alice"]
  uuids        = [%q]`, uuid), `(?s)Invalid Attribute Combination.*distinct_ids.*uuids`},
		{"neither list", `delete_events = true`, `(?s)Exactly one of these attributes must be configured:\s+\[distinct_ids,uuids,emails,distinct_ids_file,uuids_file,tickets_file,distinct_ids_wo,uuids_wo\]`},
		{"empty id", `distinct_ids = ["alice", ""]`, `Empty distinct id`},
		{"blank id", `distinct_ids = ["  "]`, `Empty distinct id`},
		{"duplicate ids", `distinct_ids = ["alice", "bob", "alice"]`, `(?s)Duplicate id.*"alice" is listed twice`},
		{"duplicate uuids by case", fmt.Sprintf(`uuids = [%q, %q]`, uuid, "0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B"), `(?s)Duplicate id.*listed twice`},
		{"malformed uuid", `uuids = ["0190b2a4-5c1e-7d2f-8a3b"]`, `(?s)Invalid person UUID.*is not a person UUID`},
		{"braced uuid", fmt.Sprintf(`uuids = ["{%s}"]`, uuid), `Invalid person UUID`},
		{"keep_person alone", `
  distinct_ids = ["alice"]
  keep_person  = true`, `keep_person deletes nothing on its own`},
		{"wait without delete_events", `
  distinct_ids             = ["alice"]
  wait_for_events_deletion = true`, `Nothing to wait for`},
		{"project id not numeric", `
  project_id   = "my-project"
  distinct_ids = ["alice"]`, `(?s)Invalid project id.*positive numeric id`},
		{"project id zero", `
  project_id   = "0"
  distinct_ids = ["alice"]`, `(?s)Invalid project id.*positive numeric id`},
	}
	// Each group's cases run in parallel; a group returns when they have all
	// ended (the provider cases need the environment set below).
	t.Run("resource", func(t *testing.T) {
		for _, tc := range resourceCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: protoV6ProviderFactories,
					Steps: []resource.TestStep{{
						Config:      deletionConfig(env, tc.body),
						PlanOnly:    true,
						ExpectError: regexp.MustCompile(tc.want),
					}},
				})
			})
		}
	})

	t.Setenv("POSTHOG_API_KEY", "")
	t.Setenv("POSTHOG_HOST", "")
	t.Setenv("POSTHOG_PROJECT_ID", "")
	providerCases := []struct{ name, provider, want string }{
		{"bad host", fmt.Sprintf(`provider "posthog" {
  host    = "ftp://%s"
  api_key = %q
  project_id = "1"
}`, env.URL[len("http://"):], acctest.APIKey), `(?s)Invalid PostHog host.*absolute http\(s\) URL`},
		{"host with path", fmt.Sprintf(`provider "posthog" {
  host    = "%s/api"
  api_key = %q
  project_id = "1"
}`, env.URL, acctest.APIKey), `(?s)Invalid PostHog host.*must not contain a path`},
		{"missing api key", fmt.Sprintf(`provider "posthog" {
  host       = %q
  project_id = "1"
}`, env.URL), `Missing PostHog API key`},
		{"bad provider project", fmt.Sprintf(`provider "posthog" {
  host       = %q
  api_key    = %q
  project_id = "abc"
}`, env.URL, acctest.APIKey), `Invalid PostHog project id`},
		{"no project anywhere", fmt.Sprintf(`provider "posthog" {
  host    = %q
  api_key = %q
}`, env.URL, acctest.APIKey), `Missing PostHog project id`},
		{"project token as api key", fmt.Sprintf(`provider "posthog" {
  host       = %q
  api_key    = "phc_0123456789abcdef"
  project_id = "1"
}`, env.URL), `(?s)A project token is not an API key.*personal\s+API key \(phx_...\)`},
		{"ingestion host", fmt.Sprintf(`provider "posthog" {
  host       = "https://eu.i.posthog.com"
  api_key    = %q
  project_id = "1"
}`, acctest.APIKey), `(?s)Ingestion host instead of API host.*Use\s+"https://eu.posthog.com"`},
	}
	t.Run("provider", func(t *testing.T) {
		for _, tc := range providerCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: protoV6ProviderFactories,
					Steps: []resource.TestStep{{
						Config: tc.provider + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`,
						PlanOnly:    true,
						ExpectError: regexp.MustCompile(tc.want),
					}},
				})
			})
		}
	})

	if total := env.Emulator.Stats().Total; total != 0 {
		t.Errorf("invalid configurations made %d PostHog requests: %v", total, env.Emulator.Stats().Routes)
	}
	if !env.Exists("alice") {
		t.Error("alice was deleted")
	}
}
