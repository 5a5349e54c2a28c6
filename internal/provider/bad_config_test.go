package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// TestBadConfiguration is one table of wrong inputs across the provider: the
// provider block, posthog_person_deletion (lists, files, flags, timeouts) and
// every data source. Each must fail at plan time, with a message that says
// what to change, before any request that deletes anything (and, in fact,
// before any request at all).
func TestBadConfiguration(t *testing.T) {
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	t.Setenv("POSTHOG_API_KEY", "")
	t.Setenv("POSTHOG_HOST", "")
	t.Setenv("POSTHOG_PROJECT_ID", "")

	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dupFile := file("dup.txt", "alice\nbob\nalice\n")
	blankFile := file("blank.txt", "alice\n   \nbob\n")
	badUUIDFile := file("uuids.txt", "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b\nnot-a-uuid\n")
	missingFile := filepath.Join(dir, "does-not-exist.txt")

	const uuid = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	deletion := func(body string) string { return deletionConfig(env, body) }
	data := func(typ, body string) string {
		return env.ProviderConfig() + "data \"" + typ + "\" \"test\" {\n" + body + "\n}\n"
	}
	provider := func(attrs string) string {
		return "provider \"posthog\" {\n" + attrs + "\n}\n" + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`
	}
	hostKey := fmt.Sprintf("host = %q\napi_key = %q\n", env.URL, acctest.APIKey)
	const lifecycle = `events = [{ event = "$pageview" }]
  day    = "2020-01-12"
  status = "returning"
`
	const funnel = `steps = [{ event = "step one" }, { event = "step two" }, { event = "step three" }]
`
	const correlation = `steps = [{ event = "user signed up" }, { event = "paid" }]
  event = { event = "x" }
`

	cases := []struct {
		name, config string
		want         string // regexp; a space matches any run of whitespace (Terraform wraps lines)
	}{
		// posthog_person_deletion: ids
		{"resource: malformed uuid", deletion(`uuids = ["0190b2a4-5c1e-7d2f"]`), `Invalid person UUID.*"0190b2a4-5c1e-7d2f" is not a person UUID. Use the 36-character form`},
		{"resource: uuid with surrounding spaces", deletion(fmt.Sprintf(`uuids = [" %s"]`, uuid)), `Invalid person UUID`},
		{"resource: distinct id given as uuid", deletion(`uuids = ["alice"]`), `or list the person under distinct_ids instead`},
		{"resource: empty uuid", deletion(`uuids = [""]`), `Invalid person UUID`},
		{"resource: empty distinct id", deletion(`distinct_ids = [""]`), `Empty distinct id.*remove the empty entry`},
		{"resource: blank distinct id", deletion(`distinct_ids = ["alice", " "]`), `Empty distinct id`},
		{"resource: duplicate distinct ids", deletion(`distinct_ids = ["alice", "alice"]`), `Duplicate id.*"alice" is listed twice \(entries 0 and 1\); remove one of them`},
		{"resource: duplicate uuids by case", deletion(fmt.Sprintf(`uuids = [%q, %q]`, uuid, strings.ToUpper(uuid))), `Duplicate id.*remove one of them`},
		{"resource: both lists", deletion(fmt.Sprintf("distinct_ids = [\"alice\"]\nuuids = [%q]", uuid)), `Invalid Attribute Combination.*distinct_ids.*uuids`},
		{"resource: list and file", deletion(fmt.Sprintf("distinct_ids = [\"alice\"]\ndistinct_ids_file = %q", dupFile)), `Invalid Attribute Combination`},
		{"resource: neither list", deletion(`delete_events = true`), `Exactly one of these attributes must be configured: \[distinct_ids,uuids,emails,distinct_ids_file,uuids_file,tickets_file,distinct_ids_wo,uuids_wo\]`},
		// posthog_person_deletion: flags
		{"resource: keep_person alone", deletion("distinct_ids = [\"alice\"]\nkeep_person = true"), `keep_person deletes nothing on its own.*set delete_events = true and/or delete_recordings = true`},
		{"resource: keep_person with both deletes off", deletion("distinct_ids = [\"alice\"]\nkeep_person = true\ndelete_events = false\ndelete_recordings = false"), `keep_person deletes nothing on its own`},
		{"resource: wait without delete_events", deletion("distinct_ids = [\"alice\"]\nwait_for_events_deletion = true"), `Nothing to wait for.*set delete_events = true or remove wait_for_events_deletion`},
		{"resource: wait with delete_events off", deletion("distinct_ids = [\"alice\"]\nwait_for_events_deletion = true\ndelete_events = false\ndelete_recordings = true"), `Nothing to wait for`},
		// posthog_person_deletion: reason
		{"resource: empty reason", deletion("distinct_ids = [\"alice\"]\nreason = \"\""), `Empty reason.*reason must name why these persons are deleted`},
		{"resource: blank reason", deletion("distinct_ids = [\"alice\"]\nreason = \"   \""), `Empty reason`},
		{"resource: multi-line reason", deletion("distinct_ids = [\"alice\"]\nreason = \"GDPR-1\\nand more\""), `Reason spans several lines.*must be a single line`},
		{"resource: reason too long", deletion(fmt.Sprintf("distinct_ids = [\"alice\"]\nreason = %q", strings.Repeat("x", 1001))), `Reason too long.*1001 characters; keep it to at most 1000`},
		// posthog_person_deletion: project and timeouts
		{"resource: project id not numeric", deletion("project_id = \"my-project\"\ndistinct_ids = [\"alice\"]"), `Invalid project id.*positive numeric id of a PostHog project`},
		{"resource: project id negative", deletion("project_id = \"-4\"\ndistinct_ids = [\"alice\"]"), `Invalid project id.*got "-4"`},
		{"resource: project id fractional", deletion("project_id = \"1.5\"\ndistinct_ids = [\"alice\"]"), `Invalid project id`},
		{"resource: timeout not a duration", deletion("distinct_ids = [\"alice\"]\ntimeouts {\n  create = \"soon\"\n}"), `Invalid Attribute Value Time Duration.*"soon" must be a string containing a sequence of decimal numbers.*such as "300ms"`},
		{"resource: negative timeout", deletion("distinct_ids = [\"alice\"]\ntimeouts {\n  create = \"-5m\"\n}"), `Invalid timeout|timeout must be positive`},
		{"resource: zero timeout", deletion("distinct_ids = [\"alice\"]\ntimeouts {\n  create = \"0s\"\n}"), `Invalid timeout|timeout must be positive`},
		{"resource: unsupported delete timeout", deletion("distinct_ids = [\"alice\"]\ntimeouts {\n  delete = \"5m\"\n}"), `argument named "delete" is not expected here`},
		// posthog_person_deletion: id files
		{"file: missing", deletion(fmt.Sprintf("distinct_ids_file = %q", missingFile)), `Invalid id file.*Cannot read the id file.*Paths are relative to the directory Terraform runs in`},
		{"file: duplicate line", deletion(fmt.Sprintf("distinct_ids_file = %q", dupFile)), `Invalid id file.*1 lines repeat an earlier distinct id: line 3 \(same as line 1\). Remove the repeats`},
		{"file: whitespace-only line", deletion(fmt.Sprintf("distinct_ids_file = %q", blankFile)), `Invalid id file.*hold only whitespace.*line 2. Remove them`},
		{"file: bad uuid line", deletion(fmt.Sprintf("uuids_file = %q", badUUIDFile)), `Invalid id file.*not person UUIDs in the 36-character form.*line 2 \("not-a-uuid"\)`},
		// posthog_persons
		{"persons: both lists", data("posthog_persons", fmt.Sprintf("distinct_ids = [\"alice\"]\nuuids = [%q]", uuid)), `Invalid Attribute Combination`},
		{"persons: neither list", data("posthog_persons", ""), `Exactly one of these attributes must be configured: \[distinct_ids,uuids\]`},
		{"persons: bad uuid", data("posthog_persons", `uuids = ["nope"]`), `Invalid person UUID`},
		{"persons: empty distinct id", data("posthog_persons", `distinct_ids = [""]`), `Empty distinct id`},
		{"persons: bad project", data("posthog_persons", "project_id = \"abc\"\ndistinct_ids = [\"alice\"]"), `Invalid project id`},
		// posthog_person_deletion_status
		{"deletion_status: bad status", data("posthog_person_deletion_status", `status = "done"`), `status.*value must be one of:.*"all".*"pending".*"completed".*got: "done"`},
		{"deletion_status: bad person_uuid", data("posthog_person_deletion_status", `person_uuid = "alice"`), `Invalid person UUID.*"alice" is not a person UUID`},
		{"deletion_status: bad project", data("posthog_person_deletion_status", `project_id = "0"`), `Invalid project id.*positive numeric id`},
		// posthog_person_cohorts
		{"cohorts: person_id not an id", data("posthog_person_cohorts", `person_id = "alice"`), `Invalid person id.*"alice" is neither a person UUID .* nor a numeric person id`},
		{"cohorts: person_id zero", data("posthog_person_cohorts", `person_id = "0"`), `Invalid person id`},
		{"cohorts: person_id negative", data("posthog_person_cohorts", `person_id = "-3"`), `Invalid person id`},
		{"cohorts: person_id empty", data("posthog_person_cohorts", `person_id = ""`), `Invalid person id`},
		{"cohorts: person_id missing", data("posthog_person_cohorts", ``), `The argument "person_id" is required`},
		// posthog_lifecycle_persons
		{"lifecycle: bad status", data("posthog_lifecycle_persons", `events = [{ event = "$pageview" }]
  day    = "2020-01-12"
  status = "lost"`), `status.*value must be one of:.*"new".*"returning".*"resurrecting".*"dormant".*got: "lost"`},
		{"lifecycle: bad date_from", data("posthog_lifecycle_persons", lifecycle+`date_from = "2020-02-30"`), `Invalid date.*"2020-02-30" is not a date PostHog understands`},
		{"lifecycle: bad day", data("posthog_lifecycle_persons", `events = [{ event = "$pageview" }]
  day    = "yesterday"
  status = "new"`), `Invalid (day|date)`},
		{"lifecycle: date_to before date_from", data("posthog_lifecycle_persons", lifecycle+"date_from = \"2020-01-19\"\ndate_to = \"2020-01-09\""), `date_to is before date_from.*date_to \(2020-01-09\) is before date_from \(2020-01-19\)`},
		{"lifecycle: limit 0", data("posthog_lifecycle_persons", lifecycle+`limit = 0`), `limit.*between 1 and 10000`},
		{"lifecycle: limit too large", data("posthog_lifecycle_persons", lifecycle+`limit = 1000000`), `limit.*between 1 and 10000, got: 1000000`},
		{"lifecycle: page_size too large", data("posthog_lifecycle_persons", lifecycle+`page_size = 10001`), `page_size.*between 1 and 10000`},
		// posthog_funnel_persons
		{"funnel: step 0", data("posthog_funnel_persons", funnel+`step = 0`), `Invalid funnel step.*step 0 does not exist: steps are numbered from 1`},
		{"funnel: step -1", data("posthog_funnel_persons", funnel+`step = -1`), `Invalid funnel step.*everyone in a funnel did step 1`},
		{"funnel: step beyond the last", data("posthog_funnel_persons", funnel+`step = 4`), `Funnel step beyond the last step.*step is 4, but the funnel has 3 steps`},
		{"funnel: drop-off beyond the last", data("posthog_funnel_persons", funnel+`step = -9`), `Funnel step beyond the last step.*step is -9`},
		{"funnel: limit 0", data("posthog_funnel_persons", funnel+"step = 2\nlimit = 0"), `limit.*between 1 and 10000`},
		{"funnel: limit too large", data("posthog_funnel_persons", funnel+"step = 2\nlimit = 10001"), `limit.*between 1 and 10000`},
		{"funnel: bad date", data("posthog_funnel_persons", funnel+"step = 2\ndate_from = \"2021-00-01\""), `Invalid date.*"2021-00-01"`},
		// posthog_funnel_correlation_persons
		{"correlation: neither event nor property values", data("posthog_funnel_correlation_persons", `steps = [{ event = "user signed up" }, { event = "paid" }]`), `Missing correlation.*set event.*or property_values`},
		{"correlation: both", data("posthog_funnel_correlation_persons", correlation+`property_values = [{ key = "$browser", value = "Chrome", type = "person" }]`), `Two correlations.*Set only one of event and property_values`},
		{"correlation: limit 0", data("posthog_funnel_correlation_persons", correlation+`limit = 0`), `limit.*between 1 and 10000`},
		{"correlation: limit too large", data("posthog_funnel_correlation_persons", correlation+`limit = 20000`), `limit.*between 1 and 10000`},
		{"correlation: bad converted", data("posthog_funnel_correlation_persons", correlation+`converted = "yes"`), `converted.*value must be one of:.*"true".*"false".*"either"`},
		// provider block
		{"provider: host without scheme", provider(fmt.Sprintf("host = %q\napi_key = %q\nproject_id = \"1\"", strings.TrimPrefix(env.URL, "http://"), acctest.APIKey)), `Invalid PostHog host.*host must be an absolute http\(s\) URL such as "https://us.posthog.com"`},
		{"provider: host not a URL", provider(fmt.Sprintf("host = \"://nope\"\napi_key = %q\nproject_id = \"1\"", acctest.APIKey)), `Invalid PostHog host`},
		{"provider: host with path", provider(fmt.Sprintf("host = \"%s/api/projects/1\"\napi_key = %q\nproject_id = \"1\"", env.URL, acctest.APIKey)), `Invalid PostHog host.*must not contain a path.*use "http://127\.0\.0\.1`},
		{"provider: missing api key", provider(fmt.Sprintf("host = %q\nproject_id = \"1\"", env.URL)), `Missing PostHog API key.*Set api_key in the provider block or the POSTHOG_API_KEY environment variable`},
		{"provider: empty api key", provider(fmt.Sprintf("host = %q\napi_key = \"\"\nproject_id = \"1\"", env.URL)), `Missing PostHog API key`},
		{"provider: non-numeric project", provider(hostKey + `project_id = "my-project"`), `Invalid PostHog project id.*positive numeric id of a PostHog project.*got "my-project"`},
		{"provider: project zero", provider(hostKey + `project_id = "0"`), `Invalid PostHog project id`},
		{"provider: no project anywhere", provider(hostKey), `Missing PostHog project id`},
		{"provider: request_timeout not a duration", provider(hostKey + "project_id = \"1\"\nrequest_timeout = \"30\""), `Invalid request_timeout.*positive Go duration such as "30s" or "2m", got "30"`},
		{"provider: request_timeout negative", provider(hostKey + "project_id = \"1\"\nrequest_timeout = \"-5s\""), `Invalid request_timeout`},
		{"provider: request_timeout zero", provider(hostKey + "project_id = \"1\"\nrequest_timeout = \"0s\""), `Invalid request_timeout`},
		{"provider: max_retries negative", provider(hostKey + "project_id = \"1\"\nmax_retries = -1"), `Invalid max_retries.*between 0 and 20, got -1`},
		{"provider: max_retries too large", provider(hostKey + "project_id = \"1\"\nmax_retries = 100"), `Invalid max_retries.*got 100`},
	}

	// The cases run in parallel with each other (t.Setenv keeps this test
	// itself sequential); the group returns when they have all ended. They
	// share the emulator, which must see no request from any of them.
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				badConfigurationCase(t, env, tc.config, tc.want)
			})
		}
	})
	if !env.Exists("alice") {
		t.Error("alice was deleted")
	}
}

// badConfigurationCase plans config, expects an error matching want and no
// request to PostHog.
func badConfigurationCase(t *testing.T, env *acctest.Env, config, want string) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile("(?s)" + strings.ReplaceAll(want, " ", `\s+`)),
		}},
	})
	stats := env.Emulator.Stats()
	if n := stats.Count("POST", bulkDeleteRoute); n != 0 {
		t.Errorf("bulk_delete was called %d times", n)
	}
	for route, statuses := range stats.Routes {
		if strings.HasPrefix(route, "DELETE ") {
			t.Errorf("%s was called: %v", route, statuses)
		}
	}
	if stats.Total != 0 {
		t.Errorf("an invalid configuration made %d PostHog requests: %v", stats.Total, stats.Routes)
	}
}
