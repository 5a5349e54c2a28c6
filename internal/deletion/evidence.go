package deletion

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// EvidenceFormatVersion is the version of the evidence document. Pipelines
// archive these documents and parse them years later, so fields are only
// ever added; a rename or removal would need a new version.
const EvidenceFormatVersion = 1

// Outcomes of one apply, as recorded in the evidence.
const (
	applyCompleted   = "completed"
	applyFailed      = "failed"
	applyInterrupted = "interrupted"
)

// evidenceRecord is the JSON document in the `evidence` attribute: what was
// asked, what PostHog answered and what was verified, for an auditor.
type evidenceRecord struct {
	FormatVersion int    `json:"format_version"`
	ResourceID    string `json:"resource_id"`
	ProjectID     string `json:"project_id"`
	// Reason is the current request reference; every apply keeps its own too.
	Reason  *string         `json:"reason"`
	Request evidenceRequest `json:"request"`
	// Imported is true when the record began with terraform import: PostHog
	// tells which requested persons are gone, not when or by whom.
	Imported    bool    `json:"imported"`
	RequestedAt *string `json:"requested_at"`
	ConfirmedAt *string `json:"confirmed_at"`
	// DeletedPersonUUIDs is null in the bulk form, where the digest stands in.
	DeletedPersonCount       int64    `json:"deleted_person_count"`
	DeletedPersonUUIDs       []string `json:"deleted_person_uuids"`
	DeletedPersonUUIDsDigest *string  `json:"deleted_person_uuids_digest"`
	// UnmatchedIDs is null in the bulk form, where only the count is kept.
	UnmatchedIDs     []string       `json:"unmatched_ids"`
	UnmatchedIDCount int64          `json:"unmatched_id_count"`
	EventsDeletion   evidenceEvents `json:"events_deletion"`
	Applies          []ApplyEntry   `json:"applies"`
	// Tickets, in the tickets form, is the record of every ticket an apply
	// looked up, by ticket; absent in the other forms.
	Tickets map[string]TicketEvidence `json:"tickets,omitempty"`
}

// evidenceRequest is what the configuration asks for now.
type evidenceRequest struct {
	Form             string `json:"form"`    // "list" or "file"
	IDKind           string `json:"id_kind"` // "distinct_ids" or "uuids"
	RequestedCount   int    `json:"requested_count"`
	RequestedDigest  string `json:"requested_digest"`
	DeleteEvents     bool   `json:"delete_events"`
	DeleteRecordings bool   `json:"delete_recordings"`
	KeepPerson       bool   `json:"keep_person"`
}

// evidenceEvents is the state of the event deletion, refreshed on every plan.
type evidenceEvents struct {
	Requested  bool    `json:"requested"`
	Status     string  `json:"status"`
	VerifiedAt *string `json:"verified_at"`
}

// ApplyEntry is one apply that called bulk_delete (or tried to).
type ApplyEntry struct {
	Reason          *string `json:"reason"`
	StartedAt       string  `json:"started_at"`
	FinishedAt      string  `json:"finished_at"`
	Outcome         string  `json:"outcome"`
	Error           *string `json:"error"`
	RequestedCount  int     `json:"requested_count"`
	RequestedDigest string  `json:"requested_digest"`
	PersonsMatched  int     `json:"persons_matched"`
	// PersonsDeleted counts the persons verified gone (with keep_person: queued).
	PersonsDeleted           int      `json:"persons_deleted"`
	DeletedPersonUUIDs       []string `json:"deleted_person_uuids"`
	DeletedPersonUUIDsDigest *string  `json:"deleted_person_uuids_digest"`
	PostHog                  Answers  `json:"posthog"`
	// EventsNotQueued lists the persons deleted again whose events PostHog
	// did not queue again, because an earlier request of theirs was still
	// pending; null in the compact forms.
	EventsNotQueued []NotQueued `json:"events_not_queued"`
	// Tickets, in the tickets form, names the tickets this apply recorded
	// (looked up for the first time, changed, or deleted persons for) with
	// the persons it deleted for each.
	Tickets map[string]int `json:"tickets,omitempty"`

	ticketUpdates map[string]ticketUpdate
}

