package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// idsPerTicket is the size of one erasure ticket in the scenarios at
// PostHog's real rates: a user's distinct ids, a handful at most.
const idsPerTicket = 2

// stepScenario is measured command by command: Terraform's own floor over
// terraform_data, or posthog_person_deletion at PostHog's real rate limits
// (the emulator's limits on at scale 1, the provider's default pacing).
type stepScenario struct {
	Name      string
	Resources int  // erasure tickets of idsPerTicket ids each, one resource per ticket
	Floor     bool // terraform_data instances, no provider: Terraform's own cost
	// Applied: the Resources are applied in a setup that is not measured
	// (limits off); the measured commands are a no-change plan and adding
	// one ticket. Otherwise: plan, apply, no-change plan(s).
	Applied bool
	// RecheckParallelism: further no-change plans at these -parallelism.
	RecheckParallelism []int
	// Tickets: the tickets are one posthog_person_deletion with a
	// tickets_file instead of one resource each.
	Tickets bool
}

// form is the posthog_person_deletion form of the scenario's configuration.
func (sc stepScenario) form() string {
	if sc.Tickets {
		return "tickets"
	}
	return "list"
}

// stepScenarios is the full set, or a smaller one with quick. Their names
// start with floor- or real-, so -scenarios '^(floor|real)-' selects them.
func stepScenarios(quick bool) []stepScenario {
	if quick {
		return []stepScenario{
			{Name: "floor-200", Resources: 200, Floor: true},
			{Name: "floor-1000", Resources: 1000, Floor: true},
			{Name: "real-many-200", Resources: 200, RecheckParallelism: []int{2, 50}},
			{Name: "real-many-1000-add-one", Resources: 1000, Applied: true},
			{Name: "real-tickets-200", Resources: 200, Tickets: true},
			{Name: "real-tickets-1000-add-one", Resources: 1000, Applied: true, Tickets: true},
		}
	}
	return []stepScenario{
		{Name: "floor-2000", Resources: 2000, Floor: true},
		{Name: "real-tickets-2000", Resources: 2000, Tickets: true},
		{Name: "floor-tickets-10000", Resources: 10000, Floor: true, Tickets: true},
		{Name: "real-tickets-10000-add-one", Resources: 10000, Applied: true, Tickets: true},
		{Name: "real-many-2000-add-one", Resources: 2000, Applied: true, RecheckParallelism: []int{2, 50}},
		{Name: "real-many-2000", Resources: 2000, RecheckParallelism: []int{2, 50}},
		// 10,000 resources: Terraform alone needs tens of minutes per
		// command on a 2-core machine (its plan of 10,000 new terraform_data
		// took over 9 minutes); run them with -scenarios when there is time.
		{Name: "floor-10000", Resources: 10000, Floor: true},
		{Name: "real-many-10000-add-one", Resources: 10000, Applied: true, RecheckParallelism: []int{2, 50}},
	}
}

// stepKind says what a measured command does, for the targets.
type stepKind int

const (
	stepPlan stepKind = iota
	stepApply
	stepNoChange
	stepAddPlan  // plan -out of one more ticket
	stepAddApply // its apply
)

// step is one measured Terraform command.
type step struct {
	Label       string
	Kind        stepKind
	Parallelism int // 0: Terraform's default (10)
	phase
	Waits rateWaits
}

// stepResult is one measured stepScenario.
type stepResult struct {
	stepScenario
	IDs   int // distinct ids the measured configuration requests, before adding one
	Steps []step
	Err   string
}

// lookupPass is ceil(ids/200): the calls of one full lookup pass.
func (r stepResult) lookupPass() int { return ceilDiv(r.IDs, 200) }

// find returns the steps of kind k.
func (r stepResult) find(k stepKind) []step {
	var out []step
	for _, s := range r.Steps {
		if s.Kind == k {
			out = append(out, s)
		}
	}
	return out
}

// setupKey is the API key with which the bench deletes, in the rate-limited
// emulator, what the unmeasured setup deleted in the unlimited one. PostHog
// keys its throttles by personal API key
// (docs/dev/posthog-behaviour.md#rate-limits), so those calls leave the
// provider's key with an empty history.
const setupKey = "phx_bench_setup"

func (b *runner) runSteps(ctx context.Context, sc stepScenario) stepResult {
	res := stepResult{stepScenario: sc, IDs: sc.Resources * idsPerTicket}
	dir := filepath.Join(b.tmp, sc.Name)
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		s := &stepRun{b: b, res: &res, dir: dir, w: makeTickets(sc.Resources+1, idsPerTicket)}
		switch {
		case sc.Floor:
			err = s.floor(ctx)
		case sc.Applied:
			err = s.addOne(ctx)
		default:
			err = s.fresh(ctx)
		}
	}
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

