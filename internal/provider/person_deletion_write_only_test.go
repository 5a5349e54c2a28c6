package provider_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// engineSupportsWriteOnly reports whether the engine the tests run
// (TF_ACC_TERRAFORM_PATH, else terraform on PATH) is 1.11 or later, the
// first version with write-only attributes.
func engineSupportsWriteOnly(t *testing.T) bool {
	t.Helper()
	engine := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if engine == "" {
		engine = "terraform"
	}
	out, err := exec.Command(engine, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", engine, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("decoding %s version -json: %v\n%s", engine, err, out)
	}
	parts := strings.SplitN(v.Version, ".", 3)
	if len(parts) < 2 {
		t.Fatalf("unexpected engine version %q", v.Version)
	}
	major, _ := strconv.Atoi(parts[0])
	minor, _ := strconv.Atoi(parts[1])
	return major > 1 || (major == 1 && minor >= 11)
}

// Write-only ids stay out of the plan file, its JSON and state, while the
// plan still catches a deleted user who comes back.
func TestAccPersonDeletion_WriteOnlyIDs(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	env.Person(t, "alice")
	env.Person(t, "bob")
	env.Person(t, "carol")
	cli := acctest.NewCLI(t)

	if !engineSupportsWriteOnly(t) {
		cli.WriteConfig(t, env.ProviderConfig()+`
resource "posthog_person_deletion" "ticket" {
  distinct_ids_wo = ["alice"]
}
`)
		out, err := cli.Run("plan")
		if err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), "Write-only attributes are only supported in Terraform 1.11 and later") {
			t.Fatalf("an engine without write-only attributes did not refuse distinct_ids_wo clearly: %v\n%s", err, out)
		}
		return
	}

	cli.WriteConfig(t, env.ProviderConfig()+`
variable "erased_ids" {
  type      = list(string)
  ephemeral = true
}

resource "posthog_person_deletion" "ticket" {
  distinct_ids_wo = var.erased_ids
  reason          = "GDPR-77"
}
`)
	ids := `-var=erased_ids=["alice","bob","ghost-x7"]`
	secret := []string{"alice", "bob", "ghost-x7"}
	absent := func(what, text string) {
		t.Helper()
		for _, id := range secret {
			if strings.Contains(text, `"`+id+`"`) {
				t.Errorf("%s holds the id %q", what, id)
			}
		}
	}

	out, err := cli.Run("plan", "-out=tfplan", ids)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if !strings.Contains(out, "This plan permanently deletes 2 persons") {
		t.Errorf("the plan does not say what it deletes:\n%s", out)
	}
	planJSON, err := cli.Run("show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("show -json tfplan: %v\n%s", err, planJSON)
	}
	absent("the plan's JSON", planJSON)
	planFile, err := os.ReadFile(filepath.Join(cli.Dir, "tfplan"))
	if err != nil {
		t.Fatal(err)
	}
	absent("the plan file", string(planFile))

	if out, err := cli.Run("apply", ids, "tfplan"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if env.Exists("alice") || env.Exists("bob") || !env.Exists("carol") {
		t.Fatal("the apply deleted the wrong persons")
	}
	values := resourceValues(t, cli)
	if values["deleted_person_count"] != float64(2) || values["unmatched_id_count"] != float64(1) || values["requested_count"] != float64(3) {
		t.Errorf("state after apply: %v", values)
	}
	stateJSON, _ := cli.Run("show", "-json")
	absent("terraform show -json", stateJSON)
	stateFile, err := os.ReadFile(filepath.Join(cli.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	absent("terraform.tfstate", string(stateFile))

	if out, err := cli.Run("plan", "-detailed-exitcode", ids); err != nil {
		t.Fatalf("the plan after the apply is not empty: %v\n%s", err, out)
	}

	// Bob comes back; the plan finds him from the configuration.
	env.Person(t, "bob")
	out, err = cli.Run("plan", "-detailed-exitcode", ids)
	if err == nil || !strings.Contains(out, "1 deleted persons are back for request") || !strings.Contains(out, "will be updated in-place") {
		t.Fatalf("the plan missed bob's return: %v\n%s", err, out)
	}
	if out, err := cli.Run("apply", "-auto-approve", ids); err != nil {
		t.Fatalf("apply after bob's return: %v\n%s", err, out)
	}
	if env.Exists("bob") {
		t.Error("bob was not deleted again")
	}
	// Bob came back with his UUID (PostHog derives it from the distinct
	// id), so he is still one of the two persons deleted.
	if got := resourceValues(t, cli)["deleted_person_count"]; got != float64(2) {
		t.Errorf("deleted_person_count = %v, want 2", got)
	}
}
