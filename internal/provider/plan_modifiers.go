package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
)

// replaceUnlessImported forces replacement when a deletion flag changes,
// except when state has no value for it: an imported deletion cannot tell
// which flags were used, so the first apply after import adopts the
// configured flags in place instead of replacing the resource.
func replaceUnlessImported() planmodifier.Bool {
	return boolplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = !req.StateValue.IsNull()
		},
		"Changing this flag forces a new resource, except right after an import.",
		"Changing this flag forces a new resource, except right after an import.",
	)
}
