// Command posthog-bench measures posthog_person_deletion with the real
// Terraform CLI against an in-process PostHog emulator, next to a naive
// per-person script run against the same data in the same run, and prints
// one Markdown table (see BENCHMARKS.md for what each column means).
//
//	go run ./internal/cmd/posthog-bench [-terraform PATH] [-quick] [-scenarios REGEXP] [-out BENCHMARKS.md] [-keep]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "posthog-bench:", err)
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	terraform string
	quick     bool
	filter    *regexp.Regexp
	out       string
	keep      bool
	form      string
	source    string
	// steps replaces the scenarios measured command by command (tests).
	steps []stepScenario
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("posthog-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var filter string
	fs.StringVar(&o.terraform, "terraform", "", "Terraform binary (default: $TF_ACC_TERRAFORM_PATH, terraform on PATH, bin/terraform)")
	fs.BoolVar(&o.quick, "quick", false, "smoke run: small N only")
	fs.StringVar(&filter, "scenarios", "", "run only the scenarios whose name matches this regular expression (e.g. '^(floor|real)-': Terraform's floor and PostHog's real rate limits)")
	fs.StringVar(&o.out, "out", "", "rewrite the generated section of this Markdown file (e.g. BENCHMARKS.md)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (configs, state, Terraform logs)")
	fs.StringVar(&o.form, "form", "auto", "how a single deletion gets its ids: list, file (the compact form) or auto")
	fs.StringVar(&o.source, "source", "head", "what provider to measure: head (the committed HEAD, via git archive) or worktree (the checkout as it is)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	re, err := regexp.Compile(filter)
	if err != nil {
		return o, fmt.Errorf("-scenarios: %w", err)
	}
	o.filter = re
	if o.source != "head" && o.source != "worktree" {
		return o, fmt.Errorf("-source must be head or worktree, not %q", o.source)
	}
	switch o.form {
	case "auto", "list", "file":
	default:
		return o, fmt.Errorf("-form must be list, file or auto, not %q", o.form)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rs, err := bench(ctx, o, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s\n%s\nTook %s.\n\n%s", rs.machine, rs.tables(), rs.took.Round(time.Second), renderTargets(rs.targets()))
	if o.out != "" {
		if err := writeReport(o.out, report(rs)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nWrote %s\n", o.out)
	}
	for _, r := range rs.results {
		if r.Err != "" {
			return fmt.Errorf("scenario %s failed: %s", r.Name, r.Err)
		}
	}
	for _, r := range rs.steps {
		if r.Err != "" {
			return fmt.Errorf("scenario %s failed: %s", r.Name, r.Err)
		}
	}
	return nil
}

// runResults is everything one run measured.
type runResults struct {
	results []result
	steps   []stepResult
	took    time.Duration
	machine string
}

// tables renders the tables that have rows.
func (rs runResults) tables() string {
	var parts []string
	if len(rs.results) > 0 {
		parts = append(parts, renderTable(rs.results))
	}
	if len(rs.steps) > 0 {
		parts = append(parts, "At PostHog's real rate limits, beside Terraform's floor (a row per command):\n\n"+renderStepTable(rs.steps))
	}
	return strings.Join(parts, "\n")
}

func (rs runResults) targets() []target {
	return append(targets(rs.results), stepTargets(rs.steps)...)
}

// bench builds the provider and runs the selected scenarios.
func bench(ctx context.Context, o options, logOut io.Writer) (rs runResults, err error) {
	started := time.Now()
	if runtime.GOOS != "linux" {
		fmt.Fprintln(logOut, "posthog-bench: not on Linux: provider RSS and CPU are not measured")
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return rs, err
	}
	terraform, err := locateTerraform(o.terraform, root)
	if err != nil {
		return rs, err
	}
	tmp, err := os.MkdirTemp("", "posthog-bench-")
	if err != nil {
		return rs, err
	}
	defer func() {
		if o.keep {
			fmt.Fprintf(logOut, "posthog-bench: kept %s\n", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()
	logf := func(format string, args ...any) {
		fmt.Fprintf(logOut, "[%6.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
	}
	src, what := root, "the working tree"
	if o.source == "head" {
		src = filepath.Join(tmp, "src")
		commit, err := exportHead(ctx, root, src)
		if err != nil {
			return rs, err
		}
		what = "commit " + commit
	}
	logf("building the provider from %s", what)
	provider, err := buildProvider(ctx, src, filepath.Join(tmp, "plugins"))
	if err != nil {
		return rs, err
	}
	cliConfig, err := writeTerraformRC(tmp, filepath.Dir(provider))
	if err != nil {
		return rs, err
	}
	b := &runner{terraform: terraform, provider: provider, cliConfig: cliConfig, tmp: tmp, keep: o.keep, logf: logf}
	switch o.form {
	case "file":
		b.fileForm = true
	case "auto":
		b.fileForm = hasFileForm(src)
	}
	b.pacingSwitch = sourceMentions(src, `"rate_limits_enabled"`)
	rs.machine = describeMachine(ctx, terraform) + "- provider: built from " + what + "\n"
	for _, sc := range scenarios(o.quick) {
		if !o.filter.MatchString(sc.Name) {
			continue
		}
		if ctx.Err() != nil {
			return rs, ctx.Err()
		}
		r := b.run(ctx, sc)
		if r.Err != "" {
			logf("%s: FAILED: %s", sc.Name, r.Err)
		}
		rs.results = append(rs.results, r)
	}
	steps := o.steps
	if steps == nil {
		steps = stepScenarios(o.quick)
	}
	for _, sc := range steps {
		if !o.filter.MatchString(sc.Name) {
			continue
		}
		if ctx.Err() != nil {
			return rs, ctx.Err()
		}
		r := b.runSteps(ctx, sc)
		if r.Err != "" {
			logf("%s: FAILED: %s", sc.Name, r.Err)
		}
		rs.steps = append(rs.steps, r)
	}
	rs.took = time.Since(started)
	return rs, nil
}

// hasFileForm tells whether posthog_person_deletion has the compact
// distinct_ids_file argument, from the provider's source.
func hasFileForm(root string) bool { return sourceMentions(root, `"distinct_ids_file"`) }

// sourceMentions tells whether a non-test Go file of the provider package
// holds s.
func sourceMentions(root, s string) bool {
	files, _ := filepath.Glob(filepath.Join(root, "internal", "provider", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		if raw, err := os.ReadFile(f); err == nil && strings.Contains(string(raw), s) {
			return true
		}
	}
	return false
}

// describeMachine is the Markdown list of what the numbers were measured on.
func describeMachine(ctx context.Context, terraform string) string {
	out := func(name string, args ...string) string {
		b, err := exec.CommandContext(ctx, name, args...).Output()
		if err != nil {
			return "unknown"
		}
		return firstLines(strings.TrimSpace(string(b)), 1)
	}
	cpu, mem := "unknown", "unknown"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				if _, err := fmt.Sscan(strings.TrimSpace(rest), &kb); err == nil {
					mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	return fmt.Sprintf("- date: %s\n- uname -a: `%s`\n- CPU: %s, %d cores\n- memory: %s\n- Go: %s\n- Terraform: %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), out("uname", "-a"), cpu, runtime.NumCPU(), mem,
		runtime.Version(), out(terraform, "version"))
}
