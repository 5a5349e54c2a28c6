package deletion

import (
	"slices"
	"strings"
	"testing"
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
		got, err := ParseImportID(tc.id)
		if err != nil {
			t.Errorf("ParseImportID(%q): %v", tc.id, err)
			continue
		}
		if got.ProjectID != tc.project || got.ByUUID != tc.byUUID || !slices.Equal(got.IDs, tc.ids) {
			t.Errorf("ParseImportID(%q) = %+v", tc.id, got)
		}
	}
	for _, id := range []string{"", "alice", "emails:a", "0:distinct_ids:a", "x:uuids:" + u, "distinct_ids:", "distinct_ids:a,,b", "uuids:nope"} {
		if _, err := ParseImportID(id); err == nil {
			t.Errorf("ParseImportID(%q) succeeded; want an error", id)
		}
	}
}

func TestDeletionIDIsStable(t *testing.T) {
	a := (Request{ProjectID: 1, IDs: []string{"alice", "bob"}}).ResourceID()
	if b := (Request{ProjectID: 1, IDs: []string{"bob", "alice"}}).ResourceID(); a != b {
		t.Errorf("order changes the id: %s vs %s", a, b)
	}
	if !strings.HasPrefix(a, "1:distinct_ids:") {
		t.Errorf("id %q lacks project and kind", a)
	}
	for _, other := range []Request{
		{ProjectID: 2, IDs: []string{"alice", "bob"}},
		{ProjectID: 1, IDs: []string{"alice"}},
		{ProjectID: 1, IDs: []string{"alice", "bob"}, ByUUID: true},
	} {
		if (other).ResourceID() == a {
			t.Errorf("%+v has the same id as another request", other)
		}
	}
	const lower, upper = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b", "0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B"
	if (Request{ProjectID: 1, ByUUID: true, IDs: []string{lower}}).ResourceID() !=
		(Request{ProjectID: 1, ByUUID: true, IDs: []string{upper}}).ResourceID() {
		t.Error("uuid case changes the id")
	}
	// Distinct ids are case-sensitive in PostHog.
	if (Request{ProjectID: 1, IDs: []string{"Alice"}}).ResourceID() == (Request{ProjectID: 1, IDs: []string{"alice"}}).ResourceID() {
		t.Error("distinct id case does not change the id")
	}
}

func TestUnmatchedAfter(t *testing.T) {
	matched := map[string]struct{}{"a": {}}
	// Creating: every unmatched id counts.
	if got := UnmatchedAfter([]string{"a", "b", "c"}, nil, nil, matched, true); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("create: %v", got)
	}
	// Update: b matched (and was deleted) before, c never matched, d is new.
	priorDIDs := make([]string, 2, 10) // spare capacity: the helper must not write into it
	copy(priorDIDs, []string{"b", "c"})
	got := UnmatchedAfter([]string{"a", "b", "c", "d"}, priorDIDs, []string{"c"}, matched, false)
	if !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("update: %v, want [c d]", got)
	}
	if priorDIDs[:cap(priorDIDs)][2] != "" {
		t.Error("UnmatchedAfter wrote into the caller's slice")
	}
}
