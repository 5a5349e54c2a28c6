// Package posthog is the typed client for PostHog's persons REST API and the
// Query API, as docs/dev/posthog-behaviour.md describes them. The provider
// builds no URLs and reads no PostHog error texts itself: every endpoint is
// declared in endpoints.go and has a method here.
package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Config configures a Client.
type Config struct {
	Host           string // base URL, e.g. "https://us.posthog.com"
	APIKey         string
	MaxRetries     int           // retries after the first attempt; negative is treated as 0
	RequestTimeout time.Duration // per attempt; 0 = 60s
	// Backoff bounds for non-throttled retries; 0 → 1s and 30s.
	RetryWaitMin, RetryWaitMax time.Duration
	UserAgent                  string
	HTTPClient                 *http.Client // optional base client; else a pooled cleanhttp client
	// RateLimits paces requests per PostHog throttle class (see
	// ratelimit.go); the zero value paces to PostHog Cloud's limits.
	RateLimits RateLimits
	// PacingJournalDir is where the pacing history is shared with later
	// clients of the same host and key, in other processes (see
	// pacing_journal.go); empty turns the journal off.
	PacingJournalDir string
	// MaxRetryWait is the longest wait PostHog may ask for (Retry-After or
	// its throttled message) that the client accepts; a call asked to wait
	// longer fails at once. 0 = DefaultMaxRetryWait.
	MaxRetryWait time.Duration
}

// Client calls the PostHog persons API. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	apiKey     string
	maxRetries int
	timeout    time.Duration
	waitMin    time.Duration
	waitMax    time.Duration
	userAgent  string
	hc         *http.Client
	maxBody    int64
	now        func() time.Time
	rand       func() float64
	pacers     map[RateClass]*pacer // nil entry: class not paced
	journal    *pacingJournal       // nil: history not shared
	redact     redactor             // cleans server text quoted in errors
	// maxRetryWait bounds the waits PostHog asks for, and what a 429 puts
	// into the pacers and the journal.
	maxRetryWait time.Duration
	// maxQueryWait bounds how long an asynchronous query is polled.
	maxQueryWait time.Duration
	// deletionStatusPageCap bounds the pages of one deletion_status listing.
	deletionStatusPageCap int
}

const (
	defaultRequestTimeout = 60 * time.Second
	defaultWaitMin        = time.Second
	defaultWaitMax        = 30 * time.Second
	defaultUserAgent      = "terraform-provider-posthog"
	maxResponseBytes      = 32 << 20 // 32 MiB
	maxRedirects          = 10
	// DefaultMaxRetryWait is the longest server-requested wait accepted by
	// default: longer than PostHog's minute windows ask for, short enough
	// that a run told to come back tomorrow fails instead of hanging.
	DefaultMaxRetryWait = 5 * time.Minute
	// defaultMaxQueryWait bounds the polling of one asynchronous query.
	defaultMaxQueryWait = 10 * time.Minute
	// defaultDeletionStatusPageCap bounds one deletion_status listing:
	// a million rows at 100 a page, far more than any real queue.
	defaultDeletionStatusPageCap = 10000
)

// NewClient validates cfg and builds a Client.
func NewClient(cfg Config) (*Client, error) {
	host := strings.TrimSpace(cfg.Host)
	if host == "" {
		return nil, errors.New("posthog: host is required (e.g. https://us.posthog.com)")
	}
	// The host may hold a user:password, which no message repeats.
	shown := RedactHost(host)
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("posthog: host %q is not a URL", shown)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("posthog: host %q must be an absolute http or https URL, e.g. https://us.posthog.com", shown)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("posthog: host %q must not contain credentials, a query or a fragment", shown)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("posthog: API key is required (a PostHog personal API key)")
	}

	if err := validateRateLimits(cfg.RateLimits); err != nil {
		return nil, err
	}

	c := &Client{
		base:       u,
		apiKey:     cfg.APIKey,
		maxRetries: max(cfg.MaxRetries, 0),
		timeout:    cfg.RequestTimeout,
		waitMin:    cfg.RetryWaitMin,
		waitMax:    cfg.RetryWaitMax,
		userAgent:  cfg.UserAgent,
		maxBody:    maxResponseBytes,
		now:        time.Now,
		rand:       rand.Float64,
		pacers:     newPacers(cfg.RateLimits),
		redact:     newRedactor(cfg.APIKey),

		maxRetryWait:          cfg.MaxRetryWait,
		maxQueryWait:          defaultMaxQueryWait,
		deletionStatusPageCap: defaultDeletionStatusPageCap,
	}
	if c.maxRetryWait <= 0 {
		c.maxRetryWait = DefaultMaxRetryWait
	}
	c.journal = openPacingJournal(cfg.PacingJournalDir, u.String(), cfg.APIKey, c.pacers, time.Now, c.maxRetryWait)
	if c.timeout <= 0 {
		c.timeout = defaultRequestTimeout
	}
	if c.waitMin <= 0 {
		c.waitMin = defaultWaitMin
	}
	if c.waitMax <= 0 {
		c.waitMax = defaultWaitMax
	}
	if c.waitMax < c.waitMin {
		c.waitMax = c.waitMin
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient // copy: we change CheckRedirect only on our copy
	} else {
		hc = *cleanhttp.DefaultPooledClient()
	}
	// Per-attempt timeouts come from the context; the client-wide timeout of
	// a caller's client would also apply, which is fine.
	hc.CheckRedirect = c.checkRedirect
	c.hc = &hc
	return c, nil
}