// NotQueued is a person deleted again while an earlier event-deletion
// request of theirs, created at KeptRequestCreatedAt, was pending.
type NotQueued struct {
	PersonUUID           string `json:"person_uuid"`
	KeptRequestCreatedAt string `json:"kept_request_created_at"`
}

// Answers sums what PostHog answered to this apply's bulk_delete calls.
type Answers struct {
	BulkDeleteCalls             int  `json:"bulk_delete_calls"`
	PersonsFound                int  `json:"persons_found"`
	PersonsDeleted              int  `json:"persons_deleted"`
	PersonsQueuedForDeletion    int  `json:"persons_queued_for_deletion"`
	DeletionErrors              int  `json:"deletion_errors"`
	EventsQueuedForDeletion     bool `json:"events_queued_for_deletion"`
	RecordingsQueuedForDeletion bool `json:"recordings_queued_for_deletion"`
	// AnswersOutsideRequest counts the answers whose counts or errors
	// exceed what the call sent: they are kept as PostHog sent them, and
	// flagged here because they cannot be true.
	AnswersOutsideRequest int `json:"answers_outside_request"`
}

// add sums one bulk_delete answer to a call that sent the persons in sent.
// An answer that claims more than was sent is counted as such: PostHog
// cannot find, delete or queue persons it was not asked about.
func (a *Answers) add(result posthog.BulkDeleteResult, sent []string) {
	a.BulkDeleteCalls++
	a.PersonsFound += result.PersonsFound
	a.PersonsDeleted += result.PersonsDeleted
	a.PersonsQueuedForDeletion += result.PersonsQueuedForDeletion
	a.DeletionErrors += len(result.DeletionErrors)
	a.EventsQueuedForDeletion = a.EventsQueuedForDeletion || result.EventsQueuedForDeletion
	a.RecordingsQueuedForDeletion = a.RecordingsQueuedForDeletion || result.RecordingsQueuedForDeletion
	outside := result.PersonsFound > len(sent) || result.PersonsDeleted > len(sent) ||
		result.PersonsQueuedForDeletion > len(sent) || result.PersonsDeleted+result.PersonsQueuedForDeletion > result.PersonsFound ||
		len(failedPersons(result.DeletionErrors, sent)) < len(result.DeletionErrors)
	if outside {
		a.AnswersOutsideRequest++
	}
}

// ParseEvidence reads the record kept in state; a missing or unreadable
// one (state written before evidence existed) starts a new record.
func ParseEvidence(value string) (evidenceRecord, bool) {
	var record evidenceRecord
	if value == "" {
		return record, false
	}
	if err := json.Unmarshal([]byte(value), &record); err != nil || record.FormatVersion != EvidenceFormatVersion {
		return evidenceRecord{}, false
	}
	return record, true
}

// KeptRequestsOf reads from a record the earlier event-deletion requests
// PostHog kept when applies deleted persons again.
func KeptRequestsOf(evidence string) KeptRequests {
	record, ok := ParseEvidence(evidence)
	if !ok {
		return nil
	}
	kept := KeptRequests{}
	for _, entry := range record.Applies {
		for _, k := range entry.EventsNotQueued {
			kept[strings.ToLower(k.PersonUUID)] = k.KeptRequestCreatedAt
		}
	}
	return kept
}

// ImportedEvidence is the record of an imported deletion: PostHog tells
// which requested persons are gone, not when or by whom.
func ImportedEvidence() string {
	return encodeEvidence(evidenceRecord{FormatVersion: EvidenceFormatVersion, Imported: true, Applies: []ApplyEntry{}})
}

// Subject is what the evidence says the record is about.
type Subject struct {
	ResourceID      string
	ProjectID       string
	Reason          *string
	Request         Request
	RequestedCount  int
	RequestedDigest string
}

