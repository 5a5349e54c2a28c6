package deletion

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Record is what state keeps about a request's deletions, in both forms.
// The list form keeps per-person lists (the counts are their lengths); the
// file form keeps only counts and a digest, and its lists are nil.
type Record struct {
	DeletedUUIDs   []string // list form: every person deleted, sorted
	DeletedCount   int64
	DeletedDigest  string   // file form: see ChainDigest
	UnmatchedIDs   []string // list form: requested ids that never matched
	UnmatchedCount int64
	RemainingUUIDs []string // list form: persons the ids resolve to now
	RemainingCount int64
	DeletedAt      string // RFC 3339; "" before the first apply
	Events         Events // Status "" before the first apply
}

// Prior is what an apply starts from.
type Prior struct {
	Creating bool
	IDs      []string // the ids of the request in state (list form)
	Record   Record
	// Kept holds the earlier event-deletion requests PostHog kept when
	// earlier applies deleted persons again (from the evidence).
	Kept KeptRequests
	// History holds the ids that matched in earlier applies, and Deleted
	// the persons deleted by earlier applies (compact forms, which keep no
	// lists to tell them from).
	History IDHistory
	Deleted IDHistory
	// Only, when set, are the ids the run resolves and deletes: in the
	// tickets form, those of the tickets the reviewed plan listed. The
	// record still covers the whole request.
	Only []string
}

// Applied is the result of one apply: the record to keep, the messages to
// show, and Failure when the run did not finish (state then records the
// part that happened).
type Applied struct {
	Record  Record
	Outcome Outcome
	// Kept are the earlier event-deletion requests PostHog kept when this
	// apply deleted persons again, by person.
	Kept KeptRequests
	// Finished is when the deletion itself ended, before any wait for the
	// event deletion.
	Finished time.Time
	Warnings []Message
	Failure  *Message
	// Err is the run's error, for the evidence record.
	Err error
	// History is the prior history plus the ids this apply matched, and
	// Deleted the prior deleted persons plus this apply's.
	History IDHistory
	Deleted IDHistory
	// NothingHappened is true when the run failed before PostHog could have
	// deleted anything: no bulk_delete call was sent, or PostHog refused
	// every call. A failed create then leaves no record to keep.
	NothingHappened bool
}

// Apply runs the request and works out what state records of it. wait
// makes it wait for PostHog's event-deletion job after the deletion.
func (r Runner) Apply(ctx context.Context, req Request, prior Prior, wait bool) Applied {
	pendingBefore := r.pendingRequests(ctx, req, prior.Record)
	run := req
	if prior.Only != nil {
		run.IDs = prior.Only
	}
	outcome, runErr := r.Run(ctx, run)
	result := Applied{Outcome: outcome, Err: runErr, Finished: r.Now(), History: prior.History.With(req, outcome.Matched),
		Deleted: prior.Deleted.With(uuidKeys, setOf(outcome.Deleted))}
	rec := r.recordDeletions(req, prior, outcome)
	result.Kept = KeptRequests{}
	for _, id := range outcome.Deleted {
		if at, ok := pendingBefore[strings.ToLower(id)]; ok {
			result.Kept[strings.ToLower(id)] = at
		}
	}
	kept := prior.Kept.with(result.Kept)

	switch {
	case req.Compact() && len(outcome.Deleted) == 0 && prior.Record.Events.Status != "" &&
		req.DeleteEvents == (prior.Record.Events.Status != EventsNotRequested):
		// Nothing new was queued: the earlier status stands. The file form
		// keeps no list of earlier persons to ask about.
		rec.Events = prior.Record.Events
	case req.Compact():
		rec.Events, result.Warnings = r.EventsAfterApply(ctx, req, outcome.Deleted, runErr == nil, wait, kept)
	default:
		rec.Events, result.Warnings = r.EventsAfterApply(ctx, req, rec.DeletedUUIDs, runErr == nil, wait, kept)
	}
	if w := notRequeuedWarning(len(result.Kept)); w != nil {
		result.Warnings = append(result.Warnings, *w)
	}

	if outcome.NotQueued > 0 {
		result.Warnings = append(result.Warnings, Message{"PostHog queued nothing for some persons",
			fmt.Sprintf("PostHog's answer to bulk_delete with keep_person did not confirm that it queued the deletion of "+
				"the events or recordings of %d persons, so they are not recorded as queued. Apply again to ask again.", outcome.NotQueued)})
	}
	if runErr != nil {
		r.recordRemainingAfterFailure(ctx, req, &rec)
		result.Failure = failureMessage(req, prior.Creating, runErr, outcome, rec.DeletedCount)
		result.NothingHappened = !outcome.MayHaveDeleted && len(outcome.Deleted) == 0
		result.Record = rec
		return result
	}
	if req.Compact() {
		tflog.Info(ctx, "bulk person deletion finished", map[string]any{
			"ids_requested": len(req.IDs), "persons_deleted": len(outcome.Deleted), "ids_unmatched": rec.UnmatchedCount,
		})
	}
	if w := unmatchedWarning(req, rec.UnmatchedCount); w != nil {
		result.Warnings = append(result.Warnings, *w)
	}
	result.Record = rec
	return result
}

