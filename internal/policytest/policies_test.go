package policytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// The committed settings of the example policies (examples/policies/data).
const examplePersonLimit = 50

// TestPolicyUnitTests runs conftest verify on the example policies: every
// test rule in their *_test.rego files must run and pass.
func TestPolicyUnitTests(t *testing.T) {
	t.Parallel()
	want := countPolicyTests(t)
	if want == 0 {
		t.Fatal("no test rules found in examples/policies/*_test.rego")
	}
	cmd := exec.Command(conftestBinary(t), "verify", "--no-color", "--policy", repoPath(t, "examples/policies"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conftest verify failed: %v\n%s", err, out)
	}
	summary := regexp.MustCompile(`(\d+) tests?, (\d+) passed, \d+ warnings?, (\d+) failures?`).FindSubmatch(out)
	if summary == nil {
		t.Fatalf("no summary line in conftest verify output:\n%s", out)
	}
	total, _ := strconv.Atoi(string(summary[1]))
	passed, _ := strconv.Atoi(string(summary[2]))
	if total != want || passed != want {
		t.Fatalf("conftest verify ran %d tests and passed %d; the *_test.rego files have %d:\n%s", total, passed, want, out)
	}
	t.Logf("conftest verify: %d tests, %d passed", total, passed)
}

// seedExamplePersons creates the persons the example's request files name,
// plus those the variants below use.
func seedExamplePersons(t *testing.T, env *acctest.Env) {
	t.Helper()
	env.Person(t, "user_10482", "anon_4f1c9a27") // GDPR-2041: one person known by two ids
	env.Person(t, "jane.doe@example.com")        // CCPA-311
	env.Person(t, "user_30117")                  // DSR-7730
	env.Person(t, "user_55001")
	env.Person(t, "user_55002")
	for i := range 60 {
		env.Person(t, fmt.Sprintf("user_bulk_%03d", i))
	}
}

func newPipelineCLI(t *testing.T, env *acctest.Env) *acctest.CLI {
	t.Helper()
	cli := acctest.NewCLI(t)
	cli.SetEnv("POSTHOG_HOST="+env.URL, "POSTHOG_API_KEY="+acctest.APIKey, "POSTHOG_PROJECT_ID=1")
	return cli
}

// TestPoliciesOnPipelinePlans runs the example policies with their committed
// settings over plans of the example pipeline: the committed request files
// pass, and each variant is denied by the policy it breaks, and only by it.
func TestPoliciesOnPipelinePlans(t *testing.T) {
	t.Parallel()
	conftestBinary(t)
	env := acctest.NewEnv(t, emulator.Config{})
	seedExamplePersons(t, env)
	cli := newPipelineCLI(t, env)
	data := repoPath(t, "examples/policies/data")

	t.Run("committed requests pass", func(t *testing.T) {
		t.Parallel()
		p := newPipeline(t, cli)
		denials, passed := conftest(t, p.planJSON(t, "plan"), data)
		expectPass(t, denials, passed)
	})

	t.Run("deletion without reason", func(t *testing.T) {
		t.Parallel()
		p := newPipeline(t, cli)
		// Written by hand outside the module, which always sets the reason.
		writeFile(t, filepath.Join(p.dir, "hand_written.tf"), `
resource "posthog_person_deletion" "hand_written" {
  distinct_ids = ["user_55001"]
}
`)
		denials, passed := conftest(t, p.planJSON(t, "plan"), data)
		expectDenials(t, denials, passed, map[string][]string{
			"posthog.reason": {"posthog_person_deletion.hand_written: a posthog_person_deletion must carry a reason"},
		})
	})

	t.Run("GDPR deletion keeping events", func(t *testing.T) {
		t.Parallel()
		p := newPipeline(t, cli)
		writeFile(t, filepath.Join(p.dir, "hand_written.tf"), `
resource "posthog_person_deletion" "gdpr_hand_written" {
  distinct_ids      = ["user_55002"]
  reason            = "GDPR-2077"
  delete_recordings = true
}
`)
		denials, passed := conftest(t, p.planJSON(t, "plan"), data)
		expectDenials(t, denials, passed, map[string][]string{
			"posthog.gdpr": {"posthog_person_deletion.gdpr_hand_written: GDPR request GDPR-2077 must delete the person's events (delete_events = true)"},
		})
	})

	t.Run("GDPR request file keeping events stops at plan", func(t *testing.T) {
		t.Parallel()
		// Through the module, the same mistake never reaches a plan file.
		p := newPipeline(t, cli)
		writeRequest(t, p.dir, map[string]any{
			"ticket": "GDPR-2078", "type": "gdpr", "distinct_ids": []string{"user_55002"}, "delete_recordings": true,
		})
		out, err := p.run("plan", "-input=false")
		if err == nil {
			t.Fatalf("plan succeeded for a GDPR request without delete_events:\n%s", out)
		}
		if !strings.Contains(out, "Request GDPR-2078 is a GDPR erasure: it must delete the person's events and") {
			t.Fatalf("plan failed without the module's validation message:\n%s", out)
		}
	})

	t.Run("too many persons", func(t *testing.T) {
		t.Parallel()
		p := newPipeline(t, cli)
		ids := make([]string, 60)
		for i := range ids {
			ids[i] = fmt.Sprintf("user_bulk_%03d", i)
		}
		writeRequest(t, p.dir, map[string]any{
			"ticket": "DSR-8001", "type": "account_closure", "distinct_ids": ids,
		})
		// 1 (GDPR-2041's two ids are one person) + 1 + 1 + 60.
		denials, passed := conftest(t, p.planJSON(t, "plan"), data)
		expectDenials(t, denials, passed, map[string][]string{
			"posthog.max_persons": {fmt.Sprintf("this change deletes 63 persons, more than the %d allowed per change", examplePersonLimit)},
		})
		// The same plan passes under a limit that allows it.
		denials, passed = conftest(t, filepath.Join(p.dir, "plan.json"), writePolicyData(t, 63))
		expectPass(t, denials, passed)
	})
}

// TestPipelineLifecycle applies the example pipeline, reviews a drift plan
// with a returning user and completed event deletions (the drift-review
// report and the policies), re-deletes the returning user, and then flips a
// request's flag, which the replacement policy denies until the ticket is
// listed as an allowed replacement.
func TestPipelineLifecycle(t *testing.T) {
	t.Parallel()
	conftestBinary(t)
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatalf("jq not found on PATH: the drift-review report needs it (apt-get install jq)")
	}
	env := acctest.NewEnv(t, emulator.Config{})
	seedExamplePersons(t, env)
	cli := newPipelineCLI(t, env)
	data := repoPath(t, "examples/policies/data")
	p := newPipeline(t, cli)

	// The reviewed plan passes the policies and is applied as it is.
	denials, passed := conftest(t, p.planJSON(t, "plan"), data)
	expectPass(t, denials, passed)
	p.mustRun(t, "apply", "-input=false", "plan.tfplan")
	for _, id := range []string{"user_10482", "anon_4f1c9a27", "jane.doe@example.com", "user_30117"} {
		if env.Exists(id) {
			t.Fatalf("%s still resolves to a person after the apply", id)
		}
	}
	checkEvidenceOutput(t, p)
	if out, err := p.run("plan", "-input=false", "-detailed-exitcode"); err != nil {
		t.Fatalf("a plan right after the apply must show no changes: %v\n%s", err, out)
	}

	// A week later: events for a deleted id came back, and PostHog's
	// deletion job verified the event deletions.
	env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: "user_30117"})
	returning, ok := env.Emulator.PersonByDistinctID("user_30117")
	if !ok {
		t.Fatal("the emulator created no person for the returning distinct id")
	}
	if rows, _ := env.Emulator.RunDeletionJob(); rows == 0 {
		t.Fatal("the emulator's deletion job verified no pending event deletion")
	}
	out, err := p.run("plan", "-input=false", "-detailed-exitcode", "-out=drift.tfplan")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("drift plan: want exit code 2 (changes), got %v\n%s", err, out)
	}
	driftJSON := p.showJSON(t, "drift")
	report, err := exec.Command(repoPath(t, "examples/drift-review/drift-report.sh"), driftJSON).CombinedOutput()
	if err != nil {
		t.Fatalf("drift-report.sh: %v\n%s", err, report)
	}
	for _, want := range []string{
		"## Returning users (1 requests)",
		fmt.Sprintf("| DSR-7730 | 1 | %s | update |", returning.UUID),
		"## Completed event deletions (2 requests)",
		"| CCPA-311 | 20",
		"| GDPR-2041 | 20",
		"## Other planned changes (0)",
	} {
		if !strings.Contains(string(report), want) {
			t.Errorf("drift report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(string(report), "| DSR-7730 | 20") {
		t.Errorf("drift report lists DSR-7730, which keeps its events, as a completed event deletion:\n%s", report)
	}
	// Re-deleting one returning user is within every policy.
	denials, passed = conftest(t, driftJSON, data)
	expectPass(t, denials, passed)
	p.mustRun(t, "apply", "-input=false", "drift.tfplan")
	if env.Exists("user_30117") {
		t.Fatal("the returning user still exists after applying the drift plan")
	}

	// DSR-7730 is widened to recordings: the flag flip replaces the deletion.
	writeRequest(t, p.dir, map[string]any{
		"ticket": "DSR-7730", "type": "account_closure", "distinct_ids": []string{"user_30117"}, "delete_recordings": true,
	})
	flipJSON := p.planJSON(t, "flip")
	denials, passed = conftest(t, flipJSON, data)
	expectDenials(t, denials, passed, map[string][]string{
		"posthog.replacement": {`module.erasure_request["DSR-7730"].posthog_person_deletion.this: the plan replaces this deletion (delete_recordings changed)`},
	})
	denials, passed = conftest(t, flipJSON, writePolicyData(t, examplePersonLimit, "DSR-7730"))
	expectPass(t, denials, passed)
	denials, passed = conftest(t, flipJSON, writePolicyData(t, examplePersonLimit, `module.erasure_request["DSR-7730"].posthog_person_deletion.this`))
	expectPass(t, denials, passed)
	denials, passed = conftest(t, flipJSON, writePolicyData(t, examplePersonLimit, "DSR-1"))
	expectDenials(t, denials, passed, map[string][]string{
		"posthog.replacement": {`module.erasure_request["DSR-7730"].posthog_person_deletion.this: the plan replaces`},
	})
}

// checkEvidenceOutput reads the pipeline's evidence output as a pipeline
// archiving it would: one JSON document per ticket, naming its ticket.
func checkEvidenceOutput(t *testing.T, p *pipeline) {
	t.Helper()
	out := p.mustRun(t, "output", "-json", "evidence")
	var byTicket map[string]string
	if err := json.Unmarshal([]byte(out), &byTicket); err != nil {
		t.Fatalf("evidence output is not a map of strings: %v\n%s", err, out)
	}
	wantDeleted := map[string]int{"GDPR-2041": 1, "CCPA-311": 1, "DSR-7730": 1}
	if len(byTicket) != len(wantDeleted) {
		t.Fatalf("evidence output has %d tickets, want %d: %v", len(byTicket), len(wantDeleted), byTicket)
	}
	for ticket, deleted := range wantDeleted {
		var record struct {
			FormatVersion      int      `json:"format_version"`
			Reason             string   `json:"reason"`
			DeletedPersonUUIDs []string `json:"deleted_person_uuids"`
			ConfirmedAt        *string  `json:"confirmed_at"`
		}
		if err := json.Unmarshal([]byte(byTicket[ticket]), &record); err != nil {
			t.Fatalf("evidence of %s is not JSON: %v\n%s", ticket, err, byTicket[ticket])
		}
		if record.FormatVersion != 1 || record.Reason != ticket || len(record.DeletedPersonUUIDs) != deleted || record.ConfirmedAt == nil {
			t.Errorf("evidence of %s: %+v, want format 1, reason %s, %d deleted person(s) and a confirmation time", ticket, record, ticket, deleted)
		}
	}
}
