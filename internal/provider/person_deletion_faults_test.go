package provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Fault tests (reliability, RELIABILITY.md): with the emulator throttling 20% of the requests
// (each throttled answer asks for a 1 s wait), failing 10% with a server
// error and dropping 5% of the connections, with latency, a bulk deletion
// and the data sources still give exactly the right result. When retries
// run out, the diagnostic names the endpoint, the last answer and what was
// already done.
//
// make test deletes 1,500 ids (about 20-40 s, most of it the 1 s waits the
// throttled answers ask for); make soak sets POSTHOG_SOAK_FAULT_IDS=5000.

const defaultFaultIDs = 1500

// faultProviderConfig turns pacing off: the emulator does not rate-limit
// here, the faults do. The faulty runs pass maxRetries 20, the most the
// provider allows: with 35% faulty answers, 21 failed attempts in a row
// happen about once in 4 billion requests, while 11 (max_retries 10) would
// fail about one run in 200 of the ~550 requests a run makes.
func faultProviderConfig(env *acctest.Env, maxRetries int) string {
	return fmt.Sprintf(`
provider "posthog" {
  host                = %q
  api_key             = %q
  project_id          = "1"
  max_retries         = %d
  rate_limits_enabled = false
}
`, env.URL, acctest.APIKey, maxRetries)
}

func faultyEmulatorConfig() emulator.Config {
	return emulator.Config{
		Fault429:  0.20,
		Fault5xx:  0.10,
		FaultDrop: 0.05,
		Latency:   2 * time.Millisecond,
		FaultSeed: 77,
	}
}

func faultStatusCount(env *acctest.Env, status string) int {
	n := 0
	for _, byStatus := range env.Emulator.Stats().Routes {
		n += byStatus[status]
	}
	return n
}

