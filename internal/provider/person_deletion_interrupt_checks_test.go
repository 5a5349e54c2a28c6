package provider_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
)

// The interrupted-applies oracle: what each state left by an interrupted
// apply may claim, checked against what PostHog was asked and did.

// interruptChecker holds what the checks of one scenario need.
type interruptChecker struct {
	t              *testing.T
	fail           func(string, ...any)
	sc             *interruptScenario
	env            *acctest.Env
	requestedUUIDs map[string]bool
}

// untaintAsDocumented untaints a tainted record when the scenario follows
// the error's advice to keep it (else the next apply replaces it), and
// returns the state then.
func (c interruptChecker) untaintAsDocumented(cli *acctest.CLI, st interruptState) interruptState {
	c.t.Helper()
	if !st.present || !st.tainted || !c.sc.untaint {
		return st
	}
	if out, err := cli.Run("untaint", "posthog_person_deletion.request"); err != nil {
		c.fail("untaint: %v\n%s", err, out)
	}
	return readInterruptState(c.t, cli)
}

// transition asserts that the state after one apply claims no more than
// happened: what it records on top of the record it started from (an
// untainted prior record is updated; a tainted one is replaced; no record
// means a create) is a set of persons that apply's bulk_delete calls could
// have confirmed deleted, all of them requested and gone. For the final
// apply, which must succeed, that set is every person its calls deleted.
func (c interruptChecker) transition(prior, after interruptState, calls []apiCall, final bool) {
	c.t.Helper()
	if !after.present {
		return // nothing claimed
	}
	if !final && prior.present && after.tainted == prior.tainted && reflect.DeepEqual(after.values, prior.values) {
		return // Terraform wrote no new state; the prior one was checked
	}
	kept := prior.present && !prior.tainted
	var candidates []map[string]bool
	if final {
		all := map[string]bool{}
		for _, call := range calls {
			if call.route == "bulk_delete" {
				for _, id := range call.ids {
					all[id] = true
				}
			}
		}
		candidates = []map[string]bool{all}
	} else {
		candidates = recordableSets(calls)
	}
	var matched map[string]bool
	if c.sc.bulk {
		count, digest := after.number("deleted_person_count"), after.str("deleted_person_uuids_digest")
		for _, set := range candidates {
			wantCount, wantDigest := len(set), interruptDigest(set)
			if kept {
				wantCount = prior.number("deleted_person_count") + len(set)
				wantDigest = chainedDigest(prior.str("deleted_person_uuids_digest"), set)
			}
			if count == wantCount && digest == wantDigest {
				matched = set
				break
			}
		}
		if matched == nil {
			c.fail("state records deleted_person_count %d with a digest that matches no set of persons this apply deleted "+
				"(record kept from before: %t, final apply: %t)", count, kept, final)
		}
	} else {
		deleted := after.list("deleted_person_uuids")
		if after.number("deleted_person_count") != len(deleted) {
			c.fail("deleted_person_count %d differs from the %d deleted_person_uuids", after.number("deleted_person_count"), len(deleted))
		}
		added := map[string]bool{}
		for _, id := range deleted {
			added[id] = true
		}
		if kept {
			for _, id := range prior.list("deleted_person_uuids") {
				if !added[id] {
					c.fail("the updated record dropped %s, recorded as deleted before", id)
				}
				delete(added, id)
			}
		}
		for _, set := range candidates {
			if maps.Equal(set, added) {
				matched = set
				break
			}
		}
		if matched == nil {
			c.fail("state records %d newly deleted persons, which match no set of persons this apply deleted "+
				"(record kept from before: %t, final apply: %t)", len(added), kept, final)
		}
	}
	for id := range matched {
		if !c.requestedUUIDs[id] {
			c.fail("state records deleting %s, which the request does not resolve to", id)
		}
		if _, ok := c.env.Emulator.PersonByUUID(id); ok {
			c.fail("state records deleting %s, which still exists", id)
		}
	}
	c.t.Logf("state records %d persons deleted by this apply (record kept from before: %t)", len(matched), kept)
}

// bystanders asserts that every person the request does not name keeps
// its distinct ids and events.
func (c interruptChecker) bystanders() {
	c.t.Helper()
	fail, env := c.fail, c.env
	for _, p := range c.sc.persons {
		if len(p.requested) > 0 {
			continue
		}
		got, ok := env.Emulator.PersonByUUID(p.uuid)
		if !ok {
			fail("bystander %s (%v) is gone", p.uuid, p.ids)
		}
		gotIDs := slices.Sorted(slices.Values(got.DistinctIDs))
		if !slices.Equal(gotIDs, slices.Sorted(slices.Values(p.ids))) {
			fail("bystander %s has distinct ids %v, want %v", p.uuid, gotIDs, p.ids)
		}
		if n := env.Emulator.EventCount(p.uuid); n != p.events {
			fail("bystander %s has %d events, want %d", p.uuid, n, p.events)
		}
	}
}

// idsOf counts the requested ids of the persons in set.
func idsOf(persons []interruptPerson, set map[string]bool) int {
	n := 0
	for _, p := range persons {
		if set[p.uuid] {
			n += len(p.requested)
		}
	}
	return n
}

// requestedIDOf reports whether id is a requested id of a person in set.
func requestedIDOf(persons []interruptPerson, set map[string]bool, id string) bool {
	for _, p := range persons {
		if set[p.uuid] && slices.Contains(p.requested, id) {
			return true
		}
	}
	return false
}

// applySummary is the last line of a successful terraform apply.
var applySummary = regexp.MustCompile(`Resources: (\d+) added, (\d+) changed, (\d+) destroyed`)

