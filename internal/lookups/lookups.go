// Package lookups shares PostHog reads between the resource instances and
// data sources that one provider process serves.
//
// Terraform calls Read (and ModifyPlan, Create...) once per resource
// instance, at most -parallelism (default 10) at a time, and every call must
// answer for its own instance. A Service lets those calls share API calls:
//
//   - person lookups of callers that wait at the same time are merged into
//     full batch_by_* calls (coalescer);
//   - plan-time lookups of the list form are answered from one snapshot of
//     every id earlier commands of the same working directory asked about,
//     taken in full batches when the process first needs it (roster,
//     snapshot);
//   - the deletion_status listing is read once per walk and serves the
//     status of every instance (statusCache).
//
// Terraform starts a new provider process for every walk (plan, apply), and
// the provider's Configure builds a new Service, so no answer outlives one
// walk; only the roster's ids do. Person lookups are never cached across
// commands: a user who comes back is seen by the next plan.
package lookups

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

const (
	// lookupWindow is the least time a batch stays open after the last
	// caller joined it, and the whole wait of a lone caller. Terraform starts
	// the next instances' calls as soon as earlier ones return, one after
	// another: with thousands of instances its own work spaces them 20-60 ms
	// apart. While a batch is open its callers hold Terraform's -parallelism
	// slots, so once every slot waits nobody else can join, the window passes
	// and the batch goes. A fixed window counted from the first caller cut
	// each wave of callers into several calls (537 calls for 2,000 instances
	// at -parallelism=10, where 200 is the floor), so the window restarts for
	// every caller and stretches to 3 times the recent spacing of callers, up
	// to lookupMaxQuiet. Tens of milliseconds are small next to one API call
	// to PostHog Cloud, and next to the rate-limit budget a call costs.
	lookupWindow   = 60 * time.Millisecond
	lookupMaxQuiet = 250 * time.Millisecond
	// lookupMaxWait bounds how long a batch stays open while callers keep
	// coming.
	lookupMaxWait = 2 * time.Second
	// statusTTL bounds how long one deletion_status listing is served.
	// Rows change when PostHog's weekly job verifies them, or when somebody
	// queues a deletion; this process's own deletions bypass the listing
	// (statusCache.markQueued), so the TTL only bounds how late a change made
	// elsewhere shows, and a plan of a few thousand instances still reads the
	// listing about once. A missing or stale row errs towards "pending".
	statusTTL = 30 * time.Second
	// statusPageSize is the page size of the shared listing; PostHog sets no
	// maximum for deletion_status (docs/dev/posthog-behaviour.md#deletion-status).
	statusPageSize = 1000
	// statusPerPersonBudget is how many persons a process asks about one by
	// one before it reads the whole listing instead: a few resources cost a
	// few small calls, however long the project's deletion history is.
	statusPerPersonBudget = 5
)

// canonicalUUID is the 36-character form PostHog prints.
var canonicalUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Service is the shared read path of one provider process: the only way
// the resource and the data sources look persons up.
type Service struct {
	client       *posthog.Client
	byDistinctID *coalescer
	byUUID       *coalescer
	status       *statusCache
	roster       *roster
	snapshots    *snapshots
}

// New returns a Service over client for one provider process; roster says
// where the ids of earlier commands are remembered (an empty Dir: nowhere).
func New(client *posthog.Client, roster RosterConfig) *Service {
	return &Service{
		client:       client,
		byDistinctID: newCoalescer(lookupWindow, lookupMaxWait, posthog.MaxBatchLookup),
		byUUID:       newCoalescer(lookupWindow, lookupMaxWait, posthog.MaxBatchLookup),
		status:       newStatusCache(statusTTL, statusPerPersonBudget, time.Now),
		roster:       openRoster(roster, time.Now),
		snapshots:    &snapshots{taken: map[rosterKey]*snapshot{}, previews: map[rosterKey]int{}},
	}
}

// Flush saves what the roster learnt and has not saved yet; the provider
// calls it when Terraform ends the process.
func (s *Service) Flush() {
	s.roster.flush()
}

