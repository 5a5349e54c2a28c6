package deletion

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEvidence_KeepsHistoryAndDerivesTheSummary(t *testing.T) {
	api := threePersons()
	r := testRunner(api)
	reason := "GDPR-7"
	req := Request{ProjectID: 7, IDs: []string{"alice", "ghost"}, DeleteEvents: true}
	about := Subject{ResourceID: req.ResourceID(), ProjectID: "7", Reason: &reason, Request: req, RequestedCount: 2, RequestedDigest: req.Digest()}
	started := time.Date(2026, 11, 30, 11, 59, 0, 0, time.UTC)

	first := r.Apply(t.Context(), req, Prior{Creating: true}, false)
	entry := NewApplyEntry(about, started, first)
	doc := Evidence("", &entry, about, first.Record)

	api.persons["u9"] = []string{"alice"} // alice comes back
	api.bulkErr = errBoom
	second := r.Apply(t.Context(), req, Prior{IDs: req.IDs, Record: first.Record}, false)
	entry2 := NewApplyEntry(about, started.Add(time.Hour), second)
	doc = Evidence(doc, &entry2, about, second.Record)

	var got struct {
		Reason      string  `json:"reason"`
		RequestedAt *string `json:"requested_at"`
		ConfirmedAt *string `json:"confirmed_at"`
		Request     struct {
			Form           string `json:"form"`
			RequestedCount int    `json:"requested_count"`
		} `json:"request"`
		DeletedPersonUUIDs []string `json:"deleted_person_uuids"`
		UnmatchedIDs       []string `json:"unmatched_ids"`
		Applies            []struct {
			Outcome        string   `json:"outcome"`
			Error          *string  `json:"error"`
			PersonsMatched int      `json:"persons_matched"`
			PersonsDeleted int      `json:"persons_deleted"`
			Deleted        []string `json:"deleted_person_uuids"`
		} `json:"applies"`
	}
	if err := json.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	if got.Reason != "GDPR-7" || got.Request.Form != "list" || got.Request.RequestedCount != 2 || len(got.Applies) != 2 {
		t.Fatalf("record %s", doc)
	}
	// requested_at is the first apply's start; confirmed_at the end of the
	// last completed apply: the failed second one does not move it.
	if got.RequestedAt == nil || *got.RequestedAt != "2026-11-30T11:59:00Z" || got.ConfirmedAt == nil || *got.ConfirmedAt != "2026-11-30T12:00:00Z" {
		t.Errorf("requested_at %v, confirmed_at %v", got.RequestedAt, got.ConfirmedAt)
	}
	a, b := got.Applies[0], got.Applies[1]
	if a.Outcome != "completed" || a.PersonsMatched != 1 || a.PersonsDeleted != 1 || len(a.Deleted) != 1 || a.Deleted[0] != "u1" {
		t.Errorf("first apply %+v", a)
	}
	if b.Outcome != "failed" || b.Error == nil || b.PersonsMatched != 1 || b.PersonsDeleted != 0 || len(b.Deleted) != 0 {
		t.Errorf("second apply %+v", b)
	}
	if len(got.DeletedPersonUUIDs) != 1 || len(got.UnmatchedIDs) != 1 || got.UnmatchedIDs[0] != "ghost" {
		t.Errorf("summary %s", doc)
	}

	// The file form keeps digests, never lists.
	fileReq := req
	fileReq.File = true
	fileAbout := about
	fileAbout.Request = fileReq
	api.bulkErr = nil
	third := r.Apply(t.Context(), fileReq, Prior{Creating: true}, false)
	fileEntry := NewApplyEntry(fileAbout, started, third)
	fileDoc := Evidence("", &fileEntry, fileAbout, third.Record)
	var file map[string]any
	if err := json.Unmarshal([]byte(fileDoc), &file); err != nil {
		t.Fatal(err)
	}
	if file["deleted_person_uuids"] != nil || file["unmatched_ids"] != nil || file["unmatched_id_count"] != float64(1) ||
		file["deleted_person_uuids_digest"] != sha("u9") {
		t.Errorf("file form record %s", fileDoc)
	}
}

func TestParseEvidence_UnreadableStartsANewRecord(t *testing.T) {
	for _, doc := range []string{"", "not json", `{"format_version":99}`} {
		if _, ok := ParseEvidence(doc); ok {
			t.Errorf("ParseEvidence(%q) accepted it", doc)
		}
	}
	if rec, ok := ParseEvidence(ImportedEvidence()); !ok || !rec.Imported || rec.Applies == nil {
		t.Errorf("imported record %+v", rec)
	}
}
