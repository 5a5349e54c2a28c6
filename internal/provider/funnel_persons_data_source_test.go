package provider_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

const legacyFunnelRoute = "/api/projects/{project_id}/persons/funnel/"

func may2021(day int) time.Time { return time.Date(2021, 5, day, 12, 0, 0, 0, time.UTC) }

// ingestFunnel ingests, for each user_<i> in [from, to), the given events on
// the given May 2021 days. Every person gets the person property plan=pro.
func ingestFunnel(env *acctest.Env, from, to int, events ...struct {
	name string
	day  int
},
) {
	for i := from; i < to; i++ {
		id := fmt.Sprintf("user_%d", i)
		for j, e := range events {
			props := map[string]any{}
			if j == 0 {
				props["$set"] = map[string]any{"plan": "pro"}
			}
			env.Emulator.Ingest(emulator.Event{Event: e.name, DistinctID: id, Properties: props, Timestamp: may2021(e.day)})
		}
	}
}

type ev = struct {
	name string
	day  int
}

// ingestS4 is scenario S4 (docs/dev/posthog-behaviour.md#conformance-scenarios): user_0..4 do all three
// steps, user_5..14 steps one and two, user_15..34 only step one. With
// strictFake, user_0..4 also do "step fake" between steps one and two (S5).
func ingestS4(env *acctest.Env, strictFake bool) {
	first := []ev{{"step one", 1}, {"step two", 3}, {"step three", 5}}
	if strictFake {
		first = []ev{{"step one", 1}, {"step fake", 2}, {"step two", 3}, {"step three", 5}}
	}
	ingestFunnel(env, 0, 5, first...)
	ingestFunnel(env, 5, 15, ev{"step one", 1}, ev{"step two", 3})
	ingestFunnel(env, 15, 35, ev{"step one", 1})
}

// ingestS5Unordered is S5's unordered data.
func ingestS5Unordered(env *acctest.Env) {
	ingestFunnel(env, 0, 5, ev{"step one", 1}, ev{"step three", 3}, ev{"step two", 5})
	ingestFunnel(env, 5, 15, ev{"step two", 1}, ev{"step one", 3})
	ingestFunnel(env, 15, 35, ev{"step one", 1})
}

// funnelBlock is one posthog_funnel_persons over S4's funnel (3 steps, 7-day
// window, 2021-05-01..07) with outputs <name>_count and <name> (sorted ids).
func funnelBlock(name string, step int, extra string) string {
	return fmt.Sprintf(`
data "posthog_funnel_persons" %[1]q {
  steps           = [{ event = "step one" }, { event = "step two" }, { event = "step three" }]
  date_from       = "2021-05-01"
  date_to         = "2021-05-07"
  window_interval = 7
  window_unit     = "day"
  step            = %[2]d
%[3]s
}

output "%[1]s_count" {
  value = length(data.posthog_funnel_persons.%[1]s.persons)
}

output %[1]q {
  value = sort([for p in data.posthog_funnel_persons.%[1]s.persons : p.distinct_ids[0]])
}
`, name, step, extra)
}

func countOutput(name string, n int64) statecheck.StateCheck {
	return statecheck.ExpectKnownOutputValue(name+"_count", knownvalue.Int64Exact(n))
}

func users(ids ...int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("user_%d", id)
	}
	// Terraform's sort() is lexical.
	return sortedStrings(out)
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestAccFunnelPersonsDataSource_orderedQueryAPI(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	config := env.ProviderConfig() +
		funnelBlock("reached_1", 1, `api = "query"`) +
		funnelBlock("reached_2", 2, `order_type = "ordered"`) +
		funnelBlock("reached_3", 3, "") +
		funnelBlock("dropped_2", -2, `page_size = 6`) + // 4 pages
		funnelBlock("dropped_3", -3, "") +
		funnelBlock("limited", 1, "limit = 30\npage_size = 8")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("reached_1", 35),
				countOutput("reached_2", 15),
				countOutput("reached_3", 5),
				countOutput("dropped_2", 20),
				countOutput("dropped_3", 10),
				idsOutput("reached_3", users(0, 1, 2, 3, 4)...),
				idsOutput("dropped_3", users(5, 6, 7, 8, 9, 10, 11, 12, 13, 14)...),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.reached_1", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.dropped_2", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.reached_2", tfjsonpath.New("api_used"), knownvalue.StringExact("query")),
				countOutput("limited", 30),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
			},
		}},
	})
}

