package posthog

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// drf mirrors DRF's SimpleRateThrottle for one key: per window a history of
// accepted timestamps; an entry expires once now >= entry+Per; a request is
// refused when a window's history is full (and then recorded nowhere by
// that window, but by the windows that allowed it, as check_throttles does).
type drf struct {
	mu      sync.Mutex
	windows []RateWindow
	hist    [][]time.Time
}

func newDRF(ws []RateWindow) *drf { return &drf{windows: ws, hist: make([][]time.Time, len(ws))} }

func (d *drf) allow(now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	ok := true
	for i, w := range d.windows {
		h := d.hist[i]
		for len(h) > 0 && !h[0].After(now.Add(-w.Per)) {
			h = h[1:]
		}
		if len(h) >= w.Requests {
			ok = false
		} else {
			h = append(h, now)
		}
		d.hist[i] = h
	}
	return ok
}

// endHeap is a min-heap of in-flight end times for the simulation.
type endHeap []time.Time

func (h endHeap) Len() int           { return len(h) }
func (h endHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h endHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x any)        { *h = append(*h, x.(time.Time)) } //nolint:forcetypeassert // heap of time.Time only
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// simulate runs n calls through a pacer on a fake clock with at most conc
// calls in flight; latency(k) is call k's duration and arrive(k) the
// fraction of it after which PostHog records the call. It returns the send
// and the server times.
func simulate(windows []RateWindow, n, conc int, latency func(int) time.Duration, arrive func(int) float64) (sends, server []time.Time) {
	t0 := time.Unix(1_700_000_000, 0)
	now := t0
	p := newPacer(RateClassDelete, windows, func() time.Time { return now })
	var inflight endHeap
	popEnd := func() {
		e := heap.Pop(&inflight).(time.Time) //nolint:forcetypeassert // heap of time.Time only
		if e.After(now) {
			now = e
		}
		p.end(now)
	}
	for k := range n {
		for {
			if inflight.Len() >= conc {
				popEnd()
				continue
			}
			ok, at, onEnd := p.check(now)
			if ok {
				break
			}
			if inflight.Len() > 0 && (onEnd || !inflight[0].After(at)) {
				popEnd() // ends come first, in time order
				continue
			}
			if onEnd {
				panic("blocked on in-flight calls but none is in flight")
			}
			now = at
		}
		p.start()
		l := latency(k)
		sends = append(sends, now)
		server = append(server, now.Add(time.Duration(arrive(k)*float64(l))))
		heap.Push(&inflight, now.Add(l))
	}
	return sends, server
}

// TestPacerReachesDRFLowerBound: with instant calls, N deletes at PostHog's
// limits go out exactly on the fastest schedule DRF accepts, never more than
// a window's allowance inside any window.
func TestPacerReachesDRFLowerBound(t *testing.T) {
	deletes := DefaultRateLimits().Delete
	zero := func(int) time.Duration { return 0 }
	none := func(int) float64 { return 0 }
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{1, 0}, {480, 0}, {481, time.Minute}, {1000, 2 * time.Minute},
		// The hourly window: 4800 in 9 minutes, then nothing until the hour.
		{4800, 9 * time.Minute}, {4801, time.Hour}, {5281, time.Hour + time.Minute}, {9601, 2 * time.Hour},
	} {
		sends, _ := simulate(deletes, tc.n, tc.n, zero, none)
		got := sends[len(sends)-1].Sub(sends[0])
		if got != tc.want || pacedDuration(deletes, tc.n) != tc.want {
			t.Errorf("n=%d: last send at %s, pacedDuration %s, want %s", tc.n, got, pacedDuration(deletes, tc.n), tc.want)
		}
		// The closed form given to benchmark authors.
		k := tc.n - 1
		if f := time.Duration(k/4800)*time.Hour + time.Duration(k%4800/480)*time.Minute; f != tc.want {
			t.Errorf("n=%d: closed form %s", tc.n, f)
		}
		server := newDRF(deletes)
		for i, s := range sends {
			if !server.allow(s) {
				t.Fatalf("n=%d: call %d at %s refused by DRF", tc.n, i, s.Sub(sends[0]))
			}
		}
	}
	reads := DefaultRateLimits().PersonsRead
	if got := pacedDuration(reads, 1000); got != 4*time.Minute {
		t.Errorf("1000 reads: %s", got)
	}
	// Scaled windows (emulator -rate-limit-scale 60): 1000 deletes in 2 s.
	if got := pacedDuration(RateLimits{}.Scaled(60).Delete, 1000); got != 2*time.Second {
		t.Errorf("scaled: %s", got)
	}
}

