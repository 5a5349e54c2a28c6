package emulator

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rate is one DRF throttle class: n requests per window, with its own history.
type rate struct {
	scope  string
	n      int
	window time.Duration
}

// Personal-API-key throttles of v-new PersonViewSet.get_throttles (docs/dev/posthog-behaviour.md#rate-limits).
var (
	deleteRates = []rate{
		{"persons_delete_burst", 480, time.Minute},
		{"persons_delete_sustained", 4800, time.Hour},
	}
	burstRates = []rate{{"clickhouse_burst", 240, time.Minute}}
)

// throttler reproduces DRF's SimpleRateThrottle: a history of request timestamps
// per (scope, key); entries older than the window are dropped; when the history is
// full the request fails (and is not recorded), with wait = window - (now - oldest).
// Every throttle of the action is evaluated (DRF check_throttles does not stop at
// the first failure) and the longest wait is reported. Keyed by the API key
// itself (PostHog hashes it; same partitioning). Windows are divided by scale and
// measured on the wall clock, so /_emulator/clock does not affect throttling.
type throttler struct {
	mu    sync.Mutex
	scale float64
	hist  map[string][]time.Time // newest last
	now   func() time.Time
}

func newThrottler(scale float64) *throttler {
	return &throttler{scale: scale, hist: map[string][]time.Time{}, now: time.Now}
}

func (t *throttler) check(key string, rates []rate) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	throttled := false
	for _, r := range rates {
		window := time.Duration(float64(r.window) / t.scale)
		k := r.scope + "\x00" + key
		h := t.hist[k]
		i := 0
		for i < len(h) && !h[i].After(now.Add(-window)) {
			i++
		}
		h = h[i:]
		if len(h) >= r.n {
			throttled = true
			if w := window - now.Sub(h[0]); w > wait {
				wait = w
			}
		} else {
			h = append(h, now)
		}
		t.hist[k] = h
	}
	return wait, throttled
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// writeThrottled writes the drf-exceptions-hog Throttled body (docs/dev/posthog-behaviour.md#rate-limits) and, like
// PostHog's handler, no Retry-After header. DRF formats the wait with ngettext,
// so a wait of exactly 1 reads "1 second." and any other "N seconds.".
func writeThrottled(w http.ResponseWriter, secs int) {
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	writeError(w, http.StatusTooManyRequests, "throttled_error", "throttled",
		"Request was throttled. Expected available in "+strconv.Itoa(secs)+" "+unit+".")
}
