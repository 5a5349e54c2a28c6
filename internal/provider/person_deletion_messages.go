package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
)

// Plan-time messages of posthog_person_deletion. They give counts, never
// ids: diagnostics are logged at WARN level, where distinct ids (often
// emails) must not appear.

func warnAboutDestroy(diags *diag.Diagnostics) {
	diags.AddWarning("Destroying a person deletion does not restore anyone",
		"Destroying posthog_person_deletion only removes it from Terraform state. The persons, events and recordings "+
			"it deleted stay deleted; PostHog deletions cannot be undone.")
}

// warnAboutRemovedIDs warns that ids left the request (list form).
func warnAboutRemovedIDs(plan, state personDeletionModel, diags *diag.Diagnostics) {
	if plan.DistinctIDs.IsUnknown() || plan.UUIDs.IsUnknown() {
		return
	}
	removed := deletion.RemovedIDs(append(stringList(state.DistinctIDs), stringList(state.UUIDs)...),
		append(stringList(plan.DistinctIDs), stringList(plan.UUIDs)...))
	if len(removed) == 0 {
		return
	}
	diags.AddWarning("Removed ids are not restored",
		fmt.Sprintf("%d ids were removed from the request (the plan shows which). This makes no API call: the persons deleted for them stay deleted, "+
			"and Terraform no longer watches whether they come back.", len(removed)))
}

// warnAboutFewerIDs is warnAboutRemovedIDs for the file form, which keeps no
// ids in state: it can tell only that the file lists fewer ids than before.
func warnAboutFewerIDs(plan, state personDeletionModel, diags *diag.Diagnostics) {
	if plan.RequestedCount.IsUnknown() || plan.RequestedCount.IsNull() || state.RequestedCount.IsNull() || state.RequestedCount.IsUnknown() {
		return
	}
	before, now := state.RequestedCount.ValueInt64(), plan.RequestedCount.ValueInt64()
	if now >= before {
		return
	}
	diags.AddWarning("Removed ids are not restored",
		fmt.Sprintf("The request now names %d ids, %d before: at least %d ids were removed. This makes no API call: the persons "+
			"deleted for them stay deleted, and Terraform no longer watches whether they come back.", now, before, before-now))
}

func summarizeDiagnostics(d diag.Diagnostics) string {
	parts := make([]string, 0, len(d))
	for _, e := range d.Errors() {
		parts = append(parts, e.Detail())
	}
	return strings.Join(parts, "; ")
}
