package deletion

import (
	"context"
	"strings"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// Event-deletion states recorded in events_deletion_status.
const (
	EventsNotRequested = "not_requested"
	EventsNone         = "none"
	EventsPending      = "pending"
	EventsCompleted    = "completed"
	// EventsIncomplete: PostHog verified an event deletion for every
	// person, but for some only an earlier request that it kept when this
	// resource deleted them again; their events captured since stay
	// (docs/dev/posthog-behaviour.md#event-deletion).
	EventsIncomplete = "incomplete"
)

// KeptRequests holds, by lower-case person UUID, the created_at of an
// earlier event-deletion request that PostHog kept when this resource
// deleted the person again: a person whose newest row is still that one
// has events captured since which no request covers.
type KeptRequests map[string]string

// Events is the state of the event deletion of a set of persons.
type Events struct {
	Status     string
	VerifiedAt string // "" until Status is EventsCompleted or EventsIncomplete
}

// Message is a diagnostic for the user: a warning, or the error of a failed apply.
type Message struct {
	Summary, Detail string
}

// EventsStatus reads deletion_status for the persons whose events were
// queued, through the process's shared listing.
func (r Runner) EventsStatus(ctx context.Context, projectID int64, personUUIDs []string, kept KeptRequests) (Events, error) {
	if len(personUUIDs) == 0 {
		return Events{Status: EventsNone}, nil
	}
	rows, queuedHere, err := r.API.DeletionRows(ctx, projectID, personUUIDs)
	if err != nil {
		return Events{}, err
	}
	if queuedHere {
		// This process has just queued them: nothing to read.
		return Events{Status: EventsPending}, nil
	}
	return eventsOf(rows, personUUIDs, kept), nil
}

// WaitForEvents polls deletion_status until every row is verified or ctx
// ends; running out of time is not an error (PostHog verifies weekly). It
// reads PostHog directly, never the shared listing, to see each change.
func (r Runner) WaitForEvents(ctx context.Context, projectID int64, personUUIDs []string, kept KeptRequests) (Events, error) {
	if len(personUUIDs) == 0 {
		return Events{Status: EventsNone}, nil
	}
	interval := r.PollStart
	for {
		rows, err := r.API.FreshDeletionRows(ctx, projectID, personUUIDs)
		if err != nil {
			return Events{}, err
		}
		events := eventsOf(rows, personUUIDs, kept)
		if events.Status != EventsPending {
			return events, nil
		}
		select {
		case <-ctx.Done():
			return events, nil
		case <-time.After(interval):
		}
		interval = min(2*interval, r.PollMax)
	}
}

// EventsAfterApply is the event-deletion state to record after an apply
// that queued personUUIDs; with wait it first waits for PostHog's
// verification. finished is false when the apply failed or ran out of time:
// the state is then still read, on a short context of its own.
func (r Runner) EventsAfterApply(ctx context.Context, req Request, personUUIDs []string, finished, wait bool, kept KeptRequests) (Events, []Message) {
	if !req.DeleteEvents {
		return Events{Status: EventsNotRequested}, nil
	}
	if !finished {
		var cancel context.CancelFunc
		ctx, cancel = AfterEndContext(ctx)
		defer cancel()
	}
	var (
		events   Events
		err      error
		warnings []Message
	)
	if finished && wait {
		events, err = r.WaitForEvents(ctx, req.ProjectID, personUUIDs, kept)
		if err == nil && events.Status == EventsPending {
			warnings = append(warnings, Message{"Event deletion is still pending",
				"PostHog had not verified the event deletion when the timeout ended. PostHog runs that job weekly; " +
					"events_deletion_status is refreshed on every plan."})
		}
	} else {
		events, err = r.EventsStatus(ctx, req.ProjectID, personUUIDs, kept)
	}
	if err != nil {
		warnings = append(warnings, Message{"Could not read the event-deletion status", err.Error() + "; it is refreshed on the next plan."})
		return Events{Status: EventsPending}, warnings
	}
	return events, warnings
}

// eventsOf summarizes the rows of the persons. The newest row of each
// person counts: PostHog adds a new pending row when a completed person is
// queued again. A newest row that is an earlier request PostHog kept
// instead of queuing this resource's (docs/dev/posthog-behaviour.md#event-deletion)
// covers only the events captured before it: once verified, the status
// says incomplete.
func eventsOf(rows []posthog.DeletionStatus, personUUIDs []string, kept KeptRequests) Events {
	if len(personUUIDs) == 0 {
		return Events{Status: EventsNone}
	}
	newest := newestRows(rows)
	verifiedAt, incomplete := "", false
	for _, id := range personUUIDs {
		row, ok := newest[strings.ToLower(id)]
		if !ok || row.DeleteVerifiedAt == "" {
			// A missing row is treated as pending: only a verified row proves the deletion.
			return Events{Status: EventsPending}
		}
		incomplete = incomplete || kept.covers(row)
		verifiedAt = max(verifiedAt, row.DeleteVerifiedAt)
	}
	if incomplete {
		return Events{Status: EventsIncomplete, VerifiedAt: verifiedAt}
	}
	return Events{Status: EventsCompleted, VerifiedAt: verifiedAt}
}

// newestRows keeps the newest row of each person, by lower-case UUID.
func newestRows(rows []posthog.DeletionStatus) map[string]posthog.DeletionStatus {
	newest := make(map[string]posthog.DeletionStatus)
	for _, row := range rows {
		id := strings.ToLower(row.PersonUUID)
		if prev, ok := newest[id]; !ok || row.CreatedAt > prev.CreatedAt {
			newest[id] = row
		}
	}
	return newest
}

// covers reports whether row is a kept earlier request (or older): one
// that does not cover the events since.
func (k KeptRequests) covers(row posthog.DeletionStatus) bool {
	keptAt, ok := k[strings.ToLower(row.PersonUUID)]
	return ok && !newer(row.CreatedAt, keptAt)
}

// newer reports whether PostHog timestamp a is later than b.
func newer(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		return a > b
	}
	return ta.After(tb)
}
