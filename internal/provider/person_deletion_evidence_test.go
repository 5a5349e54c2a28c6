package provider_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// evidenceDoc is the documented evidence record, decoded independently of
// the provider's own types so that a renamed field fails here.
type evidenceDoc struct {
	FormatVersion int     `json:"format_version"`
	ResourceID    string  `json:"resource_id"`
	ProjectID     string  `json:"project_id"`
	Reason        *string `json:"reason"`
	Request       struct {
		Form             string `json:"form"`
		IDKind           string `json:"id_kind"`
		RequestedCount   int    `json:"requested_count"`
		RequestedDigest  string `json:"requested_digest"`
		DeleteEvents     bool   `json:"delete_events"`
		DeleteRecordings bool   `json:"delete_recordings"`
		KeepPerson       bool   `json:"keep_person"`
	} `json:"request"`
	Imported                 bool     `json:"imported"`
	RequestedAt              *string  `json:"requested_at"`
	ConfirmedAt              *string  `json:"confirmed_at"`
	DeletedPersonCount       int      `json:"deleted_person_count"`
	DeletedPersonUUIDs       []string `json:"deleted_person_uuids"`
	DeletedPersonUUIDsDigest *string  `json:"deleted_person_uuids_digest"`
	UnmatchedIDs             []string `json:"unmatched_ids"`
	UnmatchedIDCount         int      `json:"unmatched_id_count"`
	EventsDeletion           struct {
		Requested  bool    `json:"requested"`
		Status     string  `json:"status"`
		VerifiedAt *string `json:"verified_at"`
	} `json:"events_deletion"`
	Applies []struct {
		Reason                   *string  `json:"reason"`
		StartedAt                string   `json:"started_at"`
		FinishedAt               string   `json:"finished_at"`
		Outcome                  string   `json:"outcome"`
		Error                    *string  `json:"error"`
		RequestedCount           int      `json:"requested_count"`
		RequestedDigest          string   `json:"requested_digest"`
		PersonsMatched           int      `json:"persons_matched"`
		PersonsDeleted           int      `json:"persons_deleted"`
		DeletedPersonUUIDs       []string `json:"deleted_person_uuids"`
		DeletedPersonUUIDsDigest *string  `json:"deleted_person_uuids_digest"`
		PostHog                  struct {
			BulkDeleteCalls             int  `json:"bulk_delete_calls"`
			PersonsFound                int  `json:"persons_found"`
			PersonsDeleted              int  `json:"persons_deleted"`
			PersonsQueuedForDeletion    int  `json:"persons_queued_for_deletion"`
			DeletionErrors              int  `json:"deletion_errors"`
			EventsQueuedForDeletion     bool `json:"events_queued_for_deletion"`
			RecordingsQueuedForDeletion bool `json:"recordings_queued_for_deletion"`
			AnswersOutsideRequest       int  `json:"answers_outside_request"`
		} `json:"posthog"`
		EventsNotQueued []struct {
			PersonUUID           string `json:"person_uuid"`
			KeptRequestCreatedAt string `json:"kept_request_created_at"`
		} `json:"events_not_queued"`
	} `json:"applies"`
}

