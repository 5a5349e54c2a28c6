package posthog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

var now0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestShouldRetryStatuses(t *testing.T) {
	for _, s := range []int{429, 500, 502, 503, 504} {
		if !shouldRetry(s, nil) {
			t.Errorf("status %d should be retried", s)
		}
	}
	for _, s := range []int{200, 202, 400, 401, 403, 404, 405, 409, 422, 499, 501, 505} {
		if shouldRetry(s, nil) {
			t.Errorf("status %d should not be retried", s)
		}
	}
}

func TestShouldRetryErrors(t *testing.T) {
	transport := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	if !shouldRetry(0, transport) {
		t.Error("transport error should be retried")
	}
	if !shouldRetry(0, fmt.Errorf("attempt: %w", context.DeadlineExceeded)) {
		t.Error("per-attempt timeout should be retried")
	}
	if shouldRetry(0, fmt.Errorf("x: %w", context.Canceled)) {
		t.Error("context cancellation must not be retried")
	}
	if shouldRetry(0, fmt.Errorf("x: %w", errRedirectRefused)) {
		t.Error("refused redirect must not be retried")
	}
}

func TestParseRetryAfter(t *testing.T) {
	if d, ok := parseRetryAfter("7", now0); !ok || d != 7*time.Second {
		t.Errorf("seconds: got %v %v", d, ok)
	}
	date := now0.Add(12 * time.Second).Format(http.TimeFormat)
	if d, ok := parseRetryAfter(date, now0); !ok || d != 12*time.Second {
		t.Errorf("http-date: got %v %v", d, ok)
	}
	if d, ok := parseRetryAfter(now0.Add(-time.Minute).Format(http.TimeFormat), now0); !ok || d != 0 {
		t.Errorf("past date: got %v %v", d, ok)
	}
	for _, bad := range []string{"", "soon", "-3"} {
		if _, ok := parseRetryAfter(bad, now0); ok {
			t.Errorf("%q should not parse", bad)
		}
	}
}

func TestParseThrottledDetail(t *testing.T) {
	cases := map[string]time.Duration{
		"Request was throttled. Expected available in 40 seconds.":  40 * time.Second,
		"Request was throttled. Expected available in 1 second.":    time.Second,
		"Request was throttled. Expected available in 1 seconds.":   time.Second,
		"Request was throttled. Expected available in 2.5 seconds.": 2500 * time.Millisecond,
	}
	for in, want := range cases {
		if d, ok := parseThrottledDetail(in); !ok || d != want {
			t.Errorf("%q: got %v %v want %v", in, d, ok, want)
		}
	}
	if _, ok := parseThrottledDetail("Request was throttled."); ok {
		t.Error("detail without seconds should not parse")
	}
}

func TestRetryWait429RetryAfterHeader(t *testing.T) {
	h := http.Header{"Retry-After": {"3"}}
	d, asked := retryWait(1, h, "Request was throttled. Expected available in 40 seconds.", time.Millisecond, time.Second, now0, 0.5)
	if !asked || d != 3*time.Second {
		t.Fatalf("header must win over detail: %v %v", d, asked)
	}
	h = http.Header{"Retry-After": {now0.Add(90 * time.Second).Format(http.TimeFormat)}}
	d, asked = retryWait(1, h, "", time.Millisecond, time.Second, now0, 0.5)
	if !asked || d != 90*time.Second {
		t.Fatalf("http-date: %v %v", d, asked)
	}
}

func TestRetryWait429DetailUsedAsIs(t *testing.T) {
	// 40 s is far above RetryWaitMax; it must not be clamped.
	d, asked := retryWait(1, http.Header{}, "Request was throttled. Expected available in 40 seconds.", time.Second, 30*time.Second, now0, 0.9)
	if !asked || d != 40*time.Second {
		t.Fatalf("got %v %v, want 40s as is", d, asked)
	}
}

func TestBackoffCappedWithJitter(t *testing.T) {
	minW, maxW := 100*time.Millisecond, 2*time.Second
	for n := 1; n <= 12; n++ {
		d := min(maxW, minW<<(n-1))
		for _, r := range []float64{0, 0.25, 0.5, 0.999} {
			got := backoff(n, minW, maxW, r)
			if got < d/2 || got > d {
				t.Errorf("n=%d r=%v: %v not in [%v, %v]", n, r, got, d/2, d)
			}
		}
	}
	if backoff(100, minW, maxW, 0.999) > maxW {
		t.Error("backoff exceeded cap")
	}
	if backoff(3, minW, maxW, 0) == backoff(3, minW, maxW, 0.9) {
		t.Error("jitter has no effect")
	}
	// Without a server hint a 5xx uses the backoff.
	if d, asked := retryWait(2, http.Header{}, "A server error occurred.", minW, maxW, now0, 0); asked || d != minW {
		t.Errorf("5xx: got %v %v", d, asked)
	}
}

func TestWaitPastDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), now0.Add(10*time.Second))
	defer cancel()
	if past, _ := waitPastDeadline(ctx, 40*time.Second, now0); !past {
		t.Error("40s wait should pass a 10s deadline")
	}
	if past, _ := waitPastDeadline(ctx, 5*time.Second, now0); past {
		t.Error("5s wait fits a 10s deadline")
	}
	if past, _ := waitPastDeadline(context.Background(), time.Hour, now0); past {
		t.Error("no deadline never passes")
	}
}

func TestSleepCtxStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	if err := sleepCtx(ctx, 10*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("sleep did not stop promptly")
	}
}
