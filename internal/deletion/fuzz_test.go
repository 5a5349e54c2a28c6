package deletion

import (
	"strings"
	"testing"
)

// FuzzParseImportID checks that any import id either fails with a message
// or yields a request the resource can use: known kind, no empty ids,
// canonical UUIDs for the uuids form.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{
		"12345:distinct_ids:alice@example.com,bob", "distinct_ids:a", "uuids:0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b",
		"1:uuids:not-a-uuid", "0:distinct_ids:a", ":distinct_ids:a", "distinct_ids:", "distinct_ids:a,,b",
		"x:y:z", "-1:uuids:0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		r, err := ParseImportID(id)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(r.IDs) == 0 || r.ProjectID < 0 {
			t.Fatalf("%q parsed to %+v", id, r)
		}
		for _, entry := range r.IDs {
			if strings.TrimSpace(entry) == "" {
				t.Fatalf("%q parsed to an empty id", id)
			}
			if r.ByUUID && !CanonicalUUID.MatchString(entry) {
				t.Fatalf("%q parsed to the non-UUID %q", id, entry)
			}
		}
		if got := r.ResourceID(); !strings.Contains(got, r.IDKind()) {
			t.Fatalf("deletion id %q does not name the kind", got)
		}
	})
}
