package lookups

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// listFunc reads the whole deletion_status listing of a project.
type listFunc func(ctx context.Context) ([]posthog.DeletionStatus, error)

// statusCache serves deletion_status rows from one listing per project and
// TTL, read once however many callers ask at the same time.
type statusCache struct {
	ttl       time.Duration
	perPerson int
	now       func() time.Time
	group     singleflight.Group

	mu       sync.Mutex
	listings map[int64]statusListing
	queued   map[statusKey]struct{} // persons this process queued event deletion for
	asked    map[int64]int          // persons asked about one by one, per project
}

type statusListing struct {
	rows map[string][]posthog.DeletionStatus // by lower-case person uuid
	at   time.Time
}

type statusKey struct {
	projectID int64
	uuid      string
}

func newStatusCache(ttl time.Duration, perPerson int, now func() time.Time) *statusCache {
	return &statusCache{
		ttl:       ttl,
		perPerson: perPerson,
		now:       now,
		listings:  make(map[int64]statusListing),
		queued:    make(map[statusKey]struct{}),
		asked:     make(map[int64]int),
	}
}

// markQueued records that this process is queuing event deletion for the
// persons. A listing read earlier misses their new rows; their deletion is
// pending now whatever it shows (queuing a pending person again keeps its
// row, queuing a completed one adds a pending row; docs/dev/posthog-behaviour.md#event-deletion).
func (c *statusCache) markQueued(projectID int64, personUUIDs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range personUUIDs {
		c.queued[statusKey{projectID, strings.ToLower(id)}] = struct{}{}
	}
}

// queuedAny reports whether this process queued event deletion for one of
// the persons: their event deletion is then pending.
func (c *statusCache) queuedAny(projectID int64, personUUIDs []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range personUUIDs {
		if _, ok := c.queued[statusKey{projectID, strings.ToLower(id)}]; ok {
			return true
		}
	}
	return false
}

// rows returns the deletion_status rows of the persons: from the shared
// listing when it is fresh, when the caller asks about more than perPerson
// persons, or once the process has asked about perPerson persons one by one;
// else one by one with direct.
func (c *statusCache) rows(ctx context.Context, projectID int64, personUUIDs []string, list listFunc,
	direct func(ctx context.Context, personUUIDs []string) ([]posthog.DeletionStatus, error),
) ([]posthog.DeletionStatus, error) {
	if len(personUUIDs) == 0 {
		return nil, nil
	}
	c.mu.Lock()
	listing, cached := c.listings[projectID]
	cached = cached && c.now().Sub(listing.at) < c.ttl
	onePerPerson := !cached && len(personUUIDs) <= c.perPerson && c.asked[projectID]+len(personUUIDs) <= c.perPerson
	if onePerPerson {
		c.asked[projectID] += len(personUUIDs)
	}
	c.mu.Unlock()

	if onePerPerson {
		return direct(ctx, personUUIDs)
	}
	if !cached {
		var err error
		listing, err = c.load(ctx, projectID, list)
		if err != nil {
			return nil, err
		}
	}
	var out []posthog.DeletionStatus
	for _, id := range personUUIDs {
		out = append(out, listing.rows[strings.ToLower(id)]...)
	}
	return out, nil
}

// load reads the listing once for all concurrent callers; a caller that
// gives up does not cancel the read for the others.
func (c *statusCache) load(ctx context.Context, projectID int64, list listFunc) (statusListing, error) {
	ch := c.group.DoChan(strconv.FormatInt(projectID, 10), func() (any, error) {
		started := c.now()
		rows, err := list(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		listing := statusListing{rows: make(map[string][]posthog.DeletionStatus), at: started}
		for _, row := range rows {
			id := strings.ToLower(row.PersonUUID)
			listing.rows[id] = append(listing.rows[id], row)
		}
		c.mu.Lock()
		c.listings[projectID] = listing
		c.mu.Unlock()
		return listing, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return statusListing{}, res.Err
		}
		listing, _ := res.Val.(statusListing)
		return listing, nil
	case <-ctx.Done():
		return statusListing{}, ctx.Err()
	}
}
