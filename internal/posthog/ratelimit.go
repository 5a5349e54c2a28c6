package posthog

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Client-side pacing, so that long runs of calls (such as deleting thousands
// of persons) are not slowed down and failed by PostHog's 429s.
//
// PostHog throttles personal-API-key requests with DRF SimpleRateThrottles
// (docs/dev/posthog-behaviour.md#rate-limits). Each throttle keeps, per
// key, the timestamps of the requests it let through; a request is refused
// when the history holds Requests entries newer than Per (an entry expires
// once now >= entry+Per). The client groups endpoints into throttle classes
// and paces each class with a limiter that mirrors that sliding window, so
// a run of requests goes out at the fastest schedule PostHog accepts instead
// of running into 429s:
//
//   - the first Requests calls go out at once; call k (0-based) then waits
//     until the call k-Requests ended plus Per, for every window of the class;
//   - a call "ends" when its response (or transport error) arrives. PostHog
//     records the request at some moment between the send and that end, so
//     counting it at the end and counting the new call at its send time can
//     never put more than Requests entries in PostHog's window, whatever the
//     latencies. A call still in flight counts as inside every window.
//
// A token bucket (golang.org/x/time/rate) was rejected: to be safe against a
// sliding window it needs burst B and rate r with B + r·Per <= Requests,
// e.g. B = 240, r = 4/s for 480/min, which takes ~1.6x the minimum time for
// 1000 deletes. The mirror reaches the minimum: with zero latency N calls of
// one window finish at floor((N-1)/Requests)·Per.
//
// Every HTTP attempt takes a slot, retries included. A 429 blocks the class
// until the time PostHog named, so that concurrent callers wait instead of
// collecting more 429s (they may happen when another process uses the key).

// RateClass names a group of endpoints that share PostHog throttles.
type RateClass string

// The throttle classes of the endpoints the client calls; endpoints.go
// gives every endpoint its class.
const (
	// RateClassDelete: bulk_delete, which PostHog counts together with
	// DELETE person, delete_events and delete_recordings in
	// persons_delete_burst + persons_delete_sustained.
	RateClassDelete RateClass = "delete"
	// RateClassPersonsRead: every other persons action, including the
	// legacy actor endpoints under /persons/ (clickhouse_burst).
	RateClassPersonsRead RateClass = "persons_read"
	// RateClassQuery: the Query API, creating and polling queries.
	RateClassQuery RateClass = "query"
)

// RateWindow is one throttle: at most Requests requests in any sliding
// window of length Per.
type RateWindow struct {
	Requests int
	Per      time.Duration
}

// RateLimits configures client-side pacing. The zero value paces to PostHog
// Cloud's personal-API-key limits. A nil class slice means that class's
// default; an empty non-nil slice turns pacing off for that class.
type RateLimits struct {
	// Disabled turns pacing off entirely: requests are sent at once and
	// only PostHog's 429s (retried) slow the client down.
	Disabled bool
	// Delete defaults to 480/minute and 4800/hour.
	Delete []RateWindow
	// PersonsRead defaults to 240/minute.
	PersonsRead []RateWindow
	// Query defaults to the api_queries_* limits, 240/minute and 2400/hour.
	// Teams on PostHog's legacy query throttles get 240/minute and
	// 1200/hour for actors queries instead; pass those here for such a team.
	Query []RateWindow
}

// DefaultRateLimits returns PostHog Cloud's limits for personal API keys,
// with every class filled in.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Delete:      []RateWindow{{480, time.Minute}, {4800, time.Hour}},
		PersonsRead: []RateWindow{{240, time.Minute}},
		Query:       []RateWindow{{240, time.Minute}, {2400, time.Hour}},
	}
}

// withDefaults fills nil classes with the defaults.
func (r RateLimits) withDefaults() RateLimits {
	d := DefaultRateLimits()
	if r.Delete == nil {
		r.Delete = d.Delete
	}
	if r.PersonsRead == nil {
		r.PersonsRead = d.PersonsRead
	}
	if r.Query == nil {
		r.Query = d.Query
	}
	return r
}