// recordDeletions adds what the run deleted to the prior record.
func (r Runner) recordDeletions(req Request, prior Prior, outcome Outcome) Record {
	rec := prior.Record
	if len(outcome.Deleted) > 0 {
		// deleted_at says when persons were last deleted; an apply that
		// deleted nobody leaves it as it was (null before any deletion).
		rec.DeletedAt = r.Now().UTC().Format(time.RFC3339)
	}
	if req.Compact() {
		rec.DeletedUUIDs, rec.UnmatchedIDs, rec.RemainingUUIDs = nil, nil, nil
		if req.KeepPerson {
			// The persons stay, so every apply queues all of them again.
			rec.DeletedCount = int64(len(outcome.Deleted))
			rec.DeletedDigest = ChainDigest("", outcome.Deleted)
		} else {
			// PostHog gives a returning user the same UUID again
			// (docs/dev/posthog-behaviour.md#person-ids-and-uuids): a person
			// deleted twice counts once, as in the list form.
			rec.DeletedCount = prior.Record.DeletedCount + int64(prior.Deleted.Missing(uuidKeys, outcome.Deleted))
			rec.DeletedDigest = ChainDigest(prior.Record.DeletedDigest, outcome.Deleted)
		}
		// Ids whose persons an earlier apply deleted match nobody now;
		// they are not counted as matching nobody.
		rec.UnmatchedCount = int64(prior.History.NeverMatched(req, Lookup{Matched: outcome.Matched}))
		rec.RemainingCount = 0
		if req.KeepPerson {
			rec.RemainingCount = rec.DeletedCount
		}
		return rec
	}
	deleted := mergeSorted(prior.Record.DeletedUUIDs, outcome.Deleted)
	rec.DeletedUUIDs = deleted
	rec.DeletedCount = int64(len(deleted))
	rec.DeletedDigest = ""
	rec.UnmatchedIDs = UnmatchedAfter(req.IDs, prior.IDs, prior.Record.UnmatchedIDs, outcome.Matched, prior.Creating)
	rec.UnmatchedCount = int64(len(rec.UnmatchedIDs))
	rec.RemainingUUIDs = []string{}
	if req.KeepPerson {
		rec.RemainingUUIDs = deleted
	}
	rec.RemainingCount = int64(len(rec.RemainingUUIDs))
	return rec
}

