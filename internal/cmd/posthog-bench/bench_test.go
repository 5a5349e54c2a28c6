package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLowerBound(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		rates []Rate
		scale float64
		want  time.Duration
	}{
		{"nothing", 0, deleteRates, 1, 0},
		{"one", 1, deleteRates, 1, 0},
		{"first window is immediate", 480, deleteRates, 1, 0},
		{"one past the first window", 481, deleteRates, 1, time.Minute},
		{"ten minute windows", 4800, deleteRates, 1, 9 * time.Minute},
		{"hourly limit", 4801, deleteRates, 1, time.Hour},
		{"5000 deletes", 5000, deleteRates, 1, time.Hour},
		{"hourly then minutes", 4800 + 481, deleteRates, 1, time.Hour + time.Minute},
		{"reads", 240, readRates, 1, 0},
		{"reads past the window", 241, readRates, 1, time.Minute},
		{"5000 reads", 5000, readRates, 1, 20 * time.Minute},
		{"scaled", 5000, readRates, 60, 20 * time.Second},
		{"scaled deletes", 5000, deleteRates, 60, time.Minute},
		{"scale 0 means 1", 241, readRates, 0, time.Minute},
	} {
		if got := lowerBound(tc.n, tc.rates, tc.scale); got != tc.want {
			t.Errorf("%s: lowerBound(%d, scale %g) = %s, want %s", tc.name, tc.n, tc.scale, got, tc.want)
		}
	}
	// Closed form for the delete rates: max(floor((n-1)/480) min, floor((n-1)/4800) h).
	for n := 2; n <= 12000; n += 97 {
		want := max(time.Duration((n-1)/480)*time.Minute, time.Duration((n-1)/4800)*time.Hour)
		// Past the first hour the minute windows restart from the hour mark.
		if n > 4800 {
			k := n - 1 - 4800*((n-1)/4800)
			want = time.Duration((n-1)/4800)*time.Hour + time.Duration(k/480)*time.Minute
		}
		if got := lowerBound(n, deleteRates, 1); got != want {
			t.Fatalf("lowerBound(%d deletes) = %s, want %s", n, got, want)
		}
	}
	if got := rateBound(100, 241, 60); got != time.Second {
		t.Errorf("rateBound(100 deletes, 241 reads, 60) = %s, want 1s (the reads decide)", got)
	}
	if got := rateBound(481, 10, 60); got != time.Second {
		t.Errorf("rateBound(481 deletes, 10 reads, 60) = %s, want 1s (the deletes decide)", got)
	}
}

func sampleResults() []result {
	r1 := result{scenario: scenario{Name: "bulk-1k", IDs: 1000}, Form: "list", N: 1000, Groups: []int{1000},
		Minimum: 16, Lookups: 5, BulkTarget: 1}
	r1.Plan = phase{Wall: 800 * time.Millisecond, Calls: map[string]int{"lookup": 5}, Total: 5, PeakRSS: 40 << 20, CPU: 200 * time.Millisecond}
	r1.Apply = phase{Wall: 1200 * time.Millisecond, Calls: map[string]int{"lookup": 10, "bulk_delete": 1}, Total: 11, PeakRSS: 50 << 20}
	r1.Recheck = phase{Wall: 700 * time.Millisecond, Calls: map[string]int{"lookup": 5}, Total: 5}
	r1.Baseline = baseline{Calls: 2000, Wall: 400 * time.Millisecond}
	r2 := result{scenario: scenario{Name: "rl-many-500", Resources: 500, RateScale: 60}, Form: "list", N: 1000,
		Groups: make([]int, 500), Minimum: 515, Bound: 4 * time.Second}
	r2.Plan = phase{Wall: time.Second, Calls: map[string]int{"lookup": 5}, Total: 5}
	r2.Apply = phase{Wall: 4 * time.Second, Calls: map[string]int{"lookup": 5, "bulk_delete": 500}, Total: 505, Throttled: 2}
	r2.Recheck = phase{Wall: time.Second, Calls: map[string]int{"lookup": 5}, Total: 5}
	r3 := result{scenario: scenario{Name: "bulk-100k", IDs: 100000, NeedsFile: true}, Pending: "pending: needs the compact bulk form"}
	return []result{r1, r2, r3}
}

