package provider_test

import (
	"fmt"
	"regexp"
	"strings"
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

const (
	queryRoute           = "/api/projects/{project_id}/query/"
	legacyLifecycleRoute = "/api/projects/{project_id}/persons/lifecycle/"
)

// ingestS1 loads scenario S1 (docs/dev/posthog-behaviour.md#conformance-scenarios): $pageview at
// 12:00Z in January 2020, p1 on 11, 12, 13, 15, 17, 19; p2 on 9, 12; p3 on
// 12; p4 on 15. Persons are created at their first event.
func ingestS1(env *acctest.Env) {
	days := map[string][]int{"p1": {11, 12, 13, 15, 17, 19}, "p2": {9, 12}, "p3": {12}, "p4": {15}}
	for _, id := range []string{"p1", "p2", "p3", "p4"} {
		for i, day := range days[id] {
			props := map[string]any{}
			if i == 0 {
				props["$set"] = map[string]any{"email": id + "@example.com", "name": id}
			}
			env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: id, Properties: props,
				Timestamp: time.Date(2020, 1, day, 12, 0, 0, 0, time.UTC)})
		}
	}
}

// lifecycleBlock is one posthog_lifecycle_persons over S1's chart range
// (2020-01-12..19, daily), with extra arguments, plus an output of its
// persons' sorted first distinct ids named after it.
func lifecycleBlock(name, day, status, extra string) string {
	return fmt.Sprintf(`
data "posthog_lifecycle_persons" %[1]q {
  events    = [{ event = "$pageview" }]
  date_from = "2020-01-12T00:00:00Z"
  date_to   = "2020-01-19T00:00:00Z"
  interval  = "day"
  day       = %[2]q
  status    = %[3]q
%[4]s
}

output %[1]q {
  value = sort([for p in data.posthog_lifecycle_persons.%[1]s.persons : p.distinct_ids[0]])
}
`, name, day, status, extra)
}

func idsOutput(name string, ids ...string) statecheck.StateCheck {
	return statecheck.ExpectKnownOutputValue(name, knownvalue.ListExact(stringChecks(ids...)))
}

func TestAccLifecyclePersonsDataSource_queryAPI(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS1(env)
	config := env.ProviderConfig() +
		lifecycleBlock("new_12", "2020-01-12", "new", `api = "query"`) +
		lifecycleBlock("returning_12", "2020-01-12", "returning", "") +
		lifecycleBlock("resurrecting_12", "2020-01-12", "resurrecting", `api = "auto"`) +
		lifecycleBlock("dormant_13", "2020-01-13", "dormant", "page_size = 1") +
		lifecycleBlock("new_15", "2020-01-15", "new", "") +
		lifecycleBlock("resurrecting_15", "2020-01-15", "resurrecting", "") +
		lifecycleBlock("dormant_16", "2020-01-16", "dormant", "limit = 1") +
		lifecycleBlock("resurrecting_19", "2020-01-19", "resurrecting", "") +
		lifecycleBlock("returning_19", "2020-01-19", "returning", "") + `
output "p1_email" {
  value     = jsondecode(data.posthog_lifecycle_persons.returning_12.persons[0].properties).email
  sensitive = true
}
`
	p1, _ := env.Emulator.PersonByDistinctID("p1")
	const ret12 = "data.posthog_lifecycle_persons.returning_12"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: env.Emulator.ResetStats,
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("new_12", "p3"),
				idsOutput("returning_12", "p1"),
				idsOutput("resurrecting_12", "p2"),
				idsOutput("dormant_13", "p2", "p3"),
				idsOutput("new_15", "p4"),
				idsOutput("resurrecting_15", "p1"),
				idsOutput("resurrecting_19", "p1"),
				idsOutput("returning_19"),
				statecheck.ExpectKnownOutputValue("p1_email", knownvalue.StringExact("p1@example.com")),
				statecheck.ExpectKnownValue(ret12, tfjsonpath.New("persons").AtSliceIndex(0).AtMapKey("uuid"), knownvalue.StringExact(p1.UUID)),
				statecheck.ExpectKnownValue(ret12, tfjsonpath.New("persons").AtSliceIndex(0).AtMapKey("created_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(ret12, tfjsonpath.New("persons").AtSliceIndex(0).AtMapKey("is_identified"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(ret12, tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(ret12, tfjsonpath.New("api_used"), knownvalue.StringExact("query")),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.resurrecting_12", tfjsonpath.New("api_used"), knownvalue.StringExact("query")),
				// Two pages of one person: the second page says there are no more.
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.dormant_13", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				// p1 and p4 are dormant on the 16th; the limit keeps one and reports the other.
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.dormant_16", tfjsonpath.New("persons"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.dormant_16", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
			},
			Check: func(*terraform.State) error {
				// Nine data sources, one of them over two pages; a refresh before
				// the checks reads them all again.
				if n := env.Emulator.Stats().Count("POST", queryRoute); n == 0 || n%10 != 0 {
					return fmt.Errorf("POST /query/ was called %d times; want a multiple of 10 (9 data sources, one of them paged twice)", n)
				}
				return nil
			},
		}},
	})
}

