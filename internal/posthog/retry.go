package posthog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The retry decisions are pure functions so unit tests can call them directly;
// the loop that uses them lives in client.go (Client.do).

// shouldRetry reports whether an attempt that ended with this status (or this
// transport error, when err != nil) is worth repeating.
// 429 and 500/502/503/504 are retried, other statuses are not; transport errors
// are retried unless they are a context cancellation, a refused redirect or a
// certificate problem, which a retry cannot fix.
func shouldRetry(statusCode int, err error) bool {
	if err != nil {
		switch {
		case errors.Is(err, context.Canceled):
			return false
		case errors.Is(err, errRedirectRefused):
			return false
		case errors.Is(err, errBodyTooLarge):
			return false
		}
		var unknownCA x509.UnknownAuthorityError
		var invalidCert x509.CertificateInvalidError
		var hostErr x509.HostnameError
		var verifyErr *tls.CertificateVerificationError
		if errors.As(err, &unknownCA) || errors.As(err, &invalidCert) ||
			errors.As(err, &hostErr) || errors.As(err, &verifyErr) {
			return false
		}
		// Includes the per-attempt timeout (context.DeadlineExceeded of the
		// attempt context); the caller checks the parent context separately.
		return true
	}
	switch statusCode {
	case http.StatusTooManyRequests,
		http.StatusInternalServerError,
		http.StatusBadGateway,
		http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return true
	}
	return false
}

// parseRetryAfter reads a Retry-After header value: delay seconds or an
// HTTP-date. A date in the past yields 0.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, false
		}
		return secondsToDuration(secs), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// DRF's Throttled detail (docs/dev/posthog-behaviour.md#rate-limits): "Request was
// throttled. Expected available in N seconds." (singular "second" when N is 1 in
// DRF's ngettext).
var throttledDetailRE = regexp.MustCompile(`(?i)expected available in\s+(\d+(?:\.\d+)?)\s+seconds?`)

// parseThrottledDetail extracts the wait from PostHog's throttled detail.
func parseThrottledDetail(detail string) (time.Duration, bool) {
	m := throttledDetailRE.FindStringSubmatch(detail)
	if m == nil {
		return 0, false
	}
	secs, err := strconv.ParseFloat(m[1], 64)
	if err != nil || secs < 0 {
		return 0, false
	}
	return secondsToDuration(secs), true
}

// secondsToDuration converts a non-negative number of seconds, saturating
// instead of overflowing: an absurd wait from a server must stay a long wait
// (which the deadline check then refuses), never wrap to a negative one that
// would retry at once.
func secondsToDuration(secs float64) time.Duration {
	if secs >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(secs * float64(time.Second))
}

// serverRequestedWait is the wait PostHog (or a proxy in front of it) asked
// for: the Retry-After header when present, else the seconds in the throttled
// detail. PostHog's exceptions_hog handler drops DRF's Retry-After header, so
// the detail is usually the only hint (docs/dev/posthog-behaviour.md#rate-limits).
func serverRequestedWait(h http.Header, detail string, now time.Time) (time.Duration, bool) {
	if h != nil {
		if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
			return d, true
		}
	}
	return parseThrottledDetail(detail)
}

// backoff is the capped exponential wait before retry number n (1-based):
// d = min(max, min·2^(n-1)), returned with "equal jitter" in [d/2, d].
// r is a random number in [0, 1).
func backoff(n int, minWait, maxWait time.Duration, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	if maxWait < minWait {
		maxWait = minWait
	}
	d := maxWait
	if n-1 < 62 {
		mult := math.Pow(2, float64(n-1))
		if f := float64(minWait) * mult; f < float64(maxWait) {
			d = time.Duration(f)
		}
	}
	if r < 0 {
		r = 0
	}
	if r >= 1 {
		r = 0.999999
	}
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// retryWait decides how long to wait before retry number n. A wait the server
// asked for is used as is, not clamped (waiting 40 s is right when PostHog
// says 40 s); the caller refuses one longer than its MaxRetryWait or past the
// context deadline. Otherwise it is the jittered backoff. asked reports
// which one applied.
func retryWait(n int, h http.Header, detail string, minWait, maxWait time.Duration, now time.Time, r float64) (wait time.Duration, asked bool) {
	if d, ok := serverRequestedWait(h, detail, now); ok && d > 0 {
		return d, true
	}
	return backoff(n, minWait, maxWait, r), false
}

// waitPastDeadline reports whether waiting d from now would pass ctx's deadline.
func waitPastDeadline(ctx context.Context, d time.Duration, now time.Time) (bool, time.Duration) {
	dl, ok := ctx.Deadline()
	if !ok {
		return false, 0
	}
	remaining := dl.Sub(now)
	// Compare durations rather than now.Add(d): d may be huge.
	return d > remaining, remaining
}

// sleepCtx waits d or until ctx is done, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