// appliedAction tells from an apply's output what it did to the one
// resource: create (a new record, possibly replacing a tainted one),
// update, or none; "" when the output has no summary.
func appliedAction(out string) string {
	m := applySummary.FindStringSubmatch(out)
	switch {
	case m == nil:
		return ""
	case m[1] != "0":
		return "create"
	case m[2] != "0":
		return "update"
	}
	return "none"
}

// finalUnmatched checks the ids the final record says matched no person.
// PostHog had carried out every deletion of the interrupted applies before
// the final apply, so the ids that match no person during it are exactly the
// ghosts and the requested ids of the persons gone before it. A new record
// (also one replacing a tainted record, which it cannot see) lists all of
// them. A kept record whose deletion ran again (its evidence gained an
// apply) lists those that its earlier applies did not match either (its
// unmatched_ids before); one whose deletion did not run (nothing to do, or
// only the timeouts changed) keeps them as they were. The bulk form keeps
// the count of the last deletion that ran.
func (c interruptChecker) finalUnmatched(prior, after interruptState, action string, requested []interruptPerson, goneBefore map[string]bool) {
	c.t.Helper()
	kept := prior.present && !prior.tainted
	switch {
	case action == "":
		c.fail("the final apply printed no summary of what it did")
	case !kept && action != "create":
		c.fail("the final apply did %q, want it to create the record (no record or a tainted one before it)", action)
	case kept && action == "create":
		c.fail("the final apply replaced an untainted record")
	}
	ran := !kept || c.evidenceApplies(after) > c.evidenceApplies(prior)
	unmatchedNow := slices.Clone(c.sc.ghosts)
	for _, p := range requested {
		if goneBefore[p.uuid] {
			unmatchedNow = append(unmatchedNow, p.requested...)
		}
	}
	if c.sc.bulk {
		want := len(unmatchedNow)
		switch {
		case !ran:
			want = prior.number("unmatched_id_count")
		case kept:
			// A kept record remembers (as hashes in private state) the ids
			// its earlier applies matched, and does not count them once their
			// persons are gone, as the list form does with unmatched_ids. An
			// apply's lookup round matches all of its ids or, interrupted,
			// none, and no person comes back here: so the ids the record never
			// matched are either its prior count (a round completed) or all
			// of those unmatched now (none did).
			want = min(prior.number("unmatched_id_count"), len(unmatchedNow))
		}
		if got := after.number("unmatched_id_count"); got != want {
			c.fail("final unmatched_id_count = %d after a final apply that did %q (deletion ran: %t), want %d "+
				"(%d ghosts, %d ids of persons gone before it)",
				got, action, ran, want, len(c.sc.ghosts), len(unmatchedNow)-len(c.sc.ghosts))
		}
		return
	}
	var want []string
	switch {
	case !kept:
		want = unmatchedNow
	case ran:
		for _, id := range prior.list("unmatched_ids") {
			if slices.Contains(unmatchedNow, id) {
				want = append(want, id)
			}
		}
	default:
		want = prior.list("unmatched_ids")
	}
	got := slices.Sorted(slices.Values(after.list("unmatched_ids")))
	if want = slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
		c.fail("final unmatched_ids has %d ids after a final apply that did %q (deletion ran: %t), want %d "+
			"(%d ghosts, %d ids of persons gone before it; %d unmatched before it)", len(got), action, ran, len(want),
			len(c.sc.ghosts), len(unmatchedNow)-len(c.sc.ghosts), len(prior.list("unmatched_ids")))
	}
}

// evidenceApplies counts the applies the record's evidence lists: every
// apply that ran the deletion adds one.
func (c interruptChecker) evidenceApplies(st interruptState) int {
	c.t.Helper()
	var record evidenceDoc
	if err := json.Unmarshal([]byte(st.str("evidence")), &record); err != nil {
		c.fail("the record's evidence does not decode: %v", err)
	}
	return len(record.Applies)
}

// describeCalls summarizes an apply's requests for the log: how many of
// each route, how many PostHog handled, and the persons bulk_delete named.
func describeCalls(calls []apiCall) string {
	type tally struct{ calls, handled, persons int }
	byRoute := map[string]*tally{}
	for _, c := range calls {
		t := byRoute[c.route]
		if t == nil {
			t = &tally{}
			byRoute[c.route] = t
		}
		t.calls++
		if c.handled {
			t.handled++
		}
		if c.route == "bulk_delete" {
			t.persons += len(c.ids)
		}
	}
	if len(byRoute) == 0 {
		return "none"
	}
	var parts []string
	for _, route := range slices.Sorted(maps.Keys(byRoute)) {
		t := byRoute[route]
		part := fmt.Sprintf("%s %d (%d handled", route, t.calls, t.handled)
		if route == "bulk_delete" {
			part += fmt.Sprintf(", %d persons", t.persons)
		}
		parts = append(parts, part+")")
	}
	return strings.Join(parts, ", ")
}

// processDiagnosis describes a process that should have ended: its state,
// parent and threads from /proc/PID/status and the kernel function it
// sleeps in (/proc/PID/wchan), so that a leaked plugin leaves evidence.
func processDiagnosis(pid int) string {
	var parts []string
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			for _, key := range []string{"State:", "PPid:", "Threads:"} {
				if strings.HasPrefix(line, key) {
					parts = append(parts, strings.Join(strings.Fields(line), " "))
				}
			}
		}
	}
	if wchan, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid)); err == nil {
		parts = append(parts, "wchan: "+string(wchan))
	}
	if len(parts) == 0 {
		return "no /proc entry"
	}
	return strings.Join(parts, "; ")
}
