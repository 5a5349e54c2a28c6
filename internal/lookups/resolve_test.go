package lookups

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// A server whose batch lookups answer with the given results, keyed as
// PostHog keys them (docs/dev/posthog-behaviour.md#batch-lookups).
func serviceAnswering(t *testing.T, results map[string]any) *Service {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/persons/batch_by_distinct_ids/") && !strings.HasSuffix(r.URL.Path, "/persons/batch_by_uuids/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
	}))
	t.Cleanup(srv.Close)
	client, err := posthog.NewClient(posthog.Config{Host: srv.URL, APIKey: "phx_test", RateLimits: posthog.RateLimits{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	return New(client, RosterConfig{})
}

const (
	aliceUUID = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	otherUUID = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f0000"
)

func person(uuid string, distinctIDs ...string) map[string]any {
	return map[string]any{"id": 1, "uuid": uuid, "distinct_ids": distinctIDs, "properties": map[string]any{}}
}

func TestResolve_UsesOnlyAnswersThatFitTheQuestion(t *testing.T) {
	tenOthers := []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"}
	for _, tc := range []struct {
		name    string
		byUUID  bool
		ids     []string
		results map[string]any
		wantErr bool
	}{
		{"the person has the distinct id", false, []string{"alice"}, map[string]any{"alice": person(aliceUUID, "alice", "a@x")}, false},
		{"a person without the requested distinct id", false, []string{"alice"}, map[string]any{"alice": person(aliceUUID, "mallory")}, true},
		{"a full list of 10 may leave the requested id out", false, []string{"alice"}, map[string]any{"alice": person(aliceUUID, tenOthers...)}, false},
		{"a uuid that is no UUID", false, []string{"alice"}, map[string]any{"alice": person("not-a-uuid", "alice")}, true},
		{"no uuid at all", false, []string{"alice"}, map[string]any{"alice": map[string]any{"id": 1, "distinct_ids": []string{"alice"}}}, true},
		{"the requested UUID", true, []string{strings.ToUpper(aliceUUID)}, map[string]any{aliceUUID: person(aliceUUID, "alice")}, false},
		{"another person for the requested UUID", true, []string{aliceUUID}, map[string]any{aliceUUID: person(otherUUID, "alice")}, true},
		{"ids nobody asked about are ignored", false, []string{"alice"}, map[string]any{"bob": person(otherUUID, "mallory")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serviceAnswering(t, tc.results).Resolve(t.Context(), 1, tc.byUUID, tc.ids)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "does not fit the question") || strings.Contains(err.Error(), "alice") {
					t.Fatalf("err = %v; want an error that names no id", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for id, p := range got {
				if p.UUID == otherUUID || (id != tc.ids[0]) {
					t.Errorf("resolved %q to %+v", id, p)
				}
			}
		})
	}
}
