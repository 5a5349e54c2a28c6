package provider

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// evidenceFormatVersion is the version of the evidence document. Pipelines
// archive these documents and parse them years later, so fields are only
// ever added; a rename or removal would need a new version.
const evidenceFormatVersion = 1

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
	UnmatchedIDs     []string        `json:"unmatched_ids"`
	UnmatchedIDCount int64           `json:"unmatched_id_count"`
	EventsDeletion   evidenceEvents  `json:"events_deletion"`
	Applies          []evidenceApply `json:"applies"`
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

// evidenceApply is one apply that called bulk_delete (or tried to).
type evidenceApply struct {
	Reason          *string `json:"reason"`
	StartedAt       string  `json:"started_at"`
	FinishedAt      string  `json:"finished_at"`
	Outcome         string  `json:"outcome"`
	Error           *string `json:"error"`
	RequestedCount  int     `json:"requested_count"`
	RequestedDigest string  `json:"requested_digest"`
	PersonsMatched  int     `json:"persons_matched"`
	// PersonsDeleted counts the persons verified gone (with keep_person: queued).
	PersonsDeleted           int             `json:"persons_deleted"`
	DeletedPersonUUIDs       []string        `json:"deleted_person_uuids"`
	DeletedPersonUUIDsDigest *string         `json:"deleted_person_uuids_digest"`
	PostHog                  evidenceAnswers `json:"posthog"`
}

// evidenceAnswers sums what PostHog answered to this apply's bulk_delete calls.
type evidenceAnswers struct {
	BulkDeleteCalls             int  `json:"bulk_delete_calls"`
	PersonsFound                int  `json:"persons_found"`
	PersonsDeleted              int  `json:"persons_deleted"`
	PersonsQueuedForDeletion    int  `json:"persons_queued_for_deletion"`
	DeletionErrors              int  `json:"deletion_errors"`
	EventsQueuedForDeletion     bool `json:"events_queued_for_deletion"`
	RecordingsQueuedForDeletion bool `json:"recordings_queued_for_deletion"`
}

// add sums one bulk_delete answer.
func (a *evidenceAnswers) add(result posthog.BulkDeleteResult) {
	a.BulkDeleteCalls++
	a.PersonsFound += result.PersonsFound
	a.PersonsDeleted += result.PersonsDeleted
	a.PersonsQueuedForDeletion += result.PersonsQueuedForDeletion
	a.DeletionErrors += len(result.DeletionErrors)
	a.EventsQueuedForDeletion = a.EventsQueuedForDeletion || result.EventsQueuedForDeletion
	a.RecordingsQueuedForDeletion = a.RecordingsQueuedForDeletion || result.RecordingsQueuedForDeletion
}

// parseEvidence reads the record kept in state; a missing or unreadable one
// (state written before evidence existed) starts a new record.
func parseEvidence(value types.String) (evidenceRecord, bool) {
	var record evidenceRecord
	if value.IsNull() || value.IsUnknown() || value.ValueString() == "" {
		return record, false
	}
	if err := json.Unmarshal([]byte(value.ValueString()), &record); err != nil || record.FormatVersion != evidenceFormatVersion {
		return evidenceRecord{}, false
	}
	return record, true
}

