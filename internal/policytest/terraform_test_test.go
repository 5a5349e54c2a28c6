package policytest

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
)

// TestPipelineTerraformTest runs the example's own terraform test file, whose
// mocked provider needs the provider's schema but never PostHog: the CLI has
// no POSTHOG_* settings and no emulator runs.
func TestPipelineTerraformTest(t *testing.T) {
	t.Parallel()
	cli := acctest.NewCLI(t)
	cli.SetEnv("POSTHOG_HOST=http://127.0.0.1:1", "POSTHOG_API_KEY=", "POSTHOG_PROJECT_ID=")
	p := newPipeline(t, cli)
	out := p.mustRun(t, "test")
	summary := regexp.MustCompile(`Success! (\d+) passed, 0 failed\.`).FindStringSubmatch(out)
	if summary == nil {
		t.Fatalf("terraform test did not pass every run:\n%s", out)
	}
	source, err := os.ReadFile(repoPath(t, "examples/erasure-pipeline/tests/pipeline.tftest.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	runs := regexp.MustCompile(`(?m)^run "(\w+)"`).FindAllStringSubmatch(string(source), -1)
	if strconv.Itoa(len(runs)) != summary[1] || len(runs) < 5 {
		t.Fatalf("terraform test passed %s runs; tests/pipeline.tftest.hcl has %d:\n%s", summary[1], len(runs), out)
	}
	for _, run := range runs {
		if !strings.Contains(out, `run "`+run[1]+`"... pass`) {
			t.Errorf("run %q did not pass:\n%s", run[1], out)
		}
	}
}
