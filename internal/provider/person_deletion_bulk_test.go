package provider_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// writeIDFile writes ids one per line, with a trailing newline.
func writeIDFile(t *testing.T, file string, ids []string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func idsDigest(ids []string) string {
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return hex.EncodeToString(sum[:])
}

// callsFor is how many calls n ids take at size ids per call.
func callsFor(n, size int) int { return (n + size - 1) / size }

// expectCalls checks the emulator's call counts for one route.
func expectCalls(env *acctest.Env, route string, want int, what string) error {
	if n := env.Emulator.Stats().Count("POST", route); n != want {
		return fmt.Errorf("%s made %d calls to %s, want %d", what, n, route, want)
	}
	return nil
}

// defaultBulkFileIDs is the size of TestAccPersonDeletion_BulkFile in make
// test: above both batch sizes (200 ids per lookup, 1000 per bulk_delete),
// and a multiple of neither, so that every pass ends with a partial batch.
// make soak sets POSTHOG_SOAK_BULK_IDS=10000.
const defaultBulkFileIDs = 1345

// N distinct ids from a file: plan and state hold counts and digests,
// lookups go in ceil(N/200) calls per pass and deletion in ceil(N/1000)
// bulk_delete calls. Then ids are added (deleted in place), removed (no API
// call) and a deleted user comes back (deleted again).
func TestAccPersonDeletion_BulkFile(t *testing.T) {
	t.Parallel()
	n := int(soakEnvInt(t, "POSTHOG_SOAK_BULK_IDS", defaultBulkFileIDs))
	if n <= 1000 {
		t.Fatalf("POSTHOG_SOAK_BULK_IDS=%d: the test needs more than 1000 ids (one bulk_delete batch)", n)
	}
	env := acctest.NewEnv(t, emulator.Config{})
	ids := numberedIDs("user-", n)
	ingestPersons(env, ids...)
	ingestPersons(env, "bystander")
	file := filepath.Join(t.TempDir(), "ids.txt")
	writeIDFile(t, file, ids)
	added := numberedIDs("late-", 5)
	grown := append(append([]string(nil), ids...), added...)
	shrunk := grown[100:]

	lookupsPerPass := callsFor(n, 200)
	config := deletionConfig(env, fmt.Sprintf(`distinct_ids_file = %q`, file))
	nullLists := func(check func(string, tfjsonpath.Path, knownvalue.Check) statecheck.StateCheck) []statecheck.StateCheck {
		var out []statecheck.StateCheck
		for _, attr := range []string{"preview_person_uuids", "preview_unmatched_ids", "deleted_person_uuids", "unmatched_ids", "remaining_person_uuids"} {
			out = append(out, check(deletionAddr, tfjsonpath.New(attr), knownvalue.Null()))
		}
		return out
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: env.Emulator.ResetStats,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(int64(n))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_digest"), knownvalue.StringExact(idsDigest(ids))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(int64(n))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_id_count"), knownvalue.Int64Exact(0)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.Null()),
					funcCheck(func() error {
						if err := expectCalls(env, batchDistinctRoute, lookupsPerPass, "the plan"); err != nil {
							return err
						}
						env.Emulator.ResetStats()
						return nil
					}),
				}},
				ConfigStateChecks: append(nullLists(statecheck.ExpectKnownValue),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(int64(n))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_id_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids_digest"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("not_requested")),
				),
				Check: func(s *terraform.State) error {
					// Apply: the final plan, the resolve before deleting and the
					// check that nothing reappeared are one lookup pass each.
					if err := expectCalls(env, batchDistinctRoute, 3*lookupsPerPass, "the apply"); err != nil {
						return err
					}
					if err := expectCalls(env, bulkDeleteRoute, callsFor(n, 1000), "the apply"); err != nil {
						return err
					}
					// Verifying each chunk of up to 1000 takes ceil(chunk/200)
					// calls: as 1000 is a multiple of 200, one pass over all persons.
					if err := expectCalls(env, batchUUIDsRoute, lookupsPerPass, "the apply"); err != nil {
						return err
					}
					if env.Exists(ids[0]) || env.Exists(ids[n-1]) || !env.Exists("bystander") {
						return fmt.Errorf("wrong persons deleted")
					}
					if attrs := s.RootModule().Resources[deletionAddr].Primary.Attributes; len(attrs) > 40 {
						return fmt.Errorf("state holds %d flat attributes; the bulk form should stay small", len(attrs))
					}
					return nil
				},
			},
			{
				// Nothing changed: the refresh is one lookup pass, the plan is empty.
				PreConfig: env.Emulator.ResetStats,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
					funcCheck(func() error { return expectCalls(env, batchDistinctRoute, lookupsPerPass, "the refresh") }),
				}},
			},
			{
				// Ids added to the file: an in-place update that deletes their persons.
				PreConfig: func() {
					ingestPersons(env, added...)
					writeIDFile(t, file, grown)
					env.Emulator.ResetStats()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(int64(n+5))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_digest"), knownvalue.StringExact(idsDigest(grown))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(5)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_uuids"), knownvalue.Null()),
					funcCheck(func() error { env.Emulator.ResetStats(); return nil }),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(int64(n+5))),
				},
				Check: func(*terraform.State) error {
					if env.Exists("late-0") || env.Exists("late-4") {
						return fmt.Errorf("added ids were not deleted")
					}
					return expectCalls(env, bulkDeleteRoute, 1, "the update")
				},
			},
			{
				// Ids removed: the plan shows the new count and digest, and the apply deletes nobody.
				PreConfig: func() {
					writeIDFile(t, file, shrunk)
					env.Emulator.ResetStats()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(int64(n+5-100))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(0)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(int64(n+5))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_digest"), knownvalue.StringExact(idsDigest(shrunk))),
				},
				Check: func(*terraform.State) error { expectNoBulkDelete(t, env); return nil },
			},
			{
				// A deleted user comes back: the refresh finds them and the plan deletes them again.
				PreConfig: func() {
					ingestPersons(env, "user-500")
					env.Emulator.ResetStats()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					priorStateValue{deletionAddr, "remaining_person_count", func(v any) error {
						if fmt.Sprint(v) != "1" {
							return fmt.Errorf("remaining_person_count after refresh = %v, want 1", v)
						}
						return nil
					}},
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_count"), knownvalue.Int64Exact(0)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(1)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// user-500 came back with the UUID PostHog derives from the
					// distinct id, so the person deleted again counts once.
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(int64(n+5))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("remaining_person_count"), knownvalue.Int64Exact(0)),
				},
				Check: func(*terraform.State) error {
					if env.Exists("user-500") {
						return fmt.Errorf("the returning user was not deleted again")
					}
					return nil
				},
			},
		},
	})
}

