// Command posthog-demo runs examples/demo end to end against an in-process
// PostHog emulator: it builds the provider, seeds the emulator with a few
// thousand persons, applies the demo with Terraform through dev_overrides,
// checks that a second plan is empty and prints what was deleted.
//
//	go run ./internal/cmd/posthog-demo [-persons N] [-terraform PATH] [-keep] [-v]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

const (
	apiKey       = "phx_emulator"
	projectID    = "1"
	providerAddr = "posthog-persons/posthog"
	terraformVer = "v1.8.5"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "\nposthog-demo: FAILED:", err)
		os.Exit(1)
	}
}

type demo struct {
	out     io.Writer
	errOut  io.Writer
	started time.Time
	step    int
}

// say prints one step of the demo.
func (d *demo) say(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "\n==> [%d] %s  (t+%s)\n", d.step, fmt.Sprintf(format, args...),
		time.Since(d.started).Round(100*time.Millisecond))
}

func (d *demo) info(format string, args ...any) {
	fmt.Fprintf(d.out, "    "+format+"\n", args...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	flags := flag.NewFlagSet("posthog-demo", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		tfFlag  = flags.String("terraform", "", "Terraform binary (default: $TF_ACC_TERRAFORM_PATH, else terraform on PATH, else bin/terraform)")
		persons = flags.Int("persons", 3000, "how many persons to seed the emulator with")
		keep    = flags.Bool("keep", false, "keep the temporary folder (provider binary, CLI config, Terraform working dir and state)")
		verbose = flags.Bool("v", false, "log every API request the emulator serves")
	)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *persons < fixturePersons() {
		return fmt.Errorf("-persons must be at least %d (the persons examples/demo/requests.json names)", fixturePersons())
	}
	d := &demo{out: stdout, errOut: stderr, started: time.Now()}

	d.say("Locating the repository and Terraform")
	root, err := repoRoot(ctx)
	if err != nil {
		return err
	}
	d.info("repository: %s", root)
	terraform, how, err := findTerraform(*tfFlag, root)
	if err != nil {
		return err
	}
	version, _ := exec.CommandContext(ctx, terraform, "version").Output()
	d.info("terraform:  %s (%s) %s", terraform, how, firstLine(string(version)))

	tmp, err := os.MkdirTemp("", "posthog-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if *keep {
			fmt.Fprintf(stdout, "\nKept %s (state in %s; the emulator has stopped)\n", tmp, filepath.Join(tmp, "work"))
			return
		}
		if rmErr := os.RemoveAll(tmp); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	binDir := filepath.Join(tmp, "bin")
	workDir := filepath.Join(tmp, "work")

	d.say("Building the provider into %s", binDir)
	exe := "terraform-provider-posthog"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(binDir, exe), ".")
	build.Dir, build.Stdout, build.Stderr = root, stdout, stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build of the provider: %w", err)
	}

	d.say("Starting the PostHog emulator with %d persons", *persons)
	cfg := emulator.Config{}
	if *verbose {
		cfg.Logf = log.New(stderr, "emulator: ", log.Lmicroseconds).Printf
	}
	srv := emulator.New(cfg)
	defer srv.Close()
	events := seedEvents(*persons, time.Now())
	srv.Ingest(events...)
	before := len(srv.Persons())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
	}()
	host := "http://" + ln.Addr().String()
	d.info("listening on %s: %d persons from %d events over the last 30 days", host, before, len(events))

	d.say("Preparing Terraform (dev_overrides, working copy of examples/demo)")
	cliConfig, err := writeCLIConfig(tmp, binDir)
	if err != nil {
		return err
	}
	d.info("CLI config: %s", cliConfig)
	if err := copyDir(filepath.Join(root, "examples", "demo"), workDir); err != nil {
		return fmt.Errorf("copying examples/demo: %w", err)
	}
	d.info("working dir: %s", workDir)
	requested, err := requestedIDs(filepath.Join(workDir, "requests.json"))
	if err != nil {
		return err
	}
	d.info("%d erasure requests name %d distinct ids", len(requested), countIDs(requested))
	env := childEnv(os.Environ(), cliConfig, host)
	tf := func(stdout io.Writer, args ...string) error {
		cmd := exec.CommandContext(ctx, terraform, args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = workDir, env, stdout, stderr
		// Give Terraform the chance to stop cleanly (and release its state lock).
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 15 * time.Second
		return cmd.Run()
	}

	d.say("terraform apply -auto-approve (no init: dev_overrides needs none)")
	if err := tf(stdout, "apply", "-auto-approve", "-input=false"); err != nil {
		return fmt.Errorf("terraform apply: %w", err)
	}
	after := len(srv.Persons())

	d.say("terraform plan -detailed-exitcode (must show no changes)")
	err = tf(stdout, "plan", "-detailed-exitcode", "-input=false")
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		d.info("no changes: the deletions are done and stay done")
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 2:
		return errors.New("the second plan is not empty (exit code 2): applying the demo again would change something, " +
			"so the provider's state does not match what it deleted")
	default:
		return fmt.Errorf("terraform plan: %w", err)
	}

	d.say("terraform output")
	if err := tf(stdout, "output"); err != nil {
		return fmt.Errorf("terraform output: %w", err)
	}

	d.say("What the emulator saw")
	stats := srv.Stats()
	d.info("persons before: %d, after: %d (%d deleted)", before, after, before-after)
	d.info("bulk_delete calls: %d, API requests in total: %d", routeCount(stats, "bulk_delete"), stats.Total)
	var left []string
	for _, ids := range requested {
		for _, id := range ids {
			if p, ok := srv.PersonByDistinctID(id); ok {
				left = append(left, fmt.Sprintf("%s (person %s)", id, p.UUID))
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("requested distinct ids still resolve to persons: %s", strings.Join(left, ", "))
	}
	d.info("every requested distinct id now resolves to no person")
	if before-after <= 0 {
		return errors.New("the apply deleted no person")
	}
	fmt.Fprintf(stdout, "\nDemo succeeded in %s.\n", time.Since(d.started).Round(100*time.Millisecond))
	return nil
}

// repoRoot is the folder of the module's go.mod, else the working directory.
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(wd, "go.mod")); err != nil {
		return "", fmt.Errorf("run the demo from the repository root (no go.mod in %s)", wd)
	}
	return wd, nil
}

