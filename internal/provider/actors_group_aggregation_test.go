package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// With aggregation_group_type_index PostHog lists groups, not persons
// (docs/dev/posthog-behaviour.md#group-aggregation): every actors data
// source refuses it at plan time, before any request.
func TestAccActorsDataSources_groupAggregationRefused(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	const group = "\naggregation_group_type_index = 0"
	const why = `(?s)Group aggregation lists groups, not persons.*remove aggregation_group_type_index`
	var steps []resource.TestStep
	for _, c := range []struct{ dataSource, config string }{
		{"posthog_lifecycle_persons", lifecycleOK},
		{"posthog_funnel_persons", threeSteps + "\nstep = 1"},
		{"posthog_funnel_correlation_persons", twoSteps + "\nevent = { event = \"x\" }"},
	} {
		steps = append(steps, invalidSteps(env, c.dataSource, [][2]string{{c.config + group, why}})...)
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
	expectNoActorCalls(t, env)
}