// refreshEvidence rewrites the summary part of the record from the model
// (request, totals, event deletion) and keeps the history of applies.
func refreshEvidence(m *personDeletionModel, request deletionRequest, record evidenceRecord) {
	record.FormatVersion = evidenceFormatVersion
	record.ResourceID = m.ID.ValueString()
	record.ProjectID = m.ProjectID.ValueString()
	record.Reason = optionalString(m.Reason)
	requestedCount, requestedDigest := requestedSummary(*m, request)
	record.Request = evidenceRequest{
		Form:             "list",
		IDKind:           request.idKind(),
		RequestedCount:   requestedCount,
		RequestedDigest:  requestedDigest,
		DeleteEvents:     request.deleteEvents,
		DeleteRecordings: request.deleteRecordings,
		KeepPerson:       request.keepPerson,
	}
	record.DeletedPersonCount = int64OrZero(m.DeletedPersonCount)
	record.UnmatchedIDCount = int64OrZero(m.UnmatchedIDCount)
	if isBulk(*m) {
		record.Request.Form = "file"
		record.DeletedPersonUUIDs = nil
		record.UnmatchedIDs = nil
	} else {
		record.DeletedPersonUUIDs = nonNil(stringList(m.DeletedPersonUUIDs))
		record.UnmatchedIDs = nonNil(stringList(m.UnmatchedIDs))
		record.UnmatchedIDCount = int64(len(record.UnmatchedIDs))
	}
	record.DeletedPersonUUIDsDigest = optionalString(m.DeletedPersonUUIDsDigest)
	record.EventsDeletion = evidenceEvents{
		Requested:  request.deleteEvents,
		Status:     m.EventsDeletionStatus.ValueString(),
		VerifiedAt: optionalString(m.EventsDeletionVerifiedAt),
	}
	if record.Applies == nil {
		record.Applies = []evidenceApply{}
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
	m.Evidence = types.StringValue(encodeEvidence(record))
}

// newApplyEvidence describes one apply from its outcome.
func newApplyEvidence(m personDeletionModel, request deletionRequest, started time.Time, outcome deletionOutcome, runErr error) evidenceApply {
	requestedCount, requestedDigest := requestedSummary(m, request)
	entry := evidenceApply{
		Reason:          optionalString(m.Reason),
		StartedAt:       started.UTC().Format(time.RFC3339),
		FinishedAt:      time.Now().UTC().Format(time.RFC3339),
		Outcome:         applyCompleted,
		RequestedCount:  requestedCount,
		RequestedDigest: requestedDigest,
		PersonsMatched:  len(outcome.matchedPersons),
		PersonsDeleted:  len(outcome.deleted),
		PostHog:         outcome.answers,
	}
	if runErr != nil {
		entry.Outcome = applyFailed
		if isContextEnd(runErr) {
			entry.Outcome = applyInterrupted
		}
		text := runErr.Error()
		entry.Error = &text
	}
	if isBulk(m) {
		digest := digestOf(lowerAll(outcome.deleted))
		entry.DeletedPersonUUIDsDigest = &digest
	} else {
		entry.DeletedPersonUUIDs = nonNil(mergeSorted(nil, outcome.deleted))
	}
	return entry
}

// requestedSummary returns requested_count and requested_digest as the plan
// (or refresh) already computed them with setRequested; hashing 100,000 ids
// again for the record would repeat that work. It computes them only when
// the model does not hold them.
func requestedSummary(m personDeletionModel, request deletionRequest) (int, string) {
	if m.RequestedCount.IsNull() || m.RequestedCount.IsUnknown() || m.RequestedDigest.IsNull() || m.RequestedDigest.IsUnknown() {
		return len(request.ids), requestDigest(request)
	}
	return int(m.RequestedCount.ValueInt64()), m.RequestedDigest.ValueString()
}

func encodeEvidence(record evidenceRecord) string {
	out, err := json.Marshal(record)
	if err != nil {
		// Only plain strings, numbers and booleans: marshalling cannot fail.
		panic(fmt.Sprintf("encoding the evidence record: %v", err))
	}
	return string(out)
}

func optionalString(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

// nonNil keeps empty lists as [] rather than null in the JSON.
func nonNil(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}

// recordEvidence appends this apply (when there is one) to the record
// carried over from prior state and refreshes the record's summary.
func recordEvidence(m *personDeletionModel, request deletionRequest, prior types.String, entry *evidenceApply) {
	record, _ := parseEvidence(prior)
	if entry != nil {
		record.Applies = append(record.Applies, *entry)
	}
	refreshEvidence(m, request, record)
}
