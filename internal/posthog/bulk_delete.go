package posthog

import (
	"context"
	"errors"
	"fmt"
)

// MaxBulkDelete is the most ids (or distinct ids) one bulk_delete accepts
// (docs/dev/posthog-behaviour.md#bulk-delete).
const MaxBulkDelete = 1000

// BulkDeleteRequest selects persons by UUID (IDs) or by distinct id, never both.
type BulkDeleteRequest struct {
	IDs                                        []string
	DistinctIDs                                []string
	DeleteEvents, DeleteRecordings, KeepPerson bool
}

// DeletionError is one person that bulk_delete could not handle. Step is empty on
// PostHog versions that only report person_uuid
// (docs/dev/posthog-behaviour.md#bulk-delete).
type DeletionError struct {
	PersonUUID string
	Step       string
}

// BulkDeleteResult is the 202 body. PostHog answers in a sync mode (PersonsDeleted
// = N) or an async mode (PersonsQueuedForDeletion = N, PersonsDeleted = 0);
// callers must accept both (docs/dev/posthog-behaviour.md#bulk-delete). Non-empty
// DeletionErrors mean those persons were not deleted.
type BulkDeleteResult struct {
	PersonsFound                                         int
	PersonsDeleted                                       int
	PersonsQueuedForDeletion                             int
	EventsQueuedForDeletion, RecordingsQueuedForDeletion bool
	DeletionErrors                                       []DeletionError
}

type bulkDeleteBody struct {
	IDs              []string `json:"ids,omitempty"`
	DistinctIDs      []string `json:"distinct_ids,omitempty"`
	DeleteEvents     bool     `json:"delete_events"`
	DeleteRecordings bool     `json:"delete_recordings"`
	KeepPerson       bool     `json:"keep_person"`
}

type bulkDeleteWire struct {
	PersonsFound                int  `json:"persons_found"`
	PersonsDeleted              int  `json:"persons_deleted"`
	PersonsQueuedForDeletion    int  `json:"persons_queued_for_deletion"` // absent before v-new → 0
	EventsQueuedForDeletion     bool `json:"events_queued_for_deletion"`
	RecordingsQueuedForDeletion bool `json:"recordings_queued_for_deletion"`
	DeletionErrors              []struct {
		PersonUUID *string `json:"person_uuid"`
		Step       *string `json:"step"`
	} `json:"deletion_errors"`
}

// BulkDelete makes one bulk_delete call. It refuses, without calling, more
// than MaxBulkDelete ids, or both or neither list set (PostHog's own 400s).
// Flags are sent as JSON booleans: PostHog applies Python bool() to them, so
// a string "false" would count as true (docs/dev/posthog-behaviour.md#bulk-delete).
//
// Although POST, this call is retried on 429/5xx/transport errors like the
// idempotent calls: repeating a bulk_delete is safe because PostHog does not
// duplicate an already-queued deletion (AsyncDeletion insert ignores conflicts)
// and deleting an already-deleted person is a no-op
// (docs/dev/posthog-behaviour.md#bulk-delete,
// docs/dev/posthog-behaviour.md#event-deletion).
func (c *Client) BulkDelete(ctx context.Context, projectID int64, req BulkDeleteRequest) (*BulkDeleteResult, error) {
	switch {
	case len(req.IDs) > 0 && len(req.DistinctIDs) > 0:
		return nil, errors.New("posthog: BulkDelete takes either IDs or DistinctIDs, not both")
	case len(req.IDs) == 0 && len(req.DistinctIDs) == 0:
		return nil, errors.New("posthog: BulkDelete needs IDs or DistinctIDs")
	case len(req.IDs) > MaxBulkDelete:
		return nil, fmt.Errorf("posthog: BulkDelete takes at most %d ids per call, got %d", MaxBulkDelete, len(req.IDs))
	case len(req.DistinctIDs) > MaxBulkDelete:
		return nil, fmt.Errorf("posthog: BulkDelete takes at most %d distinct ids per call, got %d", MaxBulkDelete, len(req.DistinctIDs))
	}
	body := bulkDeleteBody(req)
	var w bulkDeleteWire
	if _, err := c.do(ctx, endpointBulkDelete, endpointBulkDelete.at(projectID, ""), nil, body, &w); err != nil {
		return nil, err
	}
	res := &BulkDeleteResult{
		PersonsFound:                w.PersonsFound,
		PersonsDeleted:              w.PersonsDeleted,
		PersonsQueuedForDeletion:    w.PersonsQueuedForDeletion,
		EventsQueuedForDeletion:     w.EventsQueuedForDeletion,
		RecordingsQueuedForDeletion: w.RecordingsQueuedForDeletion,
		DeletionErrors:              make([]DeletionError, 0, len(w.DeletionErrors)),
	}
	for _, de := range w.DeletionErrors {
		res.DeletionErrors = append(res.DeletionErrors, DeletionError{PersonUUID: deref(de.PersonUUID), Step: deref(de.Step)})
	}
	return res, nil
}
