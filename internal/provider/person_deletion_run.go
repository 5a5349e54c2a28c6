package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// Event-deletion states recorded in events_deletion_status.
const (
	eventsNotRequested = "not_requested"
	eventsNone         = "none"
	eventsPending      = "pending"
	eventsCompleted    = "completed"
)

const (
	// maxDeletionRounds bounds how often one apply re-deletes persons that
	// reappear for the requested distinct ids while it runs (events still
	// arriving create new persons).
	maxDeletionRounds = 3
	// maxDeletionErrorAttempts bounds the bulk_delete calls for persons that
	// PostHog reports in deletion_errors.
	maxDeletionErrorAttempts = 3
	// syncVerifyPolls is how many lookups a synchronous deletion gets before
	// a person that is still there counts as not deleted.
	syncVerifyPolls = 3
)

// Poll intervals for queued deletions and event-deletion status; variables so
// that tests of the polling loops can shorten them.
var (
	pollIntervalStart = 250 * time.Millisecond
	pollIntervalMax   = 10 * time.Second
)

// deletionRequest is what one posthog_person_deletion asks PostHog to do.
type deletionRequest struct {
	projectID        int64
	byUUID           bool
	ids              []string // as configured, in order
	deleteEvents     bool
	deleteRecordings bool
	keepPerson       bool
}

// idKind names the list the ids came from, for messages and import ids.
func (r deletionRequest) idKind() string {
	if r.byUUID {
		return "uuids"
	}
	return "distinct_ids"
}

// key is how the batch endpoints key a requested id: PostHog normalises UUIDs
// to lower case.
func (r deletionRequest) key(id string) string {
	if r.byUUID {
		return strings.ToLower(id)
	}
	return id
}

// lookup is which persons the requested ids resolve to at one moment.
type lookup struct {
	personUUIDs []string            // unique, sorted
	matched     map[string]struct{} // requested ids (as configured) that resolved
}

