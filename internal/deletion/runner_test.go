package deletion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"
)

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// Alice has two distinct ids, bob one, carol is a bystander; "ghost" names
// nobody.
func threePersons() *fakeAPI {
	return newFakeAPI(map[string][]string{"u1": {"alice", "alice@example.com"}, "u2": {"bob"}, "u3": {"carol"}})
}

func TestApply_ListFormDeletesExactlyTheRequestedPersons(t *testing.T) {
	api := threePersons()
	r := testRunner(api)
	req := Request{ProjectID: 7, IDs: []string{"alice", "alice@example.com", "bob", "ghost"}, DeleteEvents: true}

	applied := r.Apply(t.Context(), req, Prior{Creating: true}, false)
	if applied.Failure != nil || applied.Err != nil {
		t.Fatalf("failure: %+v %v", applied.Failure, applied.Err)
	}
	rec := applied.Record
	if !slices.Equal(rec.DeletedUUIDs, []string{"u1", "u2"}) || rec.DeletedCount != 2 {
		t.Errorf("deleted %v (%d), want [u1 u2]", rec.DeletedUUIDs, rec.DeletedCount)
	}
	if !slices.Equal(rec.UnmatchedIDs, []string{"ghost"}) || rec.UnmatchedCount != 1 {
		t.Errorf("unmatched %v", rec.UnmatchedIDs)
	}
	if len(rec.RemainingUUIDs) != 0 || rec.RemainingUUIDs == nil || rec.RemainingCount != 0 {
		t.Errorf("remaining %#v", rec.RemainingUUIDs)
	}
	if rec.DeletedAt != "2026-11-30T12:00:00Z" || rec.Events.Status != EventsPending || rec.DeletedDigest != "" {
		t.Errorf("record %+v", rec)
	}
	if !api.exists("u3") || api.exists("u1") || api.exists("u2") {
		t.Error("the bystander was touched, or a requested person is still there")
	}
	if len(api.bulkCalls) != 1 || !slices.Equal(api.bulkCalls[0], []string{"u1", "u2"}) {
		t.Errorf("bulk_delete calls %v, want one with u1, u2", api.bulkCalls)
	}
	// One warning, with counts and no ids: diagnostics reach WARN logs.
	if len(applied.Warnings) != 1 || !strings.Contains(applied.Warnings[0].Detail, "1 of the 4 requested distinct_ids") ||
		strings.Contains(applied.Warnings[0].Detail, "ghost") {
		t.Errorf("warnings %+v", applied.Warnings)
	}

	// PostHog's job verifies the event deletion; the refresh sees it.
	api.verifyAll("2026-12-06T00:00:00Z")
	rec, err := r.Refresh(t.Context(), req, rec, nil)
	if err != nil || rec.Events != (Events{EventsCompleted, "2026-12-06T00:00:00Z"}) || rec.RemainingCount != 0 {
		t.Fatalf("refresh: %+v, %v", rec, err)
	}

	// Bob comes back as a new person; the refresh finds him and Decide
	// plans a deletion.
	api.persons["u4"] = []string{"bob"}
	rec, err = r.Refresh(t.Context(), req, rec, nil)
	if err != nil || !slices.Equal(rec.RemainingUUIDs, []string{"u4"}) {
		t.Fatalf("refresh after return: %+v, %v", rec, err)
	}
	cur := &Current{Request: req, FlagsKnown: true, RemainingPersons: rec.RemainingCount, EventsStatus: rec.Events.Status}
	if got := Decide(cur, Desired{Request: req, Known: true}); got != Delete {
		t.Fatalf("Decide for a returning user = %v, want delete", got)
	}
	again := r.Apply(t.Context(), req, Prior{IDs: req.IDs, Record: rec}, false)
	if !slices.Equal(again.Record.DeletedUUIDs, []string{"u1", "u2", "u4"}) || !slices.Equal(again.Record.UnmatchedIDs, []string{"ghost"}) {
		t.Errorf("after re-deletion: %+v", again.Record)
	}
	// u4's new row is pending, so the whole request is pending again.
	if again.Record.Events.Status != EventsPending {
		t.Errorf("events %+v", again.Record.Events)
	}
}