// findTerraform looks where the build does: the flag, TF_ACC_TERRAFORM_PATH,
// terraform on PATH, then <root>/bin/terraform.
func findTerraform(flagValue, root string) (path, how string, err error) {
	if flagValue != "" {
		p, err := exec.LookPath(flagValue)
		if err != nil {
			return "", "", fmt.Errorf("-terraform %s: %w", flagValue, err)
		}
		return p, "-terraform", nil
	}
	if v := os.Getenv("TF_ACC_TERRAFORM_PATH"); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", "", fmt.Errorf("TF_ACC_TERRAFORM_PATH=%s: %w", v, err)
		}
		return p, "TF_ACC_TERRAFORM_PATH", nil
	}
	if p, err := exec.LookPath("terraform"); err == nil {
		return p, "PATH", nil
	}
	local := filepath.Join(root, "bin", "terraform")
	if runtime.GOOS == "windows" {
		local += ".exe"
	}
	if p, err := exec.LookPath(local); err == nil {
		return p, "bin/terraform", nil
	}
	return "", "", fmt.Errorf("no Terraform found (not in -terraform, TF_ACC_TERRAFORM_PATH, PATH or %s); build one with\n"+
		"    make terraform\nor\n    GOBIN=%s go install github.com/hashicorp/terraform@%s",
		local, filepath.Join(root, "bin"), terraformVer)
}

// writeCLIConfig writes a Terraform CLI configuration into dir that points
// the provider's source address at pluginDir.
func writeCLIConfig(dir, pluginDir string) (string, error) {
	path := filepath.Join(dir, "terraform.rc")
	content := fmt.Sprintf(`# Written by posthog-demo: use the provider built from this checkout.
provider_installation {
  dev_overrides {
    %q = %q
  }
  direct {}
}
`, providerAddr, filepath.ToSlash(pluginDir))
	return path, os.WriteFile(path, []byte(content), 0o600)
}

// childEnv is the environment of the Terraform processes: the caller's,
// with the demo's CLI config and PostHog settings in place of any others.
func childEnv(base []string, cliConfig, host string) []string {
	set := map[string]string{
		"TF_CLI_CONFIG_FILE": cliConfig,
		"TF_IN_AUTOMATION":   "1",
		"TF_INPUT":           "0",
		"CHECKPOINT_DISABLE": "1",
		"POSTHOG_HOST":       host,
		"POSTHOG_API_KEY":    apiKey,
		"POSTHOG_PROJECT_ID": projectID,
	}
	env := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; ok || k == "TF_CLI_CONFIG_FILE" || strings.HasPrefix(k, "TF_CLI_ARGS") {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env
}

// copyDir copies the regular files of src (recursively) into dst, leaving
// out Terraform's own files should someone have run it in src.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		name := e.Name()
		if e.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !e.Type().IsRegular() || strings.HasPrefix(name, "terraform.tfstate") || name == ".terraform.lock.hcl" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}

// requestedIDs reads the distinct ids of every request in requests.json, by ticket.
func requestedIDs(path string) (map[string][]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Requests []struct {
			Ticket      string   `json:"ticket"`
			DistinctIDs []string `json:"distinct_ids"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string][]string{}
	for _, r := range doc.Requests {
		out[r.Ticket] = append(out[r.Ticket], r.DistinctIDs...)
	}
	return out, nil
}

func countIDs(m map[string][]string) int {
	n := 0
	for _, ids := range m {
		n += len(ids)
	}
	return n
}

// routeCount sums the requests to every route whose pattern contains part.
func routeCount(s emulator.Stats, part string) int {
	n := 0
	for route, byStatus := range s.Routes {
		if strings.Contains(route, part) {
			for _, c := range byStatus {
				n += c
			}
		}
	}
	return n
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