// ResolveRecent is Resolve for lookups that describe rather than act (a
// refresh, a plan's preview): the answer may come from the snapshot this
// process took of every id earlier commands of the working directory asked
// about. A refresh takes the snapshot if there is none yet: Terraform
// refreshes every instance in state, so the snapshot pays for itself. A
// preview waits for one already taken, and takes it only once
// snapshotAfterPreviews previews have come: applying one new ticket must
// not cost a pass over 10,000 earlier ones. Ids the snapshot does not
// cover are looked up as Resolve does. The ids are remembered for the
// next command.
func (s *Service) ResolveRecent(ctx context.Context, projectID int64, byUUID bool, ids []string, refreshing bool) (map[string]posthog.Person, error) {
	keys := keysOf(byUUID, ids)
	if byUUID && slices.ContainsFunc(keys, notCanonicalUUID) {
		// A malformed UUID would fail the whole snapshot; the client refuses
		// it for this caller alone.
		return s.Resolve(ctx, projectID, byUUID, ids)
	}
	k := rosterKey{projectID, byUUID}
	s.roster.remember(k, keys)
	take := refreshing || s.snapshots.countPreview(k) >= snapshotAfterPreviews
	if snap := s.snapshots.get(ctx, k, s.roster.ids(k), s.batchEndpoint(byUUID), take); snap != nil {
		select {
		case <-snap.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if persons, ok := snap.answer(keys, time.Now()); ok {
			return s.checked(projectID, byUUID, ids, persons, nil)
		}
	}
	return s.Resolve(ctx, projectID, byUUID, ids)
}

// Resolve looks the requested ids up (distinct ids, or person UUIDs in any
// letter case) and returns the persons keyed by the id as requested; ids that
// resolve to no person are absent. Any number of ids: the batch endpoints
// take 200 at a time, and concurrent callers share those calls.
func (s *Service) Resolve(ctx context.Context, projectID int64, byUUID bool, ids []string) (map[string]posthog.Person, error) {
	persons, err := s.lookup(ctx, projectID, byUUID, keysOf(byUUID, ids))
	return s.checked(projectID, byUUID, ids, persons, err)
}

// checked turns the answer to a lookup of ids into Resolve's result: the
// persons that fit the question, keyed by the id as requested, or an error
// when any does not.
func (s *Service) checked(projectID int64, byUUID bool, ids []string, persons map[string]posthog.Person, err error) (map[string]posthog.Person, error) {
	if posthog.IsNotFound(err) {
		// The batch endpoints never answer 404 for unknown ids: the project is unknown.
		return nil, fmt.Errorf("PostHog has no project %d (or this API key cannot see it); check project_id: %w", projectID, err)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up the persons of %d requested %s: %w", len(ids), kindOf(byUUID), err)
	}
	out := make(map[string]posthog.Person, len(persons))
	inconsistent := 0
	for _, id := range ids {
		person, ok := persons[keyOf(byUUID, id)]
		if !ok {
			continue
		}
		if !fits(byUUID, keyOf(byUUID, id), person) {
			inconsistent++
			continue
		}
		out[id] = person
	}
	if inconsistent > 0 {
		// Ids are not named: errors reach WARN and ERROR logs, where distinct
		// ids (often emails) must not appear.
		return nil, fmt.Errorf("PostHog answered the lookup of %d of %d requested %s with a person that does not fit "+
			"the question (a person without the requested distinct id, a different UUID, or no valid UUID), so "+
			"nothing is deleted. Check that host points at PostHog itself and not at a proxy that rewrites answers",
			inconsistent, len(ids), kindOf(byUUID))
	}
	return out, nil
}

// maxPersonsPerProperty bounds how many persons one property lookup lists:
// a request stated as property values that matches more is refused, not
// cut short.
const maxPersonsPerProperty = 10000

// ResolveProperty finds the persons whose person property key equals one of
// values exactly (PostHog compares strings exactly, letter case included:
// docs/dev/posthog-behaviour.md#cohorts), grouped by value. A person listed
// whose property does not hold a requested value is an answer that does not
// fit the question: nothing is used then.
func (s *Service) ResolveProperty(ctx context.Context, projectID int64, key string, values []string) (map[string][]posthog.Person, error) {
	out := make(map[string][]posthog.Person)
	if len(values) == 0 {
		return out, nil
	}
	list, err := s.client.PersonsByProperty(ctx, projectID, key, values, maxPersonsPerProperty, 500)
	if err != nil {
		return nil, fmt.Errorf("looking up the persons of %d requested %s values: %w", len(values), key, err)
	}
	if list.HasMore {
		return nil, fmt.Errorf("more than %d persons have one of the %d requested %s values; split the request",
			maxPersonsPerProperty, len(values), key)
	}
	wanted := make(map[string]bool, len(values))
	for _, v := range values {
		wanted[v] = true
	}
	for _, person := range list.Persons {
		value, ok := person.Properties[key].(string)
		if !ok || !wanted[value] || !canonicalUUID.MatchString(person.UUID) {
			return nil, fmt.Errorf("PostHog answered the lookup of %d requested %s values with a person whose %s is none "+
				"of them (or who has no valid UUID), so nothing is deleted. Check that host points at PostHog itself",
				len(values), key, key)
		}
		out[value] = append(out[value], person)
	}
	return out, nil
}

// maxDistinctIDsReturned is how many distinct ids a batch lookup returns
// per person; PostHog picks them before sorting, so a requested id may be
// left out of a full list (docs/dev/posthog-behaviour.md#batch-lookups).
const maxDistinctIDsReturned = 10

// fits reports whether a person answered for a requested key can be that
// key's person: a real UUID, the requested UUID itself, or a person that
// has the requested distinct id (unless its list of distinct ids is full).
func fits(byUUID bool, key string, person posthog.Person) bool {
	if !canonicalUUID.MatchString(person.UUID) {
		return false
	}
	if byUUID {
		return strings.EqualFold(person.UUID, key)
	}
	return len(person.DistinctIDs) >= maxDistinctIDsReturned || slices.Contains(person.DistinctIDs, key)
}

// lookup resolves keys (distinct ids, or lower-case UUIDs) through the
// coalescer of their kind. The result is keyed like the input.
func (s *Service) lookup(ctx context.Context, projectID int64, byUUID bool, keys []string) (map[string]posthog.Person, error) {
	if !byUUID {
		return s.byDistinctID.lookup(ctx, projectID, keys, s.batchEndpoint(false))
	}
	if slices.ContainsFunc(keys, notCanonicalUUID) {
		// One invalid UUID would fail the whole shared batch; let the
		// client refuse it for this caller alone.
		return s.client.BatchByUUIDs(ctx, projectID, keys)
	}
	return s.byUUID.lookup(ctx, projectID, keys, s.batchEndpoint(true))
}

// batchEndpoint is the client's batch lookup of one id kind.
func (s *Service) batchEndpoint(byUUID bool) lookupFunc {
	if byUUID {
		return s.client.BatchByUUIDs
	}
	return s.client.BatchByDistinctIDs
}

// BulkDelete calls bulk_delete. Persons whose events it queues for deletion
// are pending from now on, whatever a listing read earlier in this process
// says.
func (s *Service) BulkDelete(ctx context.Context, projectID int64, req posthog.BulkDeleteRequest) (*posthog.BulkDeleteResult, error) {
	if req.DeleteEvents {
		s.status.markQueued(projectID, req.IDs)
	}
	return s.client.BulkDelete(ctx, projectID, req)
}

// DeletionRows returns the deletion_status rows of the persons, from the
// listing this process shares when that is cheaper. queuedHere reports that
// this process queued event deletion for one of them: their rows may be
// missing from the listing, and their event deletion is pending.
func (s *Service) DeletionRows(ctx context.Context, projectID int64, personUUIDs []string) (rows []posthog.DeletionStatus, queuedHere bool, err error) {
	if s.status.queuedAny(projectID, personUUIDs) {
		return nil, true, nil
	}
	rows, err = s.status.rows(ctx, projectID, personUUIDs,
		func(ctx context.Context) ([]posthog.DeletionStatus, error) {
			rows, err := s.client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{Status: "all", Limit: statusPageSize})
			if err != nil {
				return nil, fmt.Errorf("reading the event-deletion status: %w", err)
			}
			return rows, nil
		},
		func(ctx context.Context, ids []string) ([]posthog.DeletionStatus, error) {
			return s.FreshDeletionRows(ctx, projectID, ids)
		})
	return rows, false, err
}