func TestApply_FileFormKeepsCountsAndAChainedDigest(t *testing.T) {
	api := threePersons()
	r := testRunner(api)
	req := Request{ProjectID: 7, File: true, IDs: []string{"alice", "bob", "ghost"}}

	first := r.Apply(t.Context(), req, Prior{Creating: true}, false)
	rec := first.Record
	if rec.DeletedUUIDs != nil || rec.UnmatchedIDs != nil || rec.RemainingUUIDs != nil {
		t.Errorf("the file form kept lists: %+v", rec)
	}
	if rec.DeletedCount != 2 || rec.DeletedDigest != sha("u1\nu2") || rec.UnmatchedCount != 1 || rec.Events.Status != EventsNotRequested {
		t.Errorf("first apply: %+v", rec)
	}
	if len(first.Warnings) != 1 || !strings.Contains(first.Warnings[0].Detail, "unmatched_id_count") {
		t.Errorf("warnings %+v", first.Warnings)
	}

	api.persons["u4"] = []string{"bob"}
	second := r.Apply(t.Context(), req, Prior{Record: rec, History: first.History}, false)
	if second.Record.DeletedCount != 3 || second.Record.DeletedDigest != sha(rec.DeletedDigest+"\nu4") {
		t.Errorf("second apply: %+v", second.Record)
	}
	// alice is gone since the first apply, ghost never matched: only ghost
	// counts as matching nobody. Without the history, alice would too.
	if second.Record.UnmatchedCount != 1 || second.History.Len() != 2 {
		t.Errorf("unmatched count %d (history of %d ids), want 1", second.Record.UnmatchedCount, second.History.Len())
	}
	if forgetful := r.Apply(t.Context(), req, Prior{Record: second.Record}, false); forgetful.Record.UnmatchedCount != 3 {
		t.Errorf("without history: unmatched count %d, want 3 (alice, bob, ghost)", forgetful.Record.UnmatchedCount)
	}

	// Appending ids reports only the new ones that match nobody.
	appended := req
	appended.IDs = append(append([]string(nil), req.IDs...), "carol", "ghost2")
	grown := r.Apply(t.Context(), appended, Prior{Record: second.Record, History: ParseIDHistory(second.History.Encode())}, false)
	if grown.Record.UnmatchedCount != 2 || !slices.Contains(api.bulkCalls[len(api.bulkCalls)-1], "u3") {
		t.Errorf("after appending carol and ghost2: unmatched %d, want 2 (ghost, ghost2)", grown.Record.UnmatchedCount)
	}

	// An apply that deletes nobody keeps the digest and the events status.
	third := r.Apply(t.Context(), req, Prior{Record: second.Record}, false)
	if third.Record.DeletedDigest != second.Record.DeletedDigest || third.Record.Events != second.Record.Events {
		t.Errorf("an apply that deleted nobody changed the record: %+v", third.Record)
	}
}

func TestApply_QueuedDeletionIsPolledUntilGone(t *testing.T) {
	api := threePersons()
	api.queuedPolls = 3
	applied := testRunner(api).Apply(t.Context(), Request{ProjectID: 7, IDs: []string{"alice", "bob"}}, Prior{Creating: true}, false)
	if applied.Err != nil || !slices.Equal(applied.Record.DeletedUUIDs, []string{"u1", "u2"}) {
		t.Fatalf("%+v %v", applied.Record, applied.Err)
	}
	if applied.Outcome.Answers.PersonsQueuedForDeletion != 2 || applied.Outcome.Answers.BulkDeleteCalls != 1 {
		t.Errorf("answers %+v", applied.Outcome.Answers)
	}
}

