package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// personFilter is a properties argument with one person property filter.
func personFilter(key, operator, value string) string {
	return fmt.Sprintf("properties = [{ type = \"person\", key = %q, operator = %q, %s }]", key, operator, value)
}

// S4, where user_i has the person properties age = i (a number) and
// beta = whether i is even (a boolean). user_0..14 reach step two and
// user_0..4 step three.
func TestAccFunnelPersonsDataSource_typedPropertyValues(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	ingestS4(env, false)
	for i := range 35 {
		env.Emulator.Ingest(emulator.Event{Event: "$set", DistinctID: fmt.Sprintf("user_%d", i),
			Timestamp:  time.Date(2021, 4, 20, 12, 0, 0, 0, time.UTC),
			Properties: map[string]any{"$set": map[string]any{"age": i, "beta": i%2 == 0}}})
	}
	config := env.ProviderConfig() +
		funnelBlock("age_gt_10", 2, personFilter("age", "gt", `value_json = "10"`)) +
		funnelBlock("age_in", 3, personFilter("age", "exact", `value_json = jsonencode([0, 3, 7])`)) +
		funnelBlock("age_not_in", 3, personFilter("age", "is_not", `value_json = jsonencode([0, 1])`)) +
		funnelBlock("beta_true", 3, personFilter("beta", "exact", `value_json = jsonencode(true)`)) +
		funnelBlock("beta_string", 3, personFilter("beta", "exact", `value = "true"`)) +
		funnelBlock("age_string", 3, personFilter("age", "lte", `value = "1"`)) +
		funnelBlock("beta_set", 3, `properties = [{ type = "person", key = "beta", operator = "is_set" }]`) +
		funnelBlock("nobody_set", 3, `properties = [{ type = "person", key = "vip", operator = "is_set" }]`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				idsOutput("age_gt_10", users(11, 12, 13, 14)...),
				idsOutput("age_in", users(0, 3)...),
				idsOutput("age_not_in", users(2, 3, 4)...),
				idsOutput("beta_true", users(0, 2, 4)...),
				idsOutput("beta_string", users(0, 2, 4)...),
				idsOutput("age_string", users(0, 1)...),
				idsOutput("beta_set", users(0, 1, 2, 3, 4)...),
				idsOutput("nobody_set"),
			},
		}},
	})
}

func TestAccFunnelPersonsDataSource_invalidPropertyValues(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	withFilter := func(filter string) string {
		return threeSteps + "\nstep = 2\nproperties = [{ key = \"k\", " + filter + " }]"
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: invalidSteps(env, "posthog_funnel_persons", [][2]string{
			{withFilter(`value = "a", value_json = "1"`), `(?s)Two property values.*Set only one of value and value_json`},
			{withFilter(`operator = "is_set", value_json = "true"`), `(?s)Value with a value-less operator.*remove value and value_json`},
			{withFilter(`operator = "exact"`), `(?s)Missing property value.*Set value or value_json`},
			{withFilter(`value_json = jsonencode({ a = 1 })`), `(?s)Invalid value_json.*an object is not a string, number, boolean or list`},
			{withFilter(`value_json = jsonencode([[1]])`), `(?s)Invalid value_json.*list element 0 is a list`},
			{withFilter(`value_json = "[]"`), `(?s)Invalid value_json.*the list is empty`},
			{withFilter(`value_json = "gold"`), `(?s)Invalid value_json.*not JSON`},
		}),
	})
	expectNoActorCalls(t, env)
}
