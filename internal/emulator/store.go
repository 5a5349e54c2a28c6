package emulator

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// person is the emulator's row for a PostHog person (Postgres posthog_person plus
// its distinct ids). Everything in store is guarded by Server.mu.
type person struct {
	id   int64
	uuid string
	// tombstoned: the ClickHouse person row carries is_deleted (written before the
	// Postgres delete), so HogQL's persons table no longer has it even while the
	// Postgres row survives a failed delete (docs/dev/posthog-behaviour.md#bulk-delete).
	tombstoned   bool
	distinctIDs  []string // in the order they were attached ("order stored": docs/dev/posthog-behaviour.md#person-shapes)
	props        map[string]any
	isIdentified bool
	createdAt    time.Time
	lastSeenAt   *time.Time
}

// event is a stored ClickHouse event row; personUUID is the person at ingestion
// (rewritten on merge, standing in for the squash of person overrides:
// docs/dev/posthog-behaviour.md#event-deletion).
type event struct {
	uuid       string
	event      string
	distinctID string
	personUUID string
	props      map[string]any
	timestamp  time.Time
	insertedAt time.Time // emulator clock at ingestion (ClickHouse inserted_at)
}

// asyncDeletion mirrors posthog_asyncdeletion for deletion_type Person (docs/dev/posthog-behaviour.md#event-deletion).
type asyncDeletion struct {
	id               int64
	teamID           int
	key              string // person uuid
	createdAt        time.Time
	deleteVerifiedAt *time.Time
}

// queuedDeletion is a person deletion handed to the "Celery" queue in async mode (docs/dev/posthog-behaviour.md#bulk-delete).
type queuedDeletion struct {
	uuid string
	due  time.Time // wall clock
}

type failureSpec struct {
	step      string
	remaining int
}

type store struct {
	teamID         int
	nextPersonID   int64
	nextDeletionID int64
	persons        map[string]*person // by uuid
	byDistinctID   map[string]*person
	events         []*event
	deletions      []*asyncDeletion
	queued         []queuedDeletion
	failures       map[string][]*failureSpec // by person uuid
	postgresFails  int                       // Postgres batch deletes still to fail
	cohorts        map[int]*cohort
	nextCohortID   int
	actions        map[int]*action
	nextActionID   int
	asyncQueries   map[string]*asyncQuery // by query id
	insights       map[int]*insight       // saved insights, by id
	nextInsightID  int
}

func newStore(teamID int) *store {
	return &store{
		teamID:         teamID,
		nextPersonID:   1,
		nextDeletionID: 1,
		persons:        map[string]*person{},
		byDistinctID:   map[string]*person{},
		failures:       map[string][]*failureSpec{},
		cohorts:        map[int]*cohort{},
		nextCohortID:   1,
		actions:        map[int]*action{},
		nextActionID:   1,
		asyncQueries:   map[string]*asyncQuery{},
		insights:       map[int]*insight{},
		nextInsightID:  1,
	}
}

// personNamespace is the plugin server's PERSON_UUIDV5_NAMESPACE
// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
var personNamespace = uuid.MustParse("932979b4-65c3-4424-8467-0b66ec27bc22")

// personUUID is uuidFromDistinctId: uuid5 of the namespace and "<team_id>:<distinct_id>".
func personUUID(teamID int, distinctID string) string {
	return uuid.NewSHA1(personNamespace, []byte(strconv.Itoa(teamID)+":"+distinctID)).String()
}

// createPerson makes a person whose UUID derives from its first distinct id, as
// the plugin server's createPerson does; a returning user therefore gets its
// deleted person's UUID again (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
func (st *store) createPerson(createdAt time.Time, distinctIDs ...string) *person {
	u := personUUID(st.teamID, distinctIDs[0])
	if existing := st.persons[u]; existing != nil {
		// PostHog's unique constraint makes the create fall back to the existing row.
		for _, d := range distinctIDs {
			st.attach(existing, d)
		}
		return existing
	}
	p := &person{
		id:        st.nextPersonID,
		uuid:      u,
		props:     map[string]any{},
		createdAt: createdAt,
	}
	st.nextPersonID++
	st.persons[p.uuid] = p
	for _, d := range distinctIDs {
		st.attach(p, d)
	}
	return p
}

