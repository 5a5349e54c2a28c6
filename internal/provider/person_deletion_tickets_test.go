package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// The tickets form, through the real CLI. Worked out by hand: T-1 asks for
// alice's two distinct ids (one person), T-2 for bob, T-3 for an id that
// matches nobody, and carol is a bystander. The first plan shows all three
// tickets (none recorded yet) with 1, 1 and 0 persons; the apply deletes
// alice and bob and records each ticket. Adding T-4 (dave) shows only T-4;
// bob coming back shows only T-2; neither touches anyone else.
func TestAccPersonDeletion_TicketsFile(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice", "alice-device")
	env.Person(t, "bob")
	env.Person(t, "carol")
	env.Person(t, "dave")
	cli := acctest.NewCLI(t)
	tickets := map[string][]string{"T-1": {"alice", "alice-device"}, "T-2": {"bob"}, "T-3": {"never-seen"}}
	writeTickets(t, cli, tickets)
	cli.WriteConfig(t, env.ProviderConfig()+`
resource "posthog_person_deletion" "gdpr" {
  tickets_file = "${path.module}/tickets.json"
  reason       = "GDPR erasure tickets"
}
`)

	after, out := planAfter(t, cli)
	if got, want := after["preview_tickets"], map[string]any{"T-1": 1.0, "T-2": 1.0, "T-3": 0.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("first plan preview_tickets = %v, want %v", got, want)
	}
	warning := warningBlock(out, "This plan permanently deletes 2 persons")
	for _, line := range []string{"T-1: 1", "T-2: 1", "T-3: 0"} {
		if !strings.Contains(warning, line) {
			t.Errorf("the plan warning lacks the ticket line %q:\n%s", line, out)
		}
	}
	if out, err := cli.Run("apply", "tfplan"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if env.Exists("alice") || env.Exists("alice-device") || env.Exists("bob") || !env.Exists("carol") || !env.Exists("dave") {
		t.Fatal("the apply did not delete exactly alice and bob")
	}
	evidence := ticketsEvidence(t, cli)
	for ticket, want := range map[string][2]float64{"T-1": {1, 0}, "T-2": {1, 0}, "T-3": {0, 1}} {
		got := evidence.Tickets[ticket]
		if got["persons_deleted"] != want[0] || got["unmatched_id_count"] != want[1] || got["first_applied_at"] == nil {
			t.Errorf("evidence of %s = %v, want %v persons deleted and %v unmatched ids", ticket, got, want[0], want[1])
		}
	}

	env.Emulator.ResetStats()
	if out, err := cli.Run("plan", "-detailed-exitcode", "-parallelism=2"); err != nil {
		t.Fatalf("the plan after the apply is not empty: %v\n%s", err, out)
	}
	if got := env.Emulator.Stats().Count("POST", batchDistinctRoute); got != 1 {
		t.Errorf("no-change plan of 3 tickets made %d lookups, want 1 (4 ids in one batch)", got)
	}

	// Adding T-4 looks up T-4's id alone: the file changed, so the refresh
	// keeps the state's count (nobody back), and only a ticket no apply has
	// recorded can need anything. The apply deletes for the tickets the plan
	// listed: its re-plan, its resolution and its re-check are one lookup
	// each.
	tickets["T-4"] = []string{"dave"}
	writeTickets(t, cli, tickets)
	env.Emulator.ResetStats()
	after, out = planAfter(t, cli)
	if got, want := after["preview_tickets"], map[string]any{"T-4": 1.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("plan adding T-4: preview_tickets = %v, want %v\n%s", got, want, out)
	}
	if got := env.Emulator.Stats().Count("POST", batchDistinctRoute); got != 1 {
		t.Errorf("the plan adding T-4 made %d lookups, want 1 (T-4's id alone)", got)
	}
	env.Emulator.ResetStats()
	if out, err := cli.Run("apply", "tfplan"); err != nil {
		t.Fatalf("apply of T-4: %v\n%s", err, out)
	}
	if got := env.Emulator.Stats().Count("POST", batchDistinctRoute); got != 3 {
		t.Errorf("the apply of T-4 made %d lookups, want 3", got)
	}
	if env.Exists("dave") || !env.Exists("carol") {
		t.Fatal("adding T-4 did not delete exactly dave")
	}
	evidence = ticketsEvidence(t, cli)
	if got := evidence.Applies[len(evidence.Applies)-1].Tickets; !reflect.DeepEqual(got, map[string]float64{"T-4": 1}) {
		t.Errorf("the apply adding T-4 recorded tickets %v, want only T-4 with 1 person", got)
	}

	env.Person(t, "bob")
	after, out = planAfter(t, cli)
	if got, want := after["preview_tickets"], map[string]any{"T-2": 1.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("plan after bob came back: preview_tickets = %v, want %v\n%s", got, want, out)
	}
	if !strings.Contains(warningBlock(out, "1 deleted persons are back"), "T-2: 1") {
		t.Errorf("the returning user's plan does not name ticket T-2:\n%s", out)
	}
	if out, err := cli.Run("apply", "tfplan"); err != nil {
		t.Fatalf("apply deleting bob again: %v\n%s", err, out)
	}
	if env.Exists("bob") || !env.Exists("carol") {
		t.Fatal("the apply after bob came back did not delete exactly bob")
	}
	evidence = ticketsEvidence(t, cli)
	if got := evidence.Tickets["T-2"]["persons_deleted"]; got != 2.0 {
		t.Errorf("T-2 persons_deleted = %v after bob was deleted again, want 2", got)
	}
	if out, err := cli.Run("plan", "-detailed-exitcode"); err != nil {
		t.Errorf("the plan after deleting bob again is not empty: %v\n%s", err, out)
	}
}

// Many tickets share every call: 500 tickets of 2 distinct ids (1,000 ids,
// one person per ticket) are ceil(1000/200) = 5 lookups per pass and
// ceil(500/1000) = 1 bulk_delete, where one resource per ticket makes one
// bulk_delete per ticket and at least one lookup per -parallelism tickets
// in every pass.
func TestAccPersonDeletion_TicketsFileCallBudget(t *testing.T) {
	t.Parallel()
	const n = 500
	env := acctest.NewEnv(t, emulator.Config{})
	tickets := map[string][]string{}
	for i := range n {
		ids := []string{fmt.Sprintf("u%d", i), fmt.Sprintf("u%d-device", i)}
		env.Person(t, ids...)
		tickets[fmt.Sprintf("T-%d", i)] = ids
	}
	env.Person(t, "bystander")
	cli := acctest.NewCLI(t)
	writeTickets(t, cli, tickets)
	cli.WriteConfig(t, env.ProviderConfig()+`
resource "posthog_person_deletion" "gdpr" {
  tickets_file = "${path.module}/tickets.json"
}
`)
	env.Emulator.ResetStats()
	if out, err := cli.Run("plan", "-out=tfplan"); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if got := env.Emulator.Stats().Count("POST", batchDistinctRoute); got != 5 {
		t.Errorf("plan made %d lookups, want 5", got)
	}
	env.Emulator.ResetStats()
	if out, err := cli.Run("apply", "tfplan"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	stats := env.Emulator.Stats()
	// The re-plan's preview, the resolution and the re-resolution that
	// finds nobody left: three passes of 5; the verification by UUID:
	// ceil(500/200) = 3.
	if got := stats.Count("POST", bulkDeleteRoute); got != 1 {
		t.Errorf("apply made %d bulk_delete calls, want 1", got)
	}
	if got := stats.Count("POST", batchDistinctRoute); got != 15 {
		t.Errorf("apply made %d distinct-id lookups, want 15", got)
	}
	if got := stats.Count("POST", batchUUIDsRoute); got != 3 {
		t.Errorf("apply made %d UUID lookups, want 3", got)
	}
	if env.Exists("u0") || env.Exists(fmt.Sprintf("u%d-device", n-1)) || !env.Exists("bystander") {
		t.Fatal("the apply did not delete exactly the tickets' persons")
	}
}

func writeTickets(t *testing.T, cli *acctest.CLI, tickets map[string][]string) {
	t.Helper()
	data, err := json.Marshal(tickets)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cli.Dir, "tickets.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// planAfter runs terraform plan -out=tfplan and returns the one resource's
// planned values, and the plan's output.
func planAfter(t *testing.T, cli *acctest.CLI) (map[string]any, string) {
	t.Helper()
	out, err := cli.Run("plan", "-out=tfplan")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	shown, err := cli.Run("show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("terraform show: %v\n%s", err, shown)
	}
	var plan struct {
		ResourceChanges []struct {
			Change struct {
				After map[string]any `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(shown[strings.Index(shown, "{"):]), &plan); err != nil || len(plan.ResourceChanges) != 1 {
		t.Fatalf("decoding the plan (%v):\n%s", err, shown)
	}
	return plan.ResourceChanges[0].Change.After, out
}

type ticketsRecord struct {
	Tickets map[string]map[string]any `json:"tickets"`
	Applies []struct {
		Tickets map[string]float64 `json:"tickets"`
	} `json:"applies"`
}

func ticketsEvidence(t *testing.T, cli *acctest.CLI) ticketsRecord {
	t.Helper()
	var record ticketsRecord
	evidence, ok := resourceValues(t, cli)["evidence"].(string)
	if !ok {
		t.Fatal("no evidence in state")
	}
	if err := json.Unmarshal([]byte(evidence), &record); err != nil {
		t.Fatal(err)
	}
	return record
}
