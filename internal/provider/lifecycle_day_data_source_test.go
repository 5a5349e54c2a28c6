package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// A day outside the date range lists nobody in PostHog; the plan stops
// instead, before any call, and says which bound to move.
func TestAccLifecyclePersonsDataSource_dayOutsideRange(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	const lifecycle = `events = [{ event = "$pageview" }]
  status = "returning"
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_lifecycle_persons", [][2]string{
			// The registry example before its fix: a fixed day behind -14d.
			{lifecycle + `
  date_from = "-14d"
  day       = "2024-06-03"`, `(?s)day is outside the date range.*day "2024-06-03" is before the date range, which starts at date_from "-14d".*Set date_from to "2024-06-03" or earlier`},
			// date_from's default, -7d.
			{lifecycle + `day = "2020-01-12"`, `(?s)day is outside the date range.*before the date range.*date_from "-7d"`},
			{lifecycle + `
  date_from = "2020-01-12"
  date_to   = "2020-01-19"
  day       = "2020-01-20"`, `(?s)day is outside the date range.*day "2020-01-20" is after the date range, which ends at date_to "2020-01-19".*Set date_to to "2020-01-20" or later`},
			{lifecycle + `
  date_from = "2020-01-12"
  date_to   = "2020-01-19"
  interval  = "week"
  day       = "2019-12-30"`, `(?s)day is outside the date range.*before the date range`},
			{lifecycle + `day = "2999-01-01"`, `(?s)day is outside the date range.*ends now .* because date_to is not set`},
		}),
	})
	expectNoActorCalls(t, env)
}

// A day computed from the plan's time (unknown while Terraform validates,
// known when it plans) is checked at plan time and, inside the range, read.
func TestAccLifecyclePersonsDataSource_dayFromPlanTimestamp(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
data "posthog_lifecycle_persons" "test" {
  events    = [{ event = "$pageview" }]
  date_from = "-14d"
  day       = formatdate("YYYY-MM-DD", timeadd(plantimestamp(), "-24h"))
  status    = "resurrecting"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.posthog_lifecycle_persons.test", tfjsonpath.New("persons"), knownvalue.ListSizeExact(0)),
				},
			},
			{
				Config: env.ProviderConfig() + `
data "posthog_lifecycle_persons" "test" {
  events    = [{ event = "$pageview" }]
  date_from = "-14d"
  day       = formatdate("YYYY-MM-DD", timeadd(plantimestamp(), "-720h"))
  status    = "resurrecting"
}
`,
				ExpectError: regexp.MustCompile(`(?s)day is outside the date range.*before the date range`),
			},
		},
	})
}