// Scaled returns the limits (defaults filled in) with every window divided
// by f, for tests and benchmarks against an emulator started with the same
// rate-limit scale. f <= 0 is treated as 1.
func (r RateLimits) Scaled(f float64) RateLimits {
	r = r.withDefaults()
	if f <= 0 {
		f = 1
	}
	scale := func(ws []RateWindow) []RateWindow {
		out := make([]RateWindow, len(ws))
		for i, w := range ws {
			out[i] = RateWindow{Requests: w.Requests, Per: time.Duration(float64(w.Per) / f)}
		}
		return out
	}
	r.Delete, r.PersonsRead, r.Query = scale(r.Delete), scale(r.PersonsRead), scale(r.Query)
	return r
}

// Class returns the windows of one class (defaults filled in).
func (r RateLimits) Class(c RateClass) []RateWindow {
	r = r.withDefaults()
	switch c {
	case RateClassDelete:
		return r.Delete
	case RateClassPersonsRead:
		return r.PersonsRead
	case RateClassQuery:
		return r.Query
	}
	return nil
}

// ParseRateLimitScale parses a window divisor such as the provider's
// POSTHOG_RATE_LIMIT_SCALE: a finite number > 0.
func ParseRateLimitScale(raw string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 1, fmt.Errorf("the rate limit scale must be a positive number such as 1 or 60 (every pacing window is divided by it), got %q", raw)
	}
	return f, nil
}

func validateRateLimits(r RateLimits) error {
	if r.Disabled {
		return nil
	}
	for _, c := range []RateClass{RateClassDelete, RateClassPersonsRead, RateClassQuery} {
		for _, w := range r.Class(c) {
			if w.Requests <= 0 || w.Per <= 0 {
				return fmt.Errorf("posthog: rate limit of class %s must have positive requests and window, got %d per %s", c, w.Requests, w.Per)
			}
		}
	}
	return nil
}

// pacer is the sliding-window limiter of one class. It is safe for
// concurrent use.
type pacer struct {
	class   RateClass
	windows []RateWindow
	maxN    int
	now     func() time.Time

	mu       sync.Mutex
	ends     []time.Time // end times of finished calls, ascending, at most maxN
	inFlight int
	blocked  time.Time     // no call before this (after a 429)
	changed  chan struct{} // closed and replaced when a call ends
}

func newPacer(class RateClass, windows []RateWindow, now func() time.Time) *pacer {
	p := &pacer{class: class, windows: windows, now: now, changed: make(chan struct{})}
	for _, w := range windows {
		p.maxN = max(p.maxN, w.Requests)
	}
	return p
}

// check reports whether a call may start at now. If not, at is the
// earliest time it could (zero when only the end of an in-flight call can
// free a slot; onEnd then says so).
func (p *pacer) check(now time.Time) (ok bool, at time.Time, onEnd bool) {
	at = p.blocked
	for _, w := range p.windows {
		k := w.Requests - p.inFlight // finished calls that may still be in the window
		if k <= 0 {
			onEnd = true
			continue
		}
		if len(p.ends) >= k {
			if free := p.ends[len(p.ends)-k].Add(w.Per); free.After(at) {
				at = free
			}
		}
	}
	if onEnd {
		return false, at, true
	}
	if now.Before(at) {
		return false, at, false
	}
	return true, time.Time{}, false
}

// start records a call that starts now; check must have allowed it.
func (p *pacer) start() { p.inFlight++ }

// end records that a call started earlier has ended at now.
func (p *pacer) end(now time.Time) {
	p.inFlight--
	if len(p.ends) > 0 && now.Before(p.ends[len(p.ends)-1]) {
		now = p.ends[len(p.ends)-1] // keep ascending even if the clock steps back
	}
	p.ends = append(p.ends, now)
	if len(p.ends) > 2*p.maxN {
		p.ends = append(p.ends[:0], p.ends[len(p.ends)-p.maxN:]...)
	}
}

// block stops new calls until t.
func (p *pacer) block(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.blocked) {
		p.blocked = t
	}
}

