package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
)

// The real Terraform CLI against a server that answers wrongly on purpose,
// started in the test process: the provider must fail clearly and fast,
// send no write twice, follow nobody elsewhere, and keep the key and
// terminal escapes out of what the CLI prints and what state holds.

const (
	hostileKey      = "phx_hostile_canary_key_4e1d"
	hostileUUID     = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	hostileBulkPath = "/api/projects/1/persons/bulk_delete/"
)

// hostileAPI answers the persons API: alice exists, deletion_status is
// empty, and override, when it handles a request, answers it instead.
type hostileAPI struct {
	t        *testing.T
	override func(w http.ResponseWriter, r *http.Request) bool

	mu    sync.Mutex
	calls map[string]int // "METHOD path" → requests
}

func newHostileAPI(t *testing.T, override func(w http.ResponseWriter, r *http.Request) bool) (*hostileAPI, string) {
	t.Helper()
	api := &hostileAPI{t: t, override: override, calls: map[string]int{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	// The pacing journal of this throwaway host stays in the test.
	return api, fmt.Sprintf(`
provider "posthog" {
  host                   = %q
  api_key                = %q
  project_id             = "1"
  max_retries            = 1
  rate_limit_journal_dir = %q
}
`, srv.URL, hostileKey, acctest.TempJournalDir(t))
}

func (a *hostileAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.calls[r.Method+" "+r.URL.Path]++
	a.mu.Unlock()
	if a.override != nil && a.override(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/projects/1/persons/batch_by_distinct_ids/":
		_, _ = fmt.Fprintf(w, `{"results":{"alice":{"id":1,"uuid":%q,"distinct_ids":["alice"],"properties":{},"created_at":"2026-01-01T00:00:00Z"}}}`, hostileUUID)
	case "/api/projects/1/persons/batch_by_uuids/":
		_, _ = fmt.Fprintf(w, `{"results":{%q:{"id":1,"uuid":%q,"distinct_ids":["alice"],"properties":{},"created_at":"2026-01-01T00:00:00Z"}}}`, hostileUUID, hostileUUID)
	case "/api/projects/1/persons/deletion_status/":
		_, _ = w.Write([]byte(`{"count":0,"next":null,"previous":null,"results":[]}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"type":"invalid_request","code":"not_found","detail":"Not found."}`))
	}
}

func (a *hostileAPI) count(route string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[route]
}

// expectFailure is an ErrorCheck that keeps the error of the failing step
// for checks of its whole text (ExpectError can only match, never refuse).
type expectFailure struct {
	want *regexp.Regexp
	got  string
}

func (e *expectFailure) check(err error) error {
	e.got = err.Error()
	if !e.want.MatchString(e.got) {
		return fmt.Errorf("the error does not match %s: %w", e.want, err)
	}
	return nil
}

func (e *expectFailure) assert(t *testing.T, forbidden ...string) {
	t.Helper()
	if e.got == "" {
		t.Fatal("the step did not fail")
	}
	for _, f := range forbidden {
		if strings.Contains(e.got, f) {
			t.Errorf("the CLI output holds %q:\n%s", f, e.got)
		}
	}
}

func wantError(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

// A 307 on bulk_delete is not followed: the deletion is sent once, to the
// address reviewed, and the apply fails saying why.
func TestAccHostileServer_RedirectOnBulkDelete(t *testing.T) {
	t.Parallel()
	api, provider := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case hostileBulkPath:
			http.Redirect(w, r, "/api/projects/1/persons/bulk_delete_elsewhere/", http.StatusTemporaryRedirect)
			return true
		case "/api/projects/1/persons/bulk_delete_elsewhere/":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"persons_found":1,"persons_deleted":1,"persons_queued_for_deletion":0}`))
			return true
		}
		return false
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: provider + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`,
			ExpectError: wantError(`redirect \(307\).*a write never follows a redirect, so nothing was sent again`),
		}},
	})
	if n := api.count("POST " + hostileBulkPath); n != 1 {
		t.Errorf("bulk_delete was sent %d times; want once, never re-sent", n)
	}
	for _, m := range []string{"GET", "POST"} {
		if n := api.count(m + " /api/projects/1/persons/bulk_delete_elsewhere/"); n != 0 {
			t.Errorf("the redirect target received %d %s requests", n, m)
		}
	}
}