func TestApply_DeletionErrorsAreRetriedThenReported(t *testing.T) {
	api := threePersons()
	api.failOnce["u1"] = true
	applied := testRunner(api).Apply(t.Context(), Request{ProjectID: 7, IDs: []string{"alice", "bob"}}, Prior{Creating: true}, false)
	if applied.Err != nil || len(api.bulkCalls) != 2 || !slices.Equal(api.bulkCalls[1], []string{"u1"}) {
		t.Fatalf("calls %v, err %v; want a retry of u1 alone", api.bulkCalls, applied.Err)
	}

	for _, file := range []bool{false, true} {
		api := threePersons()
		api.failAlways["u2"] = true
		req := Request{ProjectID: 7, File: file, IDs: []string{"alice", "bob"}}
		applied := testRunner(api).Apply(t.Context(), req, Prior{Creating: true}, false)
		if len(api.bulkCalls) != maxDeletionErrorAttempts {
			t.Errorf("file=%v: %d bulk_delete calls, want %d", file, len(api.bulkCalls), maxDeletionErrorAttempts)
		}
		// State claims alice's person only; the message says so, names
		// PostHog's step, and (a failed create is tainted, in both forms)
		// how to keep the record.
		if applied.Record.DeletedCount != 1 || applied.Failure == nil {
			t.Fatalf("file=%v: %+v", file, applied)
		}
		for _, want := range []string{"did not finish", "u2 (step delete_postgres)", "State records only the 1 persons", "terraform untaint"} {
			if !strings.Contains(applied.Failure.Summary+applied.Failure.Detail, want) {
				t.Errorf("file=%v: failure %+v lacks %q", file, applied.Failure, want)
			}
		}
		if applied.Record.RemainingCount != 1 {
			t.Errorf("file=%v: remaining %d, want bob's person", file, applied.Record.RemainingCount)
		}
	}
}

func TestApply_PersonsThatReappearDuringTheApplyAreDeletedToo(t *testing.T) {
	api := threePersons()
	api.reappear["u2"] = "u5"
	applied := testRunner(api).Apply(t.Context(), Request{ProjectID: 7, IDs: []string{"alice", "bob"}}, Prior{Creating: true}, false)
	if applied.Err != nil || !slices.Equal(applied.Record.DeletedUUIDs, []string{"u1", "u2", "u5"}) || len(applied.Outcome.MatchedPersons) != 3 {
		t.Fatalf("%+v %v", applied.Record, applied.Err)
	}
}

func TestApply_KeepPersonQueuesEventsAndKeepsThePersons(t *testing.T) {
	api := threePersons()
	req := Request{ProjectID: 7, IDs: []string{"bob"}, KeepPerson: true, DeleteEvents: true}
	applied := testRunner(api).Apply(t.Context(), req, Prior{Creating: true}, false)
	if !api.exists("u2") || !slices.Equal(applied.Record.RemainingUUIDs, []string{"u2"}) || applied.Record.Events.Status != EventsPending {
		t.Fatalf("%+v", applied.Record)
	}
	cur := &Current{Request: req, FlagsKnown: true, RemainingPersons: 1, EventsStatus: EventsPending}
	if got := Decide(cur, Desired{Request: req, Known: true}); got != NoOp {
		t.Errorf("kept persons plan %v, want no-op", got)
	}
}

func TestApply_InterruptedBeforeAnyCall(t *testing.T) {
	api := threePersons()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	applied := testRunner(api).Apply(ctx, Request{ProjectID: 7, IDs: []string{"alice", "bob"}}, Prior{Creating: true}, false)
	if applied.Failure == nil || applied.Failure.Summary != "Person deletion was interrupted" || len(api.bulkCalls) != 0 {
		t.Fatalf("%+v, %d calls", applied.Failure, len(api.bulkCalls))
	}
	// The truth is still recorded: nobody deleted, both persons remain.
	if applied.Record.DeletedCount != 0 || !slices.Equal(applied.Record.RemainingUUIDs, []string{"u1", "u2"}) {
		t.Errorf("%+v", applied.Record)
	}
}

func TestApply_WaitForEventsReturnsPendingAtTheDeadline(t *testing.T) {
	api := threePersons()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	applied := testRunner(api).Apply(ctx, Request{ProjectID: 7, IDs: []string{"bob"}, DeleteEvents: true}, Prior{Creating: true}, true)
	if applied.Record.Events.Status != EventsPending || len(applied.Warnings) != 1 || applied.Warnings[0].Summary != "Event deletion is still pending" {
		t.Fatalf("%+v %+v", applied.Record.Events, applied.Warnings)
	}
}