// FreshDeletionRows reads the deletion_status rows of the persons from
// PostHog, bypassing the shared listing: one call per person for a few
// persons, the whole listing for many.
func (s *Service) FreshDeletionRows(ctx context.Context, projectID int64, personUUIDs []string) ([]posthog.DeletionStatus, error) {
	if len(personUUIDs) > statusPerPersonBudget {
		rows, err := s.client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{Status: "all"})
		if err != nil {
			return nil, fmt.Errorf("reading the event-deletion status: %w", err)
		}
		return rows, nil
	}
	var rows []posthog.DeletionStatus
	for _, id := range personUUIDs {
		personRows, err := s.client.ListDeletionStatus(ctx, projectID, posthog.DeletionStatusOptions{Status: "all", PersonUUID: id})
		if err != nil {
			return nil, fmt.Errorf("reading the event-deletion status: %w", err)
		}
		rows = append(rows, personRows...)
	}
	return rows, nil
}

func notCanonicalUUID(key string) bool { return !canonicalUUID.MatchString(key) }

func keysOf(byUUID bool, ids []string) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = keyOf(byUUID, id)
	}
	return keys
}

// keyOf is how the batch endpoints key a requested id: PostHog normalises
// UUIDs to lower case.
func keyOf(byUUID bool, id string) string {
	if byUUID {
		return strings.ToLower(id)
	}
	return id
}

func kindOf(byUUID bool) string {
	if byUUID {
		return "uuids"
	}
	return "distinct_ids"
}