func TestRenderTable(t *testing.T) {
	table := renderTable(sampleResults())
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header, a rule and 3 rows, got %d lines:\n%s", len(lines), table)
	}
	cols := strings.Count(lines[0], "|")
	for i, l := range lines {
		if c := strings.Count(l, "|"); c != cols {
			t.Errorf("line %d has %d pipes, the header %d: %s", i, c, cols, l)
		}
	}
	wantAll(t, "table", table,
		"| bulk-1k (list form) | 1000 | 0.80 | 1.20 | 0.70 | lookup 5 / lookup 10, bulk_delete 1 / lookup 5 | 21 ÷ 16 = 1.31 | 2.70 ÷ 0.00 = — | 0 | 50 MB | 0.20 / 0.00 | 2000, 0.40 | 0.01, 5.00 |",
		"rl-many-500 (list form, limits on, scale 60) | 1000 ids / 500 res.",
		"6.00 ÷ 4.00 = 1.50 | 2 |",
		"| bulk-100k | 100000 | pending: needs the compact bulk form |",
	)
	got := renderTargets(targets(sampleResults()))
	wantAll(t, "targets", got,
		"**met**: bulk-1k: exactly ceil(N/1000) bulk_delete calls — 1",
		"**met**: bulk-1k: at most ceil(N/200) calls per lookup pass",
		"**not met**: rl-many-500: no failed request (no 429) — 2 × 429",
		"**not met**: rl-many-500: within 1.2× of the rate-limit lower bound — 6.00 s for a bound of 4.00 s (ratio 1.50)",
		"**pending**: bulk-100k",
	)
}

func TestRewriteSection(t *testing.T) {
	sec := report(runResults{machine: "- machine\n", results: sampleResults()[:1], took: time.Minute})
	doc := rewriteSection("# Benchmarks\n\nProse.\n", sec)
	if !strings.HasPrefix(doc, "# Benchmarks\n\nProse.\n\n"+beginMarker) {
		t.Fatalf("section not appended:\n%s", doc)
	}
	doc += "\nMore prose.\n"
	again := rewriteSection(doc, report(runResults{machine: "- other machine\n", results: sampleResults()[:1], took: time.Minute}))
	if strings.Count(again, beginMarker) != 1 || strings.Contains(again, "- machine\n") ||
		!strings.Contains(again, "- other machine") || !strings.HasSuffix(again, "\nMore prose.\n") {
		t.Fatalf("section not replaced in place:\n%s", again)
	}
}

func TestShortRouteAndParsers(t *testing.T) {
	for route, want := range map[string]string{
		"POST /api/projects/{project_id}/persons/bulk_delete/":           "bulk_delete",
		"POST /api/projects/{project_id}/persons/batch_by_distinct_ids/": "lookup",
		"GET /api/projects/{project_id}/persons/":                        "GET persons",
		"DELETE /api/environments/{project_id}/persons/{id}/":            "DELETE person",
		"GET /api/projects/{project_id}/persons/deletion_status/":        "deletion_status",
	} {
		if got := shortRoute(route); got != want {
			t.Errorf("shortRoute(%q) = %q, want %q", route, got, want)
		}
	}
	if kb, ok := parseVmHWM("Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t  123456 kB\n"); !ok || kb != 123456 {
		t.Errorf("parseVmHWM = %d, %v", kb, ok)
	}
	stat := "4242 (terraform-provider (x)) S 1 2 3 4 5 6 7 8 9 10 150 25 0 0 20 0"
	if ticks, ok := parseCPUTicks(stat); !ok || ticks != 175 {
		t.Errorf("parseCPUTicks = %d, %v; want 175", ticks, ok)
	}
	w := makeWorkload(0, 50)
	if len(w.groups) != 50 {
		t.Fatalf("%d groups", len(w.groups))
	}
	for _, g := range w.groups {
		if len(g) < 1 || len(g) > 3 {
			t.Fatalf("group of %d ids", len(g))
		}
	}
	if a, b := makeWorkload(1000, 1), makeWorkload(1000, 1); strings.Join(a.ids(), ",") != strings.Join(b.ids(), ",") {
		t.Error("workloads differ between calls: the seed is not fixed")
	}
}

// quickSteps are the tiny scenarios measured command by command that
// the tests run: 20 tickets, far below every rate limit.
var quickSteps = []stepScenario{
	{Name: "floor-20", Resources: 20, Floor: true},
	{Name: "real-many-20", Resources: 20, RecheckParallelism: []int{2}},
	{Name: "real-many-20-add-one", Resources: 20, Applied: true},
	{Name: "real-tickets-20", Resources: 20, Tickets: true},
}

var quick struct {
	once sync.Once
	rs   runResults
	err  error
}

// quickRun runs, once for all tests, the smallest bulk scenario of -quick
// and quickSteps with the real Terraform CLI.
func quickRun(t *testing.T) runResults {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Terraform")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			t.Skip("no Terraform: set TF_ACC_TERRAFORM_PATH")
		}
		tf = p
	}
	quick.once.Do(func() {
		o := options{terraform: tf, quick: true, filter: regexp.MustCompile(`^(bulk-1k|floor-20|real-many-20|real-many-20-add-one|real-tickets-20)$`),
			form: "auto", source: "head", steps: quickSteps}
		quick.rs, quick.err = bench(context.Background(), o, io.Discard)
	})
	if quick.err != nil {
		t.Fatal(quick.err)
	}
	return quick.rs
}