func TestEventsOf_NewestRowOfEachPersonCounts(t *testing.T) {
	rows := []struct{ uuid, created, verified string }{
		{"U1", "2026-01-01", "2026-01-07"},
		{"u2", "2026-01-01", "2026-01-07"},
		{"u2", "2026-02-01", ""}, // queued again after a return
	}
	api := newFakeAPI(nil)
	for _, r := range rows {
		api.rows = append(api.rows, rowOf(r.uuid, r.created, r.verified))
	}
	got, _ := testRunner(api).EventsStatus(t.Context(), 1, []string{"u1"}, nil)
	if got != (Events{EventsCompleted, "2026-01-07"}) {
		t.Errorf("u1: %+v", got)
	}
	if got, _ := testRunner(api).EventsStatus(t.Context(), 1, []string{"u1", "u2"}, nil); got.Status != EventsPending {
		t.Errorf("u1+u2: %+v", got)
	}
	if got, _ := testRunner(api).EventsStatus(t.Context(), 1, []string{"u9"}, nil); got.Status != EventsPending {
		t.Errorf("a person without a row: %+v (only a verified row proves the deletion)", got)
	}
	if got, _ := testRunner(api).EventsStatus(t.Context(), 1, nil, nil); got.Status != EventsNone {
		t.Errorf("no persons: %+v", got)
	}
}

// A returning user (same UUID) deleted again while the first event
// deletion is pending: PostHog keeps the first row, so the events captured
// since stay, and the record must not say completed
// (docs/dev/posthog-behaviour.md#event-deletion).
func TestApply_RedeletionWhileTheEventDeletionIsPendingIsIncomplete(t *testing.T) {
	api := threePersons()
	r := testRunner(api)
	req := Request{ProjectID: 7, IDs: []string{"bob"}, DeleteEvents: true}

	first := r.Apply(t.Context(), req, Prior{Creating: true}, false)
	if len(first.Warnings) != 0 || first.Record.Events.Status != EventsPending || len(first.Kept) != 0 {
		t.Fatalf("first apply: %+v, %+v", first.Record.Events, first.Warnings)
	}

	// Days later bob is back with his UUID, before PostHog's job ran; the
	// refresh finds him.
	api.now = "2026-12-03T12:00:00Z"
	api.persons["u2"] = []string{"bob"}
	refreshed, err := r.Refresh(t.Context(), req, first.Record, nil)
	if err != nil || !slices.Equal(refreshed.RemainingUUIDs, []string{"u2"}) {
		t.Fatalf("refresh: %+v, %v", refreshed, err)
	}
	second := r.Apply(t.Context(), req, Prior{IDs: req.IDs, Record: refreshed}, false)
	if second.Err != nil || api.exists("u2") {
		t.Fatalf("bob was not deleted again: %v", second.Err)
	}
	if len(second.Warnings) != 1 || second.Warnings[0].Summary != "Events of returning users are not queued again" ||
		!strings.Contains(second.Warnings[0].Detail, "1 persons deleted again") {
		t.Errorf("warnings %+v", second.Warnings)
	}
	if second.Kept["u2"] != "2026-11-30T12:00:00Z" {
		t.Errorf("kept requests %v, want bob's first request", second.Kept)
	}

	// The job verifies the first row: the events captured since stay.
	api.verifyAll("2026-12-06T05:00:00Z")
	rec, err := r.Refresh(t.Context(), req, second.Record, second.Kept)
	if err != nil || rec.Events.Status != EventsIncomplete {
		t.Errorf("after the job: %+v, %v; want incomplete", rec.Events, err)
	}
	// Without the kept request (state written before this was recorded)
	// the verified row reads as completed, as before.
	if rec, _ := r.Refresh(t.Context(), req, second.Record, nil); rec.Events.Status != EventsCompleted {
		t.Errorf("without kept requests: %+v", rec.Events)
	}

	// After the job, bob returns once more: a new row covers everything.
	api.now = "2026-12-09T12:00:00Z"
	api.persons["u2"] = []string{"bob"}
	refreshed, _ = r.Refresh(t.Context(), req, rec, second.Kept)
	third := r.Apply(t.Context(), req, Prior{IDs: req.IDs, Record: refreshed, Kept: second.Kept}, false)
	if len(third.Warnings) != 0 || len(third.Kept) != 0 {
		t.Errorf("a re-deletion after the job warned or kept: %+v %v", third.Warnings, third.Kept)
	}
	api.verifyAll("2026-12-13T05:00:00Z")
	if rec, _ := r.Refresh(t.Context(), req, third.Record, second.Kept); rec.Events.Status != EventsCompleted {
		t.Errorf("after the second job: %+v, want completed", rec.Events)
	}
}
