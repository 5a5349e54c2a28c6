package deletion

import (
	"slices"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// What state claims follows from PostHog's answers and the verification,
// never from the request alone (docs/dev/posthog-behaviour.md#bulk-delete).

func TestApply_KeepPersonWithNothingQueuedRecordsNothing(t *testing.T) {
	api := threePersons()
	// PostHog's own answer when nothing matched.
	api.answer = &posthog.BulkDeleteResult{PersonsFound: 0, EventsQueuedForDeletion: false}
	req := Request{ProjectID: 7, IDs: []string{"bob"}, KeepPerson: true, DeleteEvents: true}
	applied := testRunner(api).Apply(t.Context(), req, Prior{Creating: true}, false)
	if applied.Record.DeletedCount != 0 || len(applied.Record.DeletedUUIDs) != 0 {
		t.Errorf("recorded %v as queued", applied.Record.DeletedUUIDs)
	}
	if len(applied.Warnings) != 1 || applied.Warnings[0].Summary != "PostHog queued nothing for some persons" {
		t.Errorf("warnings %+v", applied.Warnings)
	}
	// Found, but the events were not queued although asked: the same.
	api.answer = &posthog.BulkDeleteResult{PersonsFound: 1, EventsQueuedForDeletion: false}
	if applied := testRunner(api).Apply(t.Context(), req, Prior{Creating: true}, false); applied.Record.DeletedCount != 0 {
		t.Errorf("recorded %v although PostHog queued no events", applied.Record.DeletedUUIDs)
	}
}

func TestApply_VerificationThatContradictsTheLookupIsAnError(t *testing.T) {
	api := threePersons()
	api.queuedPolls = 1000    // the persons stay...
	api.uuidLookupsLie = true // ...but the verification by UUID says they are gone
	applied := testRunner(api).Apply(t.Context(), Request{ProjectID: 7, IDs: []string{"alice", "bob"}}, Prior{Creating: true}, false)
	if applied.Failure == nil || !strings.Contains(applied.Failure.Detail, "contradict each other") {
		t.Fatalf("failure %+v", applied.Failure)
	}
	if applied.Record.DeletedCount != 0 || len(applied.Record.DeletedUUIDs) != 0 {
		t.Errorf("recorded %v as deleted on a contradicted verification", applied.Record.DeletedUUIDs)
	}
	if !slices.Equal(applied.Record.RemainingUUIDs, []string{"u1", "u2"}) {
		t.Errorf("remaining %v", applied.Record.RemainingUUIDs)
	}
}

func TestAnswers_OutsideTheRequestAreFlagged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer posthog.BulkDeleteResult
		want   int
	}{
		{"a true answer", posthog.BulkDeleteResult{PersonsFound: 2, PersonsDeleted: 2}, 0},
		{"more found than sent", posthog.BulkDeleteResult{PersonsFound: 1000, PersonsDeleted: 2}, 1},
		{"more deleted than found", posthog.BulkDeleteResult{PersonsFound: 1, PersonsDeleted: 2}, 1},
		{"more queued than sent", posthog.BulkDeleteResult{PersonsFound: 2, PersonsQueuedForDeletion: 5}, 1},
		{"an error about a person not sent", posthog.BulkDeleteResult{PersonsFound: 2, PersonsDeleted: 1,
			DeletionErrors: []posthog.DeletionError{{PersonUUID: "u9", Step: "delete_postgres"}}}, 1},
	} {
		var a Answers
		a.add(tc.answer, []string{"u1", "u2"})
		if a.AnswersOutsideRequest != tc.want {
			t.Errorf("%s: answers_outside_request = %d, want %d", tc.name, a.AnswersOutsideRequest, tc.want)
		}
	}
}

// PostHog gives a user who comes back the same UUID
// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
func TestApply_SameUUIDCreatedAgainDuringTheApplyIsDeletedAgain(t *testing.T) {
	api := threePersons()
	api.reappear["u2"] = "u2"
	applied := testRunner(api).Apply(t.Context(), Request{ProjectID: 7, IDs: []string{"alice", "bob"}}, Prior{Creating: true}, false)
	if applied.Err != nil {
		t.Fatalf("a user created again with the same UUID was taken for a contradiction: %v", applied.Err)
	}
	if !slices.Equal(applied.Record.DeletedUUIDs, []string{"u1", "u2"}) || len(applied.Outcome.Deleted) != 2 || len(api.bulkCalls) != 2 {
		t.Errorf("deleted %v (outcome %v), %d bulk_delete calls; want u1, u2 once each and a second call", applied.Record.DeletedUUIDs,
			applied.Outcome.Deleted, len(api.bulkCalls))
	}
}

func TestApply_CompactFormCountsAReturningUserOnce(t *testing.T) {
	api := threePersons()
	r := testRunner(api)
	req := Request{ProjectID: 7, WriteOnly: true, IDs: []string{"alice", "bob"}}
	first := r.Apply(t.Context(), req, Prior{Creating: true}, false)
	api.persons["u2"] = []string{"bob"} // bob is back, with his old UUID
	second := r.Apply(t.Context(), req, Prior{Record: first.Record, History: first.History, Deleted: first.Deleted}, false)
	if second.Err != nil || api.exists("u2") {
		t.Fatalf("bob was not deleted again: %v", second.Err)
	}
	if second.Record.DeletedCount != 2 {
		t.Errorf("deleted_person_count = %d after deleting bob twice, want 2 persons", second.Record.DeletedCount)
	}
}