// recordRemainingAfterFailure looks once more, after a failed run, for the
// persons that still resolve, so that the next plan shows them.
func (r Runner) recordRemainingAfterFailure(ctx context.Context, req Request, rec *Record) {
	if req.KeepPerson {
		return
	}
	lookupCtx, cancel := AfterEndContext(ctx)
	defer cancel()
	found, err := r.Resolve(lookupCtx, req)
	if err != nil {
		return
	}
	rec.RemainingCount = int64(len(found.PersonUUIDs))
	if !req.Compact() {
		rec.RemainingUUIDs = found.PersonUUIDs
	}
}

// failureMessage explains a run that did not finish. A failed create is
// tainted in both forms, so both say how to keep its record; a create that
// could not have deleted anything leaves no record, and says so.
func failureMessage(req Request, creating bool, runErr error, outcome Outcome, deletedTotal int64) *Message {
	summary := "Person deletion did not finish"
	if IsContextEnd(runErr) {
		summary = "Person deletion was interrupted"
	}
	if creating && !outcome.MayHaveDeleted && len(outcome.Deleted) == 0 {
		return &Message{Summary: summary, Detail: fmt.Sprintf("%s.\n\nNothing was deleted: PostHog was not asked to delete "+
			"anyone, or refused. Terraform keeps no record of this resource, so there is nothing to untaint; once the "+
			"cause is fixed, the next plan shows the deletion again.", runErr)}
	}
	detail := fmt.Sprintf("%s.\n\nState records only the %d persons confirmed deleted. "+
		"Apply again to finish the request; persons already deleted are not touched again.", runErr, deletedTotal)
	if req.Compact() {
		detail = fmt.Sprintf("%s.\n\nState records only the %d persons confirmed deleted by this apply. "+
			"Apply again to finish the request; persons already deleted are not touched again.", runErr, len(outcome.Deleted))
	}
	if creating {
		detail += "\n\nTerraform marks this new resource as tainted, so the next apply would replace it with a record " +
			"that no longer lists what this attempt deleted. To keep this record, run `terraform untaint` on this " +
			"resource first: the next plan then shows an update that deletes only the persons that remain."
	}
	return &Message{Summary: summary, Detail: detail}
}

// unmatchedWarning ends an apply with a summary of the requested ids that
// matched no person. It gives counts only: diagnostics are logged at WARN
// level, where distinct ids (often emails) must not appear.
func unmatchedWarning(req Request, unmatched int64) *Message {
	if unmatched == 0 {
		return nil
	}
	where := "They are listed in this resource's `unmatched_ids` attribute (`terraform state show`). "
	if req.Compact() {
		where = "This form keeps only their number (`unmatched_id_count`); look the ids up with the " +
			"`posthog_persons` data source to list them. "
	}
	return &Message{Summary: "Requested ids matched no person",
		Detail: fmt.Sprintf("%d of the %d requested %s matched no person in project %d, so nothing was deleted for them. %s"+
			"An id matches no person when it is mistyped, when its person was deleted before, or when PostHog has not "+
			"ingested its events yet; if a person appears for it later, the next plan shows an update that deletes it.",
			unmatched, len(req.IDs), req.IDKind(), req.ProjectID, where)}
}

// Refresh looks for persons that came back for the requested ids and reads
// the event-deletion status of the deleted persons (list form only: the
// file form keeps no list of them to ask about).
func (r Runner) Refresh(ctx context.Context, req Request, rec Record, kept KeptRequests) (Record, error) {
	found, err := r.look(ctx, req, true)
	if err != nil {
		return rec, err
	}
	rec.RemainingCount = int64(len(found.PersonUUIDs))
	if len(found.PersonUUIDs) > 0 && !req.KeepPerson {
		tflog.Info(ctx, "persons exist again for the requested ids", map[string]any{"persons": len(found.PersonUUIDs)})
	}
	if req.Compact() {
		return rec, nil
	}
	rec.RemainingUUIDs = nonNil(found.PersonUUIDs)
	if !req.DeleteEvents {
		rec.Events = Events{Status: EventsNotRequested}
		return rec, nil
	}
	events, err := r.EventsStatus(ctx, req.ProjectID, rec.DeletedUUIDs, kept)
	if err != nil {
		return rec, fmt.Errorf("refreshing the event-deletion status: %w", err)
	}
	rec.Events = events
	return rec, nil
}