func (st *store) attach(p *person, distinctID string) {
	if slices.Contains(p.distinctIDs, distinctID) {
		return
	}
	p.distinctIDs = append(p.distinctIDs, distinctID)
	st.byDistinctID[distinctID] = p
}

// deletePerson removes the person row and its distinct ids. Events stay (they
// live in ClickHouse and only go with delete_events + the deletion job:
// docs/dev/posthog-behaviour.md#event-deletion).
func (st *store) deletePerson(p *person) {
	delete(st.persons, p.uuid)
	for _, d := range p.distinctIDs {
		if st.byDistinctID[d] == p {
			delete(st.byDistinctID, d)
		}
	}
}

// mergeInto moves src's distinct ids and properties into dst and removes src.
// dst's properties win; created_at becomes the earlier one (PostHog's merge keeps
// the oldest created_at). Events are re-pointed to dst, as the person-override
// squash does before the deletes job runs.
func (st *store) mergeInto(dst, src *person) {
	for _, d := range src.distinctIDs {
		st.attach(dst, d)
	}
	for k, v := range src.props {
		if _, ok := dst.props[k]; !ok {
			dst.props[k] = v
		}
	}
	if src.createdAt.Before(dst.createdAt) {
		dst.createdAt = src.createdAt
	}
	if src.lastSeenAt != nil && (dst.lastSeenAt == nil || src.lastSeenAt.After(*dst.lastSeenAt)) {
		t := *src.lastSeenAt
		dst.lastSeenAt = &t
	}
	delete(st.persons, src.uuid)
	st.moveStaticMembership(src.uuid, dst.uuid)
	for _, e := range st.events {
		if e.personUUID == src.uuid {
			e.personUUID = dst.uuid
		}
	}
}

// hogqlPerson is the person HogQL's persons table holds for an actor id: nil when
// the row is gone or tombstoned (argMax(is_deleted, version) = 1). Actor queries
// INNER JOIN their source with it, so deleted persons drop out of actor lists
// (docs/dev/posthog-behaviour.md#actors-query-answers).
func (st *store) hogqlPerson(id string) *person {
	if p := st.persons[id]; p != nil && !p.tombstoned {
		return p
	}
	return nil
}

func (st *store) personByID(id int64) *person {
	for _, p := range st.persons {
		if p.id == id {
			return p
		}
	}
	return nil
}

// sortedPersons returns persons in list order: created_at DESC, then id DESC (docs/dev/posthog-behaviour.md#listing-persons).
func (st *store) sortedPersons() []*person {
	out := make([]*person, 0, len(st.persons))
	for _, p := range st.persons {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].createdAt.Equal(out[j].createdAt) {
			return out[i].createdAt.After(out[j].createdAt)
		}
		return out[i].id > out[j].id
	})
	return out
}

// queueEventDeletion inserts an AsyncDeletion row unless an unverified row for the
// same key exists: the partial unique constraint + ignore_conflicts
// (docs/dev/posthog-behaviour.md#event-deletion).
func (st *store) queueEventDeletion(teamID int, personUUID string, now time.Time) {
	for _, d := range st.deletions {
		if d.key == personUUID && d.deleteVerifiedAt == nil {
			return
		}
	}
	st.deletions = append(st.deletions, &asyncDeletion{
		id: st.nextDeletionID, teamID: teamID, key: personUUID, createdAt: now,
	})
	st.nextDeletionID++
}

// takeFailure consumes one injected failure for the person, if any step is armed.
// Only steps in allowed are considered (steps that would not run are not consumed).
func (st *store) takeFailure(personUUID string, allowed func(step string) bool) (string, bool) {
	for _, f := range st.failures[personUUID] {
		if f.remaining > 0 && allowed(f.step) {
			f.remaining--
			return f.step, true
		}
	}
	return "", false
}

func (p *person) info() PersonInfo {
	return PersonInfo{
		ID:           p.id,
		UUID:         p.uuid,
		DistinctIDs:  slices.Clone(p.distinctIDs),
		Properties:   maps.Clone(p.props),
		IsIdentified: p.isIdentified,
		CreatedAt:    p.createdAt,
	}
}