// stepRun is the state of one stepScenario while it runs.
type stepRun struct {
	b   *runner
	res *stepResult
	dir string
	w   workload // Resources+1 tickets: the last one is the ticket added
	srv *emulator.Server
	env []string
}

// floor runs the commands over terraform_data instances: plan, apply,
// no-change plan, then plan and apply of one more.
func (s *stepRun) floor(ctx context.Context) error {
	s.env = terraformEnv(os.Environ(), s.b.cliConfig, "", 0)
	n := s.res.Resources
	if err := writeFloorConfig(s.dir, s.w.prefix(n), s.res.Tickets); err != nil {
		return err
	}
	if err := s.planApply(ctx, stepPlan, stepApply, "plan", "apply"); err != nil {
		return err
	}
	if err := s.noChange(ctx, 0); err != nil {
		return err
	}
	if err := writeFloorConfig(s.dir, s.w, s.res.Tickets); err != nil {
		return err
	}
	return s.planApply(ctx, stepAddPlan, stepAddApply, "add one: plan", "add one: apply")
}

// fresh deletes the tickets at real rates: plan, apply, then a no-change
// plan at the default -parallelism and at each of RecheckParallelism.
func (s *stepRun) fresh(ctx context.Context) error {
	w := s.w.prefix(s.res.Resources)
	emu, err := startEmulator(emulator.Config{RateLimit: true}, w, "")
	if err != nil {
		return err
	}
	defer emu.Close()
	s.srv, s.env = emu.srv, terraformEnv(os.Environ(), s.b.cliConfig, emu.host, 0)
	if err := writeConfig(s.dir, w, s.res.form(), false); err != nil {
		return err
	}
	if err := s.planApply(ctx, stepPlan, stepApply, "plan", "apply"); err != nil {
		return err
	}
	if left := countLeft(emu.srv, w); left > 0 {
		return fmt.Errorf("%d requested distinct ids still resolve to a person after the apply", left)
	}
	for _, p := range append([]int{0}, s.res.RecheckParallelism...) {
		if err := s.noChange(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// addOne applies the tickets without limits (not measured), then, at real
// rates, measures a no-change plan and the plan and apply of one more ticket.
func (s *stepRun) addOne(ctx context.Context) error {
	n := s.res.Resources
	applied := s.w.prefix(n)
	addr, err := s.setup(ctx, applied)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	// The emulator's limits are fixed when it starts: the measured phase
	// runs against a second emulator holding the same persons, from which
	// the setup's deletions are replayed under another key. It listens on
	// the setup's address: to the provider it is the same PostHog, whose
	// earlier commands it remembers (the lookup roster is kept per host).
	emu, err := startEmulator(emulator.Config{RateLimit: true, APIKeys: []emulator.APIKey{
		{Key: apiKey, Scopes: []string{"*"}}, {Key: setupKey, Scopes: []string{"*"}},
	}}, s.w, addr)
	if err != nil {
		return err
	}
	defer emu.Close()
	if err := bulkDeleteAs(ctx, emu.host, setupKey, applied.ids()); err != nil {
		return fmt.Errorf("replaying the setup's deletions: %w", err)
	}
	if left := countLeft(emu.srv, applied); left > 0 {
		return fmt.Errorf("%d ids of the setup still resolve to a person after the replay", left)
	}
	s.srv, s.env = emu.srv, terraformEnv(os.Environ(), s.b.cliConfig, emu.host, 0)
	if err := writeConfig(s.dir, applied, s.res.form(), false); err != nil {
		return err
	}
	for _, p := range append([]int{0}, s.res.RecheckParallelism...) {
		if err := s.noChange(ctx, p); err != nil {
			return err
		}
	}
	if err := writeConfig(s.dir, s.w, s.res.form(), false); err != nil {
		return err
	}
	if err := s.planApply(ctx, stepAddPlan, stepAddApply, "add one: plan", "add one: apply"); err != nil {
		return err
	}
	if left := countLeft(emu.srv, s.w); left > 0 {
		return fmt.Errorf("%d requested distinct ids still resolve to a person after adding one", left)
	}
	return nil
}

// setup applies the tickets of w against an emulator without limits and a
// provider without pacing, so that it is quick, and returns the address
// the emulator listened on.
func (s *stepRun) setup(ctx context.Context, w workload) (string, error) {
	emu, err := startEmulator(emulator.Config{}, s.w, "")
	if err != nil {
		return "", err
	}
	defer emu.Close()
	if err := writeConfig(s.dir, w, s.res.form(), s.b.pacingSwitch); err != nil {
		return "", err
	}
	s.b.logf("%s: setup: apply of %d tickets, limits off (not measured)", s.res.Name, len(w.groups))
	var p phase
	env := terraformEnv(os.Environ(), s.b.cliConfig, emu.host, 0)
	_, err = s.b.terraformPhase(ctx, emu.srv, s.dir, env, &p, filepath.Join(s.dir, "setup.log"), nil,
		"apply", "-input=false", "-no-color", "-auto-approve")
	s.b.logf("%s: setup took %s", s.res.Name, p.Wall.Round(time.Second))
	if err != nil {
		return "", err
	}
	if left := countLeft(emu.srv, w); left > 0 {
		return "", fmt.Errorf("%d requested distinct ids still resolve to a person", left)
	}
	return strings.TrimPrefix(emu.host, "http://"), nil
}

// planApply measures plan -out and the apply of that plan.
func (s *stepRun) planApply(ctx context.Context, planKind, applyKind stepKind, planLabel, applyLabel string) error {
	if _, err := s.measure(ctx, step{Label: planLabel, Kind: planKind}, nil, "plan", "-out=tfplan"); err != nil {
		return err
	}
	_, err := s.measure(ctx, step{Label: applyLabel, Kind: applyKind}, nil, "apply", "tfplan")
	return err
}

// noChange measures a plan that must find nothing to do.
func (s *stepRun) noChange(ctx context.Context, parallelism int) error {
	st := step{Label: "no-change plan", Kind: stepNoChange, Parallelism: parallelism}
	if parallelism > 0 {
		st.Label += fmt.Sprintf(", -parallelism=%d", parallelism)
	}
	code, err := s.measure(ctx, st, []int{2}, "plan", "-detailed-exitcode")
	if err == nil && code == 2 {
		err = fmt.Errorf("%s: the plan is not empty (exit code 2)", st.Label)
	}
	return err
}

// measure runs one Terraform command with the provider's debug log in its
// own file, and appends the step.
func (s *stepRun) measure(ctx context.Context, st step, okCodes []int, command string, rest ...string) (int, error) {
	slug := fmt.Sprintf("%02d-%s", len(s.res.Steps)+1, strings.NewReplacer(" ", "", ":", "-", ",", "", "=", "").Replace(st.Label))
	logPath := filepath.Join(s.dir, slug+".tflog")
	env := append(append([]string(nil), s.env...), "TF_LOG_PROVIDER=INFO", "TF_LOG_PATH="+logPath)
	args := []string{command, "-input=false", "-no-color"}
	if st.Parallelism > 0 {
		args = append(args, fmt.Sprintf("-parallelism=%d", st.Parallelism))
	}
	args = append(args, rest...)
	s.b.logf("%s: %s", s.res.Name, st.Label)
	code, err := s.b.terraformPhase(ctx, s.srv, s.dir, env, &st.phase, filepath.Join(s.dir, slug+".log"), okCodes, args...)
	if err != nil {
		return code, err
	}
	waits, werr := rateLimitWaitsIn(logPath)
	if werr != nil && !s.res.Floor {
		return code, fmt.Errorf("%s: reading the provider log: %w", st.Label, werr)
	}
	st.Waits = waits
	if !s.b.keep {
		// At 10,000 resources a debug log runs to a few hundred MB.
		_ = os.Remove(logPath)
	}
	s.res.Steps = append(s.res.Steps, st)
	return code, nil
}

// writeFloorConfig writes the same for_each-over-a-JSON-file configuration
// as writeConfig, over terraform_data (built into Terraform, no provider).
func writeFloorConfig(dir string, w workload, tickets bool) error {
	if err := writeRequests(dir, w); err != nil {
		return err
	}
	if tickets {
		// The tickets form is one resource that names a file: Terraform
		// carries the path and a digest, and the provider reads the file.
		tf := "# Terraform's own cost for one resource over the tickets file, as in the tickets_file scenarios.\n" +
			"resource \"terraform_data\" \"tickets\" {\n  input = filesha256(\"${path.module}/requests.json\")\n}\n"
		return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tf), 0o644)
	}
	tf := "# Terraform's own cost for as many instances as the posthog_person_deletion scenarios.\n" +
		"locals {\n  requests = jsondecode(file(\"${path.module}/requests.json\"))\n}\n\n" +
		"resource \"terraform_data\" \"request\" {\n  for_each = local.requests\n  input    = each.value\n}\n"
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(tf), 0o644)
}

// bulkDeleteAs deletes the persons of ids through POST bulk_delete, 1,000
// distinct ids a call, with key.
func bulkDeleteAs(ctx context.Context, host, key string, ids []string) error {
	client := &http.Client{Timeout: 30 * time.Second}
	u := host + "/api/projects/" + projectID + "/persons/bulk_delete/"
	for start := 0; start < len(ids); start += 1000 {
		body, err := json.Marshal(map[string]any{"distinct_ids": ids[start:min(start+1000, len(ids))]})
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		answer, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("bulk_delete: %s: %s", resp.Status, answer)
		}
	}
	return nil
}