// uuids_file: UUIDs in any letter case, unmatched ones counted, the events
// status recorded by the apply.
func TestAccPersonDeletion_BulkUUIDFile(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")
	missing := "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	file := filepath.Join(t.TempDir(), "uuids.txt")
	writeIDFile(t, file, []string{strings.ToUpper(alice.UUID), missing, "", bob.UUID})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: deletionConfig(env, fmt.Sprintf(`
  uuids_file    = %q
  delete_events = true`, file)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_count"), knownvalue.Int64Exact(3)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("requested_digest"),
						knownvalue.StringExact(idsDigest([]string{strings.ToLower(alice.UUID), missing, strings.ToLower(bob.UUID)}))),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_person_count"), knownvalue.Int64Exact(2)),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("preview_unmatched_id_count"), knownvalue.Int64Exact(1)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("unmatched_id_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids_digest"),
						knownvalue.StringExact(idsDigest([]string{strings.ToLower(alice.UUID), strings.ToLower(bob.UUID)}))),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("events_deletion_status"), knownvalue.StringExact("pending")),
					statecheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_uuids"), knownvalue.Null()),
				},
			},
		},
	})
}

// Id-file mistakes fail at plan time with their line numbers, before any call to PostHog.
func TestAccPersonDeletion_BulkFileValidation(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	dir := t.TempDir()
	write := func(name, content string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	cases := []struct{ name, body, want string }{
		{"duplicates", fmt.Sprintf(`distinct_ids_file = %q`, write("dup.txt", "a\nb\na\n")),
			`(?s)Invalid id file.*1 lines repeat an earlier distinct id: line 3 \(same as line 1\)`},
		{"whitespace line", fmt.Sprintf(`distinct_ids_file = %q`, write("blank.txt", "a\n \t\nb\n")),
			`(?s)Invalid id file.*only whitespace.*line 2`},
		{"missing file", fmt.Sprintf(`distinct_ids_file = %q`, filepath.Join(dir, "nope.txt")), `(?s)Cannot read the id file`},
		{"invalid uuid", fmt.Sprintf(`uuids_file = %q`, write("u.txt", "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b\nalice\n")),
			`(?s)not person UUIDs.*line 2 \("alice"\)`},
		{"uuid case duplicate", fmt.Sprintf(`uuids_file = %q`, write("u2.txt", "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b\n0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B\n")),
			`(?s)line 2 \(same as line 1\)`},
		{"file and list", fmt.Sprintf("distinct_ids_file = %q\n  distinct_ids = [\"a\"]", write("ok.txt", "a\n")),
			`(?s)Invalid Attribute Combination`},
		{"empty path", `distinct_ids_file = ""`, `(?s)distinct_ids_file.*at least 1`},
		{"tickets repeat an id", fmt.Sprintf(`tickets_file = %q`, write("t1.json", `{"T-1": ["a", "a"], "T-2": ["b"]}`)),
			`(?s)Invalid tickets file.*1 tickets list the same distinct id twice: "T-1"`},
		{"tickets not an object", fmt.Sprintf(`tickets_file = %q`, write("t2.json", `["a", "b"]`)),
			`(?s)Invalid tickets file.*one JSON object that maps each ticket`},
		{"tickets and list", fmt.Sprintf("tickets_file = %q\n  distinct_ids = [\"a\"]", write("t3.json", `{"T-1": ["a"]}`)),
			`(?s)Invalid Attribute Combination`},
	}
	// The cases run in parallel; the group returns when they have all ended.
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				resource.UnitTest(t, resource.TestCase{
					ProtoV6ProviderFactories: protoV6ProviderFactories,
					Steps: []resource.TestStep{{
						Config:      deletionConfig(env, tc.body),
						PlanOnly:    true,
						ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)), // Terraform wraps long messages
					}},
				})
			})
		}
	})
	if n := env.Emulator.Stats().Count("POST", batchDistinctRoute) + env.Emulator.Stats().Count("POST", batchUUIDsRoute); n != 0 {
		t.Errorf("%d lookups before the configurations were valid", n)
	}
}