// checkRedirect decides which redirects are followed. A write (any method
// but GET and HEAD) never follows one: the redirected request would be a
// second write, to an address nobody reviewed. A read follows only a
// redirect that keeps the origin (scheme, host and port: the API key goes
// nowhere else) and the path (a redirect to another project or endpoint
// would answer another question than the one asked).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	orig := via[0]
	var why []string
	if orig.Method != http.MethodGet && orig.Method != http.MethodHead {
		why = append(why, "a write never follows a redirect, so nothing was sent again")
	}
	switch {
	case !sameOrigin(orig.URL, req.URL):
		why = append(why, "not sending the API key to another origin (scheme, host and port)")
	case req.URL.EscapedPath() != orig.URL.EscapedPath():
		why = append(why, "a redirect to another endpoint or project is not followed")
	case len(via) >= maxRedirects:
		why = append(why, fmt.Sprintf("stopped after %d redirects", maxRedirects))
	}
	if len(why) == 0 {
		return nil
	}
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	target := req.URL.Scheme + "://" + req.URL.Host + req.URL.EscapedPath()
	return fmt.Errorf("%w: PostHog answered with a redirect (%d) to %s; %s (set the provider host to the URL PostHog answers on without redirecting)",
		errRedirectRefused, status, c.redact.serverText(target), strings.Join(why, "; "))
}

// sameOrigin compares scheme, host and port, with the scheme's default port
// filled in.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && originPort(a) == originPort(b)
}

func originPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// do performs one call of endpoint ep with retries. ep names the method, the
// throttle class and the path template used in logs (no ids or distinct ids);
// path is the real escaped path below the host; body,
// when non-nil, is sent as JSON; out, when non-nil, receives the decoded 2xx
// body. It returns the final status code on success.
//
// Every method is retried the same way: all calls made here are safe to
// repeat (GETs, read-only batch POSTs, DELETE, and bulk_delete whose
// re-requests do not duplicate deletions; see BulkDelete).
func (c *Client) do(ctx context.Context, ep endpoint, path string, query url.Values, body, out any) (int, error) {
	method, tmpl := ep.method, ep.template()
	// path arrives escaped (ids go through url.PathEscape); keep Path and
	// RawPath consistent so an escaped "/" is not escaped twice.
	u := *c.base
	rawPath := c.base.EscapedPath() + path
	unescaped, err := url.PathUnescape(rawPath)
	if err != nil {
		return 0, fmt.Errorf("%s %s: invalid path: %w", method, rawPath, err)
	}
	u.Path, u.RawPath = unescaped, rawPath
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	endpoint := u.EscapedPath()
	fullURL := u.String()

	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return 0, fmt.Errorf("%s %s: encoding request body: %w", method, endpoint, err)
		}
	}
	// The key may never appear in logs; masking is a second line of defence.
	ctx = tflog.MaskAllFieldValuesStrings(ctx, c.redact.secrets...)
	ctx = tflog.MaskMessageStrings(ctx, c.redact.secrets...)
	class := ep.class
	fields := map[string]any{"method": method, "path": tmpl}

	attempts := c.maxRetries + 1
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, endpoint, err)
		}
		fields["attempt"] = attempt
		tflog.Debug(ctx, "PostHog API request", fields)
		if payload != nil {
			tflog.Trace(ctx, "PostHog API request body", map[string]any{"path": tmpl, "body": string(payload)})
		}

		release, err := c.pace(ctx, class)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, endpoint, err)
		}
		status, header, respBody, err := c.attempt(ctx, method, fullURL, payload)
		release()

		// Context cancellation by the caller ends everything at once.
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%s %s: %w", method, endpoint, ctx.Err())
		}
		if err != nil {
			if errors.Is(err, errBodyTooLarge) {
				return 0, fmt.Errorf("%s %s: PostHog response exceeds %d bytes: %w", method, endpoint, c.maxBody, err)
			}
			if !shouldRetry(0, err) || attempt >= attempts {
				tflog.Debug(ctx, "PostHog API transport error", fields)
				return 0, fmt.Errorf("%s %s: request failed after %d attempt(s): %w", method, endpoint, attempt, err)
			}
			wait, _ := retryWait(attempt, nil, "", c.waitMin, c.waitMax, c.now(), c.rand())
			if past, rem := waitPastDeadline(ctx, wait, c.now()); past {
				return 0, fmt.Errorf("%s %s: request failed after %d attempt(s), and the next retry (in %s) would pass the context deadline (in %s): %w",
					method, endpoint, attempt, wait.Round(time.Millisecond), rem.Round(time.Millisecond), err)
			}
			tflog.Info(ctx, "PostHog API transport error; retrying", merge(fields, map[string]any{"wait": wait.String()}))
			if err := sleepCtx(ctx, wait); err != nil {
				return 0, fmt.Errorf("%s %s: %w", method, endpoint, err)
			}
			continue
		}

		fields["status"] = status
		tflog.Debug(ctx, "PostHog API response", fields)
		delete(fields, "status")

		if status >= 200 && status < 300 {
			if out == nil {
				return status, nil
			}
			if len(bytes.TrimSpace(respBody)) == 0 {
				return status, c.redact.decodeError(method, endpoint, status, respBody, errors.New("empty body"))
			}
			// json.Unmarshal accepts null into anything as a no-op, which
			// would read as an empty answer (no persons, nothing deleted).
			if bytes.Equal(bytes.TrimSpace(respBody), []byte("null")) {
				return status, c.redact.decodeError(method, endpoint, status, respBody, errors.New("null body"))
			}
			if err := json.Unmarshal(respBody, out); err != nil {
				return status, c.redact.decodeError(method, endpoint, status, respBody, err)
			}
			return status, nil
		}

		apiErr := c.redact.newAPIError(method, endpoint, status, respBody)
		apiErr.Attempts = attempt
		retry := shouldRetry(status, nil)
		var wait time.Duration
		var asked bool
		if retry || status == http.StatusTooManyRequests {
			wait, asked = retryWait(attempt, header, apiErr.Detail, c.waitMin, c.waitMax, c.now(), c.rand())
			if status == http.StatusTooManyRequests {
				if asked {
					apiErr.RetryAfter = wait
				}
				// Hold back every caller of this class, not just this one,
				// for no longer than any caller would wait.
				c.throttled(class, min(wait, c.maxRetryWait))
			}
		}
		if !retry || attempt >= attempts {
			return status, apiErr
		}
		if asked && wait > c.maxRetryWait {
			apiErr.note = fmt.Sprintf("PostHog asked to wait %s (%s) before retrying, longer than the longest accepted wait of %s, "+
				"so giving up now instead of waiting; to wait that long, raise the provider's max_retry_wait",
				wait.Round(time.Second), c.waitSource(header), c.maxRetryWait)
			return status, apiErr
		}
		if past, rem := waitPastDeadline(ctx, wait, c.now()); past {
			if asked {
				apiErr.note = fmt.Sprintf("PostHog asked to wait %s before retrying, which would pass the context deadline (in %s), so giving up now",
					fmtSeconds(wait), rem.Round(time.Millisecond))
			} else {
				apiErr.note = fmt.Sprintf("the next retry (in %s) would pass the context deadline (in %s), so giving up now",
					wait.Round(time.Millisecond), rem.Round(time.Millisecond))
			}
			return status, apiErr
		}
		tflog.Info(ctx, "PostHog API call will be retried", merge(fields, map[string]any{
			"status": status, "wait": wait.String(), "server_requested_wait": asked,
		}))
		if err := sleepCtx(ctx, wait); err != nil {
			return 0, fmt.Errorf("%s %s: %w (while waiting to retry after %d)", method, endpoint, err, status)
		}
	}
}

// attempt sends one request with the per-attempt timeout and reads the body
// (capped at maxBody).
func (c *Client) attempt(ctx context.Context, method, fullURL string, payload []byte) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rdr io.Reader
	if payload != nil {
		rdr = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, fullURL, rdr)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error repeats the full URL (with query values such as
		// distinct ids); callers already name the endpoint.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		// Go's messages may quote what the server sent.
		err = c.redact.transportError(err)
		if actx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no response within the %s request timeout: %w", c.timeout, err)
		}
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			return 0, nil, nil, fmt.Errorf("reading response body: body not complete within the %s request timeout: %w", c.timeout, err)
		}
		return 0, nil, nil, fmt.Errorf("reading response body: %w", c.redact.transportError(err))
	}
	if int64(len(b)) > c.maxBody {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return 0, nil, nil, errBodyTooLarge
		}
		b = b[:c.maxBody] // only an excerpt is used for errors
	}
	return resp.StatusCode, resp.Header, b, nil
}

// waitSource says where PostHog asked for its wait: the Retry-After
// header (quoted) or its throttled message.
func (c *Client) waitSource(h http.Header) string {
	if v := h.Get("Retry-After"); v != "" {
		if _, ok := parseRetryAfter(v, c.now()); ok {
			return "Retry-After: " + c.redact.serverText(v)
		}
	}
	return "in its throttled message"
}

func merge(a, b map[string]any) map[string]any {
	m := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

func fmtSeconds(d time.Duration) string {
	s := d.Seconds()
	if s == float64(int64(s)) {
		return fmt.Sprintf("%d s", int64(s))
	}
	return fmt.Sprintf("%.1f s", s)
}
