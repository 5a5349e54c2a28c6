package acctest

// The backend's own HTTP code for PostHog's public API: capture with the
// project token, persons lookups and bulk_delete with the personal key. It is
// written here with net/http on purpose, apart from internal/posthog (the
// provider's client) and internal/emulator, so that a bug in the client
// cannot hide itself in the checks that judge it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var backendHTTP = &http.Client{Timeout: 30 * time.Second}

const (
	// Attempts per request: throttles, server errors and dropped connections
	// are retried, as a real instance has all three now and then.
	maxAttempts   = 6
	maxRetryWait  = 60 * time.Second
	maxPollDelay  = 5 * time.Second
	maxBodyBytes  = 16 << 20
	cleanupBudget = 2 * time.Minute
)

// captureEvent is an event in the form PostHog's SDKs send to /batch/.
type captureEvent struct {
	Event      string         `json:"event"`
	DistinctID string         `json:"distinct_id"`
	Properties map[string]any `json:"properties"`
	Timestamp  string         `json:"timestamp"`
}

// SeedPerson sends events through the capture API so that the distinct ids
// become one person (the first id identified, the others merged into it with
// $identify, as PostHog's SDKs do), then waits until the persons API shows
// that person with all the ids. Every id must carry this backend's prefix
// (see ID).
func (b *Backend) SeedPerson(t *testing.T, distinctIDs ...string) Person {
	t.Helper()
	if len(distinctIDs) == 0 {
		t.Fatal("SeedPerson needs at least one distinct id")
	}
	b.requireOwnIDs(t, distinctIDs)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	identified := distinctIDs[0]
	events := []captureEvent{{Event: "$pageview", DistinctID: identified, Timestamp: now,
		Properties: b.eventProperties(map[string]any{"$set": map[string]any{"email": identified + "@example.com"}})}}
	for _, anon := range distinctIDs[1:] {
		events = append(events,
			captureEvent{Event: "$pageview", DistinctID: anon, Timestamp: now, Properties: b.eventProperties(nil)},
			captureEvent{Event: "$identify", DistinctID: identified, Timestamp: now,
				Properties: b.eventProperties(map[string]any{"$anon_distinct_id": anon})})
	}
	b.capture(t, distinctIDs, events)
	person := b.waitForPerson(t, distinctIDs)
	b.mu.Lock()
	b.seededPersons++
	b.mu.Unlock()
	return person
}

// SeedReturningPerson sends one more event for a deleted person's first
// distinct id, as a user who comes back does, and waits until PostHog shows
// the new person it creates for it. That person has gone's UUID again: PostHog
// derives a person's UUID from the distinct id that created it
// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
func (b *Backend) SeedReturningPerson(t *testing.T, gone Person) Person {
	t.Helper()
	id := gone.DistinctIDs[0]
	b.requireOwnIDs(t, []string{id})
	b.capture(t, []string{id}, []captureEvent{{Event: "$pageview", DistinctID: id,
		Timestamp: time.Now().UTC().Format(time.RFC3339Nano), Properties: b.eventProperties(nil)}})
	person := b.waitForPerson(t, []string{id})
	b.mu.Lock()
	b.seededPersons++
	b.mu.Unlock()
	return person
}

// PersonExists asks the persons API, once, whether a person has this
// distinct id now.
func (b *Backend) PersonExists(t *testing.T, distinctID string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), b.ingestionTimeout)
	defer cancel()
	person, err := b.lookupPerson(ctx, distinctID)
	if err != nil {
		t.Fatalf("persons API: %v", err)
	}
	return person != nil
}

// Person returns the person a distinct id resolves to now, failing the test
// when there is none.
func (b *Backend) Person(t *testing.T, distinctID string) Person {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), b.ingestionTimeout)
	defer cancel()
	person, err := b.lookupPerson(ctx, distinctID)
	if err != nil {
		t.Fatalf("persons API: %v", err)
	}
	if person == nil {
		t.Fatalf("the persons API shows no person for %q", distinctID)
	}
	return *person
}