// A legacy next link into another project is refused; project 2 is never
// asked.
func TestAccHostileServer_NextLinkIntoAnotherProject(t *testing.T) {
	t.Parallel()
	api, provider := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/api/projects/1/persons/lifecycle/" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"results":[{"people":[{"id":%q,"uuid":%q,"distinct_ids":["alice"],"properties":{},"created_at":"2026-01-01T00:00:00Z"}],"count":1}],"next":"http://%s/api/projects/2/persons/lifecycle/?offset=1"}`,
			hostileUUID, hostileUUID, r.Host)
		return true
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: provider + `
data "posthog_lifecycle_persons" "test" {
  api       = "legacy"
  events    = [{ event = "$pageview" }]
  date_from = "2020-01-05"
  date_to   = "2020-01-19"
  day       = "2020-01-12"
  status    = "new"
  page_size = 1
  limit     = 5
}
`,
			PlanOnly:    true,
			ExpectError: wantError(`leads to /api/projects/2/persons/lifecycle/, not to /api/projects/1/persons/lifecycle/`),
		}},
	})
	if n := api.count("GET /api/projects/2/persons/lifecycle/"); n != 0 {
		t.Errorf("project 2 was asked %d times", n)
	}
}

// An error body that echoes the key: the CLI shows PostHog's message with the
// key masked, and the failure recorded in state (the evidence) holds no key
// either.
func TestAccHostileServer_ErrorEchoesTheKey(t *testing.T) {
	t.Parallel()
	_, provider := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != hostileBulkPath {
			return false
		}
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Content-Type", "application/json")
		// A server error, not a refusal: PostHog may have acted on the call, so
		// the failed create keeps its record, which must not hold the key.
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintf(w, `{"type":"server_error","code":"error","detail":"key %s may not delete; header was Bearer %s","attr":null}`, key, key)
		return true
	})
	config := provider + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`
	failure := &expectFailure{want: wantError(`key \(redacted\) may not delete; header was Bearer \(redacted\)`)}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		ErrorCheck:               failure.check,
		Steps: []resource.TestStep{
			{Config: config},
			{
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					noKeyInPlan{key: hostileKey, want: "(redacted)"},
				}},
			},
		},
	})
	failure.assert(t, hostileKey)
}

// noKeyInPlan fails when the key appears in the state a plan starts from or
// in what it plans, and checks that the state records the failure (want) at
// all. (The configuration part of a plan holds the key as written in the
// provider block, which is the user's text, not a leak.)
type noKeyInPlan struct{ key, want string }

func (c noKeyInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal([]any{req.Plan.PriorState, req.Plan.PlannedValues, req.Plan.ResourceChanges, req.Plan.OutputChanges})
	if err != nil {
		resp.Error = err
		return
	}
	switch {
	case req.Plan.PriorState == nil:
		resp.Error = errors.New("the plan has no prior state: the failed apply recorded nothing")
	case strings.Contains(string(b), c.key):
		resp.Error = fmt.Errorf("the plan or its prior state holds the API key")
	case !strings.Contains(string(b), c.want):
		resp.Error = fmt.Errorf("the prior state does not record the failure (no %q in it)", c.want)
	}
}

// ANSI escapes and line tricks in PostHog's detail do not reach the
// terminal.
func TestAccHostileServer_ANSIInDetail(t *testing.T) {
	t.Parallel()
	_, provider := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/api/projects/1/persons/deletion_status/" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"type":"validation_error","code":"invalid","detail":"\u001b[2J\u001b[1;1H\u001b[32mAll good: deleted 0 persons\u001b[0m\r\u001b]0;owned\u0007 bad filter"}`))
		return true
	})
	failure := &expectFailure{want: wantError(`All good: deleted 0 persons bad filter`)}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		ErrorCheck:               failure.check,
		Steps: []resource.TestStep{{
			Config:   provider + "data \"posthog_person_deletion_status\" \"test\" {}\n",
			PlanOnly: true,
		}},
	})
	failure.assert(t, "\x1b", "\r", "\a", "owned")
}

