package lookups

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// fakeBatch is a batch endpoint that records its calls; every id resolves to
// a person named after it, except ids starting with "missing".
type fakeBatch struct {
	mu      sync.Mutex
	calls   [][]string
	err     error
	release chan struct{} // when set, calls wait for it (or their ctx)
	started chan struct{} // when set, receives one value per call
	ctxErrs []error       // ctx.Err() of each call after it returned
}

func (f *fakeBatch) fetch(ctx context.Context, _ int64, ids []string) (map[string]posthog.Person, error) {
	f.mu.Lock()
	f.calls = append(f.calls, append([]string(nil), ids...))
	f.mu.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
		}
	}
	f.mu.Lock()
	f.ctxErrs = append(f.ctxErrs, ctx.Err())
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]posthog.Person)
	for _, id := range ids {
		if len(id) >= 7 && id[:7] == "missing" {
			continue
		}
		out[id] = posthog.Person{UUID: "uuid-" + id}
	}
	return out, nil
}

func (f *fakeBatch) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func TestCoalescer_MergesConcurrentCallers(t *testing.T) {
	f := &fakeBatch{}
	c := newCoalescer(50*time.Millisecond, 50*time.Millisecond, 200)
	const callers = 50
	var wg sync.WaitGroup
	errs := make([]error, callers)
	results := make([]map[string]posthog.Person, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each caller asks for its own two ids, one shared id and one unknown id.
			ids := []string{fmt.Sprintf("a-%d", i), fmt.Sprintf("b-%d", i), "shared", fmt.Sprintf("missing-%d", i)}
			results[i], errs[i] = c.lookup(t.Context(), 1, ids, f.fetch)
		}()
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		want := map[string]string{fmt.Sprintf("a-%d", i): "", fmt.Sprintf("b-%d", i): "", "shared": ""}
		if len(results[i]) != len(want) {
			t.Errorf("caller %d got %d persons, want %d: %v", i, len(results[i]), len(want), results[i])
		}
		for id := range want {
			if results[i][id].UUID != "uuid-"+id {
				t.Errorf("caller %d: %s resolved to %q", i, id, results[i][id].UUID)
			}
		}
	}
	// 50 callers × 3 own ids + 1 shared id = 151 ids: one call.
	if n := f.callCount(); n != 1 {
		t.Fatalf("%d calls (%v), want 1 for 151 distinct ids", n, f.calls)
	}
	if len(f.calls[0]) != 151 {
		t.Errorf("the call carried %d ids, want 151 (duplicates merged)", len(f.calls[0]))
	}
}

func TestCoalescer_FlushesAtBatchSize(t *testing.T) {
	f := &fakeBatch{}
	// A window far longer than the test: only full batches may be sent early.
	c := newCoalescer(time.Hour, time.Hour, 200)
	ids := make([]string, 400)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%d", i)
	}
	done := make(chan error, 1)
	go func() {
		got, err := c.lookup(t.Context(), 1, ids, f.fetch)
		if err == nil && len(got) != 400 {
			err = fmt.Errorf("got %d persons, want 400", len(got))
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("400 ids did not flush as two full batches")
	}
	if n := f.callCount(); n != 2 || len(f.calls[0]) != 200 || len(f.calls[1]) != 200 {
		t.Fatalf("calls: %d, want 2 of 200 ids", n)
	}

	// Any batch size: 7 ids in batches of 3.
	f3 := &fakeBatch{}
	if got, err := newCoalescer(20*time.Millisecond, 20*time.Millisecond, 3).lookup(t.Context(), 1, ids[:7], f3.fetch); err != nil || len(got) != 7 {
		t.Fatalf("7 ids: %d persons, %v", len(got), err)
	}
	if n := f3.callCount(); n != 3 || len(f3.calls[2]) != 1 {
		t.Fatalf("7 ids in batches of 3: %v", f3.calls)
	}

	// 201 ids: one full batch at once, the last id waits for the window.
	f2 := &fakeBatch{}
	c2 := newCoalescer(30*time.Millisecond, 30*time.Millisecond, 200)
	got, err := c2.lookup(t.Context(), 1, ids[:201], f2.fetch)
	if err != nil || len(got) != 201 {
		t.Fatalf("201 ids: %d persons, %v", len(got), err)
	}
	if n := f2.callCount(); n != 2 || len(f2.calls[0]) != 200 || len(f2.calls[1]) != 1 {
		t.Fatalf("201 ids: %d calls, want 200 + 1", n)
	}
}

