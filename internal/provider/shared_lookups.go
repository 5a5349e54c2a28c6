package provider

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// Terraform calls Read (and ModifyPlan, Create...) once per resource
// instance, at most -parallelism (default 10) at a time, and every call must
// answer for its own instance. sharedLookups lets the instances served by one
// provider process share API calls:
//
//   - person lookups of callers that wait at the same time are merged into
//     full batch_by_* calls (coalescer);
//   - the deletion_status listing is read once per walk and serves the
//     status of every instance (statusCache).
//
// Terraform starts a new provider process for every walk (plan, apply), and
// Configure builds a new sharedLookups, so nothing here outlives one walk.
// Person lookups are never cached, only merged: a user who comes back is
// seen by the next plan.
type sharedLookups struct {
	byDistinctID *coalescer
	byUUID       *coalescer
	status       *statusCache
}

const (
	// lookupWindow is the least time a batch stays open after the last
	// caller joined it, and the whole wait of a lone caller. Terraform starts the next instances' calls as soon
	// as earlier ones return, one after another: with thousands of instances
	// its own work spaces them 20-60 ms apart. While a batch is open its
	// callers hold Terraform's -parallelism slots, so once every slot waits
	// nobody else can join, the window passes and the batch goes. A fixed
	// window counted from the first caller cut each wave of callers into
	// several calls (537 calls for 2,000 instances at -parallelism=10, where
	// 200 is the floor), so the window restarts for every caller and
	// stretches to 3 times the recent spacing of callers, up to
	// lookupMaxQuiet. Tens of milliseconds are small next to one API call
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
	// maximum for deletion_status (reference §2.4).
	statusPageSize = 1000
	// statusPerPersonBudget is how many persons a process asks about one by
	// one before it reads the whole listing instead: a few resources cost a
	// few small calls, however long the project's deletion history is.
	statusPerPersonBudget = 5
)

func newSharedLookups() *sharedLookups {
	return &sharedLookups{
		byDistinctID: newCoalescer(lookupWindow, lookupMaxWait, posthog.MaxBatchLookup),
		byUUID:       newCoalescer(lookupWindow, lookupMaxWait, posthog.MaxBatchLookup),
		status:       newStatusCache(statusTTL, statusPerPersonBudget, time.Now),
	}
}

// lookup resolves keys (distinct ids, or lower-case UUIDs) through the
// coalescer of their kind. The result is keyed like the input.
func (s *sharedLookups) lookup(ctx context.Context, client *posthog.Client, projectID int64, byUUID bool, keys []string) (map[string]posthog.Person, error) {
	if !byUUID {
		return s.byDistinctID.lookup(ctx, projectID, keys, client.BatchByDistinctIDs)
	}
	for _, k := range keys {
		if !canonicalUUID.MatchString(k) || k != strings.ToLower(k) {
			// One invalid UUID would fail the whole shared batch; let the
			// client refuse it for this caller alone.
			return client.BatchByUUIDs(ctx, projectID, keys)
		}
	}
	return s.byUUID.lookup(ctx, projectID, keys, client.BatchByUUIDs)
}

// lookupFunc is a batch endpoint: it resolves ids (any number; the client
// splits them into PostHog's batches) to persons keyed by id.
type lookupFunc func(ctx context.Context, projectID int64, ids []string) (map[string]posthog.Person, error)

// coalescer merges the lookups of concurrent callers into shared batches of
// at most maxBatch ids per project. A batch is sent when it is full, when
// window has passed since a caller last joined it, or when maxWait has passed
// since it opened; every caller waits for the batches holding its ids. The call runs on a context that no single caller can
// cancel; it is cancelled only when every caller waiting for it has gone.
type coalescer struct {
	window   time.Duration // the least quiet time before a batch goes
	maxQuiet time.Duration // the most
	maxWait  time.Duration
	maxBatch int

	mu       sync.Mutex
	open     map[int64]*batch // the batch of each project that still takes ids
	lastJoin time.Time        // when the last caller arrived
	spacing  time.Duration    // moving average of the time between callers
}

type batch struct {
	projectID int64
	ids       []string
	index     map[string]struct{}
	base      context.Context // the first caller's values, without its cancellation
	fetch     lookupFunc
	timer     *time.Timer
	deadline  time.Time // maxWait after the batch opened

	// guarded by coalescer.mu
	waiters int
	sent    bool
	cancel  context.CancelFunc

	done   chan struct{} // closed when result and err are set
	result map[string]posthog.Person
	err    error
}

