package provider_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// PostHog's default test-account filter: persons whose email contains
// posthog.com, case-insensitively, are test accounts. A person without an
// email passes (docs/dev/posthog-behaviour.md#query-api).
var posthogEmailTestAccounts = []any{
	map[string]any{"key": "email", "type": "person", "operator": "not_icontains", "value": "posthog.com"},
}

// setEmails gives persons an email through an event outside every tested
// date range, so that the funnels and lifecycles do not see it.
func setEmails(env *acctest.Env, at time.Time, emails map[string]string) {
	for id, email := range emails {
		env.Emulator.Ingest(emulator.Event{Event: "$set", DistinctID: id, Timestamp: at,
			Properties: map[string]any{"$set": map[string]any{"email": email}}})
	}
}

// S4 with user_0 (all three steps) and user_5 (steps one and two) at
// posthog.com addresses, user_16 (step one) at posthog.community, which
// contains "posthog.com" too, and user_15 at example.com: the filter drops
// user_0, user_5 and user_16.
func TestAccFunnelPersonsDataSource_filterTestAccounts(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	setEmails(env, time.Date(2021, 4, 20, 12, 0, 0, 0, time.UTC), map[string]string{
		"user_0": "ann@posthog.com", "user_5": "bob@PostHog.com", "user_15": "cat@example.com", "user_16": "dan@posthog.community",
	})
	if err := env.Emulator.SetTestAccountFilters(posthogEmailTestAccounts); err != nil {
		t.Fatal(err)
	}
	on := "filter_test_accounts = true"
	config := env.ProviderConfig() +
		funnelBlock("reached_1", 1, on) +
		funnelBlock("reached_2", 2, on) +
		funnelBlock("reached_3", 3, on) +
		funnelBlock("dropped_2", -2, on) +
		funnelBlock("dropped_3", -3, on) +
		funnelBlock("off_1", 1, "filter_test_accounts = false") +
		funnelBlock("unset_3", 3, "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				countOutput("reached_1", 32),
				countOutput("reached_2", 13),
				idsOutput("reached_3", users(1, 2, 3, 4)...),
				countOutput("dropped_2", 19),
				idsOutput("dropped_3", users(6, 7, 8, 9, 10, 11, 12, 13, 14)...),
				countOutput("off_1", 35),
				idsOutput("unset_3", users(0, 1, 2, 3, 4)...),
			},
		}, {
			// The legacy endpoints would list the persons unfiltered.
			Config:      env.ProviderConfig() + funnelBlock("legacy", 1, on+"\napi = \"legacy\""),
			ExpectError: regexp.MustCompile(`filtering\s+test\s+accounts\s+needs\s+the\s+Query\s+API`),
		}},
	})
}

// S6 with user_0 (converted, did positively_related) and user_succ
// (converted, did negatively_related) at posthog.com addresses.
func TestAccFunnelCorrelationPersonsDataSource_filterTestAccounts(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS6(env)
	setEmails(env, time.Date(2019, 12, 20, 12, 0, 0, 0, time.UTC), map[string]string{
		"user_0": "ann@posthog.com", "user_succ": "sam@posthog.com",
	})
	if err := env.Emulator.SetTestAccountFilters(posthogEmailTestAccounts); err != nil {
		t.Fatal(err)
	}
	on := "\nfilter_test_accounts = true"
	config := env.ProviderConfig() +
		correlationBlock("pos_true", eventCorrelation("positively_related", "true")+on) +
		correlationBlock("neg_true", eventCorrelation("negatively_related", "true")+on) +
		correlationBlock("pos_false", eventCorrelation("positively_related", "false")+on) +
		correlationBlock("pos_true_off", eventCorrelation("positively_related", "true"))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("pos_true", users(2, 4, 6, 8)...),
				idsOutput("neg_true"),
				idsOutput("pos_false", "user_fail"),
				idsOutput("pos_true_off", users(0, 2, 4, 6, 8)...),
			},
		}},
	})
}

// S1 with p2 at a posthog.com address: p2 leaves the lifecycle entirely.
func TestAccLifecyclePersonsDataSource_filterTestAccounts(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{TestAccountFilters: posthogEmailTestAccounts})
	ingestS1(env)
	setEmails(env, time.Date(2019, 12, 1, 12, 0, 0, 0, time.UTC), map[string]string{"p2": "p2@posthog.com"})
	on := "filter_test_accounts = true"
	config := env.ProviderConfig() +
		lifecycleBlock("resurrecting_12", "2020-01-12", "resurrecting", on) +
		lifecycleBlock("dormant_13", "2020-01-13", "dormant", on) +
		lifecycleBlock("returning_12", "2020-01-12", "returning", on) +
		lifecycleBlock("resurrecting_12_off", "2020-01-12", "resurrecting", "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("resurrecting_12"),
				idsOutput("dormant_13", "p3"),
				idsOutput("returning_12", "p1"),
				idsOutput("resurrecting_12_off", "p2"),
			},
		}},
	})
}