func TestCoalescer_SeparatesProjects(t *testing.T) {
	var mu sync.Mutex
	seen := map[int64][]string{}
	fetch := func(_ context.Context, projectID int64, ids []string) (map[string]posthog.Person, error) {
		mu.Lock()
		defer mu.Unlock()
		seen[projectID] = append(seen[projectID], ids...)
		return map[string]posthog.Person{}, nil
	}
	c := newCoalescer(20*time.Millisecond, 20*time.Millisecond, 200)
	var wg sync.WaitGroup
	for _, p := range []int64{1, 2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.lookup(t.Context(), p, []string{fmt.Sprint("p", p)}, fetch); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(seen[1]) != 1 || seen[1][0] != "p1" || len(seen[2]) != 1 || seen[2][0] != "p2" {
		t.Fatalf("ids per project: %v", seen)
	}
}

func TestCoalescer_ErrorReachesEveryCaller(t *testing.T) {
	boom := &posthog.APIError{StatusCode: 404}
	f := &fakeBatch{err: boom}
	c := newCoalescer(30*time.Millisecond, 30*time.Millisecond, 200)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.lookup(t.Context(), 1, []string{fmt.Sprint("id-", i)}, f.fetch)
			if errors.Is(err, boom) && posthog.IsNotFound(err) {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 5 {
		t.Fatalf("%d of 5 callers got the error", failed.Load())
	}
	if n := f.callCount(); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
	// The error is not kept: the next lookup calls again.
	f.err = nil
	if got, err := c.lookup(t.Context(), 1, []string{"x"}, f.fetch); err != nil || len(got) != 1 {
		t.Fatalf("lookup after an error: %v, %v", got, err)
	}
}

func TestCoalescer_CancelOfOneCallerSparesTheOthers(t *testing.T) {
	f := &fakeBatch{release: make(chan struct{}), started: make(chan struct{}, 1)}
	c := newCoalescer(20*time.Millisecond, 20*time.Millisecond, 200)

	cancelled, cancel := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() {
		// This caller creates the batch: the call must not use its context.
		_, err := c.lookup(cancelled, 1, []string{"a"}, f.fetch)
		firstErr <- err
	}()
	time.Sleep(5 * time.Millisecond)
	secondDone := make(chan map[string]posthog.Person, 1)
	go func() {
		got, err := c.lookup(t.Context(), 1, []string{"b"}, f.fetch)
		if err != nil {
			t.Error(err)
		}
		secondDone <- got
	}()
	<-f.started // the shared call is in flight
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v, want context.Canceled", err)
	}
	close(f.release)
	got := <-secondDone
	if got["b"].UUID != "uuid-b" || len(got) != 1 {
		t.Fatalf("remaining caller got %v", got)
	}
	if f.ctxErrs[0] != nil {
		t.Fatalf("the shared call saw its context end: %v", f.ctxErrs[0])
	}
}

func TestCoalescer_CallIsCancelledWhenEveryCallerHasGone(t *testing.T) {
	f := &fakeBatch{release: make(chan struct{}), started: make(chan struct{}, 1)}
	c := newCoalescer(time.Millisecond, time.Millisecond, 200)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := c.lookup(ctx, 1, []string{"a"}, f.fetch)
		errc <- err
	}()
	<-f.started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("caller: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		n := len(f.ctxErrs)
		f.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call nobody waits for was not cancelled")
		}
		time.Sleep(time.Millisecond)
	}
	if !errors.Is(f.ctxErrs[0], context.Canceled) {
		t.Fatalf("call context: %v", f.ctxErrs[0])
	}
}

func TestCoalescer_LateCallerStartsANewBatch(t *testing.T) {
	f := &fakeBatch{release: make(chan struct{}), started: make(chan struct{}, 2)}
	c := newCoalescer(5*time.Millisecond, 5*time.Millisecond, 200)
	first := make(chan error, 1)
	go func() {
		_, err := c.lookup(t.Context(), 1, []string{"a"}, f.fetch)
		first <- err
	}()
	<-f.started
	// The first batch is in flight: a new caller must not join it (its
	// answer could predate this call), even for the same id.
	second := make(chan error, 1)
	go func() {
		_, err := c.lookup(t.Context(), 1, []string{"a"}, f.fetch)
		second <- err
	}()
	<-f.started
	close(f.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if n := f.callCount(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}

func TestStatusCache(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var lists, directs atomic.Int32
	var directIDs []string
	rows := []posthog.DeletionStatus{
		{PersonUUID: "P1", CreatedAt: "2024-01-01", DeleteVerifiedAt: "2024-01-07"},
		{PersonUUID: "p2", CreatedAt: "2024-01-01"},
	}
	list := func(ctx context.Context) ([]posthog.DeletionStatus, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lists.Add(1)
		time.Sleep(10 * time.Millisecond)
		return rows, nil
	}
	direct := func(ctx context.Context, ids []string) ([]posthog.DeletionStatus, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		directs.Add(1)
		directIDs = append(directIDs, ids...)
		return []posthog.DeletionStatus{}, nil
	}
	c := newStatusCache(30*time.Second, 5, clock)

	// A few persons are asked about one by one, up to the budget.
	if _, err := c.rows(t.Context(), 1, []string{"a", "b", "c"}, list, direct); err != nil {
		t.Fatal(err)
	}
	if lists.Load() != 0 || directs.Load() != 1 {
		t.Fatalf("lists %d, directs %d; want 0 and 1", lists.Load(), directs.Load())
	}
	// Past the budget, concurrent callers share one listing.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.rows(t.Context(), 1, []string{"p1", "P2", "p3"}, list, direct)
			if err != nil || len(got) != 2 {
				t.Errorf("rows: %v, %v", got, err)
			}
		}()
	}
	wg.Wait()
	if lists.Load() != 1 || directs.Load() != 1 {
		t.Fatalf("lists %d, directs %d; want 1 and 1", lists.Load(), directs.Load())
	}

	// Persons this process queued are pending, whatever the listing says.
	if c.queuedAny(1, []string{"p1", "p2"}) {
		t.Fatal("nothing queued yet")
	}
	c.markQueued(1, []string{"P2"})
	if !c.queuedAny(1, []string{"p1", "p2"}) || c.queuedAny(2, []string{"p2"}) || c.queuedAny(1, []string{"p1"}) {
		t.Fatal("queuedAny does not match markQueued(1, P2)")
	}
	if len(directIDs) != 3 {
		t.Fatalf("direct reads: %v", directIDs)
	}
	// Another project has its own listing.
	if _, err := c.rows(t.Context(), 2, []string{"1", "2", "3", "4", "5", "6"}, list, direct); err != nil {
		t.Fatal(err)
	}
	if lists.Load() != 2 {
		t.Fatalf("lists %d after project 2, want 2", lists.Load())
	}
	// After the TTL the listing is read again.
	now = now.Add(31 * time.Second)
	if _, err := c.rows(t.Context(), 1, []string{"p1", "x", "y"}, list, direct); err != nil {
		t.Fatal(err)
	}
	if lists.Load() != 3 {
		t.Fatalf("lists %d after the TTL, want 3", lists.Load())
	}
}

