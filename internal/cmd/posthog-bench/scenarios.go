package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// scenario is one row of the table.
type scenario struct {
	Name        string
	IDs         int     // distinct ids of a single deletion; 0 with Resources
	Resources   int     // > 1: that many deletions of 1-3 ids each
	Parallelism int     // terraform -parallelism; 0 = Terraform's default (10)
	RateScale   float64 // > 0: the emulator's rate limits on, windows divided by this
	NeedsFile   bool    // only with the compact (file) form
	ListForm    bool    // a single deletion in the list form even when the compact form exists
}

func (s scenario) rateLimited() bool { return s.RateScale > 0 }

// scenarios is the full set, or the smoke set with quick.
func scenarios(quick bool) []scenario {
	if quick {
		return []scenario{
			{Name: "bulk-1k", IDs: 1000},
			{Name: "many-200", Resources: 200},
			{Name: "rl-bulk-1k", IDs: 1000, RateScale: 60},
			{Name: "rl-many-100", Resources: 100, RateScale: 60},
		}
	}
	return []scenario{
		{Name: "bulk-1k", IDs: 1000},
		{Name: "bulk-10k", IDs: 10000},
		{Name: "bulk-10k-list", IDs: 10000, ListForm: true},
		{Name: "bulk-100k", IDs: 100000, NeedsFile: true},
		{Name: "many-2000", Resources: 2000},
		{Name: "many-2000-p50", Resources: 2000, Parallelism: 50},
		{Name: "rl-bulk-5k", IDs: 5000, RateScale: 60},
		{Name: "rl-bulk-20k", IDs: 20000, RateScale: 60},
		{Name: "rl-many-500", Resources: 500, RateScale: 60},
	}
}

// phase is what one Terraform command cost.
type phase struct {
	Wall      time.Duration
	Calls     map[string]int // by short endpoint name, all statuses
	Total     int
	Throttled int // 429 answers
	Errors    int // other answers >= 500
	Deletes   int // deletion calls the throttle let through
	Reads     int // other persons calls the throttle let through
	PeakRSS   int64
	CPU       time.Duration
	Procs     int
}

func (p phase) count(name string) int { return p.Calls[name] }

// result is one measured scenario.
type result struct {
	scenario
	Form       string // "list" or "file"
	N          int    // distinct ids in total
	Groups     []int  // ids per resource
	Plan       phase
	Apply      phase
	Recheck    phase // the no-change plan after the apply
	Minimum    int
	Bound      time.Duration // rate-limit lower bound of all calls, at the scenario's scale (1 without limits)
	Baseline   baseline
	Pending    string
	Err        string
	Lookups    int // ceil(N/200): calls of one lookup pass
	BulkTarget int // sum of ceil(k/1000): the fewest bulk_delete calls
}

type baseline struct {
	Calls   int
	Wall    time.Duration
	Deleted int
	Bound   time.Duration // at the scenario's rate-limit scale
	Sample  int           // > 0: run on this many ids and scaled up linearly to all of them
}

// baselineSample caps how many ids the baseline deletes for real: the
// emulator sorts every person on each list request, so past a few ten
// thousand persons a per-id GET loop would take most of an hour. Larger
// scenarios run it on the first baselineSample ids and scale calls and time
// up linearly (which, if anything, flatters the baseline).
const baselineSample = 500

// baselineFullUpTo: scenarios up to this many ids run the whole baseline.
const baselineFullUpTo = 20000

func (r result) wall() time.Duration { return r.Plan.Wall + r.Apply.Wall + r.Recheck.Wall }
func (r result) calls() int          { return r.Plan.Total + r.Apply.Total + r.Recheck.Total }
func (r result) throttled() int      { return r.Plan.Throttled + r.Apply.Throttled + r.Recheck.Throttled }

// runner holds what every scenario shares.
type runner struct {
	terraform string
	provider  string // absolute path of the built provider binary
	cliConfig string
	tmp       string
	fileForm  bool // the provider has the compact distinct_ids_file form
	// pacingSwitch: the provider has rate_limits_enabled, turned off in the
	// scenarios whose emulator has no rate limits.
	pacingSwitch bool
	keep         bool // -keep: leave the logs for reading
	logf         func(format string, args ...any)
}

func (b *runner) run(ctx context.Context, sc scenario) result {
	res := result{scenario: sc, Form: "list"}
	if b.fileForm && !sc.ListForm && sc.Resources <= 1 {
		res.Form = "file"
	}
	if sc.NeedsFile && !b.fileForm {
		res.Pending = "pending: needs the compact bulk form of posthog_person_deletion"
		return res
	}
	w := makeWorkload(sc.IDs, sc.Resources)
	for _, g := range w.groups {
		res.Groups = append(res.Groups, len(g))
		res.BulkTarget += ceilDiv(len(g), 1000)
	}
	res.N = len(w.ids())
	res.Lookups = ceilDiv(res.N, 200)
	// One lookup pass in the plan, one in the apply plus the bulk deletes,
	// one in the no-change plan.
	res.Minimum = 3*res.Lookups + res.BulkTarget
	if err := b.measure(ctx, &res, w); err != nil {
		res.Err = err.Error()
	}
	if err := b.baseline(ctx, &res, w); err != nil && res.Err == "" {
		res.Err = "baseline: " + err.Error()
	}
	return res
}