// NewApplyEntry describes one apply from its result.
func NewApplyEntry(subject Subject, started time.Time, applied Applied) ApplyEntry {
	entry := ApplyEntry{
		Reason:          subject.Reason,
		StartedAt:       started.UTC().Format(time.RFC3339),
		FinishedAt:      applied.Finished.UTC().Format(time.RFC3339),
		Outcome:         applyCompleted,
		RequestedCount:  subject.RequestedCount,
		RequestedDigest: subject.RequestedDigest,
		PersonsMatched:  len(applied.Outcome.MatchedPersons),
		PersonsDeleted:  len(applied.Outcome.Deleted),
		PostHog:         applied.Outcome.Answers,
	}
	if applied.Err != nil {
		entry.Outcome = applyFailed
		if IsContextEnd(applied.Err) {
			entry.Outcome = applyInterrupted
		}
		text := applied.Err.Error()
		entry.Error = &text
	}
	if subject.Request.Tickets != nil {
		entry.ticketUpdates = ticketUpdates(subject.Request, applied.Outcome, applied.History)
	}
	if subject.Request.Compact() {
		digest := DigestOf(lowerAll(applied.Outcome.Deleted))
		entry.DeletedPersonUUIDsDigest = &digest
	} else {
		entry.DeletedPersonUUIDs = mergeSorted(nil, applied.Outcome.Deleted)
		entry.EventsNotQueued = []NotQueued{}
		for _, id := range mergeSorted(nil, mapKeys(applied.Kept)) {
			entry.EventsNotQueued = append(entry.EventsNotQueued, NotQueued{PersonUUID: id, KeptRequestCreatedAt: applied.Kept[id]})
		}
	}
	return entry
}

// Evidence appends entry (when there is one) to the record carried over from
// prior and rewrites its summary (request, totals, event deletion) from rec.
func Evidence(prior string, entry *ApplyEntry, subject Subject, rec Record) string {
	record, _ := ParseEvidence(prior)
	if entry != nil {
		if entry.ticketUpdates != nil {
			record.Tickets, entry.Tickets = mergeTickets(record.Tickets, entry.ticketUpdates, entry.FinishedAt)
		}
		record.Applies = append(record.Applies, *entry)
	}
	req := subject.Request
	record.FormatVersion = EvidenceFormatVersion
	record.ResourceID = subject.ResourceID
	record.ProjectID = subject.ProjectID
	record.Reason = subject.Reason
	record.Request = evidenceRequest{
		Form:             req.Form(),
		IDKind:           req.IDKind(),
		RequestedCount:   subject.RequestedCount,
		RequestedDigest:  subject.RequestedDigest,
		DeleteEvents:     req.DeleteEvents,
		DeleteRecordings: req.DeleteRecordings,
		KeepPerson:       req.KeepPerson,
	}
	record.DeletedPersonCount = rec.DeletedCount
	record.UnmatchedIDCount = rec.UnmatchedCount
	record.DeletedPersonUUIDs, record.UnmatchedIDs = nil, nil
	if !req.Compact() {
		record.DeletedPersonUUIDs = nonNil(rec.DeletedUUIDs)
		record.UnmatchedIDs = nonNil(rec.UnmatchedIDs)
		record.UnmatchedIDCount = int64(len(record.UnmatchedIDs))
	}
	record.DeletedPersonUUIDsDigest = optional(rec.DeletedDigest)
	record.EventsDeletion = evidenceEvents{
		Requested:  req.DeleteEvents,
		Status:     rec.Events.Status,
		VerifiedAt: optional(rec.Events.VerifiedAt),
	}
	if record.Applies == nil {
		record.Applies = []ApplyEntry{}
	}
	record.RequestedAt, record.ConfirmedAt = nil, nil
	for _, a := range record.Applies {
		if record.RequestedAt == nil {
			record.RequestedAt = &a.StartedAt
		}
		if a.Outcome == applyCompleted {
			record.ConfirmedAt = &a.FinishedAt
		}
	}
	return encodeEvidence(record)
}

func encodeEvidence(record evidenceRecord) string {
	out, err := json.Marshal(record)
	if err != nil {
		// Only plain strings, numbers and booleans: marshalling cannot fail.
		panic(fmt.Sprintf("encoding the evidence record: %v", err))
	}
	return string(out)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func mapKeys(m KeptRequests) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