// readEvidence decodes the evidence of the deletion resource in state and
// checks the invariants every record keeps.
func readEvidence(s *terraform.State) (evidenceDoc, map[string]string, error) {
	var doc evidenceDoc
	res, ok := s.RootModule().Resources[deletionAddr]
	if !ok {
		return doc, nil, fmt.Errorf("no %s in state", deletionAddr)
	}
	attrs := res.Primary.Attributes
	raw := attrs["evidence"]
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields() // a new field must be documented here too
	if err := dec.Decode(&doc); err != nil {
		return doc, attrs, fmt.Errorf("evidence is not the documented JSON document: %v\n%s", err, raw)
	}
	if doc.FormatVersion != 1 || doc.ResourceID != attrs["id"] || doc.ProjectID != attrs["project_id"] {
		return doc, attrs, fmt.Errorf("evidence header = %d/%q/%q, want 1/%q/%q", doc.FormatVersion, doc.ResourceID, doc.ProjectID, attrs["id"], attrs["project_id"])
	}
	if doc.Request.RequestedDigest != attrs["requested_digest"] || fmt.Sprint(doc.Request.RequestedCount) != attrs["requested_count"] {
		return doc, attrs, fmt.Errorf("evidence request %d/%s differs from requested_count/digest %s/%s",
			doc.Request.RequestedCount, doc.Request.RequestedDigest, attrs["requested_count"], attrs["requested_digest"])
	}
	if fmt.Sprint(doc.DeletedPersonCount) != attrs["deleted_person_count"] || doc.EventsDeletion.Status != attrs["events_deletion_status"] {
		return doc, attrs, fmt.Errorf("evidence totals %d/%s differ from deleted_person_count/events_deletion_status %s/%s",
			doc.DeletedPersonCount, doc.EventsDeletion.Status, attrs["deleted_person_count"], attrs["events_deletion_status"])
	}
	for i, a := range doc.Applies {
		started, err1 := time.Parse(time.RFC3339, a.StartedAt)
		finished, err2 := time.Parse(time.RFC3339, a.FinishedAt)
		if err1 != nil || err2 != nil || finished.Before(started) {
			return doc, attrs, fmt.Errorf("apply %d has times %q..%q", i, a.StartedAt, a.FinishedAt)
		}
	}
	return doc, attrs, nil
}

// sha256Lines is the documented requested_digest: sha256 of the sorted ids
// joined by newlines.
func sha256Lines(ids ...string) string {
	sorted := slices.Sorted(slices.Values(ids))
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return hex.EncodeToString(sum[:])
}

