package main

import (
	"fmt"
	"strings"
	"time"
)

// lookupCalls is every call of p but the deletions: in a no-change plan,
// every call is a lookup of some kind.
func lookupCalls(p phase) int {
	return p.Total - p.count("bulk_delete") - p.count("DELETE person")
}

func (r stepResult) label() string {
	if r.Floor && r.Tickets {
		return r.Name + " (one terraform_data over the tickets file, no provider)"
	}
	if r.Floor {
		return r.Name + " (terraform_data, no provider)"
	}
	if r.Tickets {
		return r.Name + " (limits on, real rates, one resource: tickets_file)"
	}
	return r.Name + " (limits on, real rates)"
}

func (r stepResult) size() string {
	if r.Floor {
		return fmt.Sprintf("%d res.", r.Resources)
	}
	if r.Tickets {
		return fmt.Sprintf("%d ids / %d tickets", r.IDs, r.Resources)
	}
	return fmt.Sprintf("%d ids / %d res.", r.IDs, r.Resources)
}

// renderStepTable is the Markdown table of the scenarios measured command
// by command, a row per command.
func renderStepTable(results []stepResult) string {
	var b strings.Builder
	b.WriteString("| scenario | N | command | wall s | API calls | 429s | rate-limit waits: count, total s | lookups ÷ ceil(ids/200) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		name := r.label()
		if r.Err != "" {
			name += " **FAILED**"
		}
		for _, s := range r.Steps {
			calls, throttled, waits, per := "—", "—", "—", "—"
			if !r.Floor {
				calls, throttled, waits = callSummary(s.Calls), fmt.Sprint(s.Throttled), s.Waits.String()
				if s.Kind == stepNoChange {
					per = fmt.Sprintf("%d ÷ %d = %s", lookupCalls(s.phase), r.lookupPass(), ratio(float64(lookupCalls(s.phase)), float64(r.lookupPass())))
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, r.size(), s.Label, secs(s.Wall), calls, throttled, waits, per)
		}
		if len(r.Steps) == 0 {
			fmt.Fprintf(&b, "| %s | %s | (none measured) | | | | | |\n", name, r.size())
		}
	}
	return b.String()
}

// stepTargets checks issue 18's targets at PostHog's real rates against
// Terraform's floor measured in the same run.
func stepTargets(results []stepResult) []target {
	// A scenario's floor has as many tickets and the same layout: as many
	// terraform_data instances, or one over the tickets file.
	type layout struct {
		tickets int
		oneFile bool
	}
	floors := map[layout]stepResult{}
	for _, r := range results {
		if r.Floor && r.Err == "" {
			floors[layout{r.Resources, r.Tickets}] = r
		}
	}
	var out []target
	for _, r := range results {
		if r.Err != "" {
			out = append(out, check(r.Name+" runs to the end", false, "%s", firstLines(r.Err, 3)))
			continue
		}
		if r.Floor {
			continue
		}
		floor, hasFloor := floors[layout{r.Resources, r.Tickets}]
		if a := r.find(stepApply); len(a) == 1 {
			// Target 1 counts Terraform's floor per ticket: the tickets form
			// is judged against the repo of one resource per ticket it
			// replaces.
			perTicket, hasPerTicket := floors[layout{r.Resources, false}]
			out = append(out, applyTarget(r, a[0], perTicket, hasPerTicket))
		}
		for _, s := range r.find(stepNoChange) {
			out = append(out, noChangeTarget(r, s))
		}
		if r.Applied {
			out = append(out, addOneTarget(r, floor, hasFloor))
		}
		throttled := 0
		for _, s := range r.Steps {
			throttled += s.Throttled
		}
		out = append(out, check(r.Name+": no failed request (no 429)", throttled == 0, "%d × 429", throttled))
	}
	return out
}

// fewestCallsBound is the rate-limit bound of the fewest calls that delete
// ids persons: one full lookup pass (200 ids a call), full 1,000-id
// bulk_delete calls across resources, one verification pass (200 uuids a
// call).
func fewestCallsBound(ids int) (d, r int, bound time.Duration) {
	d, r = ceilDiv(ids, 1000), 2*ceilDiv(ids, 200)
	return d, r, rateBound(d, r, 1)
}

// applyTarget is target 1: the apply within 1.5× of the larger of
// Terraform's floor apply and the rate bound of the fewest calls.
func applyTarget(r stepResult, apply step, floor stepResult, hasFloor bool) target {
	what := fmt.Sprintf("%s: apply within 1.5× max(floor apply, rate bound of the fewest calls)", r.Name)
	d, reads, bound := fewestCallsBound(r.IDs)
	boundText := fmt.Sprintf("rate bound %s s of %d lookups + %d bulk_delete + %d verification", secs(bound), reads/2, d, reads/2)
	fa := floor.find(stepApply)
	if !hasFloor || len(fa) != 1 {
		return check(what, false, "apply %s s; floor-%d was not measured in this run (%s)", secs(apply.Wall), r.Resources, boundText)
	}
	limit := time.Duration(1.5 * float64(max(fa[0].Wall, bound)))
	return check(what, apply.Wall <= limit, "apply %s s; 1.5 × max(floor apply %s s, %s) = %s s",
		secs(apply.Wall), secs(fa[0].Wall), boundText, secs(limit))
}

// noChangeTarget is target 2: a no-change plan makes at most
// 1.2 × ceil(ids/200) lookups, and, in a repo of applied tickets, waits on
// no rate limit.
func noChangeTarget(r stepResult, s step) target {
	n, pass := lookupCalls(s.phase), r.lookupPass()
	met := float64(n) <= 1.2*float64(pass)
	what := fmt.Sprintf("%s: %s makes ≤ 1.2 × ceil(ids/200) lookups", r.Name, s.Label)
	detail := fmt.Sprintf("%d lookups, 1.2 × ceil(%d/200) = %.1f", n, r.IDs, 1.2*float64(pass))
	if r.Applied {
		what += " and waits on no rate limit"
		met = met && s.Waits.Count == 0
		detail += fmt.Sprintf("; rate-limit waits %s", s.Waits)
	}
	return check(what, met, "%s", detail)
}

// addOneTarget is target 3: adding one ticket, plan and apply, waits on no
// rate limit and takes at most 1.5× Terraform's floor for the same.
func addOneTarget(r stepResult, floor stepResult, hasFloor bool) target {
	what := fmt.Sprintf("%s: add one (plan + apply) with no rate-limit wait, within 1.5× the floor's add one", r.Name)
	wall, waits := addOneCost(r)
	if !hasFloor {
		return check(what, false, "%s s, rate-limit waits %s; floor-%d was not measured in this run", secs(wall), waits, r.Resources)
	}
	floorWall, _ := addOneCost(floor)
	limit := time.Duration(1.5 * float64(floorWall))
	return check(what, waits.Count == 0 && wall <= limit, "%s s, rate-limit waits %s; 1.5 × floor %s s = %s s",
		secs(wall), waits, secs(floorWall), secs(limit))
}

// addOneCost is the wall time and the waits of the add-one plan and apply.
func addOneCost(r stepResult) (time.Duration, rateWaits) {
	var wall time.Duration
	var w rateWaits
	for _, s := range append(r.find(stepAddPlan), r.find(stepAddApply)...) {
		wall += s.Wall
		w.Count += s.Waits.Count
		w.Total += s.Waits.Total
	}
	return wall, w
}
