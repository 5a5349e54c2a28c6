// Package acctest holds helpers shared by the Terraform-driven tests: an
// in-process PostHog emulator served over real HTTP, and configuration
// snippets that point the provider at it.
package acctest

import (
	"fmt"
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
	return &Env{Emulator: server, URL: httpServer.URL}
}

// ProviderConfig returns a provider block for the emulator's default project
// and key, with fast retries so that failure tests stay short.
func (e *Env) ProviderConfig() string {
	return e.ProviderConfigWithKey(APIKey)
}

// ProviderConfigWithKey is ProviderConfig with another API key.
func (e *Env) ProviderConfigWithKey(key string) string {
	return fmt.Sprintf(`
provider "posthog" {
  host        = %q
  api_key     = %q
  project_id  = "1"
  max_retries = 2
}
`, e.URL, key)
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