func sortedCopy(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

// The record through a resource's life: created with a reason, the event
// deletion verified by PostHog's job, a returning user deleted again, and
// the reason corrected without any API call.
func TestAccPersonDeletion_Evidence(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice", "alice-anon")
	bob := env.Person(t, "bob")
	carol := env.Person(t, "carol") // a bystander
	config := func(reason string) string {
		return deletionConfig(env, fmt.Sprintf(`
  distinct_ids  = ["alice", "bob", "nobody"]
  delete_events = true
  reason        = %q`, reason))
	}
	var reborn emulator.PersonInfo
	var firstApply string
	callsBefore := 0

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("GDPR-2041"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("reason"), knownvalue.StringExact("GDPR-2041")),
					plancheck.ExpectUnknownValue(deletionAddr, tfjsonpath.New("evidence")),
				}},
				Check: func(s *terraform.State) error {
					doc, attrs, err := readEvidence(s)
					if err != nil {
						return err
					}
					if doc.Reason == nil || *doc.Reason != "GDPR-2041" || attrs["reason"] != "GDPR-2041" {
						return fmt.Errorf("reason = %v / %q, want GDPR-2041", doc.Reason, attrs["reason"])
					}
					if doc.Request.Form != "list" || doc.Request.IDKind != "distinct_ids" || doc.Request.RequestedCount != 3 ||
						doc.Request.RequestedDigest != sha256Lines("alice", "bob", "nobody") || !doc.Request.DeleteEvents ||
						doc.Request.DeleteRecordings || doc.Request.KeepPerson {
						return fmt.Errorf("request = %+v", doc.Request)
					}
					if !slices.Equal(doc.DeletedPersonUUIDs, sortedCopy(alice.UUID, bob.UUID)) || doc.DeletedPersonCount != 2 {
						return fmt.Errorf("deleted = %v (%d), want alice and bob", doc.DeletedPersonUUIDs, doc.DeletedPersonCount)
					}
					if slices.Contains(doc.DeletedPersonUUIDs, carol.UUID) || !env.Exists("carol") {
						return fmt.Errorf("the bystander carol was deleted or recorded")
					}
					if !slices.Equal(doc.UnmatchedIDs, []string{"nobody"}) || doc.UnmatchedIDCount != 1 {
						return fmt.Errorf("unmatched = %v (%d), want [nobody]", doc.UnmatchedIDs, doc.UnmatchedIDCount)
					}
					if doc.Imported || doc.EventsDeletion.Status != "pending" || !doc.EventsDeletion.Requested || doc.EventsDeletion.VerifiedAt != nil {
						return fmt.Errorf("imported %v, events deletion = %+v, want pending and unverified", doc.Imported, doc.EventsDeletion)
					}
					if len(doc.Applies) != 1 {
						return fmt.Errorf("%d applies recorded, want 1", len(doc.Applies))
					}
					a := doc.Applies[0]
					if a.Outcome != "completed" || a.Error != nil || a.Reason == nil || *a.Reason != "GDPR-2041" ||
						a.PersonsMatched != 2 || a.PersonsDeleted != 2 || a.RequestedCount != 3 ||
						!slices.Equal(a.DeletedPersonUUIDs, sortedCopy(alice.UUID, bob.UUID)) || a.DeletedPersonUUIDsDigest != nil {
						return fmt.Errorf("apply = %+v", a)
					}
					// The emulator answers synchronously (sync mode): PostHog's
					// answer says 2 found and 2 deleted in one call.
					if a.PostHog.BulkDeleteCalls != 1 || a.PostHog.PersonsFound != 2 || a.PostHog.PersonsDeleted != 2 ||
						a.PostHog.PersonsQueuedForDeletion != 0 || a.PostHog.DeletionErrors != 0 || !a.PostHog.EventsQueuedForDeletion ||
						a.PostHog.RecordingsQueuedForDeletion || a.PostHog.AnswersOutsideRequest != 0 {
						return fmt.Errorf("PostHog answers = %+v", a.PostHog)
					}
					if doc.RequestedAt == nil || *doc.RequestedAt != a.StartedAt || doc.ConfirmedAt == nil || *doc.ConfirmedAt != a.FinishedAt {
						return fmt.Errorf("requested_at/confirmed_at = %v/%v, want the apply's %s/%s", doc.RequestedAt, doc.ConfirmedAt, a.StartedAt, a.FinishedAt)
					}
					firstApply = a.StartedAt
					return nil
				},
			},
			{
				// PostHog's weekly job verifies the event deletion; a refresh
				// records it without planning any change.
				PreConfig: func() {
					if verified, _ := env.Emulator.RunDeletionJob(); verified == 0 {
						t.Fatalf("the deletion job verified nothing")
					}
				},
				RefreshState: true,
				Check: func(s *terraform.State) error {
					doc, attrs, err := readEvidence(s)
					if err != nil {
						return err
					}
					if doc.EventsDeletion.Status != "completed" || doc.EventsDeletion.VerifiedAt == nil ||
						*doc.EventsDeletion.VerifiedAt != attrs["events_deletion_verified_at"] {
						return fmt.Errorf("events deletion = %+v (attribute %q), want completed and verified", doc.EventsDeletion, attrs["events_deletion_verified_at"])
					}
					if len(doc.Applies) != 1 {
						return fmt.Errorf("a refresh added apply entries: %d", len(doc.Applies))
					}
					return nil
				},
			},
			{
				Config:           config("GDPR-2041"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// alice comes back: the re-deletion is a second entry.
				PreConfig: func() {
					env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: "alice"})
					var ok bool
					// A new person with the deleted one's UUID
					// (docs/dev/posthog-behaviour.md#person-ids-and-uuids).
					if reborn, ok = env.Emulator.PersonByDistinctID("alice"); !ok || reborn.UUID != alice.UUID || reborn.ID == alice.ID {
						t.Fatalf("ingestion did not create a new person for alice with her UUID: %+v", reborn)
					}
				},
				Config: config("GDPR-2041"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deletionAddr, tfjsonpath.New("evidence")),
				}},
				Check: func(s *terraform.State) error {
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					if len(doc.Applies) != 2 {
						return fmt.Errorf("%d applies recorded, want 2", len(doc.Applies))
					}
					second := doc.Applies[1]
					if second.Outcome != "completed" || second.PersonsDeleted != 1 || !slices.Equal(second.DeletedPersonUUIDs, []string{reborn.UUID}) ||
						second.PostHog.BulkDeleteCalls != 1 {
						return fmt.Errorf("second apply = %+v, want the returning person %s only", second, reborn.UUID)
					}
					if doc.Applies[0].StartedAt != firstApply || *doc.RequestedAt != firstApply || *doc.ConfirmedAt != second.FinishedAt {
						return fmt.Errorf("history rewritten: first apply %s (was %s), requested_at %s, confirmed_at %s",
							doc.Applies[0].StartedAt, firstApply, *doc.RequestedAt, *doc.ConfirmedAt)
					}
					if !slices.Equal(doc.DeletedPersonUUIDs, sortedCopy(alice.UUID, bob.UUID)) || doc.DeletedPersonCount != 2 {
						return fmt.Errorf("deleted = %v", doc.DeletedPersonUUIDs)
					}
					if doc.EventsDeletion.Status != "pending" || doc.EventsDeletion.VerifiedAt != nil {
						return fmt.Errorf("the returning person's events are queued, yet events deletion = %+v", doc.EventsDeletion)
					}
					callsBefore = bulkDeleteCalls(env)
					return nil
				},
			},
			{
				// Correcting the reason is an update that calls nothing.
				Config: config("GDPR-2041 (ticket moved to PRIV-7)"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deletionAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(deletionAddr, tfjsonpath.New("deleted_person_count"), knownvalue.Int64Exact(2)),
				}},
				Check: func(s *terraform.State) error {
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					if calls := bulkDeleteCalls(env); calls != callsBefore {
						return fmt.Errorf("changing the reason made %d bulk_delete calls", calls-callsBefore)
					}
					if doc.Reason == nil || *doc.Reason != "GDPR-2041 (ticket moved to PRIV-7)" || len(doc.Applies) != 2 ||
						*doc.Applies[0].Reason != "GDPR-2041" || *doc.Applies[1].Reason != "GDPR-2041" {
						return fmt.Errorf("reason %v with applies %d: each apply must keep the reason it ran under", doc.Reason, len(doc.Applies))
					}
					return nil
				},
			},
			{
				Config:           config("GDPR-2041 (ticket moved to PRIV-7)"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// After an import the record says so and holds no invented history; the
// first apply is the first entry.
func TestAccPersonDeletion_EvidenceAfterImport(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	config := deletionConfig(env, `
  distinct_ids = ["alice", "gone"]
  reason       = "DSR-88"`)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       deletionAddr,
				ImportState:        true,
				ImportStateId:      "1:distinct_ids:alice,gone",
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					raw := states[0].Attributes["evidence"]
					var doc evidenceDoc
					if err := json.Unmarshal([]byte(raw), &doc); err != nil {
						return fmt.Errorf("evidence after import: %v: %s", err, raw)
					}
					if !doc.Imported || len(doc.Applies) != 0 || doc.RequestedAt != nil || doc.ConfirmedAt != nil ||
						doc.DeletedPersonCount != 0 || doc.Reason != nil || doc.Request.RequestedDigest != sha256Lines("alice", "gone") {
						return fmt.Errorf("evidence after import = %s", raw)
					}
					return nil
				},
			},
			{
				Config: config,
				Check: func(s *terraform.State) error {
					doc, _, err := readEvidence(s)
					if err != nil {
						return err
					}
					if !doc.Imported || len(doc.Applies) != 1 || doc.Applies[0].Outcome != "completed" ||
						!slices.Equal(doc.Applies[0].DeletedPersonUUIDs, []string{alice.UUID}) || *doc.Reason != "DSR-88" {
						return fmt.Errorf("evidence after the first apply of an import = %+v", doc)
					}
					return nil
				},
			},
		},
	})
}

