package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
		r, err := parseImportID(id)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(r.ids) == 0 || r.projectID < 0 {
			t.Fatalf("%q parsed to %+v", id, r)
		}
		for _, entry := range r.ids {
			if strings.TrimSpace(entry) == "" {
				t.Fatalf("%q parsed to an empty id", id)
			}
			if r.byUUID && !canonicalUUID.MatchString(entry) {
				t.Fatalf("%q parsed to the non-UUID %q", id, entry)
			}
		}
		if got := deletionID(r); !strings.Contains(got, r.idKind()) {
			t.Fatalf("deletion id %q does not name the kind", got)
		}
	})
}

// FuzzIDValidators checks that the id validators agree with the rules the
// deletion relies on: a UUID that passes is canonical, and a distinct id
// that passes is not blank.
func FuzzIDValidators(f *testing.F) {
	for _, seed := range []string{"0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b", "0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B",
		"{0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b}", "urn:uuid:0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b", " ", "", "alice", " alice", "12"} {
		f.Add(seed)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, id string) {
		req := validator.StringRequest{Path: path.Root("id"), ConfigValue: types.StringValue(id)}

		uuidResp := &validator.StringResponse{}
		personUUIDValidator{}.ValidateString(ctx, req, uuidResp)
		if !uuidResp.Diagnostics.HasError() && (len(id) != 36 || strings.Count(id, "-") != 4) {
			t.Fatalf("UUID validator accepted %q", id)
		}

		distinctResp := &validator.StringResponse{}
		distinctIDValidator{}.ValidateString(ctx, req, distinctResp)
		if !distinctResp.Diagnostics.HasError() && strings.TrimSpace(id) == "" {
			t.Fatalf("distinct id validator accepted blank %q", id)
		}

		personResp := &validator.StringResponse{}
		personIDValidator{}.ValidateString(ctx, req, personResp)
		if !personResp.Diagnostics.HasError() && uuidResp.Diagnostics.HasError() && strings.TrimLeft(id, "0123456789") != "" {
			t.Fatalf("person id validator accepted %q, neither a UUID nor a number", id)
		}
	})
}
