package provider_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// invalidSteps turns (config body, expected error) pairs into plan-time
// failing steps for one data source type named "test".
func invalidSteps(env *acctest.Env, dataSource string, cases [][2]string) []resource.TestStep {
	steps := make([]resource.TestStep, len(cases))
	for i, c := range cases {
		steps[i] = resource.TestStep{
			Config: env.ProviderConfig() + "data \"" + dataSource + "\" \"test\" {\n" + c[0] + "\n}\n",
			// Terraform wraps long messages: any space may be a line break.
			ExpectError: regexp.MustCompile(strings.ReplaceAll(c[1], " ", `\s+`)),
		}
	}
	return steps
}

// expectNoActorCalls fails when a validation failure still reached PostHog.
func expectNoActorCalls(t *testing.T, env *acctest.Env) {
	t.Helper()
	if n := env.Emulator.Stats().Total; n != 0 {
		t.Errorf("invalid configurations made %d requests to PostHog; expected none", n)
	}
}

const lifecycleOK = `
  events = [{ event = "$pageview" }]
  day    = "2020-01-12"
  status = "returning"
`

func TestAccLifecyclePersonsDataSource_invalidConfig(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_lifecycle_persons", [][2]string{
			{`events = [{ event = "$pageview" }]
  day    = "2020-01-12"
  status = "churned"`, `(?s)status.*value must be one of:.*"new".*"returning".*"resurrecting".*"dormant".*got: "churned"`},
			{lifecycleOK + `date_from = "2020-13-45"`, `(?s)Invalid date.*"2020-13-45" is not a date PostHog understands`},
			{lifecycleOK + `date_from = "last week"`, `(?s)Invalid date.*"last week"`},
			{lifecycleOK + `date_to = "all"`, `(?s)Invalid date.*"all" is not a date`},
			{lifecycleOK + `
  date_from = "2020-01-19"
  date_to   = "2020-01-09"`, `(?s)date_to is before date_from.*date_to \(2020-01-09\) is before date_from \(2020-01-19\)`},
			{lifecycleOK + `
  date_from = "-1d"
  date_to   = "-2w"`, `(?s)date_to is before date_from`},
			{`events = [{ event = "$pageview" }]
  day    = "-1d"
  status = "new"`, `(?s)Invalid day.*relative dates are not accepted`},
			{lifecycleOK + `interval = "fortnight"`, `(?s)interval.*value must be one of`},
			{`events = []
  day    = "2020-01-12"
  status = "new"`, `(?s)events.*at least 1`},
			{`events = [{ event = "$pageview", properties = [{ key = "plan" }] }]
  day    = "2020-01-12"
  status = "new"`, `(?s)Missing property value`},
			{`events = [{ event = "$pageview", properties = [{ key = "plan", operator = "is_set", value = "x" }] }]
  day    = "2020-01-12"
  status = "new"`, `(?s)Value with a value-less operator`},
			{lifecycleOK + `properties = [{ key = "plan", value = "pro", operator = "like" }]`, `(?s)operator.*value must be one of`},
			{lifecycleOK + `api = "graphql"`, `(?s)api.*value must be one of:.*"auto".*"query".*"legacy"`},
			{lifecycleOK + `limit = 0`, `(?s)limit.*between 1 and 10000`},
			{lifecycleOK + `limit = 10001`, `(?s)limit.*between 1 and 10000`},
			{lifecycleOK + `page_size = 0`, `(?s)page_size.*between 1 and 10000`},
		}),
	})
	expectNoActorCalls(t, env)
}

const threeSteps = `steps = [{ event = "step one" }, { event = "step two" }, { event = "step three" }]`

func TestAccFunnelPersonsDataSource_invalidConfig(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_funnel_persons", [][2]string{
			{threeSteps + "\nstep = 0", `(?s)Invalid funnel step.*step 0 does not exist: steps are numbered from 1`},
			{threeSteps + "\nstep = -1", `(?s)Invalid funnel step.*everyone in a funnel did step 1`},
			{threeSteps + "\nstep = 4", `(?s)Funnel step beyond the last step.*step is 4, but the funnel has 3 steps`},
			{threeSteps + "\nstep = -4", `(?s)Funnel step beyond the last step.*step is -4`},
			{`steps = [{ event = "only" }]
  step = 1`, `(?s)steps.*at least 2`},
			{threeSteps + "\nstep = 2\norder_type = \"sequential\"", `(?s)order_type.*value must be one of:.*"ordered".*"strict".*"unordered"`},
			{threeSteps + "\nstep = 2\nwindow_unit = \"fortnight\"", `(?s)window_unit.*value must be one of`},
			{threeSteps + "\nstep = 2\nwindow_interval = 0", `(?s)window_interval.*between 1`},
			{threeSteps + "\nstep = 2\ndate_from = \"2021-05-07\"\ndate_to = \"2021-05-01\"", `(?s)date_to is before date_from`},
			{threeSteps + "\nstep = 2\ndate_to = \"May 7th\"", `(?s)Invalid date.*"May 7th"`},
			{threeSteps, `(?s)The argument "step" is required`},
		}),
	})
	expectNoActorCalls(t, env)
}

const twoSteps = `steps = [{ event = "user signed up" }, { event = "paid" }]`

func TestAccFunnelCorrelationPersonsDataSource_invalidConfig(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_funnel_correlation_persons", [][2]string{
			{twoSteps, `(?s)Missing correlation.*set event.*or property_values`},
			{twoSteps + `
  event           = { event = "positively_related" }
  property_values = [{ key = "$browser", value = "Chrome", type = "person" }]`, `(?s)Two correlations.*Set only one of event and property_values`},
			{twoSteps + "\nproperty_values = []", `(?s)property_values.*at least 1`},
			{twoSteps + "\nevent = { event = \"x\" }\nconverted = \"maybe\"", `(?s)converted.*value must be one of:.*"true".*"false".*"either"`},
			{twoSteps + "\nevent = { event = \"x\" }\ndate_from = \"2020-01-14\"\ndate_to = \"2020-01-01\"", `(?s)date_to is before date_from`},
			{twoSteps + "\nevent = { event = \"\" }", `(?s)event.*length must be at least 1`},
		}),
	})
	expectNoActorCalls(t, env)
}
