package deletion

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

// API is what the runner needs from PostHog; internal/lookups implements it
// over the client, sharing calls between the instances of one process.
type API interface {
	// Resolve returns the persons of the ids (distinct ids, or UUIDs in any
	// letter case), keyed by the id as given; unknown ids are absent.
	Resolve(ctx context.Context, projectID int64, byUUID bool, ids []string) (map[string]posthog.Person, error)
	// ResolveRecent is Resolve for lookups that describe rather than act
	// (refreshing: a refresh; otherwise a plan's preview): the answer may
	// come from a snapshot the process took earlier in the same command.
	ResolveRecent(ctx context.Context, projectID int64, byUUID bool, ids []string, refreshing bool) (map[string]posthog.Person, error)
	// ResolveProperty returns the persons whose person property key equals
	// one of values, grouped by value.
	ResolveProperty(ctx context.Context, projectID int64, key string, values []string) (map[string][]posthog.Person, error)
	BulkDelete(ctx context.Context, projectID int64, req posthog.BulkDeleteRequest) (*posthog.BulkDeleteResult, error)
	// DeletionRows returns deletion_status rows, possibly from a listing
	// shared by the process; queuedHere reports persons this process queued,
	// whose rows such a listing may miss.
	DeletionRows(ctx context.Context, projectID int64, personUUIDs []string) (rows []posthog.DeletionStatus, queuedHere bool, err error)
	// FreshDeletionRows reads deletion_status from PostHog directly.
	FreshDeletionRows(ctx context.Context, projectID int64, personUUIDs []string) ([]posthog.DeletionStatus, error)
}

// Runner deletes, verifies and watches event deletion against one API.
// Poll intervals and the clock are fields so that tests can drive them.
type Runner struct {
	API       API
	PollStart time.Duration // first wait between polls of a queued deletion
	PollMax   time.Duration // longest wait between polls
	Now       func() time.Time
}

// NewRunner returns a Runner with the production poll intervals.
func NewRunner(api API) Runner {
	return Runner{API: api, PollStart: 250 * time.Millisecond, PollMax: 10 * time.Second, Now: time.Now}
}

// Lookup is which persons the requested ids resolve to at one moment.
type Lookup struct {
	PersonUUIDs []string            // unique, sorted
	Matched     map[string]struct{} // requested ids (as configured) that resolved
	CreatedAt   map[string]string   // person UUID -> created_at, as PostHog sent it
	PersonOf    map[string]string   // requested id (as configured) -> person UUID
}