// The bulk form keeps digests and counts in the record, never id lists.
func TestAccPersonDeletion_EvidenceBulkForm(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	var uuids []string
	var ids []string
	for i := range 5 {
		id := fmt.Sprintf("bulk-%d", i)
		ids = append(ids, id)
		uuids = append(uuids, strings.ToLower(env.Person(t, id).UUID))
	}
	file := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(file, []byte(strings.Join(append(ids, "missing-1"), "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := deletionConfig(env, fmt.Sprintf(`
  distinct_ids_file = %q
  reason            = "CLEANUP-3"`, file))

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				doc, attrs, err := readEvidence(s)
				if err != nil {
					return err
				}
				if doc.Request.Form != "file" || doc.Request.RequestedCount != 6 || doc.DeletedPersonUUIDs != nil || doc.UnmatchedIDs != nil ||
					doc.UnmatchedIDCount != 1 || doc.DeletedPersonCount != 5 {
					return fmt.Errorf("bulk evidence = %+v", doc)
				}
				want := sha256Lines(uuids...)
				if doc.DeletedPersonUUIDsDigest == nil || *doc.DeletedPersonUUIDsDigest != want || attrs["deleted_person_uuids_digest"] != want {
					return fmt.Errorf("deleted digest = %v, want %s", doc.DeletedPersonUUIDsDigest, want)
				}
				a := doc.Applies[0]
				if len(doc.Applies) != 1 || a.DeletedPersonUUIDs != nil || a.DeletedPersonUUIDsDigest == nil || *a.DeletedPersonUUIDsDigest != want ||
					a.PersonsDeleted != 5 || a.PostHog.PersonsFound != 5 {
					return fmt.Errorf("bulk apply entry = %+v", a)
				}
				return nil
			},
		}},
	})
}

// A failed apply is recorded as failed, with what it did before failing and
// the error, and confirmed_at stays empty.
func TestAccPersonDeletion_EvidenceFailedApply(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{})
	alice := env.Person(t, "alice")
	bob := env.Person(t, "bob")
	// bob alone fails: the per-person step (docs/dev/posthog-behaviour.md#bulk-delete).
	env.Emulator.FailDeletions([]string{bob.UUID}, "tombstone_clickhouse", 10)
	cli := acctest.NewCLI(t)
	cli.WriteConfig(t, deletionConfig(env, `
  distinct_ids = ["alice", "bob"]
  reason       = "GDPR-9"`))
	if out, err := cli.Run("apply", "-auto-approve"); err == nil {
		t.Fatalf("apply succeeded although bob cannot be deleted:\n%s", out)
	}
	raw, _ := resourceValues(t, cli)["evidence"].(string)
	var doc evidenceDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("evidence after a failed apply: %v: %q", err, raw)
	}
	if len(doc.Applies) != 1 {
		t.Fatalf("applies = %d, want 1: %s", len(doc.Applies), raw)
	}
	a := doc.Applies[0]
	if a.Outcome != "failed" || a.Error == nil || !strings.Contains(*a.Error, "could not delete 1 persons") ||
		!slices.Equal(a.DeletedPersonUUIDs, []string{alice.UUID}) || a.PersonsDeleted != 1 || a.PostHog.DeletionErrors == 0 {
		t.Fatalf("failed apply entry = %+v (error %v)", a, a.Error)
	}
	if doc.ConfirmedAt != nil || doc.RequestedAt == nil {
		t.Fatalf("requested_at/confirmed_at = %v/%v; nothing was confirmed", doc.RequestedAt, doc.ConfirmedAt)
	}
	if !slices.Equal(doc.DeletedPersonUUIDs, []string{alice.UUID}) || env.Exists("alice") || !env.Exists("bob") {
		t.Fatalf("evidence claims %v deleted; alice exists %v, bob exists %v", doc.DeletedPersonUUIDs, env.Exists("alice"), env.Exists("bob"))
	}
}
