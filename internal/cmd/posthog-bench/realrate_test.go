package main

import (
	"strings"
	"testing"
	"time"
)

func TestRateLimitWaits(t *testing.T) {
	log := strings.Join([]string{
		`2026-11-30T11:35:24.100Z [INFO]  Terraform version: 1.11.4`,
		// A call that went ahead at once: logged, but not a wait.
		`2026-11-30T11:35:24.236Z [DEBUG] provider.terraform-provider-posthog: Waited for PostHog's rate limit: rate_class=persons_read tf_provider_addr=registry.terraform.io/posthog-persons/posthog @caller=/src/internal/posthog/ratelimit.go:368 @module=posthog tf_rpc=PlanResourceChange wait=0s timestamp=2026-11-30T11:35:24.222Z`,
		`2026-11-30T11:35:24.567Z [DEBUG] provider.terraform-provider-posthog: Waited for PostHog's rate limit: wait=250ms rate_class=persons_read tf_rpc=ReadResource timestamp=2026-11-30T11:35:24.567Z`,
		`2026-11-30T11:35:25.000Z [DEBUG] provider.terraform-provider-posthog: Calling provider defined Resource Read: tf_resource_type=posthog_person_deletion`,
		`2026-11-30T11:36:27.000Z [INFO]  provider.terraform-provider-posthog: Waited for PostHog's rate limit: rate_class=delete note="a = b, wait=9s" wait=1m2.5s @module=posthog`,
		`2026-11-30T11:36:28.000Z [INFO]  provider.terraform-provider-posthog: Waiting for PostHog's rate limit: rate_class=delete wait=3s`,
		`2026-11-30T11:36:29.000Z [DEBUG] provider.terraform-provider-posthog: Waited for PostHog's rate limit: rate_class=delete wait="1.25s"`,
	}, "\n")
	got, err := rateLimitWaits(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	// 250ms + 62.5s + 1.25s; the announcement before a wait ("Waiting") and
	// the quoted wait=9s inside another field are not waits.
	want := rateWaits{Count: 3, Total: 250*time.Millisecond + 62500*time.Millisecond + 1250*time.Millisecond, Lines: 6}
	if got != want {
		t.Errorf("rateLimitWaits = %#v, want %#v", got, want)
	}
	if got.String() != "3, 64.00 s" {
		t.Errorf("String() = %q", got.String())
	}
	if s := (rateWaits{}).String(); s != "0" {
		t.Errorf("no waits render as %q, want 0", s)
	}
	for _, bad := range []string{
		`x [DEBUG] provider.p: Waited for PostHog's rate limit: rate_class=delete`,
		`x [DEBUG] provider.p: Waited for PostHog's rate limit: wait=soon`,
	} {
		if _, err := rateLimitWaits(strings.NewReader(bad)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestLogField(t *testing.T) {
	fields := `a=1 msg="x y=2" y=3 empty= z="q\"uote"`
	for key, want := range map[string]string{"a": "1", "msg": "x y=2", "y": "3", "empty": "", "z": `q"uote`} {
		if got, ok := logField(fields, key); !ok || got != want {
			t.Errorf("logField(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := logField(fields, "missing"); ok {
		t.Error("found a missing field")
	}
}

func TestFewestCallsBound(t *testing.T) {
	for _, tc := range []struct {
		ids, d, r int
		bound     time.Duration
	}{
		// 2,000 tickets of 2 ids: 20 lookups, 4 bulk_delete, 20 verifications fit in the first minute.
		{4000, 4, 40, 0},
		{20000, 20, 200, 0},
		// 241 lookups and 241 verifications: 482 reads at 240 a minute.
		{241 * 200, 49, 482, 2 * time.Minute},
	} {
		d, r, bound := fewestCallsBound(tc.ids)
		if d != tc.d || r != tc.r || bound != tc.bound {
			t.Errorf("fewestCallsBound(%d) = %d, %d, %s; want %d, %d, %s", tc.ids, d, r, bound, tc.d, tc.r, tc.bound)
		}
	}
}

// stepSample is a floor and a real-rate scenario of 2,000 tickets, and a
// floor and an add-one scenario of 10,000.
func stepSample() []stepResult {
	ph := func(wall time.Duration, calls map[string]int) phase {
		p := phase{Wall: wall, Calls: calls}
		for _, n := range calls {
			p.Total += n
		}
		return p
	}
	floor2 := stepResult{stepScenario: stepScenario{Name: "floor-2000", Resources: 2000, Floor: true}, IDs: 4000, Steps: []step{
		{Label: "plan", Kind: stepPlan, phase: ph(12*time.Second, nil)},
		{Label: "apply", Kind: stepApply, phase: ph(40*time.Second, nil)},
	}}
	real2 := stepResult{stepScenario: stepScenario{Name: "real-many-2000", Resources: 2000}, IDs: 4000, Steps: []step{
		{Label: "apply", Kind: stepApply, phase: ph(60*time.Second, map[string]int{"bulk_delete": 4, "lookup": 20, "lookup_uuids": 20})},
		// 1.2 × 20 = 24: 24 is met, 25 is not.
		{Label: "no-change plan", Kind: stepNoChange, phase: ph(10*time.Second, map[string]int{"lookup": 24})},
		{Label: "no-change plan, -parallelism=2", Kind: stepNoChange, Parallelism: 2, phase: ph(10*time.Second, map[string]int{"lookup": 20, "lookup_uuids": 5})},
	}}
	floor10 := stepResult{stepScenario: stepScenario{Name: "floor-10000", Resources: 10000, Floor: true}, IDs: 20000, Steps: []step{
		{Label: "add one: plan", Kind: stepAddPlan, phase: ph(20*time.Second, nil)},
		{Label: "add one: apply", Kind: stepAddApply, phase: ph(20*time.Second, nil)},
	}}
	real10 := stepResult{stepScenario: stepScenario{Name: "real-many-10000-add-one", Resources: 10000, Applied: true}, IDs: 20000, Steps: []step{
		{Label: "no-change plan", Kind: stepNoChange, phase: ph(30*time.Second, map[string]int{"lookup": 100}), Waits: rateWaits{Count: 1, Total: time.Second}},
		{Label: "add one: plan", Kind: stepAddPlan, phase: ph(30*time.Second, map[string]int{"lookup": 101})},
		{Label: "add one: apply", Kind: stepAddApply, phase: ph(29*time.Second, map[string]int{"lookup": 2, "bulk_delete": 1, "lookup_uuids": 1})},
	}}
	return []stepResult{floor2, real2, floor10, real10}
}

func TestStepTargets(t *testing.T) {
	got := renderTargets(stepTargets(stepSample()))
	wantAll(t, "targets", got,
		// 60 s ≤ 1.5 × max(40 s, 0 s) = 60 s.
		"**met**: real-many-2000: apply within 1.5× max(floor apply, rate bound of the fewest calls) — apply 60.00 s; 1.5 × max(floor apply 40.00 s, rate bound 0.00 s of 20 lookups + 4 bulk_delete + 20 verification) = 60.00 s",
		"**met**: real-many-2000: no-change plan makes ≤ 1.2 × ceil(ids/200) lookups — 24 lookups, 1.2 × ceil(4000/200) = 24.0",
		// Lookups by uuid count as lookups.
		"**not met**: real-many-2000: no-change plan, -parallelism=2 makes ≤ 1.2 × ceil(ids/200) lookups — 25 lookups",
		"**met**: real-many-2000: no failed request (no 429) — 0 × 429",
		// 100 ≤ 120 lookups, but one wait.
		"**not met**: real-many-10000-add-one: no-change plan makes ≤ 1.2 × ceil(ids/200) lookups and waits on no rate limit — 100 lookups, 1.2 × ceil(20000/200) = 120.0; rate-limit waits 1, 1.00 s",
		// 59 s ≤ 1.5 × 40 s, no wait.
		"**met**: real-many-10000-add-one: add one (plan + apply) with no rate-limit wait, within 1.5× the floor's add one — 59.00 s, rate-limit waits 0; 1.5 × floor 40.00 s = 60.00 s",
	)
	if strings.Contains(got, "floor-2000:") || strings.Contains(got, "floor-10000:") {
		t.Errorf("the floors have no targets of their own:\n%s", got)
	}

	// Slower than the limits, a wait while adding one, no floor measured.
	s := stepSample()
	s[1].Steps[0].Wall = 61 * time.Second
	s[3].Steps[2].Waits = rateWaits{Count: 2, Total: 3 * time.Second}
	got = renderTargets(stepTargets(s))
	wantAll(t, "targets", got,
		"**not met**: real-many-2000: apply within 1.5× max(floor apply, rate bound of the fewest calls) — apply 61.00 s",
		"**not met**: real-many-10000-add-one: add one (plan + apply) with no rate-limit wait, within 1.5× the floor's add one — 59.00 s, rate-limit waits 2, 3.00 s",
	)
	got = renderTargets(stepTargets(s[1:2]))
	wantAll(t, "targets", got,
		"**not met**: real-many-2000: apply within 1.5× max(floor apply, rate bound of the fewest calls) — apply 61.00 s; floor-2000 was not measured in this run")
}

func TestRenderStepTable(t *testing.T) {
	table := renderStepTable(stepSample())
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2+10 {
		t.Fatalf("want a header, a rule and 10 rows, got %d lines:\n%s", len(lines), table)
	}
	for i, l := range lines {
		if c := strings.Count(l, "|"); c != 9 {
			t.Errorf("line %d has %d pipes: %s", i, c, l)
		}
	}
	wantAll(t, "table", table,
		"| floor-2000 (terraform_data, no provider) | 2000 res. | apply | 40.00 | — | — | — | — |",
		"| real-many-2000 (limits on, real rates) | 4000 ids / 2000 res. | no-change plan, -parallelism=2 | 10.00 | lookup 20, lookup_uuids 5 | 0 | 0 | 25 ÷ 20 = 1.25 |",
		"| real-many-10000-add-one (limits on, real rates) | 20000 ids / 10000 res. | no-change plan | 30.00 | lookup 100 | 0 | 1, 1.00 s | 100 ÷ 100 = 1.00 |",
		"| add one: apply | 29.00 | lookup 2, bulk_delete 1, lookup_uuids 1 | 0 | 0 | — |",
	)
}

func TestReportWithSteps(t *testing.T) {
	got := report(runResults{machine: "- machine\n", steps: stepSample(), took: time.Minute})
	if strings.Contains(got, "| scenario | N | plan s |") {
		t.Errorf("an empty table of the other scenarios:\n%s", got)
	}
	wantAll(t, "report", got,
		"At PostHog's real rate limits, beside Terraform's floor",
		"| floor-2000 (terraform_data, no provider) | 2000 res. | plan | 12.00 |",
		"### Targets\n\n- **met**: real-many-2000: apply within",
	)
}

func TestMakeTickets(t *testing.T) {
	all, some := makeTickets(11, 2), makeTickets(10, 2)
	if len(all.groups) != 11 {
		t.Fatalf("%d tickets", len(all.groups))
	}
	seen := map[string]bool{}
	for i, g := range all.groups {
		if len(g) != 2 {
			t.Fatalf("ticket %d has %d ids", i, len(g))
		}
		for _, id := range g {
			if seen[id] {
				t.Fatalf("id %s twice", id)
			}
			seen[id] = true
		}
	}
	// The ticket added is new; the others are those of the smaller repo.
	if strings.Join(all.prefix(10).ids(), ",") != strings.Join(some.ids(), ",") {
		t.Error("the first 10 of 11 tickets differ from 10 tickets")
	}
}