// unmatchedIDs returns the requested ids, in request order, that resolved to
// no person.
func (l lookup) unmatchedIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, ok := l.matched[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// resolvePersons looks the requested ids up with the batch endpoints; the
// client splits them into PostHog's 200-id batches, and the provider's
// sharedLookups merges them with the lookups of concurrent callers.
func resolvePersons(ctx context.Context, api *providerData, r deletionRequest) (lookup, error) {
	keys := make([]string, len(r.ids))
	for i, id := range r.ids {
		keys[i] = r.key(id)
	}
	var (
		persons map[string]posthog.Person
		err     error
	)
	switch {
	case api.shared != nil:
		// Concurrent lookups of other instances share the batch calls.
		persons, err = api.shared.lookup(ctx, api.client, r.projectID, r.byUUID, keys)
	case r.byUUID:
		persons, err = api.client.BatchByUUIDs(ctx, r.projectID, keys)
	default:
		persons, err = api.client.BatchByDistinctIDs(ctx, r.projectID, keys)
	}
	if posthog.IsNotFound(err) {
		// The batch endpoints never answer 404 for unknown ids: the project is unknown.
		return lookup{}, fmt.Errorf("PostHog has no project %d (or this API key cannot see it); check project_id: %w", r.projectID, err)
	}
	if err != nil {
		return lookup{}, fmt.Errorf("looking up the persons of %d requested %s: %w", len(r.ids), r.idKind(), err)
	}
	result := lookup{matched: make(map[string]struct{})}
	seen := make(map[string]struct{})
	for _, id := range r.ids {
		person, ok := persons[r.key(id)]
		if !ok || person.UUID == "" {
			continue
		}
		result.matched[id] = struct{}{}
		if _, dup := seen[person.UUID]; !dup {
			seen[person.UUID] = struct{}{}
			result.personUUIDs = append(result.personUUIDs, person.UUID)
		}
	}
	sort.Strings(result.personUUIDs)
	return result, nil
}

// deletionOutcome is what an apply really did; on error it still holds the
// part that happened, so that state never claims more or less.
type deletionOutcome struct {
	// deleted are the persons confirmed gone (with keep_person: the persons
	// whose events and recordings were queued for deletion).
	deleted []string
	// matched are the requested ids that resolved to a person during the run.
	matched map[string]struct{}
	// matchedPersons are the persons the ids resolved to in any round.
	matchedPersons map[string]struct{}
	// answers sums PostHog's bulk_delete answers, for the evidence record.
	answers evidenceAnswers
}

// deleter runs deletions against one PostHog client.
type deleter struct {
	api *providerData
}

// run deletes every person the request resolves to, verifies they are gone,
// and repeats for persons that reappear during the run.
func (d deleter) run(ctx context.Context, r deletionRequest) (deletionOutcome, error) {
	outcome := deletionOutcome{matched: make(map[string]struct{}), matchedPersons: make(map[string]struct{})}
	for round := 0; ; round++ {
		found, err := resolvePersons(ctx, d.api, r)
		if err != nil {
			return outcome, err
		}
		for id := range found.matched {
			outcome.matched[id] = struct{}{}
		}
		for _, personUUID := range found.personUUIDs {
			outcome.matchedPersons[personUUID] = struct{}{}
		}
		if len(found.personUUIDs) == 0 {
			return outcome, nil
		}
		if r.keepPerson {
			// The persons stay, so there is nothing to verify or repeat.
			return outcome, d.deleteInChunks(ctx, r, found.personUUIDs, &outcome)
		}
		if round == maxDeletionRounds {
			return outcome, fmt.Errorf("%d persons still resolve from the requested %s after %d deletion rounds; "+
				"events keep arriving for these users and PostHog creates a new person for each. Stop the source "+
				"of events, then apply again", len(found.personUUIDs), r.idKind(), maxDeletionRounds)
		}
		if round > 0 {
			tflog.Info(ctx, "persons reappeared for the requested ids during the apply; deleting them too",
				map[string]any{"persons": len(found.personUUIDs), "round": round + 1})
		}
		if err := d.deleteInChunks(ctx, r, found.personUUIDs, &outcome); err != nil {
			return outcome, err
		}
	}
}

// deleteInChunks deletes persons by uuid, at most posthog.MaxBulkDelete per
// call, retrying the persons that PostHog reports in deletion_errors.
func (d deleter) deleteInChunks(ctx context.Context, r deletionRequest, personUUIDs []string, outcome *deletionOutcome) error {
	total := len(personUUIDs)
	for start := 0; start < total; start += posthog.MaxBulkDelete {
		chunk := personUUIDs[start:min(start+posthog.MaxBulkDelete, total)]
		if err := d.deleteChunk(ctx, r, chunk, outcome); err != nil {
			return fmt.Errorf("%w (%d of the %d persons of this apply were deleted before this error)",
				err, len(outcome.deleted), total)
		}
		tflog.Info(ctx, "deleted persons", map[string]any{"deleted": len(outcome.deleted), "total": total})
	}
	return nil
}

func (d deleter) deleteChunk(ctx context.Context, r deletionRequest, chunk []string, outcome *deletionOutcome) error {
	pending := chunk
	for attempt := 1; ; attempt++ {
		if shared := d.api.shared; shared != nil && r.deleteEvents {
			// New deletion_status rows: a listing read before misses them.
			shared.status.markQueued(r.projectID, pending)
		}
		result, err := d.api.client.BulkDelete(ctx, r.projectID, posthog.BulkDeleteRequest{
			IDs:              pending,
			DeleteEvents:     r.deleteEvents,
			DeleteRecordings: r.deleteRecordings,
			KeepPerson:       r.keepPerson,
		})
		if err != nil {
			return err
		}
		outcome.answers.add(*result)
		failed := failedPersons(result.DeletionErrors, pending)
		succeeded := without(pending, failed)
		if r.keepPerson {
			outcome.deleted = append(outcome.deleted, succeeded...)
		} else {
			gone, err := d.waitUntilGone(ctx, r.projectID, succeeded, result.PersonsQueuedForDeletion > 0)
			outcome.deleted = append(outcome.deleted, gone...)
			if err != nil {
				return err
			}
		}
		if len(failed) == 0 {
			return nil
		}
		if attempt == maxDeletionErrorAttempts {
			return fmt.Errorf("PostHog could not delete %d persons after %d attempts: %s",
				len(failed), attempt, describeDeletionErrors(result.DeletionErrors, failed))
		}
		tflog.Warn(ctx, "PostHog reported deletion errors; retrying those persons",
			map[string]any{"persons": len(failed), "attempt": attempt})
		if err := sleep(ctx, time.Duration(attempt)*pollIntervalStart); err != nil {
			return err
		}
		pending = failed
	}
}

// waitUntilGone polls batch_by_uuids until the persons no longer exist and
// returns those confirmed gone. Queued (asynchronous) deletions may take a
// while; a synchronous one must be visible after a few polls.
func (d deleter) waitUntilGone(ctx context.Context, projectID int64, personUUIDs []string, queued bool) ([]string, error) {
	if len(personUUIDs) == 0 {
		return nil, nil
	}
	interval := pollIntervalStart
	shared := d.api.shared
	var gone []string
	remaining := personUUIDs
	for poll := 1; ; poll++ {
		var (
			still map[string]posthog.Person
			err   error
		)
		if shared != nil {
			// Verifications of concurrent applies share calls too; a poll
			// only joins a batch not sent yet, so it sees the deletion.
			still, err = shared.lookup(ctx, d.api.client, projectID, true, lowerAll(personUUIDs))
		} else {
			still, err = d.api.client.BatchByUUIDs(ctx, projectID, personUUIDs)
		}
		if err != nil && isContextEnd(err) && ctx.Err() != nil {
			// The apply ended while this poll waited (a shared lookup waits
			// a little for other callers): report the last poll's answer.
			return gone, fmt.Errorf("%d persons queued for deletion still exist when the apply ended (%w): %s",
				len(remaining), err, summarizeIDs(remaining))
		}
		if err != nil {
			return nil, fmt.Errorf("verifying the deletion: %w", err)
		}
		gone, remaining = nil, nil
		for _, id := range personUUIDs {
			if _, ok := still[strings.ToLower(id)]; ok {
				remaining = append(remaining, id)
			} else {
				gone = append(gone, id)
			}
		}
		if len(remaining) == 0 {
			return gone, nil
		}
		if !queued && poll >= syncVerifyPolls {
			return gone, fmt.Errorf("PostHog answered bulk_delete without errors, but %d persons still exist: %s",
				len(remaining), summarizeIDs(remaining))
		}
		tflog.Debug(ctx, "waiting for queued person deletions", map[string]any{"remaining": len(remaining)})
		if err := sleep(ctx, interval); err != nil {
			return gone, fmt.Errorf("%d persons queued for deletion still exist when the apply ended (%w): %s",
				len(remaining), err, summarizeIDs(remaining))
		}
		interval = min(2*interval, pollIntervalMax)
	}
}

// eventsDeletion reads deletion_status for the persons whose events were
// queued, through the provider's shared listing when there is one.
func eventsDeletion(ctx context.Context, api *providerData, projectID int64, personUUIDs []string) (status, verifiedAt string, err error) {
	if len(personUUIDs) == 0 {
		return eventsNone, "", nil
	}
	var rows []posthog.DeletionStatus
	if shared := api.shared; shared != nil {
		if shared.status.queuedAny(projectID, personUUIDs) {
			// This process has just queued them: nothing to read.
			return eventsPending, "", nil
		}
		rows, err = shared.status.rows(ctx, projectID, personUUIDs,
			func(ctx context.Context) ([]posthog.DeletionStatus, error) {
				rows, err := api.client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{Status: "all", Limit: statusPageSize})
				if err != nil {
					return nil, fmt.Errorf("reading the event-deletion status: %w", err)
				}
				return rows, nil
			},
			func(ctx context.Context, ids []string) ([]posthog.DeletionStatus, error) {
				return deletionRows(ctx, api.client, projectID, ids)
			})
	} else {
		rows, err = deletionRows(ctx, api.client, projectID, personUUIDs)
	}
	if err != nil {
		return "", "", err
	}
	status, verifiedAt = eventsDeletionOf(rows, personUUIDs)
	return status, verifiedAt, nil
}

