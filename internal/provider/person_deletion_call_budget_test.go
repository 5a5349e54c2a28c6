package provider_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// One posthog_person_deletion per erasure ticket: the call budget of a plan
// does not depend on Terraform's -parallelism. Terraform hands the provider
// one instance at a time, at most -parallelism at once, so without help a
// plan of N small instances needs about N/parallelism lookup calls (15 for
// these 30 tickets at -parallelism=2). The first plan-time lookup of each
// command instead resolves every id the earlier commands of the directory
// asked about (the roster) in full batches of 200, and answers the other
// instances from that snapshot. The real CLI runs the built provider, so
// the roster is saved when Terraform ends each provider process.
//
// Expected calls, worked out from the budget: 30 tickets of 2 ids are 60
// ids, ceil(60/200) = 1 lookup call per plan, whatever -parallelism is; a
// new ticket adds one call of its own; a user who came back is seen by that
// one call, because the snapshot is taken by the command that uses it.
func TestAccPersonDeletion_CallBudgetPerTicket(t *testing.T) {
	t.Parallel()
	const tickets = 30
	env := acctest.NewEnv(t, emulator.Config{})
	for i := range tickets {
		env.Person(t, fmt.Sprintf("t%d-a", i), fmt.Sprintf("t%d-b", i))
	}
	env.Person(t, "bystander")
	cli := acctest.NewCLI(t)
	config := func(n int) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "posthog_person_deletion" "ticket" {
  for_each     = { for i in range(%d) : "T-${i}" => ["t${i}-a", "t${i}-b"] }
  distinct_ids = each.value
  reason       = each.key
}
`, n)
	}
	cli.WriteConfig(t, config(tickets))
	if out, err := cli.Run("apply", "-auto-approve"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if env.Exists("t0-a") || env.Exists(fmt.Sprintf("t%d-b", tickets-1)) || !env.Exists("bystander") {
		t.Fatal("the apply did not delete exactly the requested persons")
	}

	lookups := func() int { return env.Emulator.Stats().Count("POST", batchDistinctRoute) }
	plan := func(want int, args ...string) string {
		t.Helper()
		env.Emulator.ResetStats()
		out, err := cli.Run(append([]string{"plan", "-detailed-exitcode"}, args...)...)
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatalf("plan %v: %v\n%s", args, err, out)
		}
		if code != want {
			t.Fatalf("plan %v exited %d, want %d\n%s", args, code, want, out)
		}
		return out
	}
	for _, parallelism := range []string{"-parallelism=2", "-parallelism=10"} {
		plan(0, parallelism)
		if got := lookups(); got != 1 {
			t.Errorf("no-change plan at %s made %d lookup calls, want ceil(60/200) = 1", parallelism, got)
		}
	}

	// A user comes back: the one snapshot call of the next plan sees them.
	env.Person(t, "t17-b")
	out := plan(2, "-parallelism=2")
	if got := lookups(); got != 1 {
		t.Errorf("the plan that catches a returning user made %d lookup calls, want 1", got)
	}
	if !strings.Contains(out, `posthog_person_deletion.ticket["T-17"] will be updated`) ||
		!strings.Contains(out, "1 to change") {
		t.Errorf("the plan does not show ticket T-17's returning user as its only change:\n%s", out)
	}

	// A new ticket as well: its preview looks its ids up on their own.
	cli.WriteConfig(t, config(tickets+1))
	out = plan(2, "-parallelism=2")
	if got := lookups(); got != 2 {
		t.Errorf("the plan adding a ticket made %d lookup calls, want 2 (the snapshot and the new ticket)", got)
	}
	if !strings.Contains(out, fmt.Sprintf(`posthog_person_deletion.ticket["T-%d"] will be created`, tickets)) ||
		!strings.Contains(out, "1 to add, 1 to change") {
		t.Errorf("the plan does not show the new ticket and T-17's returning user:\n%s", out)
	}
}
