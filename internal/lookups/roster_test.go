package lookups

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// fakePersons answers PostHog's batch_by_distinct_ids over real HTTP from
// a set of existing distinct ids (one person each), and counts its calls.
// The package's tests keep to fakes of their own (see DESIGN.md, import
// rules).
type fakePersons struct {
	mu       sync.Mutex
	existing map[string]bool
	calls    int
}

func (f *fakePersons) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/persons/batch_by_distinct_ids/") {
		http.NotFound(w, r)
		return
	}
	var body struct {
		DistinctIDs []string `json:"distinct_ids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.DistinctIDs) > 200 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	results := map[string]any{}
	for _, id := range body.DistinctIDs {
		if f.existing[id] {
			sum := sha256.Sum256([]byte(id))
			u, _ := uuid.FromBytes(sum[:16])
			results[id] = person(u.String(), id)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
}

// commandEnv is a fake PostHog and the roster settings of one working
// directory; every newService stands for the provider process of one
// Terraform command there.
type commandEnv struct {
	posthog *fakePersons
	url     string
	roster  RosterConfig
}

func newCommandEnv(t *testing.T) *commandEnv {
	t.Helper()
	fake := &fakePersons{existing: map[string]bool{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &commandEnv{posthog: fake, url: srv.URL,
		roster: RosterConfig{Dir: t.TempDir(), Host: srv.URL, APIKey: "phx_test", WorkDir: "/work/infra"}}
}

func (e *commandEnv) newService(t *testing.T, roster RosterConfig) *Service {
	t.Helper()
	client, err := posthog.NewClient(posthog.Config{Host: e.url, APIKey: "phx_test", RateLimits: posthog.RateLimits{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(client, roster)
	t.Cleanup(s.Flush) // no late save into the directory being removed
	return s
}

// tickets returns n requests of two distinct ids each, the shape of one
// posthog_person_deletion per erasure ticket.
func tickets(n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{fmt.Sprintf("t%d-a", i), fmt.Sprintf("t%d-b", i)}
	}
	return out
}

func (e *commandEnv) ingest(ids ...string) {
	e.posthog.mu.Lock()
	defer e.posthog.mu.Unlock()
	for _, id := range ids {
		e.posthog.existing[id] = true
	}
}

// refreshAll looks every ticket up as a plan's refreshes do, one instance
// at a time, and returns the distinct ids that resolved.
func refreshAll(t *testing.T, s *Service, requests [][]string) map[string]bool {
	t.Helper()
	found := map[string]bool{}
	for _, ids := range requests {
		persons, err := s.ResolveRecent(context.Background(), 1, false, ids, true)
		if err != nil {
			t.Fatal(err)
		}
		for id := range persons {
			found[id] = true
		}
	}
	return found
}

func (e *commandEnv) lookups() int {
	e.posthog.mu.Lock()
	defer e.posthog.mu.Unlock()
	return e.posthog.calls
}

func (e *commandEnv) resetCalls() {
	e.posthog.mu.Lock()
	defer e.posthog.mu.Unlock()
	e.posthog.calls = 0
}

// remember stands for an earlier command of the working directory that
// looked every request up: it leaves their ids on the roster.
func (e *commandEnv) remember(t *testing.T, requests [][]string) {
	t.Helper()
	r := openRoster(e.roster, time.Now)
	for _, ids := range requests {
		r.remember(rosterKey{1, false}, ids)
	}
	r.flush()
}

// After an earlier command, the next command of the same directory takes
// one snapshot of every remembered id in full batches of 200 and answers
// all instances from it: 300 tickets of 2 ids are ceil(600/200) = 3 calls,
// where one call per wave of -parallelism instances was 30 at the default
// of 10.
func TestRosterAnswersTheNextCommandFromOneSnapshot(t *testing.T) {
	env := newCommandEnv(t)
	requests := tickets(300)
	env.remember(t, requests)
	// Users that exist when the command runs, one of them a user who came
	// back since the earlier command: the snapshot is taken by the command
	// that uses it, so it sees them.
	env.ingest("t0-a", "t7-b", "t150-b", "t299-a")

	command := env.newService(t, env.roster)
	got := refreshAll(t, command, requests)
	if len(got) != 4 || !got["t0-a"] || !got["t7-b"] || !got["t150-b"] || !got["t299-a"] {
		t.Fatalf("found %v, want t0-a, t7-b, t150-b and t299-a", got)
	}
	if calls := env.lookups(); calls != 3 {
		t.Fatalf("%d lookups, want ceil(600/200) = 3", calls)
	}
}

// An instance whose ids the roster does not hold yet (a new ticket) is
// looked up on its own, and remembered for the command after.
func TestRosterLooksUpNewIdsAndRemembersThem(t *testing.T) {
	env := newCommandEnv(t)
	env.remember(t, tickets(10))

	second := env.newService(t, env.roster)
	withNew := append(tickets(10), []string{"new-a", "new-b"})
	env.ingest("new-a")
	if got := refreshAll(t, second, withNew); !got["new-a"] || len(got) != 1 {
		t.Fatalf("found %v, want new-a", got)
	}
	if calls := env.lookups(); calls != 2 {
		t.Fatalf("%d lookups, want 2: the snapshot and the new ticket's own", calls)
	}
	second.Flush()

	env.resetCalls()
	third := env.newService(t, env.roster)
	refreshAll(t, third, withNew)
	if calls := env.lookups(); calls != 1 {
		t.Fatalf("%d lookups, want 1: the new ticket is on the roster now", calls)
	}
}

// The file holds no id in the clear, and is of no use with another key or
// to another working directory: those commands look up on their own.
func TestRosterIsEncryptedAndScoped(t *testing.T) {
	env := newCommandEnv(t)
	first := env.newService(t, env.roster)
	refreshAll(t, first, [][]string{{"alice@example.com", "bob@example.com"}})
	first.Flush()
	files, _ := filepath.Glob(filepath.Join(env.roster.Dir, "roster-*.bin"))
	if len(files) != 1 {
		t.Fatalf("roster files %v, want one", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("alice")) || bytes.Contains(data, []byte("example.com")) {
		t.Fatal("the roster file holds a distinct id in the clear")
	}
	info, _ := os.Stat(files[0])
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Fatalf("roster file mode %v, want no access for group and others", perm)
	}

	otherKey := env.roster
	otherKey.APIKey = "phx_other"
	if ids := openRoster(otherKey, time.Now).ids(rosterKey{1, false}); len(ids) != 0 {
		t.Fatalf("another key read %d ids from the roster", len(ids))
	}
	// Same name, other key: the file does not decrypt.
	forged := &roster{path: files[0], key: bytes.Repeat([]byte{7}, 32)}
	if _, ok := forged.read(); ok {
		t.Fatal("the roster decrypted with a wrong key")
	}
	otherDir := env.roster
	otherDir.WorkDir = "/work/other-repo"
	if ids := openRoster(otherDir, time.Now).ids(rosterKey{1, false}); len(ids) != 0 {
		t.Fatalf("another working directory read %d ids", len(ids))
	}
	if ids := openRoster(env.roster, time.Now).ids(rosterKey{1, false}); len(ids) != 2 {
		t.Fatalf("the same directory and key read %d ids, want 2", len(ids))
	}
}

// Ids no command asked about for a week drop off the roster.
func TestRosterForgetsIdsAfterItsTTL(t *testing.T) {
	env := newCommandEnv(t)
	start := time.Now()
	clock := start
	now := func() time.Time { return clock }
	r := openRoster(env.roster, now)
	r.remember(rosterKey{1, false}, []string{"old"})
	clock = start.Add(rosterTTL - time.Hour)
	r.remember(rosterKey{1, false}, []string{"recent"})
	r.flush()

	clock = start.Add(rosterTTL + time.Minute)
	if got := openRoster(env.roster, now).ids(rosterKey{1, false}); len(got) != 1 || got[0] != "recent" {
		t.Fatalf("roster after a week holds %v, want only recent", got)
	}
}

// A snapshot that fails leaves every instance to look its ids up itself:
// the command still answers, with more calls.
func TestRosterSnapshotFailureFallsBack(t *testing.T) {
	env := newCommandEnv(t)
	env.remember(t, tickets(5))
	env.ingest("t3-a")
	// The snapshot's first call fails; the instances' own lookups answer.
	second := env.newService(t, env.roster)
	snap := second.snapshots.get(context.Background(), rosterKey{1, false}, []string{"t0-a"},
		func(context.Context, int64, []string) (map[string]posthog.Person, error) {
			return nil, fmt.Errorf("boom")
		}, true)
	<-snap.done
	got := refreshAll(t, second, tickets(5))
	if !got["t3-a"] || len(got) != 1 {
		t.Fatalf("found %v, want t3-a", got)
	}
	if calls := env.lookups(); calls != 5 {
		t.Fatalf("%d lookups, want 5 (one per instance)", calls)
	}
}

// Plan previews take the snapshot only once enough of them have come: the
// apply of one new ticket in a directory of 300 must not pay for a pass
// over all of them, while the apply of many new tickets still gets it.
func TestRosterPreviewsTakeTheSnapshotLate(t *testing.T) {
	env := newCommandEnv(t)
	requests := tickets(300)
	env.remember(t, requests)

	one := env.newService(t, env.roster)
	if _, err := one.ResolveRecent(context.Background(), 1, false, requests[42], false); err != nil {
		t.Fatal(err)
	}
	if calls := env.lookups(); calls != 1 {
		t.Fatalf("one preview made %d lookups, want 1 (no snapshot of 600 ids)", calls)
	}

	env.resetCalls()
	many := env.newService(t, env.roster)
	for _, ids := range requests {
		if _, err := many.ResolveRecent(context.Background(), 1, false, ids, false); err != nil {
			t.Fatal(err)
		}
	}
	// 20 previews on their own, then the snapshot: ceil(600/200) = 3 calls
	// that answer the 280 others.
	if calls := env.lookups(); calls != snapshotAfterPreviews+3 {
		t.Fatalf("300 previews made %d lookups, want %d", calls, snapshotAfterPreviews+3)
	}
}

// A flush saves at once and nothing is written after it: the provider
// served in a test outlives the test, and a late save would land in a
// directory that is being removed.
func TestRosterWritesNothingAfterFlush(t *testing.T) {
	env := newCommandEnv(t)
	r := openRoster(env.roster, time.Now)
	r.remember(rosterKey{1, false}, []string{"first"})  // saved at once
	r.remember(rosterKey{1, false}, []string{"second"}) // within a second: scheduled
	r.flush()
	if got := openRoster(env.roster, time.Now).ids(rosterKey{1, false}); !slices.Equal(got, []string{"first", "second"}) {
		t.Fatalf("ids after flush = %v, want [first second]", got)
	}
	if err := os.RemoveAll(env.roster.Dir); err != nil {
		t.Fatal(err)
	}
	time.Sleep(rosterSaveEvery + 200*time.Millisecond)
	if _, err := os.Stat(env.roster.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the roster directory was written after the flush (stat: %v)", err)
	}
}
