package lookups

import (
	"context"
	"sync"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

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
