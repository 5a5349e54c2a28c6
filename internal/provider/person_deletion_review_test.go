package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// What a reviewer reads in plans and applies, and pipelines that stay
// stable, through the real CLI.

// warningBlock returns the text of the CLI's warning whose title starts with
// title (up to the next diagnostic or the end), or "" when there is none.
func warningBlock(out, title string) string {
	start := strings.Index(out, "Warning: "+title)
	if start < 0 {
		return ""
	}
	rest := out[start+len("Warning: "):]
	if end := regexp.MustCompile(`\n(Warning|Error): `).FindStringIndex(rest); end != nil {
		rest = rest[:end[0]]
	}
	return rest
}

func TestAccPersonDeletion_PlanSaysWhatItDeletes(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice", "alice@example.com")
	env.Person(t, "bob")
	env.Person(t, "carol") // a bystander
	cli := acctest.NewCLI(t)
	config := func(deleteEvents bool) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "posthog_person_deletion" "ticket" {
  distinct_ids  = ["alice", "alice@example.com", "bob", "ghost@example.com"]
  reason        = "GDPR-2041"
  delete_events = %v
}
`, deleteEvents)
	}
	cli.WriteConfig(t, config(true))

	out, err := cli.Run("plan")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	// Two persons (alice's two ids resolve to one), the reason, the flags,
	// the unmatched count and irreversibility, without any distinct id:
	// diagnostics are logged at WARN level.
	warning := warningBlock(out, "This plan permanently deletes 2 persons")
	for _, want := range []string{`reason "GDPR-2041"`, "deletes 2 persons with their events", "3 of the 4 requested distinct_ids",
		"1 requested ids match no person", "cannot be undone"} {
		if !strings.Contains(strings.Join(strings.Fields(warning), " "), want) {
			t.Errorf("the plan's warning lacks %q:\n%s", want, out)
		}
	}
	for _, id := range []string{"alice", "bob", "ghost"} {
		if strings.Contains(warning, id) {
			t.Errorf("the plan's warning names the distinct id %q:\n%s", id, warning)
		}
	}

	if out, err := cli.Run("apply", "-auto-approve"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !env.Exists("carol") || env.Exists("bob") {
		t.Fatal("apply deleted the wrong persons")
	}

	// Bob comes back: the plan names the request, not bob.
	env.Person(t, "bob")
	out, err = cli.Run("plan")
	if err != nil {
		t.Fatalf("plan after bob's return: %v\n%s", err, out)
	}
	back := warningBlock(out, "1 deleted persons are back for request")
	if back == "" || !strings.Contains(back, `(reason "GDPR-2041")`) || strings.Contains(back, "bob") {
		t.Errorf("the plan does not name the request with a returning user, or names the user:\n%s", out)
	}
	if out, err := cli.Run("apply", "-auto-approve"); err != nil {
		t.Fatalf("apply after bob's return: %v\n%s", err, out)
	}

	// Switching delete_events off replaces the record: the plan says what
	// that cannot do.
	cli.WriteConfig(t, config(false))
	out, err = cli.Run("plan")
	if err != nil {
		t.Fatalf("plan with a flag change: %v\n%s", err, out)
	}
	replace := strings.Join(strings.Fields(warningBlock(out, "Changing a deletion flag replaces this deletion record")), " ")
	for _, want := range []string{"can no longer be deleted", "evidence, leaves state"} {
		if !strings.Contains(replace, want) {
			t.Errorf("the flag-change warning lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "must be replaced") {
		t.Errorf("a flag change does not plan a replacement:\n%s", out)
	}
}

func TestAccPersonDeletion_EmptyRequestPlansWithAWarning(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	cli := acctest.NewCLI(t)
	empty := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cli.WriteConfig(t, env.ProviderConfig()+fmt.Sprintf(`
resource "posthog_person_deletion" "from_list" {
  distinct_ids = []
  reason       = "dormant users, none this week"
}

resource "posthog_person_deletion" "from_file" {
  distinct_ids_file = %q
  reason            = "dormant users, none this week"
}
`, empty))
	out, err := cli.Run("apply", "-auto-approve")
	if err != nil {
		t.Fatalf("apply of empty requests: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Warning: This request names no ids") {
		t.Errorf("no warning about an empty request:\n%s", out)
	}
	expectNoBulkDelete(t, env)
	if !env.Exists("alice") {
		t.Error("an empty request deleted someone")
	}
	if out, err := cli.Run("plan", "-detailed-exitcode"); err != nil {
		t.Errorf("the plan after applying empty requests is not empty: %v\n%s", err, out)
	}
}

func TestAccPersonDeletion_FailedCreateThatDeletedNothingLeavesNoRecord(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{{Key: "phx_reader", Scopes: []string{"person:read"}}}})
	env.Person(t, "alice")
	cli := acctest.NewCLI(t)
	cli.WriteConfig(t, env.ProviderConfigWithKey("phx_reader")+`
resource "posthog_person_deletion" "ticket" {
  distinct_ids = ["alice"]
  reason       = "GDPR-1"
}
`)
	out, err := cli.Run("apply", "-auto-approve")
	if err == nil {
		t.Fatalf("apply with a read-only key succeeded:\n%s", out)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"missing required scope 'person:write'", "Nothing was deleted", "nothing to untaint"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the error lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"Apply again to finish", "terraform untaint"} {
		if strings.Contains(flat, unwanted) {
			t.Errorf("the error suggests %q although nothing was deleted:\n%s", unwanted, out)
		}
	}
	if shown, err := cli.Run("show"); err != nil || strings.Contains(shown, "posthog_person_deletion") ||
		(!strings.Contains(shown, "No state") && !strings.Contains(shown, "state file is empty")) {
		t.Errorf("state holds a record after a create that deleted nothing:\n%s", shown)
	}
	if !env.Exists("alice") {
		t.Error("alice was deleted")
	}
}

func TestAccPersonDeletion_ImportWarnsAboutIDsThatMatchNobody(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	cli := acctest.NewCLI(t)
	cli.WriteConfig(t, env.ProviderConfig()+`
resource "posthog_person_deletion" "old" {
  distinct_ids = ["alice", "never-existed"]
}
`)
	out, err := cli.Run("import", "posthog_person_deletion.old", "distinct_ids:alice,never-existed")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	warning := strings.Join(strings.Fields(warningBlock(out, "Imported ids match no person")), " ")
	if !strings.Contains(warning, "1 of the 2 imported distinct_ids match no person") || strings.Contains(warning, "never-existed") {
		t.Errorf("import warning:\n%s", out)
	}
}

// Ids that come from another resource are unknown at plan time; the apply
// must not meet an inconsistent plan, in every form.
func TestAccPersonDeletion_IDsKnownOnlyAtApply(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	env.Person(t, "bob")
	carol := env.Person(t, "carol")
	dir := t.TempDir()
	file := filepath.Join(dir, "ids.txt")
	if err := os.WriteFile(file, []byte("dave\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env.Person(t, "dave")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "terraform_data" "ids" {
  input = {
    distinct_ids = ["bob"]
    uuids        = [%q, %q]
    file         = %q
  }
}

resource "posthog_person_deletion" "by_distinct_id" {
  distinct_ids = terraform_data.ids.output.distinct_ids
}

resource "posthog_person_deletion" "by_uuid" {
  uuids = terraform_data.ids.output.uuids
}

resource "posthog_person_deletion" "by_file" {
  distinct_ids_file = terraform_data.ids.output.file
}
`, alice.UUID, carol.UUID, file),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue("posthog_person_deletion.by_distinct_id", tfjsonpath.New("preview_person_count")),
				plancheck.ExpectKnownValue("posthog_person_deletion.by_uuid", tfjsonpath.New("project_id"), knownvalue.StringExact("1")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("posthog_person_deletion.by_distinct_id", tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue("posthog_person_deletion.by_uuid", tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue("posthog_person_deletion.by_file", tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(1)),
			},
		}},
	})
	for _, id := range []string{"alice", "bob", "carol", "dave"} {
		if env.Exists(id) {
			t.Errorf("%s still exists", id)
		}
	}
}