// UnmatchedIDs returns the requested ids, in request order, that resolved to
// no person.
func (l Lookup) UnmatchedIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, ok := l.Matched[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// Resolve looks the requested ids up, as an apply must before acting.
func (r Runner) Resolve(ctx context.Context, req Request) (Lookup, error) {
	return r.resolve(ctx, req, r.API.Resolve)
}

// Look is Resolve for a plan's preview, and look for a refresh. Those of
// the list form may be answered from the snapshot the process took of every
// id earlier commands asked about (one resource per ticket, thousands of
// them); the compact forms, one resource of many ids, already look up in
// full batches and keep their ids out of the roster.
func (r Runner) Look(ctx context.Context, req Request) (Lookup, error) {
	return r.look(ctx, req, false)
}

func (r Runner) look(ctx context.Context, req Request, refreshing bool) (Lookup, error) {
	if req.Compact() {
		return r.Resolve(ctx, req)
	}
	return r.resolve(ctx, req, func(ctx context.Context, projectID int64, byUUID bool, ids []string) (map[string]posthog.Person, error) {
		return r.API.ResolveRecent(ctx, projectID, byUUID, ids, refreshing)
	})
}

func (r Runner) resolve(ctx context.Context, req Request,
	lookup func(ctx context.Context, projectID int64, byUUID bool, ids []string) (map[string]posthog.Person, error)) (Lookup, error) {
	if req.Property != "" {
		return r.resolveProperty(ctx, req)
	}
	persons, err := lookup(ctx, req.ProjectID, req.ByUUID, req.IDs)
	if err != nil {
		return Lookup{}, err
	}
	result := Lookup{Matched: make(map[string]struct{}), CreatedAt: make(map[string]string), PersonOf: make(map[string]string)}
	seen := make(map[string]struct{})
	for _, id := range req.IDs {
		person, ok := persons[id]
		if !ok || person.UUID == "" {
			continue
		}
		result.Matched[id] = struct{}{}
		result.PersonOf[id] = person.UUID
		if _, dup := seen[person.UUID]; !dup {
			seen[person.UUID] = struct{}{}
			result.PersonUUIDs = append(result.PersonUUIDs, person.UUID)
			result.CreatedAt[person.UUID] = person.CreatedAt
		}
	}
	sort.Strings(result.PersonUUIDs)
	return result, nil
}

// resolveProperty is Resolve for a request stated as property values,
// where one value may match several persons.
func (r Runner) resolveProperty(ctx context.Context, req Request) (Lookup, error) {
	byValue, err := r.API.ResolveProperty(ctx, req.ProjectID, req.Property, req.IDs)
	if err != nil {
		return Lookup{}, err
	}
	result := Lookup{Matched: make(map[string]struct{}), CreatedAt: make(map[string]string)}
	for _, value := range req.IDs {
		for _, person := range byValue[value] {
			result.Matched[value] = struct{}{}
			if _, dup := result.CreatedAt[person.UUID]; !dup {
				result.CreatedAt[person.UUID] = person.CreatedAt
				result.PersonUUIDs = append(result.PersonUUIDs, person.UUID)
			}
		}
	}
	sort.Strings(result.PersonUUIDs)
	return result, nil
}

// Outcome is what an apply really did; on error it still holds the part
// that happened, so that state never claims more or less.
type Outcome struct {
	// Deleted are the persons confirmed gone (with keep_person: the persons
	// whose events and recordings were queued for deletion).
	Deleted []string
	// Matched are the requested ids that resolved to a person during the run.
	Matched map[string]struct{}
	// PersonOf is the person each matched id last resolved to.
	PersonOf map[string]string
	// MatchedPersons are the persons the ids resolved to in any round.
	MatchedPersons map[string]struct{}
	// Answers sums PostHog's bulk_delete answers, for the evidence record.
	Answers Answers
	// NotQueued counts the persons of a keep_person request for which
	// PostHog queued nothing.
	NotQueued int
	// firstSeen is each person's created_at when the run first resolved it:
	// a person found again with another created_at was created anew.
	firstSeen map[string]string
	// MayHaveDeleted is true once a bulk_delete call was sent whose answer
	// was not a plain refusal: PostHog may have acted on it, even if the
	// answer never arrived.
	MayHaveDeleted bool
}

// Run deletes every person the request resolves to, verifies they are gone,
// and repeats for persons that reappear during the run.
func (r Runner) Run(ctx context.Context, req Request) (Outcome, error) {
	outcome := Outcome{Matched: make(map[string]struct{}), PersonOf: make(map[string]string), MatchedPersons: make(map[string]struct{}),
		firstSeen: map[string]string{}}
	for round := 0; ; round++ {
		found, err := r.Resolve(ctx, req)
		if err != nil {
			return outcome, err
		}
		for id := range found.Matched {
			outcome.Matched[id] = struct{}{}
			if uuid, ok := found.PersonOf[id]; ok {
				outcome.PersonOf[id] = uuid
			}
		}
		for _, personUUID := range found.PersonUUIDs {
			outcome.MatchedPersons[personUUID] = struct{}{}
			if _, seen := outcome.firstSeen[personUUID]; !seen {
				outcome.firstSeen[personUUID] = found.CreatedAt[personUUID]
			}
		}
		if len(found.PersonUUIDs) == 0 {
			return outcome, nil
		}
		if contradicted := contradicted(outcome.Deleted, found, outcome.firstSeen); len(contradicted) > 0 {
			// The verification said gone, the lookup finds them as they
			// were: one of the two answers is wrong, so neither is recorded
			// as a deletion.
			outcome.Deleted = without(outcome.Deleted, contradicted)
			return outcome, fmt.Errorf("PostHog's answers contradict each other: %d persons verified gone by UUID are "+
				"still found by the requested %s (%s), so they are not recorded as deleted. Check that host points at "+
				"PostHog itself", len(contradicted), req.IDKind(), summarizeIDs(contradicted))
		}
		if req.KeepPerson {
			// The persons stay, so there is nothing to verify or repeat.
			return outcome, r.deleteInChunks(ctx, req, found.PersonUUIDs, &outcome)
		}
		if round == maxDeletionRounds {
			return outcome, fmt.Errorf("%d persons still resolve from the requested %s after %d deletion rounds; "+
				"events keep arriving for these users and PostHog creates a new person for each. Stop the source "+
				"of events, then apply again", len(found.PersonUUIDs), req.IDKind(), maxDeletionRounds)
		}
		if round > 0 {
			tflog.Info(ctx, "persons reappeared for the requested ids during the apply; deleting them too",
				map[string]any{"persons": len(found.PersonUUIDs), "round": round + 1})
		}
		if err := r.deleteInChunks(ctx, req, found.PersonUUIDs, &outcome); err != nil {
			return outcome, err
		}
	}
}

// deleteInChunks deletes persons by uuid, at most posthog.MaxBulkDelete per
// call, retrying the persons that PostHog reports in deletion_errors.
func (r Runner) deleteInChunks(ctx context.Context, req Request, personUUIDs []string, outcome *Outcome) error {
	total := len(personUUIDs)
	for start := 0; start < total; start += posthog.MaxBulkDelete {
		chunk := personUUIDs[start:min(start+posthog.MaxBulkDelete, total)]
		if err := r.deleteChunk(ctx, req, chunk, outcome); err != nil {
			return fmt.Errorf("%w (%d of the %d persons of this apply were deleted before this error)",
				err, len(outcome.Deleted), total)
		}
		tflog.Info(ctx, "deleted persons", map[string]any{"deleted": len(outcome.Deleted), "total": total})
	}
	return nil
}

func (r Runner) deleteChunk(ctx context.Context, req Request, chunk []string, outcome *Outcome) error {
	pending := chunk
	for attempt := 1; ; attempt++ {
		result, err := r.API.BulkDelete(ctx, req.ProjectID, posthog.BulkDeleteRequest{
			IDs:              pending,
			DeleteEvents:     req.DeleteEvents,
			DeleteRecordings: req.DeleteRecordings,
			KeepPerson:       req.KeepPerson,
		})
		outcome.MayHaveDeleted = outcome.MayHaveDeleted || !refused(err)
		if err != nil {
			return err
		}
		outcome.Answers.add(*result, pending)
		failed := failedPersons(result.DeletionErrors, pending)
		succeeded := without(pending, failed)
		if req.KeepPerson {
			queued, err := r.queuedForKeptPersons(ctx, req, succeeded, *result)
			outcome.Deleted = appendNew(outcome.Deleted, queued)
			outcome.NotQueued += len(succeeded) - len(queued)
			if err != nil {
				return err
			}
		} else {
			gone, err := r.waitUntilGone(ctx, req.ProjectID, succeeded, result.PersonsQueuedForDeletion > 0, outcome.firstSeen)
			outcome.Deleted = appendNew(outcome.Deleted, gone)
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
		if err := sleep(ctx, time.Duration(attempt)*r.PollStart); err != nil {
			return err
		}
		pending = failed
	}
}

// queuedForKeptPersons returns the persons of a keep_person call whose
// events or recordings PostHog really queued: it must say it queued what
// was asked, and only persons that exist can have been found.
func (r Runner) queuedForKeptPersons(ctx context.Context, req Request, sent []string, result posthog.BulkDeleteResult) ([]string, error) {
	asked := (req.DeleteEvents && result.EventsQueuedForDeletion) || (req.DeleteRecordings && result.RecordingsQueuedForDeletion)
	if len(sent) == 0 || result.PersonsFound == 0 || !asked {
		return nil, nil
	}
	existing, err := r.API.Resolve(ctx, req.ProjectID, true, sent)
	if err != nil {
		return nil, fmt.Errorf("checking which kept persons PostHog found: %w", err)
	}
	var queued []string
	for _, id := range sent {
		if _, ok := existing[id]; ok {
			queued = append(queued, id)
		}
	}
	return queued, nil
}

// waitUntilGone polls batch_by_uuids until the persons no longer exist and
// returns those confirmed gone. Queued (asynchronous) deletions may take a
// while; a synchronous one must be visible after a few polls. A person found
// with another created_at than when it was resolved is a new person with
// the same UUID: the one deleted is gone.
func (r Runner) waitUntilGone(ctx context.Context, projectID int64, personUUIDs []string, queued bool, firstSeen map[string]string) ([]string, error) {
	if len(personUUIDs) == 0 {
		return nil, nil
	}
	interval := r.PollStart
	var gone []string
	remaining := personUUIDs
	for poll := 1; ; poll++ {
		// Verifications of concurrent applies share calls too; a poll only
		// joins a batch not sent yet, so it sees the deletion.
		still, err := r.API.Resolve(ctx, projectID, true, personUUIDs)
		if err != nil && IsContextEnd(err) && ctx.Err() != nil {
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
			if person, ok := still[id]; ok && person.CreatedAt == firstSeen[id] {
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
		interval = min(2*interval, r.PollMax)
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

// contradicted returns the persons verified gone that the lookup still
// finds as they were when first resolved (the same created_at). A person
// created again since is no contradiction: PostHog gives a user who comes
// back (events still arriving) the same UUID
// (docs/dev/posthog-behaviour.md#person-ids-and-uuids), with a new
// created_at.
func contradicted(deleted []string, found Lookup, firstSeen map[string]string) []string {
	var out []string
	for _, id := range deleted {
		if slices.Contains(found.PersonUUIDs, id) && found.CreatedAt[id] == firstSeen[id] {
			out = append(out, id)
		}
	}
	return out
}

// appendNew appends the ids not in list yet.
func appendNew(list, ids []string) []string {
	for _, id := range ids {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
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

// summarizeIDs lists up to ten ids, so that a message stays readable for
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

// refused reports whether PostHog answered a call with a client error
// (4xx, throttling included): it did not act on it.
func refused(err error) bool {
	var apiErr *posthog.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500
}

// IsContextEnd reports whether err comes from cancellation or a timeout.
func IsContextEnd(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// AfterEndContext gives a few seconds for recording the truth after ctx has
// been cancelled or has timed out.
func AfterEndContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}