// TestAccPersonDeletion_BulkScale measures one bulk deletion of
// POSTHOG_BULK_SCALE distinct ids (for example 1000, 10000, 100000) with the
// provider's rate limits off: plan and apply wall time, CPU of this process
// (provider, emulator and test harness; Terraform runs as a child process)
// and the call counts. It is skipped unless the variable is set:
//
//	POSTHOG_BULK_SCALE=100000 go test -count=1 -v -run TestAccPersonDeletion_BulkScale ./internal/provider/
func TestAccPersonDeletion_BulkScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("POSTHOG_BULK_SCALE"))
	if n <= 0 {
		t.Skip("set POSTHOG_BULK_SCALE to the number of ids to measure")
	}
	env := acctest.NewEnv(t, emulator.Config{})
	ids := numberedIDs("user-", n)
	for start := 0; start < n; start += 10000 {
		ingestPersons(env, ids[start:min(start+10000, n)]...)
	}
	file := filepath.Join(t.TempDir(), "ids.txt")
	writeIDFile(t, file, ids)
	config := env.ProviderConfig() + fmt.Sprintf(`
provider "posthog" {
  alias               = "fast"
  host                = %q
  api_key             = %q
  project_id          = "1"
  rate_limits_enabled = false
}

resource "posthog_person_deletion" "test" {
  provider          = posthog.fast
  distinct_ids_file = %q
}
`, env.URL, acctest.APIKey, file)

	var (
		start   time.Time
		cpu0    time.Duration
		planned string
	)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	begin := func() { env.Emulator.ResetStats(); start = time.Now(); cpu0 = cpu() }
	report := func(what string) string {
		stats := env.Emulator.Stats()
		return fmt.Sprintf("%s N=%d: wall %.2fs, process CPU %.2fs, batch_by_distinct_ids %d, batch_by_uuids %d, bulk_delete %d",
			what, n, time.Since(start).Seconds(), (cpu() - cpu0).Seconds(), stats.Count("POST", batchDistinctRoute),
			stats.Count("POST", batchUUIDsRoute), stats.Count("POST", bulkDeleteRoute))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: begin,
				Config:    config,
				PlanOnly:  true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					funcCheck(func() error { planned = report("plan"); return nil }),
				}},
			},
			{
				PreConfig: begin,
				Config:    config,
				Check: func(*terraform.State) error {
					t.Log(planned)
					t.Log(report("plan+apply"))
					var ru syscall.Rusage
					_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
					t.Logf("peak RSS of this process: %d MB", ru.Maxrss/1024)
					if got := env.Emulator.Stats().Count("POST", bulkDeleteRoute); got != callsFor(n, 1000) {
						return fmt.Errorf("bulk_delete called %d times, want %d", got, callsFor(n, 1000))
					}
					return nil
				},
			},
		},
	})
}