// eventsDeletionOf summarizes the rows of the persons. The newest row of
// each person counts: PostHog adds a new pending row when a completed person
// is queued again.
func eventsDeletionOf(rows []posthog.DeletionStatus, personUUIDs []string) (status, verifiedAt string) {
	if len(personUUIDs) == 0 {
		return eventsNone, ""
	}
	newest := make(map[string]posthog.DeletionStatus)
	for _, row := range rows {
		id := strings.ToLower(row.PersonUUID)
		if prev, ok := newest[id]; !ok || row.CreatedAt > prev.CreatedAt {
			newest[id] = row
		}
	}
	for _, id := range personUUIDs {
		row, ok := newest[strings.ToLower(id)]
		if !ok || row.DeleteVerifiedAt == "" {
			// A missing row is treated as pending: only a verified row proves the deletion.
			return eventsPending, ""
		}
		verifiedAt = max(verifiedAt, row.DeleteVerifiedAt)
	}
	return eventsCompleted, verifiedAt
}

// deletionRows fetches the deletion_status rows of a few persons one by one,
// and of many persons by reading the whole list once.
func deletionRows(ctx context.Context, client *posthog.Client, projectID int64, personUUIDs []string) ([]posthog.DeletionStatus, error) {
	const perPersonLimit = 5
	if len(personUUIDs) > perPersonLimit {
		rows, err := client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{Status: "all"})
		if err != nil {
			return nil, fmt.Errorf("reading the event-deletion status: %w", err)
		}
		return rows, nil
	}
	var rows []posthog.DeletionStatus
	for _, id := range personUUIDs {
		personRows, err := client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{Status: "all", PersonUUID: id})
		if err != nil {
			return nil, fmt.Errorf("reading the event-deletion status: %w", err)
		}
		rows = append(rows, personRows...)
	}
	return rows, nil
}

