package policytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
)

// repoPath is a path inside the repository; go test runs in this package's folder.
func repoPath(t testing.TB, rel string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// conftestBinary is $CONFTEST or bin/conftest, which make test installs.
// A missing binary fails the test: the policies are part of what make test proves.
func conftestBinary(t testing.TB) string {
	t.Helper()
	path := os.Getenv("CONFTEST")
	if path == "" {
		path = repoPath(t, "bin/conftest")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("conftest not found at %s: run `make test`, which installs it into bin/ "+
			"(GOBIN=$PWD/bin go install github.com/open-policy-agent/conftest@v0.71.1), or set CONFTEST", path)
	}
	return path
}

// copyPipeline copies examples/erasure-pipeline into dir, leaving out
// Terraform's working files from any local run.
func copyPipeline(t testing.TB, dir string) {
	t.Helper()
	src := repoPath(t, "examples/erasure-pipeline")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		name := d.Name()
		if d.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		if strings.HasPrefix(name, "terraform.tfstate") || name == ".terraform.lock.hcl" || strings.HasSuffix(name, ".tfplan") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o600)
	})
	if err != nil {
		t.Fatalf("copying the example pipeline: %v", err)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeRequest writes a request file as a compliance team would commit it.
func writeRequest(t testing.TB, dir string, request map[string]any) {
	t.Helper()
	ticket, ok := request["ticket"].(string)
	if !ok {
		t.Fatalf("request without a ticket: %v", request)
	}
	data, err := json.MarshalIndent(request, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "requests", ticket+".json"), string(data)+"\n")
}

// pipeline is one working copy of the example pipeline, driven by the real
// Terraform CLI with the provider built from this module.
type pipeline struct {
	cli *acctest.CLI
	dir string
}

// newPipeline copies the example into a new folder and installs its module
// with terraform get: terraform init would also try to install the provider
// from the registry, which dev_overrides make unnecessary (and which fails
// offline).
func newPipeline(t testing.TB, cli *acctest.CLI) *pipeline {
	t.Helper()
	own := *cli // its own Dir, for pipelines that run in parallel
	p := &pipeline{cli: &own, dir: t.TempDir()}
	copyPipeline(t, p.dir)
	p.mustRun(t, "get")
	return p
}

func (p *pipeline) run(args ...string) (string, error) {
	p.cli.Dir = p.dir
	return p.cli.Run(args...)
}

func (p *pipeline) mustRun(t testing.TB, args ...string) string {
	t.Helper()
	out, err := p.run(args...)
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// planJSON saves a plan and writes its JSON form to name (in the pipeline's
// folder), as a policy pipeline does; it returns the JSON's path.
func (p *pipeline) planJSON(t testing.TB, name string) string {
	t.Helper()
	p.mustRun(t, "plan", "-input=false", "-out="+name+".tfplan")
	return p.showJSON(t, name)
}

func (p *pipeline) showJSON(t testing.TB, name string) string {
	t.Helper()
	out := p.mustRun(t, "show", "-json", name+".tfplan")
	if !json.Valid([]byte(out)) {
		t.Fatalf("terraform show -json printed something that is not JSON:\n%s", out)
	}
	path := filepath.Join(p.dir, name+".json")
	writeFile(t, path, out)
	return path
}

// policyResult is one namespace's verdict in conftest's JSON output.
type policyResult struct {
	Filename  string `json:"filename"`
	Namespace string `json:"namespace"`
	Successes int    `json:"successes"`
	Failures  []struct {
		Msg string `json:"msg"`
	} `json:"failures"`
}

// conftest runs conftest test with the example policies on a plan's JSON and
// returns the denial messages by policy namespace, and whether it passed.
func conftest(t testing.TB, planJSON, dataDir string) (map[string][]string, bool) {
	t.Helper()
	cmd := exec.Command(conftestBinary(t), "test", "--all-namespaces", "--no-color", "--output", "json",
		"--policy", repoPath(t, "examples/policies"), "--data", dataDir, planJSON)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running conftest: %v", err)
	}
	var results []policyResult
	if jsonErr := json.Unmarshal(stdout.Bytes(), &results); jsonErr != nil {
		t.Fatalf("conftest output is not its JSON report (%v):\n%s\n%s", jsonErr, stdout.String(), stderr.String())
	}
	denials := map[string][]string{}
	namespaces := map[string]bool{}
	for _, r := range results {
		namespaces[r.Namespace] = true
		for _, f := range r.Failures {
			denials[r.Namespace] = append(denials[r.Namespace], f.Msg)
		}
	}
	// Each policy must have judged the plan: a policy that failed to load
	// would otherwise pass everything silently.
	for _, ns := range []string{"posthog.reason", "posthog.max_persons", "posthog.gdpr", "posthog.replacement"} {
		if !namespaces[ns] {
			t.Fatalf("conftest did not evaluate policy %s; output:\n%s\n%s", ns, stdout.String(), stderr.String())
		}
	}
	passed := err == nil
	if passed != (len(denials) == 0) {
		t.Fatalf("conftest exit status (%v) disagrees with its report %v", err, denials)
	}
	return denials, passed
}

// expectDenials asserts that conftest denied the plan with exactly one
// message per expected prefix, in the expected policy, and with nothing else.
func expectDenials(t testing.TB, denials map[string][]string, passed bool, want map[string][]string) {
	t.Helper()
	if passed {
		t.Fatalf("conftest passed the plan; want denials %v", want)
	}
	for ns, got := range denials {
		if len(got) != len(want[ns]) {
			t.Errorf("policy %s denied %d time(s), want %d: %q", ns, len(got), len(want[ns]), got)
			continue
		}
		for i, prefix := range want[ns] {
			if !strings.HasPrefix(got[i], prefix) {
				t.Errorf("policy %s denial %q does not start with %q", ns, got[i], prefix)
			}
		}
	}
	for ns := range want {
		if _, ok := denials[ns]; !ok {
			t.Errorf("policy %s did not deny the plan; denials: %v", ns, denials)
		}
	}
}

func expectPass(t testing.TB, denials map[string][]string, passed bool) {
	t.Helper()
	if !passed {
		t.Fatalf("conftest denied the plan: %v", denials)
	}
}

// writePolicyData writes a conftest data folder with these settings.
func writePolicyData(t testing.TB, maxPersons int, allowedReplacements ...string) string {
	t.Helper()
	dir := t.TempDir()
	var allowed strings.Builder
	for _, a := range allowedReplacements {
		fmt.Fprintf(&allowed, "\n    - %q", a)
	}
	list := allowed.String()
	if list == "" {
		list = " []"
	}
	writeFile(t, filepath.Join(dir, "erasure.yaml"), fmt.Sprintf(
		"posthog_erasure:\n  max_persons_per_change: %d\n  gdpr_reason_prefix: \"GDPR-\"\n  allowed_replacements:%s\n", maxPersons, list))
	return dir
}

var testRule = regexp.MustCompile(`(?m)^test_\w+ if`)

// countPolicyTests counts the test rules in the policies' *_test.rego files.
func countPolicyTests(t testing.TB) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoPath(t, "examples/policies"), "*_test.rego"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(testRule.FindAll(data, -1))
	}
	return n
}
