package acctest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// The variables that point the backend suite (TestAccBackend_*) at a real
// PostHog. All four set: the suite runs against that instance and the
// emulator-only tests skip; none set: everything runs against an in-process
// emulator.
const (
	EnvHost         = "POSTHOG_HOST"
	EnvAPIKey       = "POSTHOG_API_KEY"
	EnvProjectID    = "POSTHOG_PROJECT_ID"
	EnvProjectToken = "POSTHOG_PROJECT_TOKEN"
	// EnvCaptureHost optionally names the ingestion host when it differs
	// from the API host (PostHog Cloud takes events on us.i.posthog.com).
	EnvCaptureHost = "POSTHOG_CAPTURE_HOST"
	// EnvIngestionTimeout bounds how long seeding waits for a person to show
	// up in the persons API (a Go duration, default 2m).
	EnvIngestionTimeout = "POSTHOG_INGESTION_TIMEOUT"
)

// realBackendVariables must all be set to select the real backend.
var realBackendVariables = []string{EnvHost, EnvAPIKey, EnvProjectID, EnvProjectToken}

const defaultIngestionTimeout = 2 * time.Minute

// Backend is the PostHog a backend-suite test talks to: an in-process
// emulator, or the real instance named by the POSTHOG_* variables. Both are
// driven through PostHog's public HTTP API only (capture with the project
// token, the persons API with the personal key), so a test written against a
// Backend runs unchanged on either.
type Backend struct {
	// Kind says which backend this is, for logs and skip messages.
	Kind string
	// Host is the API base URL, without a trailing slash.
	Host string
	// ProjectID is the PostHog project (environment) id.
	ProjectID int64

	captureHost  string
	apiKey       string
	projectToken string
	// apiKeyInConfig: the emulator's fixed key may appear in configuration;
	// a real key never does (the provider reads POSTHOG_API_KEY itself).
	apiKeyInConfig   bool
	ingestionTimeout time.Duration
	// prefix starts every distinct id this backend creates, so that tests
	// only ever read, delete or clean up persons they created.
	prefix string

	mu            sync.Mutex
	seededIDs     []string // every distinct id sent to capture, for cleanup
	captureCalls  int
	seededPersons int
}

// Backend kinds.
const (
	KindEmulator = "in-process emulator"
	KindReal     = "real PostHog instance"
)

// RealBackendConfigured reports whether all the real-backend variables are set.
func RealBackendConfigured() bool {
	for _, name := range realBackendVariables {
		if strings.TrimSpace(os.Getenv(name)) == "" {
			return false
		}
	}
	return true
}

// RequireEmulator skips a test that needs the emulator's test controls
// (faults, stats, clock, deletion job, throttles, direct ingestion) when the
// suite is pointed at a real PostHog, where those controls do not exist.
func RequireEmulator(t testing.TB) {
	t.Helper()
	if RealBackendConfigured() {
		t.Skipf("emulator-only test: skipped because %s are set (the suite targets a real PostHog, "+
			"which has no emulator controls); only the TestAccBackend_* tests run there",
			strings.Join(realBackendVariables, ", "))
	}
}

// NewBackend returns the real PostHog named by POSTHOG_HOST, POSTHOG_API_KEY,
// POSTHOG_PROJECT_ID and POSTHOG_PROJECT_TOKEN when all four are set, an
// in-process emulator when none is, and fails the test when only some are.
// At the end of the test it deletes every person it seeded that still exists.
func NewBackend(t *testing.T) *Backend {
	t.Helper()
	var set, missing []string
	for _, name := range realBackendVariables {
		if strings.TrimSpace(os.Getenv(name)) == "" {
			missing = append(missing, name)
		} else {
			set = append(set, name)
		}
	}
	prefix := "tfacc-" + randomHex(t, 6) + "-"
	var b *Backend
	switch {
	case len(set) == 0:
		env := NewEnv(t, emulator.Config{})
		b = &Backend{
			Kind: KindEmulator, Host: env.URL, ProjectID: 1,
			captureHost: env.URL, apiKey: APIKey, projectToken: "phc_emulator", apiKeyInConfig: true,
			ingestionTimeout: defaultIngestionTimeout, prefix: prefix,
		}
	case len(missing) > 0:
		t.Fatalf("the real-PostHog backend needs all of %s; set: %s; missing: %s",
			strings.Join(realBackendVariables, ", "), strings.Join(set, ", "), strings.Join(missing, ", "))
	default:
		b = realBackendFromEnv(t, prefix)
	}
	t.Logf("acctest backend: %s at %s (project %d, distinct ids prefixed %q)", b.Kind, b.Host, b.ProjectID, b.prefix)
	t.Cleanup(func() { b.cleanup(t) })
	return b
}

func realBackendFromEnv(t *testing.T, prefix string) *Backend {
	t.Helper()
	host := strings.TrimRight(strings.TrimSpace(os.Getenv(EnvHost)), "/")
	if !strings.HasPrefix(host, "http://") && !strings.HasPrefix(host, "https://") {
		t.Fatalf("%s must be an http(s) URL such as https://us.posthog.com, got %q", EnvHost, host)
	}
	projectID, err := strconv.ParseInt(strings.TrimSpace(os.Getenv(EnvProjectID)), 10, 64)
	if err != nil || projectID <= 0 {
		t.Fatalf("%s must be a positive number, got %q", EnvProjectID, os.Getenv(EnvProjectID))
	}
	captureHost := strings.TrimRight(strings.TrimSpace(os.Getenv(EnvCaptureHost)), "/")
	if captureHost == "" {
		captureHost = host
	}
	timeout := defaultIngestionTimeout
	if raw := strings.TrimSpace(os.Getenv(EnvIngestionTimeout)); raw != "" {
		if timeout, err = time.ParseDuration(raw); err != nil || timeout <= 0 {
			t.Fatalf("%s must be a positive Go duration such as 2m, got %q", EnvIngestionTimeout, raw)
		}
	}
	return &Backend{
		Kind: KindReal, Host: host, ProjectID: projectID,
		captureHost: captureHost, apiKey: strings.TrimSpace(os.Getenv(EnvAPIKey)),
		projectToken: strings.TrimSpace(os.Getenv(EnvProjectToken)), ingestionTimeout: timeout, prefix: prefix,
	}
}

// ID returns name with this backend's run prefix: a distinct id no other run
// and no real user has.
func (b *Backend) ID(name string) string { return b.prefix + name }

// ProviderConfig returns a provider block for this backend. For a real
// PostHog it names the host and project but not the key, which the provider
// reads from POSTHOG_API_KEY, so that no configuration or log holds it.
func (b *Backend) ProviderConfig() string {
	key := ""
	if b.apiKeyInConfig {
		key = fmt.Sprintf("  api_key     = %q\n", b.apiKey)
	}
	return fmt.Sprintf(`
provider "posthog" {
  host        = %q
%s  project_id  = "%d"
  max_retries = 5
}
`, b.Host, key, b.ProjectID)
}

// Person is a person as the persons API shows it.
type Person struct {
	UUID        string
	DistinctIDs []string
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		t.Fatalf("random run prefix: %v", err)
	}
	return hex.EncodeToString(buf)
}