// waitForEventsDeletion polls deletion_status until every row is verified or
// ctx ends; running out of time is not an error (PostHog verifies weekly).
// It reads PostHog directly, never the shared listing, to see each change.
func waitForEventsDeletion(ctx context.Context, client *posthog.Client, projectID int64, personUUIDs []string) (status, verifiedAt string, err error) {
	if len(personUUIDs) == 0 {
		return eventsNone, "", nil
	}
	interval := pollIntervalStart
	for {
		var rows []posthog.DeletionStatus
		rows, err = deletionRows(ctx, client, projectID, personUUIDs)
		if err != nil {
			return "", "", err
		}
		status, verifiedAt = eventsDeletionOf(rows, personUUIDs)
		if status != eventsPending {
			return status, verifiedAt, nil
		}
		select {
		case <-ctx.Done():
			// Running out of time is not an error: PostHog verifies weekly.
			return status, verifiedAt, nil
		case <-time.After(interval):
		}
		interval = min(2*interval, pollIntervalMax)
	}
}

func failedPersons(deletionErrors []posthog.DeletionError, requested []string) []string {
	inRequest := make(map[string]string, len(requested))
	for _, id := range requested {
		inRequest[strings.ToLower(id)] = id
	}
	var failed []string
	seen := make(map[string]struct{})
	for _, e := range deletionErrors {
		id, ok := inRequest[strings.ToLower(e.PersonUUID)]
		if _, dup := seen[id]; !ok || dup {
			continue
		}
		seen[id] = struct{}{}
		failed = append(failed, id)
	}
	return failed
}

func describeDeletionErrors(deletionErrors []posthog.DeletionError, failed []string) string {
	steps := make(map[string]string)
	for _, e := range deletionErrors {
		steps[strings.ToLower(e.PersonUUID)] = e.Step
	}
	parts := make([]string, 0, len(failed))
	for _, id := range failed {
		if step := steps[strings.ToLower(id)]; step != "" {
			parts = append(parts, fmt.Sprintf("%s (step %s)", id, step))
		} else {
			parts = append(parts, id)
		}
	}
	return summarizeIDs(parts)
}

// without returns ids minus exclude, keeping order.
func without(ids, exclude []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(exclude, id) {
			out = append(out, id)
		}
	}
	return out
}

// lowerAll returns the ids in lower case (PostHog's form of UUIDs).
func lowerAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.ToLower(id)
	}
	return out
}

// summarizeIDs lists up to ten ids, so that a diagnostic stays readable for
// large requests.
func summarizeIDs(ids []string) string {
	const shown = 10
	if len(ids) <= shown {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:shown], ", "), len(ids)-shown)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// isContextEnd reports whether err comes from cancellation or a timeout.
func isContextEnd(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
