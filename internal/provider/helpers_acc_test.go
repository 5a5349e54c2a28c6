package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Route patterns as the emulator's Stats records them.
const (
	bulkDeleteRoute     = "/api/projects/{project_id}/persons/bulk_delete/"
	batchDistinctRoute  = "/api/projects/{project_id}/persons/batch_by_distinct_ids/"
	batchUUIDsRoute     = "/api/projects/{project_id}/persons/batch_by_uuids/"
	deletionStatusRoute = "/api/projects/{project_id}/persons/deletion_status/"
)

// deletionConfig is the emulator's provider block plus one
// posthog_person_deletion named "test" with body as its arguments.
func deletionConfig(env *acctest.Env, body string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "posthog_person_deletion" "test" {
%s
}
`, body)
}

func bulkDeleteCalls(env *acctest.Env) int {
	return env.Emulator.Stats().Count("POST", bulkDeleteRoute)
}

// expectNoBulkDelete fails the test when any bulk_delete call reached the emulator.
func expectNoBulkDelete(t *testing.T, env *acctest.Env) {
	t.Helper()
	if n := bulkDeleteCalls(env); n != 0 {
		t.Errorf("bulk_delete was called %d times; expected none", n)
	}
}

func stringChecks(values ...string) []knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return checks
}

// ingestPersons creates one person per distinct id with a single event.
func ingestPersons(env *acctest.Env, distinctIDs ...string) {
	events := make([]emulator.Event, len(distinctIDs))
	for i, id := range distinctIDs {
		events[i] = emulator.Event{Event: "$pageview", DistinctID: id}
	}
	env.Emulator.Ingest(events...)
}

func numberedIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// priorStateValue is a plan check that runs fn on an attribute of the
// resource in the plan's prior state (the state the plan starts from).
type priorStateValue struct {
	addr, attr string
	fn         func(v any) error
}

func (c priorStateValue) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil || req.Plan.PriorState.Values.RootModule == nil {
		resp.Error = fmt.Errorf("plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address == c.addr {
			resp.Error = c.fn(r.AttributeValues[c.attr])
			return
		}
	}
	resp.Error = fmt.Errorf("%s not in the prior state", c.addr)
}

// funcCheck adapts a function to plancheck.PlanCheck.
type funcCheck func() error

func (f funcCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// exhaustLookupLimit makes 240 lookup calls with the default key, filling
// the emulator's per-key burst limit for the rest of its window.
func exhaustLookupLimit(t *testing.T, env *acctest.Env) {
	t.Helper()
	for range 240 {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/projects/1/persons/batch_by_distinct_ids/", strings.NewReader(`{"distinct_ids":["x"]}`))
		req.Header.Set("Authorization", "Bearer "+acctest.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}