func TestStatusCache_ErrorIsNotCached(t *testing.T) {
	boom := errors.New("boom")
	fail := true
	list := func(context.Context) ([]posthog.DeletionStatus, error) {
		if fail {
			return nil, boom
		}
		return nil, nil
	}
	direct := func(context.Context, []string) ([]posthog.DeletionStatus, error) { return nil, nil }
	c := newStatusCache(time.Minute, 0, time.Now)
	if _, err := c.rows(t.Context(), 1, []string{"a"}, list, direct); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	fail = false
	if _, err := c.rows(t.Context(), 1, []string{"a"}, list, direct); err != nil {
		t.Fatalf("second read: %v", err)
	}
}

// Callers that arrive one after another, each within the window of the
// previous one, share one call: the window counts from the last caller.
func TestCoalescer_WindowRestartsForEachCaller(t *testing.T) {
	f := &fakeBatch{}
	c := newCoalescer(500*time.Millisecond, time.Minute, 200)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.lookup(t.Context(), 1, []string{fmt.Sprintf("id-%d", i)}, f.fetch); err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	if n := f.callCount(); n != 1 {
		t.Fatalf("%d calls for 10 callers 10 ms apart with a 500 ms window, want 1", n)
	}
}

// A batch goes after maxWait even while the window would keep it open.
func TestCoalescer_MaxWaitBoundsTheWindow(t *testing.T) {
	f := &fakeBatch{}
	c := newCoalescer(time.Hour, 100*time.Millisecond, 200)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if _, err := c.lookup(ctx, 1, []string{"alone"}, f.fetch); err != nil {
		t.Fatalf("a lone caller was not served before maxWait passed: %v", err)
	}
	if n := f.callCount(); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}

// Callers whose spacing the coalescer has seen keep sharing calls when later
// ones come further apart than the least window: the window stretches to
// three times the spacing of callers that joined others.
func TestCoalescer_WindowFollowsCallerSpacing(t *testing.T) {
	f := &fakeBatch{}
	c := newCoalescer(40*time.Millisecond, time.Minute, 200)
	var wg sync.WaitGroup
	const callers = 16
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.lookup(t.Context(), 1, []string{fmt.Sprintf("id-%d", i)}, f.fetch); err != nil {
				t.Error(err)
			}
		}()
		// The first half come 25 ms apart and join each other; the second
		// half 60 ms apart, past the 40 ms least window.
		if i < callers/2 {
			time.Sleep(25 * time.Millisecond)
		} else {
			time.Sleep(60 * time.Millisecond)
		}
	}
	wg.Wait()
	// A fixed 40 ms window would send one call per caller of the second half.
	if n := f.callCount(); n > callers/4 {
		t.Fatalf("%d calls for %d callers, want at most %d", n, callers, callers/4)
	}
}

// One caller's successive lookups (a lone resource's plan, apply and
// verification) do not stretch the window: only callers that join others do.
func TestCoalescer_LoneCallerKeepsTheLeastWindow(t *testing.T) {
	f := &fakeBatch{}
	c := newCoalescer(20*time.Millisecond, time.Minute, 200)
	for i := range 5 {
		if _, err := c.lookup(t.Context(), 1, []string{fmt.Sprintf("id-%d", i)}, f.fetch); err != nil {
			t.Fatal(err)
		}
		time.Sleep(60 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.spacing != 0 {
		t.Fatalf("a lone caller's lookups set the spacing to %s", c.spacing)
	}
}