// pendingRequests reads, before a re-deletion, the pending event-deletion
// requests of the returning persons the last refresh found: PostHog keeps
// such a request and queues nothing new for the person
// (docs/dev/posthog-behaviour.md#event-deletion). Only the list form knows
// which persons returned.
func (r Runner) pendingRequests(ctx context.Context, req Request, prior Record) KeptRequests {
	returning := intersect(prior.RemainingUUIDs, prior.DeletedUUIDs)
	if !req.DeleteEvents || req.KeepPerson || len(returning) == 0 {
		return nil
	}
	rows, err := r.API.FreshDeletionRows(ctx, req.ProjectID, returning)
	if err != nil {
		return nil
	}
	pending := KeptRequests{}
	for id, row := range newestRows(rows) {
		if row.DeleteVerifiedAt == "" {
			pending[id] = row.CreatedAt
		}
	}
	return pending
}

// notRequeuedWarning says that persons deleted again still had a pending
// event deletion, which PostHog kept: the events captured since it stay.
// PostHog queues event deletion only for persons that exist, so nothing can
// ask again until the user comes back.
func notRequeuedWarning(kept int) *Message {
	if kept == 0 {
		return nil
	}
	return &Message{Summary: "Events of returning users are not queued again",
		Detail: fmt.Sprintf("%d persons deleted again by this apply still had a pending event deletion from an earlier request. "+
			"PostHog keeps that request and queues nothing new, so its weekly job deletes only the events captured before the "+
			"earlier request; the events captured since stay, and events_deletion_status says incomplete once the job has "+
			"run. PostHog queues event deletion only for persons that exist: if the user comes back again after that job, the "+
			"next apply queues their events anew.", kept)}
}

// GoneUUIDs returns the requested UUIDs that resolve to no person, lower
// case and sorted: after an import, what PostHog can tell was deleted.
func GoneUUIDs(req Request, found Lookup) []string {
	out := lowerAll(found.UnmatchedIDs(req.IDs))
	sort.Strings(out)
	return nonNil(out)
}

// UnmatchedAfter returns the requested ids that have never matched a person:
// new ids and ids that matched nothing before, minus those matched now.
func UnmatchedAfter(ids, priorIDs, priorUnmatched []string, matched map[string]struct{}, creating bool) []string {
	out := []string{}
	for _, id := range ids {
		if _, ok := matched[id]; ok {
			continue
		}
		if creating || !slices.Contains(priorIDs, id) || slices.Contains(priorUnmatched, id) {
			out = append(out, id)
		}
	}
	return out
}

// with returns the kept requests plus more.
func (k KeptRequests) with(more KeptRequests) KeptRequests {
	out := make(KeptRequests, len(k)+len(more))
	for id, at := range k {
		out[id] = at
	}
	for id, at := range more {
		out[id] = at
	}
	return out
}

// intersect returns the ids of a that are also in b, keeping a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, id := range a {
		if slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}

// RemovedIDs returns the ids of the prior request that the new one no
// longer names.
func RemovedIDs(prior, current []string) []string {
	return without(prior, current)
}

// uuidKeys keys person UUIDs in an IDHistory.
var uuidKeys = Request{ByUUID: true}

func setOf(ids []string) map[string]struct{} {
	out := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		out[id] = struct{}{}
	}
	return out
}

// mergeSorted returns the sorted union of two id lists.
func mergeSorted(a, b []string) []string {
	seen := make(map[string]struct{}, len(a)+len(b))
	out := make([]string, 0, len(a)+len(b))
	for _, id := range append(slices.Clone(a), b...) {
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// nonNil keeps empty lists as [] rather than null.
func nonNil(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}
