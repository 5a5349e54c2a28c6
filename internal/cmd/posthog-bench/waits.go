package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// waitMessage is the message of the provider's log line for each pause of
// its client-side pacing (internal/posthog/ratelimit.go, pacer.logWait),
// whose field wait is a Go duration rounded to the millisecond. Providers
// built before c. 2026-11-30 also logged it, as wait=0s, for calls that went
// ahead at once: those are not waits.
const waitMessage = "Waited for PostHog's rate limit"

// rateWaits sums the pacing pauses of one Terraform command.
type rateWaits struct {
	Count int
	Total time.Duration
	Lines int // provider log lines read: 0 means the log said nothing at all
}

func (w rateWaits) String() string {
	if w.Count == 0 {
		return "0"
	}
	return fmt.Sprintf("%d, %s s", w.Count, secs(w.Total))
}

// rateLimitWaitsIn reads the Terraform log file at path (TF_LOG_PATH).
func rateLimitWaitsIn(path string) (rateWaits, error) {
	f, err := os.Open(path)
	if err != nil {
		return rateWaits{}, err
	}
	defer func() { _ = f.Close() }()
	return rateLimitWaits(f)
}

// rateLimitWaits counts the provider's waitMessage lines of a Terraform
// log whose wait is not zero, and adds up their waits. A line reads
//
//	2026-11-30T12:00:00.000Z [DEBUG] provider.terraform-provider-posthog: Waited for PostHog's rate limit: rate_class=persons_read wait=1.5s tf_req_id=...
//
// with values quoted when they hold spaces or quotes.
func rateLimitWaits(r io.Reader) (rateWaits, error) {
	var w rateWaits
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, "] "); ok && strings.HasPrefix(strings.TrimLeft(rest, " "), "provider") {
			w.Lines++
		}
		_, fields, ok := strings.Cut(line, waitMessage+":")
		if !ok {
			continue
		}
		raw, ok := logField(fields, "wait")
		if !ok {
			return w, fmt.Errorf("no wait field in %q", line)
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return w, fmt.Errorf("wait field of %q: %w", line, err)
		}
		if d > 0 {
			w.Count++
			w.Total += d
		}
	}
	return w, sc.Err()
}

// logField finds key=value among the space-separated fields of an hclog
// line, unquoting a quoted value.
func logField(fields, key string) (string, bool) {
	rest := fields
	for {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			return "", false
		}
		name, after, hasEq := strings.Cut(rest, "=")
		if !hasEq || strings.Contains(name, " ") {
			return "", false
		}
		value, tail := after, ""
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return "", false
			}
			value, tail = q, after[len(q):]
			if u, err := strconv.Unquote(q); err == nil {
				value = u
			}
		} else if i := strings.IndexByte(after, ' '); i >= 0 {
			value, tail = after[:i], after[i:]
		}
		if name == key {
			return value, true
		}
		rest = tail
	}
}