func TestAccPersonDeletion_FaultsBulkAndDataSources(t *testing.T) {
	t.Parallel()
	n := int(soakEnvInt(t, "POSTHOG_SOAK_FAULT_IDS", defaultFaultIDs))
	env := acctest.NewEnv(t, faultyEmulatorConfig())
	ids := numberedIDs("user-", n)
	ingestPersons(env, ids...)
	bystanders := numberedIDs("bystander-", 10)
	for _, id := range bystanders {
		env.Person(t, id, id+"-anon")
	}
	deletedUUIDs := make([]string, n)
	for i, id := range ids {
		p, _ := env.Emulator.PersonByDistinctID(id)
		deletedUUIDs[i] = p.UUID
	}
	sort.Strings(deletedUUIDs)
	bystanderUUIDs := map[string]string{}
	bystanderEvents := map[string]int{}
	for _, id := range bystanders {
		p, _ := env.Emulator.PersonByDistinctID(id)
		bystanderUUIDs[id] = p.UUID
		bystanderEvents[p.UUID] = env.Emulator.EventCount(p.UUID)
	}
	file := filepath.Join(t.TempDir(), "ids.txt")
	writeIDFile(t, file, ids)

	deletion := fmt.Sprintf(`
resource "posthog_person_deletion" "test" {
  distinct_ids_file = %q
  delete_events     = true
}
`, file)
	// The 5 first deleted ids and the bystanders, in both forms.
	lookedUp := append(slices.Clone(bystanders), ids[:5]...)
	bystanderUUIDList := make([]string, 0, len(bystanders))
	for _, id := range bystanders {
		bystanderUUIDList = append(bystanderUUIDList, bystanderUUIDs[id])
	}
	dataSources := fmt.Sprintf(`
data "posthog_persons" "by_distinct_id" {
  distinct_ids = %s
}

data "posthog_persons" "by_uuid" {
  uuids = %s
}

data "posthog_person_deletion_status" "all" {}

data "posthog_person_deletion_status" "one" {
  person_uuid = %q
}
`, hclStrings(lookedUp), hclStrings(bystanderUUIDList), deletedUUIDs[0])

	start := time.Now()
	var applied time.Duration
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: faultProviderConfig(env, 20) + deletion,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(int64(n))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(int64(n))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids_digest"), knownvalue.StringExact(idsDigest(deletedUUIDs))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_id_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_count"), knownvalue.Int64Exact(0)),
				},
				Check: func(*terraform.State) error {
					applied = time.Since(start)
					for _, u := range deletedUUIDs {
						if _, ok := env.Emulator.PersonByUUID(u); ok {
							return fmt.Errorf("person %s survived the deletion", u)
						}
					}
					return checkBystanders(env, bystanders, bystanderUUIDs, bystanderEvents)
				},
			},
			{
				Config: faultProviderConfig(env, 20) + deletion + dataSources,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.posthog_persons.by_distinct_id", tfjsonpath.New("found_count"), knownvalue.Int64Exact(int64(len(bystanders)))),
					statecheck.ExpectKnownValue("data.posthog_persons.by_distinct_id", tfjsonpath.New("requested_count"), knownvalue.Int64Exact(int64(len(lookedUp)))),
					statecheck.ExpectKnownValue("data.posthog_persons.by_distinct_id", tfjsonpath.New("unmatched_ids"), knownvalue.ListExact(stringChecks(ids[:5]...))),
					statecheck.ExpectKnownValue("data.posthog_persons.by_distinct_id", tfjsonpath.New("person_uuids"), knownvalue.MapExact(func() map[string]knownvalue.Check {
						m := map[string]knownvalue.Check{}
						for id, u := range bystanderUUIDs {
							m[id] = knownvalue.StringExact(u)
						}
						return m
					}())),
					statecheck.ExpectKnownValue("data.posthog_persons.by_uuid", tfjsonpath.New("found_count"), knownvalue.Int64Exact(int64(len(bystanders)))),
					statecheck.ExpectKnownValue("data.posthog_persons.by_uuid", tfjsonpath.New("unmatched_ids"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.all", tfjsonpath.New("total_count"), knownvalue.Int64Exact(int64(n))),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.all", tfjsonpath.New("pending_count"), knownvalue.Int64Exact(int64(n))),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.all", tfjsonpath.New("completed_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.one", tfjsonpath.New("total_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.posthog_person_deletion_status.one", tfjsonpath.New("deletions").AtSliceIndex(0).AtMapKey("person_uuid"), knownvalue.StringExact(deletedUUIDs[0])),
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources["data.posthog_person_deletion_status.all"].Primary.Attributes
					var rows []string
					for i := range n {
						rows = append(rows, a[fmt.Sprintf("deletions.%d.person_uuid", i)])
					}
					sort.Strings(rows)
					if !slices.Equal(rows, deletedUUIDs) {
						return fmt.Errorf("deletion_status rows are not exactly the %d deleted persons", n)
					}
					for _, addr := range []string{"data.posthog_persons.by_distinct_id", "data.posthog_persons.by_uuid"} {
						pa := s.RootModule().Resources[addr].Primary.Attributes
						for id, u := range bystanderUUIDs {
							if got := pa[fmt.Sprintf("persons.%s.uuid", u)]; got != u {
								return fmt.Errorf("%s: persons[%s].uuid = %q", addr, u, got)
							}
							var got []string
							for i := 0; pa[fmt.Sprintf("persons.%s.distinct_ids.%d", u, i)] != ""; i++ {
								got = append(got, pa[fmt.Sprintf("persons.%s.distinct_ids.%d", u, i)])
							}
							sort.Strings(got)
							if want := []string{id, id + "-anon"}; !slices.Equal(got, want) {
								return fmt.Errorf("%s: persons[%s].distinct_ids = %v, want %v", addr, u, got, want)
							}
						}
					}
					return checkBystanders(env, bystanders, bystanderUUIDs, bystanderEvents)
				},
			},
		},
	})
	st := env.Emulator.Stats()
	t.Logf("faults: %d ids deleted in %s (whole test %s); %d requests: %d throttled, %d server errors, %d dropped",
		n, applied.Round(time.Second), time.Since(start).Round(time.Second), st.Total,
		faultStatusCount(env, "429"), faultStatusCount(env, "500"), faultStatusCount(env, "dropped"))
	if faultStatusCount(env, "429") == 0 || faultStatusCount(env, "500") == 0 || faultStatusCount(env, "dropped") == 0 {
		t.Errorf("some fault kind was never injected: %v", st.Routes)
	}
}

