package acctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// CLI runs the real Terraform CLI against a provider binary built from this
// module, for the few tests that need commands terraform-plugin-testing has
// no step for (untaint, say). Each Terraform command starts a new provider
// process, as in real use.
type CLI struct {
	Dir       string // working directory with the configuration
	terraform string
	env       []string
}

// NewCLI builds the provider (once per test process), writes a CLI
// configuration whose dev_overrides point at it (in a temporary folder) and
// returns a runner for dir.
func NewCLI(t testing.TB) *CLI {
	t.Helper()
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		var err error
		if terraform, err = exec.LookPath("terraform"); err != nil {
			t.Fatalf("no Terraform: set TF_ACC_TERRAFORM_PATH or put terraform on PATH (make test does this)")
		}
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	binDir, err := buildProvider(root)
	if err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraform.rc")
	// The short address, with no host, is resolved against the engine's own
	// registry (registry.terraform.io for Terraform, registry.opentofu.org
	// for OpenTofu) both here and in WriteConfig's required_providers, so the
	// override applies under every engine of make testacc-matrix.
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"posthog-persons/posthog", binDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	return &CLI{Dir: t.TempDir(), terraform: terraform, env: env}
}

// WriteConfig writes main.tf, with a required_providers block for the
// dev_overrides address.
func (c *CLI) WriteConfig(t testing.TB, hcl string) {
	t.Helper()
	full := "terraform {\n  required_providers {\n    posthog = { source = \"posthog-persons/posthog\" }\n  }\n}\n" + hcl
	if err := os.WriteFile(filepath.Join(c.Dir, "main.tf"), []byte(full), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Run runs terraform with args and returns its combined output and error.
func (c *CLI) Run(args ...string) (string, error) {
	cmd := exec.Command(c.terraform, append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	cmd.Dir = c.Dir
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// The provider binary NewCLI builds, shared by every CLI of the process:
// linking it takes seconds of CPU, and all of them run the same source.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// buildProvider builds the provider into bin/acctest of the checkout (git
// ignores bin/) the first time it is called in this process and returns that
// folder. The binary is built aside and renamed into place, so that test
// processes of other packages, which build it too, never run a half-written
// file.
func buildProvider(root string) (string, error) {
	built.once.Do(func() {
		built.dir, built.err = buildProviderInto(root, filepath.Join(root, "bin", "acctest"))
	})
	return built.dir, built.err
}

func buildProviderInto(root, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("building the provider: %w", err)
	}
	scratch, err := os.MkdirTemp(filepath.Dir(dir), "acctest-build-")
	if err != nil {
		return "", fmt.Errorf("building the provider: %w", err)
	}
	defer func() { _ = os.RemoveAll(scratch) }()
	build := exec.Command("go", "build", "-o", filepath.Join(scratch, providerBinary), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the provider: %w\n%s", err, out)
	}
	if err := os.Rename(filepath.Join(scratch, providerBinary), filepath.Join(dir, providerBinary)); err != nil {
		return "", fmt.Errorf("building the provider: %w", err)
	}
	return dir, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the provider's Go module")
	}
	return filepath.Dir(gomod), nil
}
