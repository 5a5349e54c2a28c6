package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	apiKey       = "phx_emulator"
	projectID    = "1"
	providerAddr = "posthog-persons/posthog"
	providerExe  = "terraform-provider-posthog"
)

// moduleRoot is the folder holding the module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(wd, "go.mod")); err != nil {
		return "", errors.New("run posthog-bench from the repository root (no go.mod found)")
	}
	return wd, nil
}

// locateTerraform tries the -terraform flag, TF_ACC_TERRAFORM_PATH, PATH and
// <root>/bin/terraform, in that order.
func locateTerraform(flagValue, root string) (string, error) {
	candidates := []string{flagValue, os.Getenv("TF_ACC_TERRAFORM_PATH"), "terraform", filepath.Join(root, "bin", "terraform")}
	for i, c := range candidates {
		if c == "" {
			continue
		}
		p, err := exec.LookPath(c)
		if err == nil {
			return filepath.Abs(p)
		}
		if i < 2 {
			return "", fmt.Errorf("terraform %q: %w", c, err)
		}
	}
	return "", errors.New("no Terraform found: pass -terraform, set TF_ACC_TERRAFORM_PATH, or run make terraform")
}

// exportHead writes the files of the committed HEAD of the repository at
// root into dir (git archive), so that edits in progress in the checkout
// are not what gets measured.
func exportHead(ctx context.Context, root, dir string) (commit string, err error) {
	rev, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse HEAD: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	archive := exec.CommandContext(ctx, "git", "-C", root, "archive", "--format=tar", "HEAD")
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		return "", err
	}
	if err := archive.Run(); err != nil {
		_ = untar.Wait()
		return "", fmt.Errorf("git archive HEAD: %w", err)
	}
	if err := untar.Wait(); err != nil {
		return "", fmt.Errorf("untar of git archive: %w", err)
	}
	return strings.TrimSpace(string(rev)), nil
}

// buildProvider compiles the provider in src into dir and returns the
// binary's absolute path.
func buildProvider(ctx context.Context, src, dir string) (string, error) {
	bin := filepath.Join(dir, providerExe)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build of the provider: %w\n%s", err, out)
	}
	return filepath.Abs(bin)
}

// writeTerraformRC writes a CLI configuration whose dev_overrides point the
// provider's source address at pluginDir, so no terraform init is needed.
func writeTerraformRC(dir, pluginDir string) (string, error) {
	path := filepath.Join(dir, "bench.tfrc")
	body := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		providerAddr, filepath.ToSlash(pluginDir))
	return path, os.WriteFile(path, []byte(body), 0o600)
}

// terraformEnv is the environment of every Terraform run: the caller's,
// minus anything that would change Terraform's behaviour, plus the bench's
// CLI config and PostHog settings.
func terraformEnv(base []string, cliConfig, host string, rateScale float64) []string {
	set := []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"POSTHOG_HOST=" + host,
		"POSTHOG_API_KEY=" + apiKey,
		"POSTHOG_PROJECT_ID=" + projectID,
	}
	if rateScale > 0 {
		set = append(set, fmt.Sprintf("POSTHOG_RATE_LIMIT_SCALE=%g", rateScale))
	}
	env := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_CLI_") || strings.HasPrefix(k, "POSTHOG_") || strings.HasPrefix(k, "TF_LOG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, set...)
}