func TestAccFunnelPersonsDataSource_strict(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, true)
	config := env.ProviderConfig() +
		funnelBlock("strict_1", 1, `order_type = "strict"`) +
		funnelBlock("strict_2", 2, `order_type = "strict"`) +
		funnelBlock("strict_dropped_2", -2, `order_type = "strict"`) +
		funnelBlock("strict_3", 3, `order_type = "strict"`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("strict_1", 35),
				countOutput("strict_2", 10),
				countOutput("strict_dropped_2", 25),
				countOutput("strict_3", 0),
				idsOutput("strict_2", users(5, 6, 7, 8, 9, 10, 11, 12, 13, 14)...),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.strict_3", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
			},
		}},
	})
}

func TestAccFunnelPersonsDataSource_unordered(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS5Unordered(env)
	config := env.ProviderConfig() +
		funnelBlock("unordered_1", 1, `order_type = "unordered"`) +
		funnelBlock("unordered_3", 3, `order_type = "unordered"`) +
		funnelBlock("unordered_dropped_2", -2, `order_type = "unordered"`) +
		funnelBlock("unordered_dropped_3", -3, `order_type = "unordered"`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("unordered_1", 35),
				countOutput("unordered_3", 5),
				countOutput("unordered_dropped_2", 20),
				countOutput("unordered_dropped_3", 10),
				idsOutput("unordered_3", users(0, 1, 2, 3, 4)...),
			},
		}},
	})
}

func TestAccFunnelPersonsDataSource_legacyAndAuto(t *testing.T) {
	t.Parallel()
	env := newLegacyEnv(t, false)
	ingestS4(env, false)
	long := strings.Repeat("x", 4100)
	config := env.ProviderConfigWithKey(legacyKey) +
		funnelBlock("legacy_2", 2, `api = "legacy"`) +
		funnelBlock("auto_dropped_2", -2, `page_size = 6`) + // through `next`, 4 pages
		funnelBlock("auto_3", 3, "") +
		funnelBlock("legacy_limited", 1, "api = \"legacy\"\nlimit = 30\npage_size = 8") +
		// A filter too long for a query string goes in a POST body.
		funnelBlock("legacy_post", -3, fmt.Sprintf("api = \"legacy\"\nproperties = [{ key = \"plan\", type = \"person\", operator = \"is_not\", value = %q }]", long))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: env.Emulator.ResetStats,
			Config:    config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("legacy_2", 15),
				countOutput("auto_dropped_2", 20),
				countOutput("auto_3", 5),
				countOutput("legacy_limited", 30),
				countOutput("legacy_post", 10),
				idsOutput("auto_3", users(0, 1, 2, 3, 4)...),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.legacy_2", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.auto_3", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.auto_dropped_2", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.legacy_limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.posthog_funnel_persons.legacy_post", tfjsonpath.New("persons").AtSliceIndex(0).AtMapKey("is_identified"), knownvalue.NotNull()),
			},
		}},
	})
	stats := env.Emulator.Stats()
	if stats.Count("GET", legacyFunnelRoute) == 0 || stats.Count("POST", legacyFunnelRoute) == 0 {
		t.Errorf("legacy funnel calls: GET %d, POST %d; want both forms used", stats.Count("GET", legacyFunnelRoute), stats.Count("POST", legacyFunnelRoute))
	}
}

// Persons deleted after their events were captured drop out of the list,
// in both APIs: PostHog's actors query joins actors to the persons table
// (docs/dev/posthog-behaviour.md#actors-query-answers).
func TestAccFunnelPersonsDataSource_deletedPersonsDropOut(t *testing.T) {
	t.Parallel()
	env := newLegacyEnv(t, true)
	ingestS4(env, false)
	deletion := env.ProviderConfigWithKey(legacyKey) + `
resource "posthog_person_deletion" "two_finishers" {
  distinct_ids = ["user_0", "user_1"]
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: deletion},
			{
				Config: deletion + funnelBlock("reached_3", 3, `api = "query"`) + funnelBlock("legacy_3", 3, `api = "legacy"`) +
					funnelBlock("reached_1", 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					// S4: user_0..4 finish; user_0 and user_1 are deleted.
					idsOutput("reached_3", users(2, 3, 4)...),
					idsOutput("legacy_3", users(2, 3, 4)...),
					countOutput("reached_1", 33),
				},
			},
		},
	})
}
