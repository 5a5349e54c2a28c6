package deletion

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// fakeAPI is an in-memory PostHog for the runner's unit tests: persons with
// distinct ids, bulk_delete that deletes at once or after some polls, and
// deletion_status rows. It is written from PostHog's documented behaviour
// (docs/dev/posthog-behaviour.md), independently of internal/emulator.
type fakeAPI struct {
	mu        sync.Mutex
	persons   map[string][]string // uuid -> distinct ids
	rows      []posthog.DeletionStatus
	bulkCalls [][]string
	// queuedPolls makes bulk_delete asynchronous: a person disappears after
	// this many lookups of it.
	queuedPolls int
	pending     map[string]int // uuid -> lookups left before it disappears
	// failOnce lists persons whose first bulk_delete fails with a
	// per-person deletion error.
	failOnce map[string]bool
	// failAlways lists persons that bulk_delete never deletes.
	failAlways map[string]bool
	// reappear recreates a person (new uuid, same distinct ids) after its
	// first deletion, as events still arriving would.
	reappear map[string]string // deleted uuid -> new uuid
	bulkErr  error
	// now is PostHog's clock for new rows (RFC 3339), "" for the runner's
	// default test time.
	now string
	// created is each person's created_at; a person created again gets a
	// new one.
	created map[string]string
	// answer, when set, replaces bulk_delete's answer (the call still acts).
	answer *posthog.BulkDeleteResult
	// uuidLookupsLie makes lookups by UUID find nobody, whatever exists.
	uuidLookupsLie bool
}

func newFakeAPI(persons map[string][]string) *fakeAPI {
	return &fakeAPI{persons: persons, pending: map[string]int{}, failOnce: map[string]bool{},
		failAlways: map[string]bool{}, reappear: map[string]string{}, created: map[string]string{}}
}

// ResolveRecent answers as Resolve: the fake takes no snapshot.
func (f *fakeAPI) ResolveRecent(ctx context.Context, projectID int64, byUUID bool, ids []string, _ bool) (map[string]posthog.Person, error) {
	return f.Resolve(ctx, projectID, byUUID, ids)
}

func (f *fakeAPI) Resolve(ctx context.Context, _ int64, byUUID bool, ids []string) (map[string]posthog.Person, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]posthog.Person{}
	if byUUID && f.uuidLookupsLie {
		return out, nil
	}
	for _, id := range ids {
		for uuid, dids := range f.persons {
			match := byUUID && strings.EqualFold(uuid, id)
			if !byUUID {
				for _, d := range dids {
					match = match || d == id
				}
			}
			if !match {
				continue
			}
			if left, ok := f.pending[uuid]; ok {
				if left <= 1 {
					delete(f.pending, uuid)
					delete(f.persons, uuid)
					continue
				}
				f.pending[uuid] = left - 1
			}
			out[id] = posthog.Person{UUID: uuid, DistinctIDs: dids, CreatedAt: f.created[uuid]}
		}
	}
	return out, nil
}

// ResolveProperty finds persons by an "email" of "<first distinct id>@example.com".
func (f *fakeAPI) ResolveProperty(_ context.Context, _ int64, key string, values []string) (map[string][]posthog.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]posthog.Person{}
	for _, v := range values {
		for uuid, dids := range f.persons {
			if key == "email" && len(dids) > 0 && dids[0]+"@example.com" == v {
				out[v] = append(out[v], posthog.Person{UUID: uuid, DistinctIDs: dids, CreatedAt: f.created[uuid]})
			}
		}
	}
	return out, nil
}

func (f *fakeAPI) BulkDelete(_ context.Context, _ int64, req posthog.BulkDeleteRequest) (*posthog.BulkDeleteResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bulkCalls = append(f.bulkCalls, append([]string(nil), req.IDs...))
	if f.bulkErr != nil {
		return nil, f.bulkErr
	}
	result := &posthog.BulkDeleteResult{EventsQueuedForDeletion: req.DeleteEvents}
	for _, uuid := range req.IDs {
		dids, ok := f.persons[uuid]
		if !ok {
			continue
		}
		result.PersonsFound++
		if f.failAlways[uuid] || f.failOnce[uuid] {
			delete(f.failOnce, uuid)
			result.DeletionErrors = append(result.DeletionErrors, posthog.DeletionError{PersonUUID: uuid, Step: "delete_postgres"})
			continue
		}
		if req.DeleteEvents && !f.pendingRow(uuid) {
			// PostHog keeps a pending row and queues nothing new
			// (docs/dev/posthog-behaviour.md#event-deletion).
			f.rows = append(f.rows, posthog.DeletionStatus{PersonUUID: uuid, CreatedAt: f.rowTime()})
		}
		if req.KeepPerson {
			continue
		}
		if f.queuedPolls > 0 {
			f.pending[uuid] = f.queuedPolls
			result.PersonsQueuedForDeletion++
		} else {
			delete(f.persons, uuid)
			result.PersonsDeleted++
		}
		if next, ok := f.reappear[uuid]; ok {
			delete(f.reappear, uuid)
			if f.queuedPolls == 0 {
				f.persons[next] = dids
				f.created[next] = "created again"
			}
		}
	}
	if f.answer != nil {
		return f.answer, nil
	}
	return result, nil
}

func (f *fakeAPI) pendingRow(uuid string) bool {
	for _, row := range f.rows {
		if row.PersonUUID == uuid && row.DeleteVerifiedAt == "" {
			return true
		}
	}
	return false
}

// rowTime is when a new deletion_status row is created: now, as PostHog's
// clock says.
func (f *fakeAPI) rowTime() string {
	if f.now != "" {
		return f.now
	}
	return "2026-11-30T12:00:00Z"
}

func (f *fakeAPI) DeletionRows(ctx context.Context, projectID int64, uuids []string) ([]posthog.DeletionStatus, bool, error) {
	rows, err := f.FreshDeletionRows(ctx, projectID, uuids)
	return rows, false, err
}

func (f *fakeAPI) FreshDeletionRows(_ context.Context, _ int64, uuids []string) ([]posthog.DeletionStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []posthog.DeletionStatus
	for _, row := range f.rows {
		for _, id := range uuids {
			if strings.EqualFold(row.PersonUUID, id) {
				out = append(out, row)
			}
		}
	}
	return out, nil
}

// verifyAll marks every row verified, as PostHog's weekly job does.
func (f *fakeAPI) verifyAll(at string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.rows {
		f.rows[i].DeleteVerifiedAt = at
	}
}

func (f *fakeAPI) exists(uuid string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.persons[uuid]
	return ok
}

// testRunner is a Runner over api with a fixed clock and millisecond polls.
func testRunner(api API) Runner {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	return Runner{API: api, PollStart: time.Millisecond, PollMax: 2 * time.Millisecond, Now: func() time.Time { return now }}
}

var errBoom = errors.New("boom")

func rowOf(uuid, created, verified string) posthog.DeletionStatus {
	return posthog.DeletionStatus{PersonUUID: uuid, CreatedAt: created, DeleteVerifiedAt: verified}
}