func TestAccLifecyclePersonsDataSource_paging(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	// 25 persons first seen on Jan 12 (created then): all "new" that day.
	for i := range 25 {
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: fmt.Sprintf("user-%02d", i),
			Timestamp: time.Date(2020, 1, 12, 12, 0, 0, 0, time.UTC)})
	}
	blocks := func(extra map[string]string) string {
		var b strings.Builder
		b.WriteString(env.ProviderConfig())
		for _, name := range []string{"all", "limited", "exact"} {
			b.WriteString(lifecycleBlock(name, "2020-01-12", "new", extra[name]))
		}
		return b.String()
	}
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("user-%02d", i))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: blocks(map[string]string{
				"all":     "page_size = 4",             // 7 pages
				"limited": "limit = 10\npage_size = 4", // 4 + 4 + 2, more exist
				"exact":   "limit = 25\npage_size = 5", // exactly everyone
			}),
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("all", want...),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.all", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.limited", tfjsonpath.New("persons"), knownvalue.ListSizeExact(10)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.exact", tfjsonpath.New("persons"), knownvalue.ListSizeExact(25)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.exact", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
			},
		}},
	})
}

func TestAccLifecyclePersonsDataSource_queryAPIErrors(t *testing.T) {
	t.Parallel()
	noQuery := acctest.NewEnv(t, emulator.Config{NoQueryAPI: true})
	ingestS1(noQuery)
	scoped := acctest.NewEnv(t, emulator.Config{LegacyActorEndpoints: true, APIKeys: []emulator.APIKey{{Key: "phx_person_read", Scopes: []string{"person:read"}}}})
	ingestS1(scoped)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// api = "query" never falls back.
				Config:      noQuery.ProviderConfig() + lifecycleBlock("forced", "2020-01-12", "new", `api = "query"`),
				ExpectError: regexp.MustCompile(`(?s)Unable to list lifecycle persons.*POST /api/projects/1/query/: 404`),
			},
			{
				// A 403 for the missing query:read scope is reported, not a reason to fall back.
				Config:      scoped.ProviderConfigWithKey("phx_person_read") + lifecycleBlock("scoped", "2020-01-12", "new", ""),
				ExpectError: regexp.MustCompile(`(?s)403.*query:read.*does\s+not\s+fall\s+back`),
			},
		},
	})
	if n := scoped.Emulator.Stats().Count("GET", legacyLifecycleRoute); n != 0 {
		t.Errorf("the legacy endpoint was called %d times after a 403", n)
	}
}

// legacyKey is an unscoped personal API key: PostHog refuses scoped keys,
// even "*" ones, on the legacy actor endpoints (docs/dev/posthog-behaviour.md#authentication-and-scopes).
const legacyKey = "phx_unscoped"

// newLegacyEnv is an emulator of an older PostHog: the legacy actor
// endpoints, and, unless withQuery, no Query API.
func newLegacyEnv(t *testing.T, withQuery bool) *acctest.Env {
	return acctest.NewEnv(t, emulator.Config{NoQueryAPI: !withQuery, LegacyActorEndpoints: true,
		APIKeys: []emulator.APIKey{{Key: legacyKey}}})
}

