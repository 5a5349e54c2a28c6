package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// validateOneRequestForm replaced resourcevalidator.ExactlyOneOf for speed;
// it must judge as that validator did: two forms name the first, none is
// an error unless a form is unknown (it may be set at apply), and an unknown
// form beside a set one is still two at most when known.
func TestValidateOneRequestForm(t *testing.T) {
	ids := types.ListValueMust(types.StringType, nil)
	null := types.ListNull(types.StringType)
	cases := []struct {
		name    string
		model   personDeletionModel
		summary string // "" = no error
		attr    string
	}{
		{"none", personDeletionModel{DistinctIDs: null, UUIDs: null, Emails: null, DistinctIDsWO: null, UUIDsWO: null,
			DistinctIDsFile: types.StringNull(), UUIDsFile: types.StringNull(), TicketsFile: types.StringNull()}, "Missing Attribute Configuration", ""},
		{"one list", personDeletionModel{DistinctIDs: ids, UUIDs: null, Emails: null, DistinctIDsWO: null, UUIDsWO: null,
			DistinctIDsFile: types.StringNull(), UUIDsFile: types.StringNull(), TicketsFile: types.StringNull()}, "", ""},
		{"a list and a file", personDeletionModel{DistinctIDs: null, UUIDs: ids, Emails: null, DistinctIDsWO: null, UUIDsWO: null,
			DistinctIDsFile: types.StringNull(), UUIDsFile: types.StringNull(), TicketsFile: types.StringValue("t.json")}, "Invalid Attribute Combination", "uuids"},
		{"only an unknown form", personDeletionModel{DistinctIDs: types.ListUnknown(types.StringType), UUIDs: null, Emails: null, DistinctIDsWO: null, UUIDsWO: null,
			DistinctIDsFile: types.StringNull(), UUIDsFile: types.StringNull(), TicketsFile: types.StringNull()}, "", ""},
		{"two set and one unknown", personDeletionModel{DistinctIDs: ids, UUIDs: ids, Emails: types.ListUnknown(types.StringType), DistinctIDsWO: null, UUIDsWO: null,
			DistinctIDsFile: types.StringNull(), UUIDsFile: types.StringNull(), TicketsFile: types.StringNull()}, "Invalid Attribute Combination", "distinct_ids"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			validateOneRequestForm(c.model, &diags)
			if c.summary == "" {
				if diags.HasError() {
					t.Fatalf("unexpected error: %v", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Summary() != c.summary {
				t.Fatalf("diagnostics = %v, want one %q", diags, c.summary)
			}
			if !strings.Contains(diags[0].Detail(), "[distinct_ids,uuids,emails,distinct_ids_file,uuids_file,tickets_file,distinct_ids_wo,uuids_wo]") {
				t.Errorf("detail %q does not list the request forms", diags[0].Detail())
			}
			if withPath, ok := diags[0].(diag.DiagnosticWithPath); c.attr != "" && (!ok || withPath.Path().String() != c.attr) {
				t.Errorf("the error is not on %s: %v", c.attr, diags[0])
			}
		})
	}
}
