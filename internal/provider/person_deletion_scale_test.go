package provider_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Scale of TestAccPersonDeletion_ScaleNoChangePlan: POSTHOG_SCALE_TEST_N
// resources (default 100, ten waves of Reads; make soak sets 300), and
// POSTHOG_SCALE_TEST_PARALLELISM for terraform plan -parallelism (default:
// Terraform's 10).
const (
	envScaleN           = "POSTHOG_SCALE_TEST_N"
	envScaleParallelism = "POSTHOG_SCALE_TEST_PARALLELISM"
)

// N deletions of 1-3 distinct ids each (resource i asks for 1 + i%3 ids;
// every other one also deletes events). After the apply, a no-change plan
// refreshes every instance; the provider shares that work: lookups of
// instances that wait at the same time go out as one batch call, and the
// deletion_status listing is read once.
//
// The bound: Terraform runs at most P = parallelism Reads at once, so the
// plan has at least ceil(N/P) waves of concurrent Reads; a wave holds at
// most 3P ids, so it needs ceil(3P/200) full batch calls, plus one for
// callers that miss the wave's window. Lookups are therefore bounded by
// ceil(N/P) * (ceil(3P/200) + 1) = 2N/P for P < 67; without coalescing
// they are N (one per instance), five times the bound at P = 10. Status
// costs at most 5 per-person calls before the shared listing, plus
// ceil(rows/1000) pages per listing, read once per 30 s of walk.
func TestAccPersonDeletion_ScaleNoChangePlan(t *testing.T) {
	n := envInt(t, envScaleN, 100)
	parallelism := envInt(t, envScaleParallelism, 10)
	if parallelism != 10 {
		t.Setenv("TF_CLI_ARGS_plan", fmt.Sprintf("-parallelism=%d", parallelism))
	}
	env := acctest.NewEnv(t, emulator.Config{})
	var events []emulator.Event
	ids, eventDeletions := 0, 0
	for i := range n {
		for j := range 1 + i%3 {
			events = append(events, emulator.Event{Event: "$pageview", DistinctID: fmt.Sprintf("s%d-%d", i, j)})
			ids++
			if i%2 == 0 {
				eventDeletions++
			}
		}
	}
	env.Emulator.Ingest(events...)
	env.Person(t, "bystander")

	config := env.ProviderConfig() + fmt.Sprintf(`
resource "posthog_person_deletion" "scale" {
  count         = %d
  distinct_ids  = [for j in range(1 + count.index %% 3) : "s${count.index}-${j}"]
  delete_events = count.index %% 2 == 0
}
`, n)

	// On a 2-core machine Terraform core feeds no more than about ten
	// concurrent Reads whatever -parallelism says (measured: 34 lookups for
	// N=300 at -parallelism=100, 41 at 10), so the bound assumes waves of at
	// most ten.
	waves := ceilDiv(n, min(parallelism, 10))
	lookupBound := waves * (ceilDiv(3*parallelism, 200) + 1)
	var planStarted time.Time
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					for _, id := range []string{"s0-0", fmt.Sprintf("s%d-0", n-1), fmt.Sprintf("s%d-%d", n-1, (n-1)%3)} {
						if env.Exists(id) {
							return fmt.Errorf("%s still exists after apply", id)
						}
					}
					if !env.Exists("bystander") {
						return fmt.Errorf("bystander was deleted")
					}
					return nil
				},
			},
			{
				// A plan-only step: a plan without refresh (no API calls),
				// then the refreshing `terraform plan` that is measured.
				PreConfig: env.Emulator.ResetStats,
				Config:    config,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{funcCheck(func() error {
						if total := env.Emulator.Stats().Total; total != 0 {
							return fmt.Errorf("the plan without refresh made %d API calls, want 0", total)
						}
						planStarted = time.Now()
						return nil
					})},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						funcCheck(func() error {
							elapsed := time.Since(planStarted)
							stats := env.Emulator.Stats()
							lookups := stats.Count("POST", batchDistinctRoute)
							status := stats.Count("GET", deletionStatusRoute)
							listings := 1 + int(elapsed/(30*time.Second))
							statusBound := 5 + listings*ceilDiv(eventDeletions, 1000)
							t.Logf("N=%d (%d ids) at parallelism %d: no-change plan made %d API calls "+
								"(%d batch_by_distinct_ids, %d deletion_status) in %s; bounds %d and %d",
								n, ids, parallelism, stats.Total, lookups, status, elapsed.Round(time.Millisecond), lookupBound, statusBound)
							if lookups > lookupBound {
								return fmt.Errorf("%d lookup calls for %d instances, want at most %d: concurrent lookups are not merged",
									lookups, n, lookupBound)
							}
							if status > statusBound {
								return fmt.Errorf("%d deletion_status calls, want at most %d: the listing is not shared", status, statusBound)
							}
							if other := stats.Total - lookups - status; other != 0 {
								return fmt.Errorf("%d other API calls in a no-change plan: %v", other, stats.Routes)
							}
							return nil
						}),
					},
				},
			},
		},
	})
}

func envInt(t *testing.T, name string, fallback int) int {
	t.Helper()
	raw := os.Getenv(name)
	if raw == "" {
		return fallback
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, raw)
	}
	return v
}

func ceilDiv(a, b int) int {
	return (a + b - 1) / b
}