func (b *runner) measure(ctx context.Context, res *result, w workload) error {
	dir := filepath.Join(b.tmp, res.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeConfig(dir, w, res.Form, b.pacingSwitch && !res.rateLimited()); err != nil {
		return err
	}
	cfg := emulator.Config{}
	if res.rateLimited() {
		cfg.RateLimit, cfg.RateLimitScale = true, res.RateScale
	}
	emu, err := startEmulator(cfg, w, "")
	if err != nil {
		return err
	}
	defer emu.Close()
	env := terraformEnv(os.Environ(), b.cliConfig, emu.host, res.RateScale)
	var extra []string
	if res.Parallelism > 0 {
		extra = append(extra, fmt.Sprintf("-parallelism=%d", res.Parallelism))
	}
	tf := func(p *phase, log string, okCodes []int, args ...string) (int, error) {
		// Options go before the positional plan file.
		full := append(append([]string{args[0]}, extra...), args[1:]...)
		return b.terraformPhase(ctx, emu.srv, dir, env, p, filepath.Join(dir, log), okCodes, full...)
	}
	b.logf("%s: plan (%d ids, %d resources, %s form)", res.Name, res.N, len(res.Groups), res.Form)
	if _, err := tf(&res.Plan, "plan.log", nil, "plan", "-input=false", "-no-color", "-out=tfplan"); err != nil {
		return err
	}
	b.logf("%s: apply", res.Name)
	if _, err := tf(&res.Apply, "apply.log", nil, "apply", "-input=false", "-no-color", "tfplan"); err != nil {
		return err
	}
	b.logf("%s: no-change plan", res.Name)
	code, err := tf(&res.Recheck, "recheck.log", []int{2}, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if err != nil {
		return err
	}
	d := res.Plan.Deletes + res.Apply.Deletes + res.Recheck.Deletes
	r := res.Plan.Reads + res.Apply.Reads + res.Recheck.Reads
	res.Bound = rateBound(d, r, max(res.RateScale, 1))
	if left := countLeft(emu.srv, w); left > 0 {
		return fmt.Errorf("%d requested distinct ids still resolve to a person after the apply", left)
	}
	if code == 2 {
		return errors.New("the plan after the apply is not empty (exit code 2)")
	}
	return nil
}

func countLeft(srv *emulator.Server, w workload) int {
	n := 0
	for _, id := range w.ids() {
		if _, ok := srv.PersonByDistinctID(id); ok {
			n++
		}
	}
	return n
}

// terraformPhase runs one Terraform command with fresh emulator counters and
// the provider processes sampled, and fills p (no calls without srv). An
// exit code in okCodes is returned without error.
func (b *runner) terraformPhase(ctx context.Context, srv *emulator.Server, dir string, env []string, p *phase, logPath string, okCodes []int, args ...string) (int, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.CommandContext(ctx, b.terraform, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	if srv != nil {
		srv.ResetStats()
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	mon := startProcMonitor(b.provider, cmd.Process.Pid, 20*time.Millisecond)
	err = cmd.Wait()
	p.Wall = time.Since(start)
	p.PeakRSS, p.CPU, p.Procs = mon.Stop()
	if srv != nil {
		fillCalls(p, srv.Stats())
	}
	code := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return 0, err
		}
		code = exit.ExitCode()
		ok := false
		for _, c := range okCodes {
			ok = ok || c == code
		}
		if !ok {
			return code, fmt.Errorf("terraform %s: exit code %d; last lines of %s:\n%s", args[0], code, logPath, tail(logPath, 25))
		}
	}
	return code, nil
}

// fillCalls sorts the emulator's counters into p.
func fillCalls(p *phase, s emulator.Stats) {
	p.Calls = map[string]int{}
	for route, byStatus := range s.Routes {
		name := shortRoute(route)
		deletion := strings.HasPrefix(route, "DELETE ") || strings.Contains(route, "bulk_delete")
		for status, n := range byStatus {
			p.Calls[name] += n
			p.Total += n
			switch {
			case status == "429":
				p.Throttled += n
			case !strings.Contains(route, "/api/"):
			case deletion:
				p.Deletes += n
			default:
				p.Reads += n
			}
			if len(status) == 3 && status[0] == '5' {
				p.Errors += n
			}
		}
	}
}

// shortRoute names an emulator route pattern ("POST /api/projects/{project_id}/persons/bulk_delete/") for the table.
func shortRoute(route string) string {
	method, pattern, _ := strings.Cut(route, " ")
	for _, pre := range []string{"/api/projects/{project_id}/", "/api/environments/{project_id}/"} {
		pattern = strings.TrimPrefix(pattern, pre)
	}
	pattern = strings.TrimSuffix(pattern, "/")
	switch pattern {
	case "persons/batch_by_distinct_ids":
		return "lookup"
	case "persons/batch_by_uuids":
		return "lookup_uuids"
	case "persons/bulk_delete":
		return "bulk_delete"
	case "persons/deletion_status":
		return "deletion_status"
	case "persons":
		return method + " persons"
	case "persons/{id}":
		return method + " person"
	}
	return method + " " + pattern
}

func (b *runner) baseline(ctx context.Context, res *result, w workload) error {
	emu, err := startEmulator(emulator.Config{}, w, "")
	if err != nil {
		return err
	}
	defer emu.Close()
	b.logf("%s: naive baseline (%d ids)", res.Name, res.N)
	ids := w.ids()
	scale := 1.0
	if len(ids) > baselineFullUpTo {
		res.Baseline.Sample = baselineSample
		scale = float64(len(ids)) / baselineSample
		ids = ids[:baselineSample]
	}
	emu.srv.ResetStats()
	start := time.Now()
	deleted, err := naiveDelete(ctx, emu.host, ids)
	up := func(n int) int { return int(math.Round(float64(n) * scale)) }
	res.Baseline.Wall = time.Duration(float64(time.Since(start)) * scale)
	res.Baseline.Deleted = up(deleted)
	var p phase
	fillCalls(&p, emu.srv.Stats())
	res.Baseline.Calls = up(p.Total)
	res.Baseline.Bound = rateBound(up(p.Deletes), up(p.Reads), max(res.RateScale, 1))
	return err
}

// writeConfig writes the Terraform configuration of a workload into dir.
// A single deletion reads its ids from ids.txt (the list form splits the
// file, the compact form passes the file); many deletions come from
// requests.json through for_each.
func writeConfig(dir string, w workload, form string, noPacing bool) error {
	var tf strings.Builder
	tf.WriteString("terraform {\n  required_providers {\n    posthog = {\n      source = \"" + providerAddr + "\"\n    }\n  }\n}\n\n")
	if noPacing {
		tf.WriteString("# The emulator has no rate limits in this scenario: no client-side pacing either.\nprovider \"posthog\" {\n  rate_limits_enabled = false\n}\n\n")
	} else {
		tf.WriteString("provider \"posthog\" {}\n\n")
	}
	if form == "tickets" {
		if err := writeRequests(dir, w); err != nil {
			return err
		}
		tf.WriteString("# Every ticket in one resource: requests.json maps each ticket to its distinct ids.\n" +
			"resource \"posthog_person_deletion\" \"tickets\" {\n  tickets_file = \"${path.module}/requests.json\"\n}\n")
		return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tf.String()), 0o644)
	}
	if len(w.groups) == 1 {
		if err := os.WriteFile(filepath.Join(dir, "ids.txt"), []byte(strings.Join(w.groups[0], "\n")+"\n"), 0o644); err != nil {
			return err
		}
		tf.WriteString("resource \"posthog_person_deletion\" \"bulk\" {\n")
		if form == "file" {
			tf.WriteString("  distinct_ids_file = \"${path.module}/ids.txt\"\n")
		} else {
			tf.WriteString("  distinct_ids = split(\"\\n\", trimspace(file(\"${path.module}/ids.txt\")))\n")
		}
		tf.WriteString("}\n")
	} else {
		if err := writeRequests(dir, w); err != nil {
			return err
		}
		tf.WriteString("locals {\n  requests = jsondecode(file(\"${path.module}/requests.json\"))\n}\n\n")
		tf.WriteString("resource \"posthog_person_deletion\" \"request\" {\n  for_each     = local.requests\n  distinct_ids = each.value\n}\n")
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tf.String()), 0o644)
}

// writeRequests writes requests.json: the groups of w by key, "req-00000" up.
func writeRequests(dir string, w workload) error {
	reqs := make(map[string][]string, len(w.groups))
	for i, g := range w.groups {
		reqs[fmt.Sprintf("req-%05d", i)] = g
	}
	raw, err := json.Marshal(reqs)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "requests.json"), raw, 0o644)
}

func tail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(bytes.TrimSpace(raw)), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// callSummary renders counts by endpoint, largest first: "lookup 5, bulk_delete 1".
func callSummary(calls map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range calls {
		if v > 0 {
			list = append(list, kv{k, v})
		}
	}
	if len(list) == 0 {
		return "0"
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = fmt.Sprintf("%s %d", e.k, e.v)
	}
	return strings.Join(parts, ", ")
}