func TestAccLifecyclePersonsDataSource_legacyAndAuto(t *testing.T) {
	t.Parallel()
	env := newLegacyEnv(t, false)
	ingestS1(env)
	config := env.ProviderConfigWithKey(legacyKey) +
		lifecycleBlock("legacy_returning_12", "2020-01-12", "returning", `api = "legacy"`) +
		lifecycleBlock("auto_resurrecting_12", "2020-01-12", "resurrecting", "") +
		lifecycleBlock("auto_dormant_13", "2020-01-13", "dormant", `page_size = 1`) +
		lifecycleBlock("legacy_dormant_16", "2020-01-16", "dormant", "api = \"legacy\"\nlimit = 1") +
		lifecycleBlock("legacy_new_15", "2020-01-15", "new", "api = \"legacy\"\nlimit = 1")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Without the Query API, api = "query" fails instead of falling back.
				Config:      env.ProviderConfigWithKey(legacyKey) + lifecycleBlock("forced", "2020-01-12", "new", `api = "query"`),
				ExpectError: regexp.MustCompile(`(?s)POST /api/projects/1/query/: 404`),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					idsOutput("legacy_returning_12", "p1"),
					idsOutput("auto_resurrecting_12", "p2"),
					idsOutput("auto_dormant_13", "p2", "p3"),
					idsOutput("legacy_new_15", "p4"),
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.legacy_returning_12", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.auto_resurrecting_12", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.auto_dormant_13", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.legacy_dormant_16", tfjsonpath.New("persons"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.legacy_dormant_16", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
					// Exactly one new person: the limit+1 probe shows there are no more.
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.legacy_new_15", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				},
			},
		},
	})
	if n := env.Emulator.Stats().Count("GET", legacyLifecycleRoute); n == 0 {
		t.Error("the legacy lifecycle endpoint was never called")
	}
}

func TestAccLifecyclePersonsDataSource_legacyPagingThroughNext(t *testing.T) {
	t.Parallel()
	env := newLegacyEnv(t, true) // the Query API exists, but api = "legacy" forces the old endpoint
	for i := range 25 {
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: fmt.Sprintf("user-%02d", i),
			Timestamp: time.Date(2020, 1, 12, 12, 0, 0, 0, time.UTC)})
	}
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("user-%02d", i))
	}
	config := env.ProviderConfigWithKey(legacyKey) +
		lifecycleBlock("all", "2020-01-12", "new", "api = \"legacy\"\npage_size = 4") +
		lifecycleBlock("limited", "2020-01-12", "new", "api = \"legacy\"\npage_size = 4\nlimit = 10") +
		lifecycleBlock("exact", "2020-01-12", "new", "api = \"legacy\"\npage_size = 5\nlimit = 25")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: env.Emulator.ResetStats,
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				// 7 pages of 4 through `next`: the second and later links are
				// PostHog's relative paths without a leading slash.
				idsOutput("all", want...),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.all", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.limited", tfjsonpath.New("persons"), knownvalue.ListSizeExact(10)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.exact", tfjsonpath.New("persons"), knownvalue.ListSizeExact(25)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.exact", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.exact", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
			},
		}},
	})
	if n := env.Emulator.Stats().Count("POST", queryRoute); n != 0 {
		t.Errorf("api = \"legacy\" called the Query API %d times", n)
	}
	// Per read: 7 pages (all), 3 (limited: 12 > 10 proves more) and 5 or 6
	// (exact: a 6th, empty page when PostHog links one from the full 5th).
	if n := env.Emulator.Stats().Count("GET", legacyLifecycleRoute); n == 0 || (n%15 != 0 && n%16 != 0) {
		t.Errorf("the legacy endpoint was called %d times; want a multiple of 15 or 16", n)
	}
}

// With async = true the query is queued (refresh force_async) and polled at
// GET /query/:id/ until PostHog has the result
// (docs/dev/posthog-behaviour.md#query-api); the persons are those of the
// blocking answers above (scenario S1).
func TestAccLifecyclePersonsDataSource_asyncQuery(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{AsyncQueries: true, AsyncQueryPolls: 2})
	ingestS1(env)
	config := env.ProviderConfig() +
		lifecycleBlock("returning_12", "2020-01-12", "returning", "async = true") +
		lifecycleBlock("dormant_13", "2020-01-13", "dormant", "async = true\npage_size = 1")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: env.Emulator.ResetStats,
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("returning_12", "p1"),
				idsOutput("dormant_13", "p2", "p3"),
			},
			Check: func(*terraform.State) error {
				polls := 0
				for route, byStatus := range env.Emulator.Stats().Routes {
					if strings.HasPrefix(route, "GET ") && strings.Contains(route, "/query/") {
						for _, n := range byStatus {
							polls += n
						}
					}
				}
				if polls == 0 {
					return fmt.Errorf("no query was polled: %v", env.Emulator.Stats().Routes)
				}
				return nil
			},
		}},
	})
}