// eventProperties marks every seeded event with the run prefix, so that a
// person left behind on a real instance can be traced to its test run.
func (b *Backend) eventProperties(extra map[string]any) map[string]any {
	props := map[string]any{"$lib": "terraform-provider-posthog-acctest", "tfacc_run": b.prefix}
	for k, v := range extra {
		props[k] = v
	}
	return props
}

func (b *Backend) requireOwnIDs(t *testing.T, distinctIDs []string) {
	t.Helper()
	for _, id := range distinctIDs {
		if !strings.HasPrefix(id, b.prefix) {
			t.Fatalf("distinct id %q lacks the run prefix %q: build ids with Backend.ID so that tests only touch persons they created", id, b.prefix)
		}
	}
}

func (b *Backend) capture(t *testing.T, distinctIDs []string, events []captureEvent) {
	t.Helper()
	// Recorded before sending: a request that fails after PostHog accepted it
	// must still be cleaned up.
	b.mu.Lock()
	b.seededIDs = append(b.seededIDs, distinctIDs...)
	b.captureCalls++
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), b.ingestionTimeout)
	defer cancel()
	body := map[string]any{"api_key": b.projectToken, "batch": events}
	status, answer, err := b.send(ctx, http.MethodPost, b.captureHost+"/batch/", body, false)
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	if status != http.StatusOK {
		t.Fatalf("capture answered %d: %s", status, b.redact(answer))
	}
}

// waitForPerson polls the persons API, with backoff and up to the ingestion
// timeout, until distinctIDs[0] resolves to a person that
// holds all of distinctIDs. Ingestion in PostHog is asynchronous (Kafka, then
// the person processing), so a fresh event shows up after a delay.
func (b *Backend) waitForPerson(t *testing.T, distinctIDs []string) Person {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), b.ingestionTimeout)
	defer cancel()
	delay := 100 * time.Millisecond
	lastSeen := "no person"
	for {
		person, err := b.lookupPerson(ctx, distinctIDs[0])
		if err != nil && ctx.Err() == nil {
			t.Fatalf("persons API: %v", err)
		}
		if person != nil {
			if containsAll(person.DistinctIDs, distinctIDs) {
				return *person
			}
			lastSeen = fmt.Sprintf("person %s with distinct ids %v", person.UUID, person.DistinctIDs)
		}
		select {
		case <-ctx.Done():
			want := fmt.Sprintf("a person with distinct ids %v", distinctIDs)
			t.Fatalf("after %s the persons API shows %s, not %s; raise %s if ingestion is slower",
				b.ingestionTimeout, lastSeen, want, EnvIngestionTimeout)
		case <-time.After(delay):
		}
		delay = min(delay*2, maxPollDelay)
	}
}

// personRow is the part of a persons-list row this backend reads.
type personRow struct {
	UUID        string   `json:"uuid"`
	DistinctIDs []string `json:"distinct_ids"`
}

// lookupPerson reads GET persons/?distinct_id=, PostHog's exact lookup of a
// distinct id (another endpoint than the provider's batch lookups). nil means
// no person has the id.
func (b *Backend) lookupPerson(ctx context.Context, distinctID string) (*Person, error) {
	u := fmt.Sprintf("%s/api/projects/%d/persons/?distinct_id=%s", b.Host, b.ProjectID, url.QueryEscape(distinctID))
	status, answer, err := b.send(ctx, http.MethodGet, u, nil, true)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET persons/?distinct_id=%s answered %d: %s", distinctID, status, b.redact(answer))
	}
	var page struct {
		Results []personRow `json:"results"`
	}
	if err := json.Unmarshal(answer, &page); err != nil {
		return nil, fmt.Errorf("GET persons/?distinct_id=%s: unreadable answer: %v", distinctID, err)
	}
	// Only rows that hold the id count: an instance that ignored the filter
	// and listed everyone must not make an absent person look present.
	var found *Person
	for _, row := range page.Results {
		if !slices.Contains(row.DistinctIDs, distinctID) {
			continue
		}
		if found != nil && found.UUID != row.UUID {
			return nil, fmt.Errorf("distinct id %q resolves to two persons, %s and %s", distinctID, found.UUID, row.UUID)
		}
		found = &Person{UUID: row.UUID, DistinctIDs: row.DistinctIDs}
	}
	return found, nil
}