// TestQuickBulk runs the smallest scenario of -quick with the real
// Terraform CLI and checks its call counts (never its times).
func TestQuickBulk(t *testing.T) {
	results := quickRun(t).results
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	r := results[0]
	if r.Err != "" {
		t.Fatal(r.Err)
	}
	if got := r.Apply.count("bulk_delete"); got != 1 {
		t.Errorf("apply made %d bulk_delete calls for 1000 ids, want 1", got)
	}
	for name, p := range map[string]phase{"plan": r.Plan, "no-change plan": r.Recheck} {
		if got := p.count("lookup"); got > 5 {
			t.Errorf("%s made %d lookups for 1000 ids, want at most 5", name, got)
		}
		if p.count("bulk_delete") != 0 {
			t.Errorf("%s deleted", name)
		}
	}
	if r.Baseline.Calls != 2000 || r.Baseline.Deleted != 1000 {
		t.Errorf("baseline: %d calls, %d deleted; want 2000 and 1000", r.Baseline.Calls, r.Baseline.Deleted)
	}
}

// TestQuickRealRates runs 20 tickets of 2 ids at PostHog's real rates,
// and Terraform's floor for them, and checks the commands measured and
// their call counts (never their times).
func TestQuickRealRates(t *testing.T) {
	steps := quickRun(t).steps
	if len(steps) != len(quickSteps) {
		t.Fatalf("%d scenarios measured, want %d", len(steps), len(quickSteps))
	}
	t.Log("\n" + renderStepTable(steps))
	labels := map[string]string{
		"floor-20":             "plan|apply|no-change plan|add one: plan|add one: apply",
		"real-many-20":         "plan|apply|no-change plan|no-change plan, -parallelism=2",
		"real-many-20-add-one": "no-change plan|add one: plan|add one: apply",
		"real-tickets-20":      "plan|apply|no-change plan",
	}
	for _, r := range steps {
		if r.Err != "" {
			t.Fatalf("%s: %s", r.Name, r.Err)
		}
		var got []string
		for _, s := range r.Steps {
			got = append(got, s.Label)
		}
		if strings.Join(got, "|") != labels[r.Name] {
			t.Errorf("%s measured %q, want %q", r.Name, got, labels[r.Name])
		}
		for _, s := range r.Steps {
			checkQuickStep(t, r, s)
		}
	}
}

// checkQuickStep checks the calls of one command over 20 tickets of 2 ids.
func checkQuickStep(t *testing.T, r stepResult, s step) {
	t.Helper()
	name := r.Name + ": " + s.Label
	if r.Floor {
		if s.Total != 0 || s.Waits.Lines != 0 {
			t.Errorf("%s: terraform_data made %d calls and %d provider log lines", name, s.Total, s.Waits.Lines)
		}
		return
	}
	// 40 ids, a few dozen calls a command: far below every limit.
	if s.Waits.Lines == 0 {
		t.Errorf("%s: no provider log line: TF_LOG_PROVIDER did not reach the log file", name)
	}
	if s.Waits.Count != 0 || s.Throttled != 0 {
		t.Errorf("%s: %d rate-limit waits and %d × 429 for 40 ids", name, s.Waits.Count, s.Throttled)
	}
	deletes := s.count("bulk_delete") + s.count("DELETE person")
	lookups := lookupCalls(s.phase)
	switch s.Kind {
	case stepApply:
		// 20 tickets: at least one bulk_delete, at most one per ticket; in
		// one resource, one bulk_delete for all 40 ids.
		if deletes < 1 || deletes > 20 || (r.Tickets && deletes != 1) {
			t.Errorf("%s: %d deletion calls for 20 tickets", name, deletes)
		}
	case stepNoChange:
		// 40 ids, remembered by the earlier commands of the directory (the
		// setup's apply in the add-one scenario, which listens on the same
		// address): one lookup call, ceil(40/200), whatever -parallelism is.
		if deletes != 0 || lookups != 1 {
			t.Errorf("%s: %d lookups and %d deletion calls, want 1 lookup", name, lookups, deletes)
		}
	case stepAddApply:
		if deletes != 1 {
			t.Errorf("%s: %d deletion calls for one ticket of 2 ids, want 1", name, deletes)
		}
	default:
		if deletes != 0 {
			t.Errorf("%s: a plan made %d deletion calls", name, deletes)
		}
		// Every ticket is looked up, at most in one call each.
		if lookups < 1 || lookups > 21 {
			t.Errorf("%s: %d lookups for 20 or 21 tickets", name, lookups)
		}
	}
}

// wantAll fails the test for each of wants that text (the rendered what)
// does not hold.
func wantAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s: missing %q in:\n%s", what, want, text)
		}
	}
}
