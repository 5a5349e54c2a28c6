package deletion

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTicketsFile(t *testing.T) {
	ids, tickets, problems := ParseTicketsFile([]byte(`{"GDPR-2": ["bob", "alice"], "GDPR-1": ["alice", "carol"], "GDPR-3": []}`))
	if len(problems.Errors) > 0 {
		t.Fatal(problems.Errors)
	}
	// Tickets sorted, ids in ticket order, each id once.
	if want := []string{"alice", "carol", "bob"}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if want := []string{"GDPR-1", "GDPR-2", "GDPR-3"}; !slices.Equal(tickets.Names(), want) {
		t.Errorf("tickets %v, want %v", tickets.Names(), want)
	}
	if got := tickets.Of("alice"); !slices.Equal(got, []string{"GDPR-1", "GDPR-2"}) {
		t.Errorf("alice is asked for by %v, want both tickets", got)
	}
	if got := tickets.IDs("GDPR-3"); got == nil || len(got) != 0 {
		t.Errorf("a ticket without ids has %v, want an empty list", got)
	}
}

func TestParseTicketsFileRejectsWhatIsNotARequest(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"not an object", `["alice"]`, "one JSON object"},
		{"two documents", `{"A": ["x"]} {"B": ["y"]}`, "one JSON object"},
		{"ids not strings", `{"A": [1]}`, "one JSON object"},
		{"empty name", `{" ": ["x"]}`, "empty name"},
		{"null ids", `{"A": null}`, "null instead of a list"},
		{"blank id", `{"A": ["x", "  "]}`, `empty or whitespace-only distinct id: "A"`},
		{"repeat", `{"A": ["x", "x"]}`, `same distinct id twice: "A"`},
		{"line break in name", `{"A\nB": ["x"]}`, "line break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, problems := ParseTicketsFile([]byte(tc.file))
			if !strings.Contains(strings.Join(problems.Errors, "\n"), tc.want) {
				t.Errorf("errors %q, want one containing %q", problems.Errors, tc.want)
			}
			if strings.Contains(strings.Join(problems.Errors, "\n"), `"x"`) {
				t.Errorf("an error names a distinct id: %q", problems.Errors)
			}
		})
	}
}

// Moving an id to another ticket changes the request's digest, so that the
// evidence follows; the same tickets written in another order do not.
func TestTicketsDigest(t *testing.T) {
	digest := func(file string) string {
		ids, tickets, problems := ParseTicketsFile([]byte(file))
		if len(problems.Errors) > 0 {
			t.Fatal(problems.Errors)
		}
		return Request{File: true, IDs: ids, Tickets: tickets}.Digest()
	}
	a := digest(`{"T-1": ["alice", "bob"], "T-2": ["carol"]}`)
	if b := digest(`{"T-2": ["carol"], "T-1": ["bob", "alice"]}`); a != b {
		t.Error("the same tickets in another order changed the digest")
	}
	if c := digest(`{"T-1": ["alice"], "T-2": ["carol", "bob"]}`); a == c {
		t.Error("moving bob to T-2 left the digest unchanged")
	}
}

// Three tickets, worked out by hand: T-1 asks for alice (one person with
// two distinct ids, both in T-1) and ghost (nobody); T-2 asks for alice too
// and for bob; T-3 for nobody known. One apply deletes alice's and bob's
// persons: T-1 gets 1 person and 1 unmatched id, T-2 2 persons and none,
// T-3 no person and 1 unmatched id. A second apply after bob comes back
// records T-2 again (1 more person) and leaves T-1 and T-3 as they were.
func TestTicketsEvidenceAcrossApplies(t *testing.T) {
	api := newFakeAPI(map[string][]string{"p-alice": {"alice", "alice-2"}, "p-bob": {"bob"}})
	runner := Runner{API: api, PollStart: time.Millisecond, PollMax: time.Millisecond, Now: time.Now}
	ids, tickets, problems := ParseTicketsFile([]byte(`{"T-1": ["alice", "alice-2", "ghost"], "T-2": ["alice", "bob"], "T-3": ["nobody"]}`))
	if len(problems.Errors) > 0 {
		t.Fatal(problems.Errors)
	}
	req := Request{ProjectID: 1, File: true, IDs: ids, Tickets: tickets}
	subject := Subject{Request: req, RequestedCount: len(ids), RequestedDigest: req.Digest()}

	first := runner.Apply(context.Background(), req, Prior{Creating: true}, false)
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	entry := NewApplyEntry(subject, time.Now(), first)
	evidence := Evidence("", &entry, subject, first.Record)
	record := parseTickets(t, evidence)
	want := map[string][2]int{"T-1": {1, 1}, "T-2": {2, 0}, "T-3": {0, 1}}
	for name, w := range want {
		got := record.Tickets[name]
		if got.PersonsDeleted != w[0] || got.UnmatchedIDCount != w[1] || got.FirstAppliedAt == "" {
			t.Errorf("%s: %+v, want %d persons deleted and %d unmatched", name, got, w[0], w[1])
		}
	}
	if len(record.Applies[0].Tickets) != 3 {
		t.Errorf("first apply recorded tickets %v, want all three", record.Applies[0].Tickets)
	}

	api.comeBack("p-bob", "bob")
	second := runner.Apply(context.Background(), req, Prior{Record: first.Record, History: first.History, Deleted: first.Deleted}, false)
	if second.Err != nil {
		t.Fatal(second.Err)
	}
	entry2 := NewApplyEntry(subject, time.Now(), second)
	record = parseTickets(t, Evidence(evidence, &entry2, subject, second.Record))
	if got := record.Applies[1].Tickets; len(got) != 1 || got["T-2"] != 1 {
		t.Errorf("second apply recorded %v, want only T-2 with 1 person", got)
	}
	if got := record.Tickets["T-2"].PersonsDeleted; got != 3 {
		t.Errorf("T-2 persons deleted %d after bob came back, want 3", got)
	}
	if got := record.Tickets["T-1"]; got.PersonsDeleted != 1 || got.UnmatchedIDCount != 1 {
		t.Errorf("T-1 changed by an apply that did nothing for it: %+v", got)
	}
}

func parseTickets(t *testing.T, evidence string) evidenceRecord {
	t.Helper()
	var record evidenceRecord
	if err := json.Unmarshal([]byte(evidence), &record); err != nil {
		t.Fatal(err)
	}
	return record
}

// comeBack creates the person again, as events arriving after a deletion
// do: same UUID (docs/dev/posthog-behaviour.md#person-ids-and-uuids), new
// created_at.
func (f *fakeAPI) comeBack(uuid string, distinctIDs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.persons[uuid] = distinctIDs
	f.created[uuid] = "2031-01-01T00:00:00Z"
}
