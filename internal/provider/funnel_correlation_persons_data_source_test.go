package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

const legacyCorrelationRoute = "/api/projects/{project_id}/persons/funnel/correlation/"

// ingestS6 is scenario S6 (docs/dev/posthog-behaviour.md#conformance-scenarios), funnel "user signed up"
// → "paid": user_0..9 sign up on Jan 2 and pay on Jan 4, the even ones also
// do positively_related on Jan 3; user_10..19 only sign up, the even ones do
// negatively_related; user_fail signs up and does positively_related without
// paying; user_succ signs up, does negatively_related and pays. For the
// property correlation, user_0..4 and user_10..14 also get segment=a.
func ingestS6(env *acctest.Env) {
	at := func(day int) time.Time { return time.Date(2020, 1, day, 14, 0, 0, 0, time.UTC) }
	do := func(id, event string, day int, props map[string]any) {
		env.Emulator.Ingest(emulator.Event{Event: event, DistinctID: id, Timestamp: at(day), Properties: props})
	}
	for i := range 20 {
		id := fmt.Sprintf("user_%d", i)
		segment := "b"
		if i%10 < 5 {
			segment = "a"
		}
		do(id, "user signed up", 2, map[string]any{"$set": map[string]any{"segment": segment}})
		if i%2 == 0 {
			if i < 10 {
				do(id, "positively_related", 3, nil)
			} else {
				do(id, "negatively_related", 3, nil)
			}
		}
		if i < 10 {
			do(id, "paid", 4, nil)
		}
	}
	do("user_fail", "user signed up", 2, nil)
	do("user_fail", "positively_related", 3, nil)
	do("user_succ", "user signed up", 2, nil)
	do("user_succ", "negatively_related", 3, nil)
	do("user_succ", "paid", 4, nil)
}

// correlationBlock is one posthog_funnel_correlation_persons over S6's
// funnel, with outputs <name>_count and <name> (sorted first distinct ids).
func correlationBlock(name, extra string) string {
	return fmt.Sprintf(`
data "posthog_funnel_correlation_persons" %[1]q {
  steps     = [{ event = "user signed up" }, { event = "paid" }]
  date_from = "2020-01-01"
  date_to   = "2020-01-14"
%[2]s
}

output "%[1]s_count" {
  value = length(data.posthog_funnel_correlation_persons.%[1]s.persons)
}

output %[1]q {
  value = sort([for p in data.posthog_funnel_correlation_persons.%[1]s.persons : p.distinct_ids[0]])
}
`, name, extra)
}

func eventCorrelation(event, converted string) string {
	return fmt.Sprintf("event = { event = %q }\nconverted = %q", event, converted)
}

// s6Checks are S6's expected persons for the blocks s6Blocks adds.
func s6Checks() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		idsOutput("pos_true", users(0, 2, 4, 6, 8)...),
		idsOutput("neg_false", users(10, 12, 14, 16, 18)...),
		idsOutput("pos_false", "user_fail"),
		idsOutput("neg_true", "user_succ"),
		idsOutput("pos_either", sortedStrings(append(users(0, 2, 4, 6, 8), "user_fail"))...),
		idsOutput("neg_either", sortedStrings(append(users(10, 12, 14, 16, 18), "user_succ"))...),
	}
}

func s6Blocks(extra string) string {
	return correlationBlock("pos_true", eventCorrelation("positively_related", "true")+"\n"+extra) +
		correlationBlock("neg_false", eventCorrelation("negatively_related", "false")+"\n"+extra) +
		correlationBlock("pos_false", eventCorrelation("positively_related", "false")+"\n"+extra) +
		correlationBlock("neg_true", eventCorrelation("negatively_related", "true")+"\n"+extra) +
		correlationBlock("pos_either", "event = { event = \"positively_related\" }\n"+extra) +
		correlationBlock("neg_either", eventCorrelation("negatively_related", "either")+"\npage_size = 2\n"+extra)
}

func TestAccFunnelCorrelationPersonsDataSource_queryAPI(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS6(env)
	config := env.ProviderConfig() + s6Blocks("") +
		correlationBlock("segment_converted", `property_values = [{ key = "segment", value = "a", type = "person" }]
converted = "true"`) +
		correlationBlock("segment_not_converted", `property_values = [{ key = "segment", value = "a", type = "person" }]
converted = "false"
api = "query"`) +
		correlationBlock("limited", eventCorrelation("positively_related", "either")+"\nlimit = 4\npage_size = 3")
	checks := append(s6Checks(),
		// Derived from how property correlation filters the funnel
		// (docs/dev/posthog-behaviour.md#funnel-correlation): the funnel is recomputed for the matching persons.
		idsOutput("segment_converted", users(0, 1, 2, 3, 4)...),
		idsOutput("segment_not_converted", users(10, 11, 12, 13, 14)...),
		countOutput("limited", 4),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.neg_either", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.pos_true", tfjsonpath.New("api_used"), knownvalue.StringExact("query")),
	)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
}

func TestAccFunnelCorrelationPersonsDataSource_legacyAndAuto(t *testing.T) {
	t.Parallel()
	env := newLegacyEnv(t, false)
	ingestS6(env)
	// The S6 blocks use api = "auto" (the default) and fall back; one more
	// forces legacy mode with property values.
	config := env.ProviderConfigWithKey(legacyKey) + s6Blocks("") +
		correlationBlock("segment_converted", `property_values = [{ key = "segment", value = "a", type = "person" }]
converted = "true"
api = "legacy"`) +
		correlationBlock("limited", eventCorrelation("negatively_related", "false")+"\napi = \"legacy\"\nlimit = 4\npage_size = 2")
	checks := append(s6Checks(),
		idsOutput("segment_converted", users(0, 1, 2, 3, 4)...),
		countOutput("limited", 4),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.limited", tfjsonpath.New("has_more"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.neg_either", tfjsonpath.New("has_more"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.pos_true", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
		statecheck.ExpectKnownValue("data.posthog_funnel_correlation_persons.segment_converted", tfjsonpath.New("api_used"), knownvalue.StringExact("legacy")),
	)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps:                    []resource.TestStep{{PreConfig: env.Emulator.ResetStats, Config: config, ConfigStateChecks: checks}},
	})
	if n := env.Emulator.Stats().Count("GET", legacyCorrelationRoute); n == 0 {
		t.Error("the legacy correlation endpoint was never called")
	}
}