func checkBystanders(env *acctest.Env, bystanders []string, uuids map[string]string, events map[string]int) error {
	for _, id := range bystanders {
		p, ok := env.Emulator.PersonByDistinctID(id)
		if !ok || p.UUID != uuids[id] {
			return fmt.Errorf("bystander %s lost its person", id)
		}
		if owner, ok := env.Emulator.PersonByDistinctID(id + "-anon"); !ok || owner.UUID != p.UUID {
			return fmt.Errorf("bystander %s lost its merged id", id)
		}
		if got := env.Emulator.EventCount(p.UUID); got != events[p.UUID] {
			return fmt.Errorf("bystander %s has %d events, want %d", id, got, events[p.UUID])
		}
	}
	return nil
}

// failBulkDeleteAfter serves the emulator, but answers every bulk_delete
// call after the first ok ones with a 500, as an outage in mid-apply.
func failBulkDeleteAfter(t *testing.T, ok int) *acctest.Env {
	t.Helper()
	server := emulator.New(emulator.Config{})
	var calls atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/persons/bulk_delete") && calls.Add(1) > int64(ok) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`))
			return
		}
		server.ServeHTTP(w, r)
	})
	httpServer := httptest.NewServer(h)
	t.Cleanup(func() {
		httpServer.Close()
		server.Close()
	})
	return &acctest.Env{Emulator: server, URL: httpServer.URL, JournalDir: acctest.TempJournalDir(t)}
}

// Retries run out in the middle of a deletion: the diagnostic names the
// endpoint, the last answer, the attempts and how many persons were already
// deleted, and state records exactly those.
func TestAccPersonDeletion_FaultsRetriesExhaustedMidApply(t *testing.T) {
	t.Parallel()
	env := failBulkDeleteAfter(t, 1)
	ids := numberedIDs("user-", 1500)
	ingestPersons(env, ids...)
	env.Person(t, "bystander", "bystander-anon")
	file := filepath.Join(t.TempDir(), "ids.txt")
	writeIDFile(t, file, ids)
	config := faultProviderConfig(env, 1) + fmt.Sprintf(`
resource "posthog_person_deletion" "test" {
  distinct_ids_file = %q
}
`, file)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: regexp.MustCompile(`(?s)POST\s+/api/projects/1/persons/bulk_delete/:\s+500.*A\s+server\s+error\s+occurred\..*` +
					`gave\s+up\s+after\s+2\s+attempts.*1000\s+of\s+the\s+1500\s+persons\s+of\s+this\s+apply\s+were\s+deleted\s+before\s+this\s+error.*` +
					`State\s+records\s+only\s+the\s+1000\s+persons\s+confirmed\s+deleted`),
			},
		},
	})
	gone := 0
	for _, id := range ids {
		if !env.Exists(id) {
			gone++
		}
	}
	if gone != 1000 {
		t.Errorf("%d persons are gone, want the 1000 of the first chunk", gone)
	}
	if !env.Exists("bystander") || !env.Exists("bystander-anon") {
		t.Error("the bystander was deleted")
	}
}

// Every answer is a server error and max_retries is 1: the data sources and
// the deletion fail naming the endpoint, the last answer and the attempts,
// and nothing is deleted.
func TestAccPersonDeletion_FaultsRetriesExhausted(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{Fault5xx: 1.0, FaultSeed: 1})
	env.Person(t, "alice", "alice-anon")
	provider := faultProviderConfig(env, 1)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: provider + `
data "posthog_persons" "p" {
  distinct_ids = ["alice"]
}
`,
				ExpectError: regexp.MustCompile(`(?s)POST\s+/api/projects/1/persons/batch_by_distinct_ids/:\s+500.*gave\s+up\s+after\s+2\s+attempts`),
			},
			{
				Config: provider + `
data "posthog_person_deletion_status" "s" {}
`,
				ExpectError: regexp.MustCompile(`(?s)Unable\s+to\s+read\s+the\s+deletion\s+status.*GET\s+/api/projects/1/persons/deletion_status/.*:\s+500.*gave\s+up\s+after\s+2\s+attempts`),
			},
			{
				Config: provider + `
resource "posthog_person_deletion" "test" {
  distinct_ids = ["alice"]
}
`,
				ExpectError: regexp.MustCompile(`(?s)batch_by_distinct_ids/:\s+500.*gave\s+up\s+after\s+2\s+attempts`),
			},
		},
	})
	if !env.Exists("alice") || !env.Exists("alice-anon") {
		t.Error("alice was deleted")
	}
	if n := bulkDeleteCalls(env); n != 0 {
		t.Errorf("bulk_delete was called %d times", n)
	}
}
