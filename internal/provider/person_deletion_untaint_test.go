package provider_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// A create that fails part way is tainted by Terraform. The error tells the
// user to untaint it; doing so keeps the record of what the failed attempt
// deleted, and the next apply is an update that deletes only the rest. This
// runs the real CLI command by command (terraform-plugin-testing has no
// untaint step), each with a new provider process as in real use.
func TestAccPersonDeletion_UntaintAfterFailedCreateKeepsTheRecord(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	var ids []string
	var failing []string
	for i := range 20 {
		id := fmt.Sprintf("user-%d", i)
		ids = append(ids, id)
		person := env.Person(t, id)
		if i < 2 {
			failing = append(failing, person.UUID)
		}
	}
	bystander := env.Person(t, "bystander")
	// The resource tries three times per apply; the fourth attempt succeeds.
	// Per-person failures: PostHog fails the ClickHouse tombstone person by
	// person (docs/dev/posthog-behaviour.md#bulk-delete).
	env.Emulator.FailDeletions(failing, "tombstone_clickhouse", 4)

	cli := acctest.NewCLI(t)
	quoted, _ := json.Marshal(ids)
	cli.WriteConfig(t, env.ProviderConfig()+fmt.Sprintf(`
resource "posthog_person_deletion" "request" {
  distinct_ids = %s
}
`, quoted))

	out, err := cli.Run("apply", "-auto-approve")
	if err == nil {
		t.Fatalf("first apply should fail on the injected deletion errors:\n%s", out)
	}
	for _, want := range []string{"could not delete 2 persons", "terraform untaint"} {
		if !strings.Contains(out, want) {
			t.Fatalf("first apply's error does not say %q:\n%s", want, out)
		}
	}
	if got := deletedCount(t, cli); got != 18 {
		t.Fatalf("after the failed create state records %d deleted persons, want 18", got)
	}

	if out, err := cli.Run("untaint", "posthog_person_deletion.request"); err != nil {
		t.Fatalf("untaint: %v\n%s", err, out)
	}
	out, err = cli.Run("plan", "-detailed-exitcode")
	if !strings.Contains(out, "will be updated in-place") || strings.Contains(out, "must be replaced") {
		t.Fatalf("after untaint the plan should update in place (err %v):\n%s", err, out)
	}
	if out, err := cli.Run("apply", "-auto-approve"); err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if got := deletedCount(t, cli); got != 20 {
		t.Fatalf("after the second apply state records %d deleted persons, want all 20", got)
	}
	state := resourceValues(t, cli)
	if unmatched, _ := state["unmatched_ids"].([]any); len(unmatched) != 0 {
		t.Fatalf("ids deleted by the failed attempt are reported unmatched: %v", unmatched)
	}
	for _, id := range ids {
		if env.Exists(id) {
			t.Fatalf("person of %q still exists", id)
		}
	}
	if _, ok := env.Emulator.PersonByUUID(bystander.UUID); !ok {
		t.Fatal("a person nobody asked to delete is gone")
	}
}

func deletedCount(t *testing.T, cli *acctest.CLI) int {
	t.Helper()
	count, _ := resourceValues(t, cli)["deleted_person_count"].(float64)
	return int(count)
}

// resourceValues reads the one resource's attributes from terraform show -json.
func resourceValues(t *testing.T, cli *acctest.CLI) map[string]any {
	t.Helper()
	out, err := cli.Run("show", "-json")
	if err != nil {
		t.Fatalf("terraform show: %v\n%s", err, out)
	}
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &shown); err != nil {
		t.Fatalf("decoding terraform show -json: %v\n%s", err, out)
	}
	if len(shown.Values.RootModule.Resources) != 1 {
		t.Fatalf("want one resource in state, got %d", len(shown.Values.RootModule.Resources))
	}
	return shown.Values.RootModule.Resources[0].Values
}