// A data source's persons fed straight into a deletion make every later plan
// non-empty (the list shrinks once they are gone); a terraform_data snapshot
// with ignore_changes keeps the request stable.
func TestAccPersonDeletion_SnapshotOfADataSourceStaysStable(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	env.Person(t, "bob")
	env.Person(t, "carol")
	config := env.ProviderConfig() + `
data "posthog_persons" "dormant" {
  distinct_ids = ["alice", "bob"]
}

resource "terraform_data" "snapshot" {
  input = sort(values(data.posthog_persons.dormant.person_uuids))
  lifecycle {
    ignore_changes = [input]
  }
}

resource "posthog_person_deletion" "dormant" {
  uuids  = terraform_data.snapshot.output
  reason = "dormant-cleanup-2026-11"
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("posthog_person_deletion.dormant", tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
				},
			},
			{
				// The data source now finds nobody; the snapshot, and so the
				// request, stays as it was.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	if !env.Exists("carol") || env.Exists("alice") || env.Exists("bob") {
		t.Error("the snapshot deleted the wrong persons")
	}
}

// Appending ids to an applied id file reports only the new ids that match
// nobody, not the ids whose persons the first apply deleted.
func TestAccPersonDeletion_FileAppendReportsOnlyNewUnmatchedIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	env.Person(t, "bob")
	env.Person(t, "carol")
	file := filepath.Join(t.TempDir(), "ids.txt")
	write := func(content string) func() {
		return func() {
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("alice\nbob\nghost\n")()
	config := deletionConfig(env, fmt.Sprintf(`distinct_ids_file = %q`, file))
	count := func(attr string, n int64) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("posthog_person_deletion.test", tfjsonpath.New(attr), knownvalue.Int64Exact(n))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{count("deleted_person_count", 2), count("unmatched_id_count", 1)}},
			{
				PreConfig: write("alice\nbob\nghost\ncarol\nghost2\n"),
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("posthog_person_deletion.test", tfjsonpath.New("preview_unmatched_id_count"), knownvalue.Int64Exact(2)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{count("deleted_person_count", 3), count("unmatched_id_count", 2)},
			},
		},
	})
}
