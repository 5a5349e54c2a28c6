package provider

import (
	"testing"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// matchValues files persons under the requested values their property's text
// equals, as PostHog's exact filter compares text: a number 5 is "5", a
// boolean true is "true"; other letter case or a missing property matches nothing.
func TestMatchValues(t *testing.T) {
	persons := []posthog.Person{
		{UUID: "b", Properties: map[string]any{"id": float64(5)}},
		{UUID: "a", Properties: map[string]any{"id": float64(5)}},
		{UUID: "c", Properties: map[string]any{"id": true}},
		{UUID: "d", Properties: map[string]any{"id": "X"}},
		{UUID: "e", Properties: map[string]any{"id": nil}},
		{UUID: "f", Properties: map[string]any{}},
	}
	matches, unmatched := matchValues("id", []string{"5", "true", "x", "X", "5", "x", ""}, persons)
	want := map[string][]string{"5": {"a", "b"}, "true": {"c"}, "X": {"d"}}
	if len(matches) != len(want) {
		t.Fatalf("matches %v, want %v", matches, want)
	}
	for v, uuids := range want {
		if !matches[v].Equal(stringListValue(uuids)) {
			t.Errorf("matches[%q] = %v, want %v", v, matches[v], uuids)
		}
	}
	// "" is not null: the persons without the property do not match it.
	if got := stringListValue(unmatched); !got.Equal(stringListValue([]string{"x", ""})) {
		t.Errorf("unmatched %v, want [x, \"\"]", unmatched)
	}
}
