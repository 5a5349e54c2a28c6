package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestParseImportID(t *testing.T) {
	const u = "0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B"
	good := []struct {
		id      string
		project int64
		byUUID  bool
		ids     []string
	}{
		{"distinct_ids:alice", 0, false, []string{"alice"}},
		{"42:distinct_ids:alice,bob@example.com", 42, false, []string{"alice", "bob@example.com"}},
		{"distinct_ids:a:b", 0, false, []string{"a:b"}}, // colons inside ids survive
		{"7:uuids:" + u, 7, true, []string{u}},
	}
	for _, tc := range good {
		got, err := parseImportID(tc.id)
		if err != nil {
			t.Errorf("parseImportID(%q): %v", tc.id, err)
			continue
		}
		if got.projectID != tc.project || got.byUUID != tc.byUUID || !slices.Equal(got.ids, tc.ids) {
			t.Errorf("parseImportID(%q) = %+v", tc.id, got)
		}
	}
	for _, id := range []string{"", "alice", "emails:a", "0:distinct_ids:a", "x:uuids:" + u, "distinct_ids:", "distinct_ids:a,,b", "uuids:nope"} {
		if _, err := parseImportID(id); err == nil {
			t.Errorf("parseImportID(%q) succeeded; want an error", id)
		}
	}
}

func TestDeletionIDIsStable(t *testing.T) {
	a := deletionID(deletionRequest{projectID: 1, ids: []string{"alice", "bob"}})
	if b := deletionID(deletionRequest{projectID: 1, ids: []string{"bob", "alice"}}); a != b {
		t.Errorf("order changes the id: %s vs %s", a, b)
	}
	if !strings.HasPrefix(a, "1:distinct_ids:") {
		t.Errorf("id %q lacks project and kind", a)
	}
	for _, other := range []deletionRequest{
		{projectID: 2, ids: []string{"alice", "bob"}},
		{projectID: 1, ids: []string{"alice"}},
		{projectID: 1, ids: []string{"alice", "bob"}, byUUID: true},
	} {
		if deletionID(other) == a {
			t.Errorf("%+v has the same id as another request", other)
		}
	}
	const lower, upper = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b", "0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B"
	if deletionID(deletionRequest{projectID: 1, byUUID: true, ids: []string{lower}}) !=
		deletionID(deletionRequest{projectID: 1, byUUID: true, ids: []string{upper}}) {
		t.Error("uuid case changes the id")
	}
	// Distinct ids are case-sensitive in PostHog.
	if deletionID(deletionRequest{projectID: 1, ids: []string{"Alice"}}) == deletionID(deletionRequest{projectID: 1, ids: []string{"alice"}}) {
		t.Error("distinct id case does not change the id")
	}
}

func TestUnmatchedAfter(t *testing.T) {
	matched := map[string]struct{}{"a": {}}
	// Creating: every unmatched id counts.
	if got := unmatchedAfter([]string{"a", "b", "c"}, nil, nil, nil, matched, true); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("create: %v", got)
	}
	// Update: b matched (and was deleted) before, c never matched, d is new.
	priorDIDs := make([]string, 2, 10) // spare capacity: the helper must not write into it
	copy(priorDIDs, []string{"b", "c"})
	got := unmatchedAfter([]string{"a", "b", "c", "d"}, priorDIDs, nil, []string{"c"}, matched, false)
	if !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("update: %v, want [c d]", got)
	}
	if priorDIDs[:cap(priorDIDs)][2] != "" {
		t.Error("unmatchedAfter wrote into the caller's slice")
	}
}

func TestWarnAboutRemovedIDs(t *testing.T) {
	list := func(ids ...string) types.List { return stringListValue(ids) }
	state := personDeletionModel{DistinctIDs: list("a", "b", "c"), UUIDs: types.ListNull(types.StringType)}
	var diags diag.Diagnostics
	warnAboutRemovedIDs(personDeletionModel{DistinctIDs: list("a"), UUIDs: types.ListNull(types.StringType)}, state, &diags)
	// The ids stay out of the warning: diagnostics are logged at WARN level.
	if len(diags) != 1 || diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "2 ids were removed") ||
		strings.Contains(diags[0].Detail(), "b, c") {
		t.Errorf("diagnostics = %v", diags)
	}
	diags = nil
	warnAboutRemovedIDs(personDeletionModel{DistinctIDs: list("a", "b", "c", "d"), UUIDs: types.ListNull(types.StringType)}, state, &diags)
	if len(diags) != 0 {
		t.Errorf("adding ids warned: %v", diags)
	}
}
