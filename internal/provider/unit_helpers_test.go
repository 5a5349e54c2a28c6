package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