// errPacingPastDeadline is returned when the pacing wait would pass the
// context deadline.
type errPacingPastDeadline struct {
	class     RateClass
	wait, rem time.Duration
}

// Unwrap lets errors.Is(err, context.DeadlineExceeded) hold.
func (e *errPacingPastDeadline) Unwrap() error { return context.DeadlineExceeded }

func (e *errPacingPastDeadline) Error() string {
	return fmt.Sprintf("waiting %s for PostHog's %s rate limit would pass the context deadline (in %s)",
		e.wait.Round(time.Millisecond), e.class, e.rem.Round(time.Millisecond))
}

// acquire waits until a call may start and records it; the caller must call
// the returned function once the call has ended. It honours ctx.
func (p *pacer) acquire(ctx context.Context) (func(), error) {
	start := p.now()
	announced, waited := false, false
	for {
		p.mu.Lock()
		now := p.now()
		ok, at, onEnd := p.check(now)
		if ok {
			p.start()
			p.mu.Unlock()
			if waited {
				// A call let through at once did not wait: logging it
				// would make every call look paced.
				p.logWait(ctx, now.Sub(start))
			}
			var once sync.Once
			return func() {
				once.Do(func() {
					p.mu.Lock()
					p.end(p.now())
					close(p.changed)
					p.changed = make(chan struct{})
					p.mu.Unlock()
				})
			}, nil
		}
		changed := p.changed
		p.mu.Unlock()

		var timer *time.Timer
		var fire <-chan time.Time
		if !at.IsZero() && at.After(now) {
			d := at.Sub(now)
			if dl, has := ctx.Deadline(); has && now.Add(d).After(dl) {
				return nil, &errPacingPastDeadline{class: p.class, wait: d, rem: dl.Sub(now)}
			}
			if d > longPacingWait && !announced {
				// Say so before a long wait: an apply that stops for a
				// minute should not look hung to whoever watches it.
				announced = true
				tflog.Info(ctx, "Waiting for PostHog's rate limit", map[string]any{
					"rate_class": string(p.class), "wait": d.Round(time.Millisecond).String(),
				})
			}
			timer = time.NewTimer(d)
			fire = timer.C
		}
		if !onEnd && timer == nil {
			continue // at passed while unlocked
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil, fmt.Errorf("waiting for PostHog's %s rate limit: %w", p.class, ctx.Err())
		case <-changed:
		case <-fire:
		}
		waited = true
		if timer != nil {
			timer.Stop()
		}
	}
}

// pace waits for a slot of class; with pacing off for the class it returns
// at once. The returned function must be called when the call has ended.
func (c *Client) pace(ctx context.Context, class RateClass) (func(), error) {
	p := c.pacers[class]
	if p == nil {
		return func() {}, nil
	}
	release, err := p.acquire(ctx)
	if err != nil || c.journal == nil {
		return release, err
	}
	return func() {
		release()
		c.journal.save(class)
	}, nil
}

// throttled blocks class after PostHog answered 429 and asked to wait d.
func (c *Client) throttled(class RateClass, d time.Duration) {
	if p := c.pacers[class]; p != nil && d > 0 {
		p.block(p.now().Add(d))
		c.journal.save(class)
	}
}

func newPacers(r RateLimits) map[RateClass]*pacer {
	if r.Disabled {
		return nil
	}
	m := map[RateClass]*pacer{}
	for _, c := range []RateClass{RateClassDelete, RateClassPersonsRead, RateClassQuery} {
		if ws := r.Class(c); len(ws) > 0 {
			m[c] = newPacer(c, append([]RateWindow(nil), ws...), time.Now)
		}
	}
	return m
}

// longPacingWait is the wait from which the pacer says, before it waits,
// that it is waiting.
const longPacingWait = time.Second

// logWait logs, at info level, every call that waited for a pacing slot:
// waits are what a slow apply is made of, and calls that went ahead at once
// are not logged.
func (p *pacer) logWait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	tflog.Info(ctx, "Waited for PostHog's rate limit", map[string]any{
		"rate_class": string(p.class), "wait": d.Round(time.Millisecond).String(),
	})
}