// TestPacerSafeUnderLatency: whatever the latencies and whenever PostHog
// records a call within its round trip, DRF never refuses one, and the
// schedule stays close to the lower bound.
func TestPacerSafeUnderLatency(t *testing.T) {
	windows := []RateWindow{{480, time.Minute}, {4800, time.Hour}}
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 1))
		lat := make([]time.Duration, 6000)
		frac := make([]float64, len(lat))
		for i := range lat {
			lat[i] = time.Duration(r.IntN(2000)) * time.Millisecond
			frac[i] = r.Float64()
		}
		sends, server := simulate(windows, len(lat), 10, func(k int) time.Duration { return lat[k] }, func(k int) float64 { return frac[k] })
		order := slices.Clone(server)
		slices.SortFunc(order, func(a, b time.Time) int { return a.Compare(b) })
		d := newDRF(windows)
		for i, s := range order {
			if !d.allow(s) {
				t.Fatalf("seed %d: call %d refused by DRF", seed, i)
			}
		}
		// 10 in flight at <= 2 s each is 5/s at worst, below 8/s, until the
		// hourly window stops the run at 4800: the rest waits for the hour.
		if last := sends[len(sends)-1].Sub(sends[0]); last < time.Hour || last > time.Hour+4*time.Minute {
			t.Errorf("seed %d: last send at %s", seed, last)
		}
	}
}

// throttleServer answers 204 (or the JSON body) and counts requests DRF
// would have refused at their arrival time.
type throttleServer struct {
	*httptest.Server
	drf      *drf
	refused  atomic.Int64
	requests atomic.Int64
}