// Retry-After: 86400 fails the plan at once, saying what PostHog asked and
// how to accept it, instead of waiting a day.
func TestAccHostileServer_RetryAfterADay(t *testing.T) {
	t.Parallel()
	api, provider := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/api/projects/1/persons/batch_by_distinct_ids/" {
			return false
		}
		w.Header().Set("Retry-After", "86400")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"type":"throttled_error","code":"throttled","detail":"Request was throttled.","attr":null}`))
		return true
	})
	began := time.Now()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      provider + "data \"posthog_persons\" \"test\" {\n  distinct_ids = [\"alice\"]\n}\n",
			PlanOnly:    true,
			ExpectError: wantError(`PostHog asked to wait 24h0m0s \(Retry-After: 86400\) before retrying, longer than the longest accepted wait of 5m0s.*raise the provider's max_retry_wait`),
		}},
	})
	if took := time.Since(began); took > time.Minute {
		t.Errorf("the plan took %s; it must fail fast", took)
	}
	if n := api.count("POST /api/projects/1/persons/batch_by_distinct_ids/"); n != 1 {
		t.Errorf("batch_by_distinct_ids was asked %d times; want once, no retry", n)
	}
}

// A query that never completes ends with the data source's timeouts.read,
// and the error says which bound ended it and how to raise it.
func TestAccHostileServer_ReadTimeout(t *testing.T) {
	t.Parallel()
	_, provider := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/api/projects/1/query/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"query_status":{"id":"q1","complete":false,"error":false}}`))
		return true
	})
	began := time.Now()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: provider + `
data "posthog_lifecycle_persons" "test" {
  api    = "query"
  events = [{ event = "$pageview" }]
  date_from = "2020-01-05"
  date_to   = "2020-01-19"
  day    = "2020-01-12"
  status = "new"
  timeouts {
    read = "2s"
  }
}
`,
			PlanOnly:    true,
			ExpectError: wantError(`did not finish within timeouts.read \(2s\).*timeouts { read = "15m" }`),
		}},
	})
	if took := time.Since(began); took > time.Minute {
		t.Errorf("the plan took %s", took)
	}
}

// A timeouts.read that is not positive is refused before any request.
func TestAccHostileServer_ZeroReadTimeout(t *testing.T) {
	t.Parallel()
	api, provider := newHostileAPI(t, nil)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      provider + "data \"posthog_persons\" \"test\" {\n  distinct_ids = [\"alice\"]\n  timeouts {\n    read = \"0s\"\n  }\n}\n",
			PlanOnly:    true,
			ExpectError: wantError(`Invalid timeout.*timeouts.read must be a positive duration`),
		}},
	})
	if n := api.count("POST /api/projects/1/persons/batch_by_distinct_ids/"); n != 0 {
		t.Errorf("%d lookups with an invalid timeout", n)
	}
}

// The key an error body echoes reaches neither the CLI's output, TRACE
// logs, nor state, through the real CLI with the key in the environment as
// users set it.
func TestAccHostileServer_EchoedKeyNotInTraceLogs(t *testing.T) {
	t.Parallel()
	api, _ := newHostileAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != hostileBulkPath {
			return false
		}
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintf(w, `{"type":"server_error","code":"error","detail":"backend said %s","attr":null}`, key)
		return true
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	cli := acctest.NewCLI(t)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	cli.SetEnv("TF_LOG=TRACE", "TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH="+logPath, "POSTHOG_API_KEY="+hostileKey)
	cli.WriteConfig(t, fmt.Sprintf(`
provider "posthog" {
  host                   = %q
  project_id             = "1"
  max_retries            = 1
  rate_limit_journal_dir = %q
}

resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`, srv.URL, t.TempDir()))
	out, err := cli.Run("apply", "-auto-approve")
	if err == nil || !strings.Contains(out, "backend said (redacted)") {
		t.Fatalf("the apply should fail with PostHog's detail, key masked: %v\n%s", err, out)
	}
	logs, err := os.ReadFile(logPath)
	if err != nil || len(logs) == 0 {
		t.Fatalf("no TRACE log at %s: %v", logPath, err)
	}
	// The provider quietens only the SDK lines Terraform would drop (see
	// internal/pluginlog); asked for TRACE, the framework's lines are there.
	if !strings.Contains(string(logs), "@module=sdk.framework") || !strings.Contains(string(logs), "@module=sdk.proto") {
		t.Error("the TRACE log lacks the plugin SDK's lines")
	}
	state, _ := os.ReadFile(filepath.Join(cli.Dir, "terraform.tfstate"))
	for what, text := range map[string]string{"the CLI output": out, "the TRACE log": string(logs), "the state": string(state)} {
		if strings.Contains(text, hostileKey) {
			t.Errorf("%s holds the API key", what)
		}
	}
}