// cleanup deletes every person this backend seeded that still exists, and
// only those: a person that also holds a distinct id without the run prefix
// is reported and left alone.
func (b *Backend) cleanup(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	ids := slices.Clone(b.seededIDs)
	captureCalls, seeded := b.captureCalls, b.seededPersons
	b.mu.Unlock()
	slices.Sort(ids)
	ids = slices.Compact(ids)

	ctx, cancel := context.WithTimeout(context.Background(), cleanupBudget)
	defer cancel()
	var leftovers []string
	for _, id := range ids {
		person, err := b.lookupPerson(ctx, id)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		if person == nil || slices.Contains(leftovers, person.UUID) {
			continue
		}
		if foreign := slices.DeleteFunc(slices.Clone(person.DistinctIDs), func(d string) bool { return strings.HasPrefix(d, b.prefix) }); len(foreign) > 0 {
			t.Errorf("cleanup: not deleting person %s: it also has distinct ids this run did not create (%v)", person.UUID, foreign)
			continue
		}
		leftovers = append(leftovers, person.UUID)
	}
	if len(leftovers) > 0 {
		u := fmt.Sprintf("%s/api/projects/%d/persons/bulk_delete/", b.Host, b.ProjectID)
		status, answer, err := b.send(ctx, http.MethodPost, u, map[string]any{"ids": leftovers, "delete_events": true}, true)
		switch {
		case err != nil:
			t.Errorf("cleanup: bulk_delete of %d leftover persons: %v", len(leftovers), err)
		case status < 200 || status > 299:
			t.Errorf("cleanup: bulk_delete of %d leftover persons answered %d: %s", len(leftovers), status, b.redact(answer))
		}
	}
	t.Logf("acctest backend summary: %s, %d capture calls, %d persons seeded, %d leftover persons deleted at cleanup",
		b.Kind, captureCalls, seeded, len(leftovers))
}

// send makes one API request, retrying throttles (429), server errors (5xx)
// and network errors with backoff. withKey adds the personal API key; capture
// takes the project token in the body instead.
func (b *Backend) send(ctx context.Context, method, target string, body any, withKey bool) (int, []byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(payload))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("User-Agent", "terraform-provider-posthog-acctest")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if withKey {
			req.Header.Set("Authorization", "Bearer "+b.apiKey)
		}
		status, answer, err := roundTrip(req)
		wait := min(time.Duration(1<<attempt)*250*time.Millisecond, 8*time.Second)
		switch {
		case err != nil:
			// The URL error names the host and path only, never a header.
			lastErr = fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
		case status == http.StatusTooManyRequests:
			lastErr = fmt.Errorf("%s %s: throttled: %s", method, req.URL.Path, b.redact(answer))
			wait = throttleWait(answer, wait)
		case status >= 500:
			lastErr = fmt.Errorf("%s %s answered %d: %s", method, req.URL.Path, status, b.redact(answer))
		default:
			return status, answer, nil
		}
		if attempt == maxAttempts || ctx.Err() != nil {
			return 0, nil, fmt.Errorf("giving up after %d attempts: %w", attempt, lastErr)
		}
		select {
		case <-ctx.Done():
			return 0, nil, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
		case <-time.After(wait):
		}
	}
}

func roundTrip(req *http.Request) (int, []byte, error) {
	resp, err := backendHTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }() // the body is read in full below
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, answer, nil
}

// PostHog's throttled answer says when to come back: "Expected available in
// N seconds." (its 429s carry no Retry-After header).
var availableIn = regexp.MustCompile(`available in (\d+) seconds?`)

func throttleWait(answer []byte, fallback time.Duration) time.Duration {
	m := availableIn.FindSubmatch(answer)
	if m == nil {
		return fallback
	}
	seconds, err := strconv.Atoi(string(m[1]))
	if err != nil {
		return fallback
	}
	return min(time.Duration(seconds)*time.Second+100*time.Millisecond, maxRetryWait)
}

// redact shortens an answer for an error message and blanks the key and
// token, in case an instance echoes them.
func (b *Backend) redact(answer []byte) string {
	text := string(answer)
	if len(text) > 500 {
		text = text[:500] + "..."
	}
	for _, secret := range []string{b.apiKey, b.projectToken} {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