func newCoalescer(window, maxWait time.Duration, maxBatch int) *coalescer {
	return &coalescer{window: window, maxQuiet: max(window, lookupMaxQuiet), maxWait: maxWait, maxBatch: maxBatch, open: make(map[int64]*batch)}
}

// quietLocked records a caller arriving at now and returns how long a batch
// waits for the next one: 3 times the recent spacing of callers, within
// [window, maxQuiet]. Only a caller that joins a batch others wait for
// measures spacing: the gaps between one caller's own successive lookups
// (a single resource's plan and apply) say nothing about concurrency and
// must not make it wait longer. Gaps longer than maxQuiet are ignored too.
func (c *coalescer) quietLocked(now time.Time, joinedOthers bool) time.Duration {
	if joinedOthers && !c.lastJoin.IsZero() {
		if gap := now.Sub(c.lastJoin); gap >= 0 && gap <= c.maxQuiet {
			c.spacing = (3*c.spacing + gap) / 4
		}
	}
	c.lastJoin = now
	return min(max(3*c.spacing, c.window), c.maxQuiet)
}

// lookup returns the persons of ids, keyed by id; unknown ids are absent.
func (c *coalescer) lookup(ctx context.Context, projectID int64, ids []string, fetch lookupFunc) (map[string]posthog.Person, error) {
	if len(ids) == 0 {
		return map[string]posthog.Person{}, nil
	}
	c.mu.Lock()
	// mine are the batches this caller waits for; idsIn[i] are its ids in
	// mine[i], so that collecting the results stays linear in len(ids).
	var (
		mine  []*batch
		idsIn [][]string
	)
	joinedOthers := c.open[projectID] != nil && c.open[projectID].waiters > 0
	for _, id := range ids {
		b := c.open[projectID]
		if b == nil {
			b = c.newBatchLocked(ctx, projectID, fetch)
		}
		if len(mine) == 0 || mine[len(mine)-1] != b {
			mine = append(mine, b)
			idsIn = append(idsIn, nil)
			b.waiters++
		}
		idsIn[len(idsIn)-1] = append(idsIn[len(idsIn)-1], id)
		if _, dup := b.index[id]; dup {
			continue
		}
		b.index[id] = struct{}{}
		b.ids = append(b.ids, id)
		if len(b.ids) >= c.maxBatch {
			c.sendLocked(b)
		}
	}
	quiet := c.quietLocked(time.Now(), joinedOthers)
	if b := mine[len(mine)-1]; !b.sent {
		// This caller joined: keep the batch open for the next one.
		b.timer.Reset(min(quiet, time.Until(b.deadline)))
	}
	c.mu.Unlock()

	waited := 0
	defer func() { c.leave(mine[waited:]) }()
	out := make(map[string]posthog.Person, len(ids))
	for i, b := range mine {
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		waited++
		if b.err != nil {
			return nil, b.err
		}
		for _, id := range idsIn[i] {
			if p, ok := b.result[id]; ok {
				out[id] = p
			}
		}
	}
	return out, nil
}

func (c *coalescer) newBatchLocked(ctx context.Context, projectID int64, fetch lookupFunc) *batch {
	b := &batch{
		projectID: projectID,
		index:     make(map[string]struct{}),
		base:      context.WithoutCancel(ctx),
		fetch:     fetch,
		deadline:  time.Now().Add(c.maxWait),
		done:      make(chan struct{}),
	}
	c.open[projectID] = b
	b.timer = time.AfterFunc(min(c.window, c.maxWait), func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !b.sent {
			c.sendLocked(b)
		}
	})
	return b
}

// sendLocked closes b to new ids and starts its call.
func (c *coalescer) sendLocked(b *batch) {
	b.sent = true
	b.timer.Stop()
	if c.open[b.projectID] == b {
		delete(c.open, b.projectID)
	}
	if b.waiters == 0 {
		// Every caller has gone before the call started.
		b.err = context.Canceled
		close(b.done)
		return
	}
	ctx, cancel := context.WithCancel(b.base)
	b.cancel = cancel
	go func() {
		defer cancel()
		b.result, b.err = b.fetch(ctx, b.projectID, b.ids)
		close(b.done)
	}()
}

// leave unregisters a caller that stops waiting for batches; a call nobody
// waits for any more is cancelled.
func (c *coalescer) leave(batches []*batch) {
	if len(batches) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range batches {
		b.waiters--
		if b.waiters == 0 && b.sent && b.cancel != nil {
			b.cancel()
		}
	}
}

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
// row, queuing a completed one adds a pending row; reference §5).
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
