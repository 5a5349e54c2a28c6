// Package acctest holds helpers shared by the Terraform-driven tests: an
// in-process PostHog emulator served over real HTTP, and configuration
// snippets that point the provider at it.
package acctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// APIKey is the emulator's default personal API key (scope "*").
const APIKey = "phx_emulator"

// Env is a running emulator for one test.
type Env struct {
	Emulator *emulator.Server
	URL      string
	// JournalDir, when set, is the provider's rate_limit_journal_dir: each
	// test keeps its pacing journal and lookup roster to itself, since the
	// provider served in-process runs in the package directory for every
	// test, and a later test may get an earlier one's port.
	JournalDir string
}

// NewEnv starts an emulator with cfg on a loopback port and stops it when the
// test ends. Tests that use it need the emulator's controls, so they skip when
// the suite targets a real PostHog (see RequireEmulator).
func NewEnv(t testing.TB, cfg emulator.Config) *Env {
	t.Helper()
	RequireEmulator(t)
	server := emulator.New(cfg)
	httpServer := httptest.NewServer(server)
	t.Cleanup(func() {
		httpServer.Close()
		server.Close()
	})
	return &Env{Emulator: server, URL: httpServer.URL, JournalDir: TempJournalDir(t)}
}

// FlushInProcessProvider, when set, saves what a provider served in the
// test process has not saved yet. The package that serves it sets this
// (internal/provider's tests set it to provider.Flush), so that the harness
// itself depends on no provider code.
var FlushInProcessProvider func()

// TempJournalDir is a journal directory removed when the test ends. A
// provider served in-process outlives the test and saves its lookup roster
// up to a second after the last lookup; flushing it before the directory is
// removed keeps that save from landing in a directory being deleted.
func TempJournalDir(t testing.TB) string {
	dir := t.TempDir()
	t.Cleanup(func() { // cleanups run last-in first-out: before the removal
		if FlushInProcessProvider != nil {
			FlushInProcessProvider()
		}
	})
	return dir
}

// ProviderConfig returns a provider block for the emulator's default project
// and key, with fast retries so that failure tests stay short.
func (e *Env) ProviderConfig() string {
	return e.ProviderConfigWithKey(APIKey)
}

// ProviderConfigWithKey is ProviderConfig with another API key.
func (e *Env) ProviderConfigWithKey(key string) string {
	journal := ""
	if e.JournalDir != "" {
		journal = fmt.Sprintf("\n  rate_limit_journal_dir = %q", e.JournalDir)
	}
	return fmt.Sprintf(`
provider "posthog" {
  host        = %q
  api_key     = %q
  project_id  = "1"
  max_retries = 2%s
}
`, e.URL, key, journal)
}

// Person ingests one event per distinct id, so that the ids exist as persons;
// the first id is the person's identified id and the others are merged into
// it with $identify, as PostHog's SDKs do.
func (e *Env) Person(t testing.TB, distinctIDs ...string) emulator.PersonInfo {
	t.Helper()
	at := time.Now().Add(-time.Hour)
	e.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: distinctIDs[0], Timestamp: at,
		Properties: map[string]any{"$set": map[string]any{"email": distinctIDs[0] + "@example.com"}}})
	for _, anon := range distinctIDs[1:] {
		e.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: anon, Timestamp: at})
		e.Emulator.Ingest(emulator.Event{Event: "$identify", DistinctID: distinctIDs[0], Timestamp: at,
			Properties: map[string]any{"$anon_distinct_id": anon}})
	}
	person, ok := e.Emulator.PersonByDistinctID(distinctIDs[0])
	if !ok {
		t.Fatalf("emulator has no person for %q after ingestion", distinctIDs[0])
	}
	return person
}

// Exists reports whether a person with this distinct id exists now.
func (e *Env) Exists(distinctID string) bool {
	_, ok := e.Emulator.PersonByDistinctID(distinctID)
	return ok
}

// CreateCohort creates a cohort through the emulator's cohorts API, as a
// PostHog user would, and returns its id. key needs cohort:write. cohort is
// the request body, for example {"name": "Beta", "is_static": true,
// "_create_static_person_ids": [uuid, ...]} or {"name": "Example",
// "filters": {"properties": {"type": "AND", "values": [...]}}}.
func (e *Env) CreateCohort(t testing.TB, key string, cohort map[string]any) int64 {
	t.Helper()
	created := e.callAPI(t, key, http.MethodPost, "/api/projects/1/cohorts/", cohort, http.StatusCreated)
	id, ok := created["id"].(float64)
	if !ok {
		t.Fatalf("cohort created without an id: %v", created)
	}
	return int64(id)
}

// CreateAction creates an action through PostHog's actions API and returns
// its id; key needs action:write. action is the request body, for example
// {"name": "Signed up", "steps": [{"event": "signed up"}]}.
func (e *Env) CreateAction(t testing.TB, key string, action map[string]any) int64 {
	t.Helper()
	created := e.callAPI(t, key, http.MethodPost, "/api/projects/1/actions/", action, http.StatusCreated)
	id, ok := created["id"].(float64)
	if !ok {
		t.Fatalf("action created without an id: %v", created)
	}
	return int64(id)
}

// UpdateCohort PATCHes a cohort through the cohorts API; {"deleted": true} is
// how PostHog deletes one. key needs cohort:write.
func (e *Env) UpdateCohort(t testing.TB, key string, id int64, changes map[string]any) {
	t.Helper()
	e.callAPI(t, key, http.MethodPatch, fmt.Sprintf("/api/projects/1/cohorts/%d/", id), changes, http.StatusOK)
}

// callAPI sends a JSON request to the emulator and decodes the JSON answer,
// failing the test unless the status is want.
func (e *Env) callAPI(t testing.TB, key, method, path string, body any, want int) map[string]any {
	t.Helper()
	payload, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encode %s %s: %v", method, path, err)
	}
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, res.StatusCode, want, answer)
	}
	var decoded map[string]any
	if err := json.Unmarshal(answer, &decoded); err != nil {
		t.Fatalf("%s %s: decode %q: %v", method, path, answer, err)
	}
	return decoded
}