func newThrottleServer(t *testing.T, ws []RateWindow, latency time.Duration) *throttleServer {
	ts := &throttleServer{drf: newDRF(ws)}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ts.requests.Add(1)
		if !ts.drf.allow(time.Now()) {
			ts.refused.Add(1)
			writeJSON(w, 429, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 1 second.","attr":null}`)
			return
		}
		time.Sleep(latency)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// deleteClassCall makes one call of the delete class and ignores the answer's body.
func deleteClassCall(ctx context.Context, c *Client) error {
	_, err := c.do(ctx, endpointBulkDelete, endpointBulkDelete.at(1, ""), nil, nil, nil)
	return err
}

// pacedDuration is the time at which the last of n requests of one class
// can be sent when all are ready at time 0 and take no time: the lower
// bound PostHog's sliding windows allow, which the client's pacing must reach
// (plus, per window refill, the latency of the request whose slot is
// reused). For one window it is floor((n-1)/Requests)·Per.
func pacedDuration(windows []RateWindow, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	t := make([]time.Duration, n)
	for k := range n {
		if k > 0 {
			t[k] = t[k-1]
		}
		for _, w := range windows {
			if w.Requests > 0 && k >= w.Requests {
				t[k] = max(t[k], t[k-w.Requests]+w.Per)
			}
		}
	}
	return t[n-1]
}

// TestPacingConcurrentCallers: 20 goroutines deleting through one Client
// never exceed a window and finish near the lower bound.
func TestPacingConcurrentCallers(t *testing.T) {
	ws := []RateWindow{{20, 150 * time.Millisecond}, {50, time.Second}}
	srv := newThrottleServer(t, ws, time.Millisecond)
	c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, RateLimits: RateLimits{Delete: ws}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 20 {
		wg.Go(func() {
			for next.Add(1) <= n {
				if err := deleteClassCall(context.Background(), c); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	lower := pacedDuration(ws, n) // 1 s: 20+20+10 in the first second
	if srv.refused.Load() != 0 || srv.requests.Load() != n {
		t.Fatalf("%d of %d requests throttled", srv.refused.Load(), srv.requests.Load())
	}
	if elapsed < lower || elapsed > lower*12/10+100*time.Millisecond {
		t.Errorf("took %s, lower bound %s", elapsed, lower)
	}
}

// TestRateClassPerEndpoint: each method paces in its PostHog throttle class.
func TestRateClassPerEndpoint(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusAccepted)
		case strings.Contains(r.URL.Path, "/query/"):
			writeJSON(w, 200, actorsResponseBody)
		case strings.HasSuffix(r.URL.Path, "/lifecycle/"), strings.HasSuffix(r.URL.Path, "/funnel/"):
			writeJSON(w, 200, legacyPeople("", "p1"))
		default:
			writeJSON(w, 200, `{"results": [], "next": null}`)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	ctx := context.Background()
	const uuid = "0190a0e8-0000-7000-8000-000000000001"
	lifecycle := LifecycleActorsRequest{Events: []EventStep{{Event: "$pageview"}}, DateFrom: "2020-01-09", DateTo: "2020-01-19",
		Interval: IntervalDay, Day: "2020-01-12", Status: LifecycleReturning}
	correlation := FunnelCorrelationActorsRequest{Funnel: s4Funnel, Event: &EventStep{Event: "x"}}
	calls := []struct {
		name string
		want RateClass
		call func() error
	}{
		{"BulkDelete", RateClassDelete, func() error {
			_, err := c.BulkDelete(ctx, 1, BulkDeleteRequest{DistinctIDs: []string{"a"}})
			return err
		}},
		{"BatchByDistinctIDs", RateClassPersonsRead, func() error { _, err := c.BatchByDistinctIDs(ctx, 1, []string{"a"}); return err }},
		{"BatchByUUIDs", RateClassPersonsRead, func() error { _, err := c.BatchByUUIDs(ctx, 1, []string{uuid}); return err }},
		{"PersonCohorts", RateClassPersonsRead, func() error { _, err := c.PersonCohorts(ctx, 1, uuid); return err }},
		{"ListDeletionStatus", RateClassPersonsRead, func() error { _, err := c.ListDeletionStatus(ctx, 1, DeletionStatusOptions{}); return err }},
		{"legacy lifecycle", RateClassPersonsRead, func() error {
			_, err := c.legacyActors(ctx, 1, lifecycle.legacy(), legacyAuto, 2, 0)
			return err
		}},
		{"legacy funnel POST", RateClassPersonsRead, func() error {
			_, err := c.legacyActors(ctx, 1, FunnelActorsRequest{Funnel: s4Funnel, Step: 1}.legacy(), legacyPOST, 0, 0)
			return err
		}},
		{"legacy correlation GET", RateClassPersonsRead, func() error {
			_, err := c.legacyActors(ctx, 1, correlation.legacy(), legacyGET, 0, 0)
			return err
		}},
		{"query lifecycle", RateClassQuery, func() error { _, err := c.queryActors(ctx, 1, lifecycle, 2, 0); return err }},
		{"query funnel", RateClassQuery, func() error {
			_, err := c.queryActors(ctx, 1, FunnelActorsRequest{Funnel: s4Funnel, Step: 1}, 0, 0)
			return err
		}},
		{"query poll", RateClassQuery, func() error { _, err := c.pollQuery(ctx, 1, "q-1", &queryStatus{}); return err }},
	}
	counts := func() map[RateClass]int {
		m := map[RateClass]int{}
		for class, p := range c.pacers {
			p.mu.Lock()
			m[class] = len(p.ends)
			p.mu.Unlock()
		}
		return m
	}
	for _, tc := range calls {
		before, hitsBefore := counts(), hits
		// The canned bodies do not fit every endpoint; only the requests matter.
		if err := tc.call(); err != nil && strings.Contains(err.Error(), "rate limit") {
			t.Errorf("%s: %v", tc.name, err)
		}
		after := counts()
		if hits == hitsBefore {
			t.Errorf("%s: no request", tc.name)
		}
		for _, class := range []RateClass{RateClassDelete, RateClassPersonsRead, RateClassQuery} {
			want := 0
			if class == tc.want {
				want = hits - hitsBefore
			}
			if got := after[class] - before[class]; got != want {
				t.Errorf("%s: %d calls paced as %s, want %d", tc.name, got, class, want)
			}
		}
	}
}

// TestPacingDisabled: with pacing off, a limit of one call per hour does not
// hold anything back.
func TestPacingDisabled(t *testing.T) {
	srv := newThrottleServer(t, []RateWindow{{1000, time.Hour}}, 0)
	hourly := []RateWindow{{1, time.Hour}}
	c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, RateLimits: RateLimits{Disabled: true, Delete: hourly}})
	if err != nil {
		t.Fatal(err)
	}
	off, err := NewClient(Config{Host: srv.URL, APIKey: testKey, RateLimits: RateLimits{Delete: []RateWindow{}}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 20 {
		for _, cl := range []*Client{c, off} {
			if err := deleteClassCall(context.Background(), cl); err != nil {
				t.Fatal(err)
			}
		}
	}
	if d := time.Since(start); d > 2*time.Second || c.pacers != nil || off.pacers[RateClassDelete] != nil {
		t.Fatalf("took %s with pacing disabled", d)
	}
}

// TestPacingWaitHonoursContext: a cancel ends a pacing wait at once; a wait
// that would pass the deadline fails without waiting.
func TestPacingWaitHonoursContext(t *testing.T) {
	srv := newThrottleServer(t, []RateWindow{{1000, time.Hour}}, 0)
	c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, RateLimits: RateLimits{PersonsRead: []RateWindow{{1, time.Hour}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PersonCohorts(context.Background(), 1, "42"); err == nil || strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("first call should reach the server (and fail decoding its empty body): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.PersonCohorts(ctx, 1, "42")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "persons_read rate limit") || time.Since(start) > time.Second {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), time.Minute)
	defer dcancel()
	start = time.Now()
	_, err = c.PersonCohorts(dctx, 1, "42")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "would pass the context deadline") || time.Since(start) > time.Second {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
	if srv.requests.Load() != 1 {
		t.Fatalf("%d requests", srv.requests.Load())
	}
}

// TestThrottledBlocksClass: a 429 holds back every caller of the class for
// the time PostHog named, and only that class.
func TestThrottledBlocksClass(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 429, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 30 seconds.","attr":null}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	err := deleteClassCall(context.Background(), c)
	if !hasStatus(err, 429) {
		t.Fatal(err)
	}
	p := c.pacers[RateClassDelete]
	p.mu.Lock()
	ok, at, _ := p.check(time.Now())
	p.mu.Unlock()
	if ok || time.Until(at) < 29*time.Second {
		t.Fatalf("delete class not blocked: %v %s", ok, time.Until(at))
	}
	if ok, _, _ := c.pacers[RateClassPersonsRead].check(time.Now()); !ok {
		t.Fatal("persons_read blocked too")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := deleteClassCall(ctx, c); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestPacingLogLevels(t *testing.T) {
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	p := newPacer(RateClassQuery, nil, time.Now)
	p.logWait(ctx, 0)
	p.logWait(ctx, 200*time.Millisecond)
	p.logWait(ctx, 3*time.Second)
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil || len(entries) != 2 {
		t.Fatalf("%d entries: %v", len(entries), err)
	}
	// Every wait is logged at info level (the bench counts them at INFO);
	// no wait, no line.
	if entries[0]["@level"] != "info" || entries[0]["wait"] != "200ms" ||
		entries[1]["@level"] != "info" || entries[1]["rate_class"] != "query" || entries[1]["wait"] != "3s" {
		t.Fatalf("entries: %v", entries)
	}
}

// A call that gets a pacing slot at once logs nothing: logging it made
// every call look paced.
func TestPacingLogsNothingWithoutAWait(t *testing.T) {
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	p := newPacer(RateClassQuery, []RateWindow{{10, time.Minute}}, time.Now)
	done, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if buf.Len() != 0 {
		t.Fatalf("a call that did not wait logged: %s", buf.String())
	}
}

func TestRateLimitsValidate(t *testing.T) {
	if _, err := NewClient(Config{Host: "https://us.posthog.com", APIKey: "k", RateLimits: RateLimits{Query: []RateWindow{{0, time.Minute}}}}); err == nil {
		t.Fatal("zero requests accepted")
	}
	s := RateLimits{PersonsRead: []RateWindow{{10, time.Second}}}.Scaled(2)
	if s.PersonsRead[0].Per != 500*time.Millisecond || s.Delete[1].Per != 30*time.Minute || s.Query[0].Requests != 240 {
		t.Fatalf("scaled: %+v", s)
	}
}

func TestParseRateLimitScale(t *testing.T) {
	for raw, want := range map[string]float64{"1": 1, " 60 ": 60, "0.5": 0.5} {
		if f, err := ParseRateLimitScale(raw); err != nil || f != want {
			t.Errorf("%q: %v %v", raw, f, err)
		}
	}
	for _, raw := range []string{"", "0", "-2", "x", "NaN", "Inf"} {
		if _, err := ParseRateLimitScale(raw); err == nil {
			t.Errorf("%q accepted", raw)
		}
	}
}

// A long pacing wait is announced at info level before it starts, with its
// class and length.
func TestPacingAnnouncesLongWaits(t *testing.T) {
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	p := newPacer(RateClassDelete, []RateWindow{{1, 1500 * time.Millisecond}}, time.Now)
	release, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release()
	release, err = p.acquire(ctx) // waits ~1.5 s for the window
	if err != nil {
		t.Fatal(err)
	}
	release()
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var announce, done int
	for _, e := range entries {
		switch e["@message"] {
		case "Waiting for PostHog's rate limit":
			announce++
			if e["@level"] != "info" || e["rate_class"] != "delete" || e["wait"] == "" {
				t.Errorf("announcement: %v", e)
			}
		case "Waited for PostHog's rate limit":
			if e["@level"] == "info" {
				done++
			}
		}
	}
	if announce != 1 || done != 1 {
		t.Fatalf("%d announcements and %d completions logged, want 1 and 1: %v", announce, done, entries)
	}
}
