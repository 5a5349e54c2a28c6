package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
